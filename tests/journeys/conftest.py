import pytest

from audiences.models import Audience


@pytest.fixture
def audience(db):
    return Audience.objects.create(
        name="Seed audience",
        rule={"all": [{"field": "city", "op": "in", "value": ["Atlanta"]}]},
    )


@pytest.fixture(autouse=True)
def seed_purchase_event(db):
    """The seed's purchase event (events demo data): the seed journey waits for it."""
    from events import demo

    demo.load()
