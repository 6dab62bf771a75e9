"""Demo data of `audiences`: 1,200 varied profiles (a few of them test profiles) and the seed
audience ("Atlanta, San Francisco or Seattle, born after 1980"). Idempotent."""

from __future__ import annotations

import random

from .models import Audience, Identity, Profile

DEMO_PROFILE_COUNT = 1200
SEED_AUDIENCE_NAME = "Atlanta, San Francisco & Seattle, born after 1980"
SEED_RULE = {
    "all": [
        {"field": "city", "op": "in", "value": ["Atlanta", "San Francisco", "Seattle"]},
        {"field": "birth_year", "op": "gt", "value": 1980},
    ]
}
CITIES = {
    "Atlanta": "America/New_York",
    "San Francisco": "America/Los_Angeles",
    "Seattle": "America/Los_Angeles",
    "New York": "America/New_York",
    "Chicago": "America/Chicago",
    "Boston": "America/New_York",
    "Austin": "America/Chicago",
    "Denver": "America/Denver",
    "Portland": "America/Los_Angeles",
    "Miami": "America/New_York",
    "Montreal": "America/Toronto",
    "Paris": "Europe/Paris",
    "London": "Europe/London",
}
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloé",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Inès",
    "Jamal",
    "Kara",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
    "Amir",
    "Bianca",
    "Carlos",
    "Diane",
    "Elliot",
    "Fatima",
]
LAST_NAMES = [
    "Anderson",
    "Brown",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Harris",
    "Ito",
    "Johnson",
    "Kim",
    "Lopez",
    "Martin",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Smith",
    "Taylor",
    "Umar",
    "Vargas",
    "Williams",
    "Xu",
    "Young",
    "Zhang",
]
# Named test profiles inside the seed audience, for trying journeys in test mode.
TEST_PROFILES = [
    ("Tess", "Tester", "Atlanta", 1990),
    ("Theo", "Tester", "Seattle", 1986),
    ("Tina", "Tester", "San Francisco", 1995),
    ("Tom", "Tester", "Atlanta", 1984),
    ("Talia", "Tester", "Seattle", 2001),
]


def demo_email(index: int) -> str:
    return f"customer{index:05d}@example.com"


def load() -> list[str]:
    """Create what is missing; never duplicate. Returns summary lines."""
    lines = []
    if not Identity.objects.filter(namespace="email", value=demo_email(0)).exists():
        created = _create_profiles()
        lines.append(f"{created} demo profiles created")
    else:
        lines.append("demo profiles already present")
    _, created = Audience.objects.get_or_create(
        name=SEED_AUDIENCE_NAME, defaults={"rule": SEED_RULE}
    )
    lines.append(
        f"seed audience {'created' if created else 'already present'}: {SEED_AUDIENCE_NAME}"
    )
    return lines


def _create_profiles() -> int:
    rng = random.Random(1980)
    cities = list(CITIES)
    rows: list[tuple[Profile, str]] = []
    for index, (first, last, city, year) in enumerate(TEST_PROFILES):
        email = f"{first.lower()}.tester@example.com"
        rows.append((_profile(rng, first, last, city, year, is_test=True, index=index), email))
    for index in range(DEMO_PROFILE_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city = rng.choice(cities)
        year = rng.randint(1950, 2008)
        rows.append(
            (
                _profile(rng, first, last, city, year, is_test=rng.random() < 0.02, index=index),
                demo_email(index),
            )
        )
    profiles = Profile.objects.bulk_create([profile for profile, _ in rows])
    identities = []
    for profile, (_, email) in zip(profiles, rows, strict=True):
        identities.append(Identity(profile=profile, namespace="email", value=email))
        identities.append(
            Identity(profile=profile, namespace="crm_id", value=f"C-{profile.pk:06d}")
        )
    Identity.objects.bulk_create(identities)
    return len(profiles)


def _profile(
    rng: random.Random, first: str, last: str, city: str, year: int, *, is_test: bool, index: int
) -> Profile:
    has_push = is_test or rng.random() < 0.7
    return Profile(
        first_name=first,
        last_name=last,
        city=city,
        birth_year=year,
        timezone=CITIES[city],
        phone=f"+1555{index:07d}",
        push_tokens=[f"demo-device-{first.lower()}-{index}"] if has_push else [],
        consent_email=is_test or rng.random() < 0.92,
        consent_push=has_push,
        consent_sms=is_test or rng.random() < 0.5,
        is_test=is_test,
        attributes={"loyalty_tier": rng.choice(["bronze", "silver", "gold"])},
    )
