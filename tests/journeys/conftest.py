import pytest

from audiences.models import Audience


@pytest.fixture
def audience(db):
    return Audience.objects.create(
        name="Seed audience",
        rule={"all": [{"field": "city", "op": "in", "value": ["Atlanta"]}]},
    )
