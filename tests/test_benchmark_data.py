"""`benchmarks.data.ensure_profiles`: set-based fill of varied profiles, idempotent."""

from __future__ import annotations

import pytest

from audiences.models import Identity, Profile
from benchmarks.data import ensure_profiles

pytestmark = pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a transaction


def test_fills_varied_profiles_with_identities_and_reuses_them():
    assert ensure_profiles(3000) == 3000
    assert Profile.objects.count() == 3000
    assert Identity.objects.filter(namespace="email").count() == 3000
    assert Identity.objects.filter(namespace="crm_id").count() == 3000
    cities = set(Profile.objects.values_list("city", flat=True))
    assert {"Atlanta", "San Francisco", "Seattle"} <= cities and len(cities) == 13
    years = Profile.objects.values_list("birth_year", flat=True)
    assert min(years) == 1950 and max(years) == 2008
    assert Profile.objects.filter(is_test=True).count() == 3
    assert 0 < Profile.objects.filter(consent_email=True).count() < 3000
    seed = Profile.objects.filter(
        city__in=["Atlanta", "San Francisco", "Seattle"], birth_year__gt=1980
    ).count()
    assert 250 < seed < 400  # about 3/13 of the cities × 27/59 of the years

    assert ensure_profiles(3000) == 3000  # nothing added the second time
    assert ensure_profiles(3500) == 3500  # only the missing ones
    assert Profile.objects.count() == 3500
    assert Identity.objects.count() == 7000
