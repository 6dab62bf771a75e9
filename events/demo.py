"""Demo data of `events` (the seed's purchase event comes with the events issue)."""


def load() -> list[str]:
    return []
