"""Profile write services: upsert matching, merging, batches refused whole, the change hook."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from audiences import profile_changes
from audiences.models import Identity, Profile
from audiences.services import profile_writer
from audiences.services.profiles import (
    ProfileInputError,
    profile_delete,
    profile_update,
    profile_upsert,
    profiles_upsert_batch,
)

pytestmark = pytest.mark.django_db

ANA = {
    "identities": {"email": "Ana@Example.com", "crm_id": "C-17"},
    "attributes": {
        "first_name": "Ana",
        "city": "Atlanta",
        "birth_year": 1985,
        "timezone": "America/New_York",
        "tier": "gold",
    },
    "push_tokens": ["device-token-1"],
    "phone": "+1 (404) 555-0100",
    "consent": {"email": True, "push": True, "sms": False},
    "is_test": False,
}


@pytest.fixture(params=["postgres", "orm"])
def writer(request, monkeypatch):
    """Run each test with the PostgreSQL writer (COPY/unnest) and the portable ORM writer."""
    if request.param == "orm":
        monkeypatch.setattr(
            profile_writer, "profile_writer", lambda: profile_writer.ProfileWriter()
        )
        monkeypatch.setattr(
            "audiences.services.profiles.profile_writer", lambda: profile_writer.ProfileWriter()
        )
    return request.param


def identities_of(profile_id):
    return dict(Identity.objects.filter(profile_id=profile_id).values_list("namespace", "value"))


def test_upsert_creates_then_updates_the_same_profile(writer):
    created = profile_upsert(data=ANA)
    assert created.created
    profile = Profile.objects.get(pk=created.profile_id)
    assert (profile.first_name, profile.city, profile.birth_year) == ("Ana", "Atlanta", 1985)
    assert profile.phone == "+14045550100"
    assert profile.attributes == {"tier": "gold"}
    assert identities_of(profile.pk) == {"email": "ana@example.com", "crm_id": "C-17"}

    again = profile_upsert(
        data={
            "identities": {"crm_id": "C-17"},
            "attributes": {"city": "Seattle"},
            "push_tokens": ["device-2"],
        }
    )
    assert again.profile_id == profile.pk and not again.created
    profile.refresh_from_db()
    assert profile.city == "Seattle" and profile.first_name == "Ana"  # unmentioned fields kept
    assert profile.push_tokens == ["device-token-1", "device-2"]
    assert Profile.objects.count() == 1


def test_upsert_with_a_new_email_replaces_the_old_one(writer):
    first = profile_upsert(data=ANA)
    profile_upsert(data={"identities": {"crm_id": "C-17", "email": "ana.new@example.com"}})
    assert identities_of(first.profile_id) == {"email": "ana.new@example.com", "crm_id": "C-17"}
    assert not Identity.objects.filter(value="ana@example.com").exists()


def test_custom_attribute_null_removes_it(writer):
    first = profile_upsert(data=ANA)
    profile_upsert(
        data={
            "identities": {"email": "ana@example.com"},
            "attributes": {"tier": None, "pet": "cat"},
        }
    )
    assert Profile.objects.get(pk=first.profile_id).attributes == {"pet": "cat"}


def test_identities_of_two_different_profiles_are_refused(writer):
    profile_upsert(data=ANA)
    profile_upsert(data={"identities": {"email": "ben@example.com"}})
    with pytest.raises(ProfileInputError) as refused:
        profile_upsert(
            data={
                "identities": {"email": "ben@example.com", "crm_id": "C-17"},
                "attributes": {"city": "Paris"},
            }
        )
    assert [e.field for e in refused.value.errors] == ["identities"]
    assert "different profiles" in refused.value.errors[0].message
    assert not Profile.objects.filter(city="Paris").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"identities": {"email": "not-an-email"}}, "identities.email"),
        ({"identities": {"Bad Namespace": "x"}}, "identities.Bad Namespace"),
        ({"identities": {}}, "identities"),
        ({"attributes": {"city": "Paris"}}, "identities"),
        (
            {"identities": {"crm_id": "1"}, "attributes": {"birth_year": "1985"}},
            "attributes.birth_year",
        ),
        (
            {"identities": {"crm_id": "1"}, "attributes": {"birth_year": 1850}},
            "attributes.birth_year",
        ),
        (
            {"identities": {"crm_id": "1"}, "attributes": {"timezone": "Mars/Olympus"}},
            "attributes.timezone",
        ),
        ({"identities": {"crm_id": "1"}, "attributes": {"first_name": 7}}, "attributes.first_name"),
        ({"identities": {"crm_id": "1"}, "push_tokens": "abc"}, "push_tokens"),
        ({"identities": {"crm_id": "1"}, "push_tokens": ["ok", 3]}, "push_tokens[1]"),
        ({"identities": {"crm_id": "1"}, "phone": "555-0100"}, "phone"),
        ({"identities": {"crm_id": "1"}, "consent": {"fax": True}}, "consent.fax"),
        ({"identities": {"crm_id": "1"}, "consent": {"email": "yes"}}, "consent.email"),
        ({"identities": {"crm_id": "1"}, "is_test": "no"}, "is_test"),
        ({"identities": {"crm_id": "1"}, "nickname": "Ana"}, "nickname"),
    ],
)
def test_bad_payloads_name_the_field_and_store_nothing(payload, field):
    with pytest.raises(ProfileInputError) as refused:
        profile_upsert(data=payload)
    assert field in [e.field for e in refused.value.errors]
    assert Profile.objects.count() == 0


def test_batch_counts_created_and_updated(writer):
    profile_upsert(data=ANA)
    result = profiles_upsert_batch(
        items=[
            {"identities": {"email": "ana@example.com"}, "attributes": {"city": "Boston"}},
            {"identities": {"email": "ben@example.com"}},
            {"identities": {"email": "cleo@example.com"}, "attributes": {"first_name": "Cleo"}},
            {
                "identities": {"email": "cleo@example.com", "crm_id": "C-99"},
                "attributes": {"last_name": "Ray"},
            },
        ]
    )
    assert (result.created, result.updated) == (2, 1)
    assert result.ids[2] == result.ids[3]  # same person twice in one batch: one profile
    cleo = Profile.objects.get(pk=result.ids[2])
    assert (cleo.first_name, cleo.last_name) == ("Cleo", "Ray")
    assert identities_of(cleo.pk) == {"email": "cleo@example.com", "crm_id": "C-99"}
    assert Profile.objects.count() == 3


def test_batch_with_one_bad_item_is_refused_whole(writer):
    items = [{"identities": {"email": f"p{i}@example.com"}} for i in range(5)]
    items[3]["attributes"] = {"birth_year": "nineteen"}
    with pytest.raises(ProfileInputError) as refused:
        profiles_upsert_batch(items=items)
    assert [e.field for e in refused.value.errors] == ["items[3].attributes.birth_year"]
    assert Profile.objects.count() == 0


def test_batch_size_is_limited():
    with pytest.raises(ProfileInputError) as refused:
        profiles_upsert_batch(items=[{"identities": {"crm_id": str(i)}} for i in range(1001)])
    assert refused.value.errors[0].field == "items"
    with pytest.raises(ProfileInputError):
        profiles_upsert_batch(items=[])


def test_partial_batch_writes_the_good_items_and_lists_the_bad(writer):
    profile_upsert(data={"identities": {"email": "a@example.com"}})
    profile_upsert(data={"identities": {"crm_id": "B"}})
    result = profiles_upsert_batch(
        items=[
            {"identities": {"email": "new@example.com"}},
            {"identities": {"email": "a@example.com", "crm_id": "B"}},  # two profiles
            {"identities": {"email": "broken"}},
        ],
        partial=True,
    )
    assert result.created == 1
    assert [e.field for e in result.errors] == ["items[1].identities", "items[2].identities.email"]
    assert result.ids[1] is None and result.ids[2] is None
    assert Identity.objects.filter(value="new@example.com").exists()


def test_patch_replaces_push_tokens_and_refuses_another_profiles_identity(writer):
    ana = profile_upsert(data=ANA).profile_id
    profile_upsert(data={"identities": {"email": "ben@example.com"}})
    assert profile_update(profile_id=ana, data={"push_tokens": ["only-this"], "is_test": True})
    profile = Profile.objects.get(pk=ana)
    assert profile.push_tokens == ["only-this"] and profile.is_test
    with pytest.raises(ProfileInputError) as refused:
        profile_update(profile_id=ana, data={"identities": {"email": "ben@example.com"}})
    assert refused.value.errors[0].field == "identities"
    with pytest.raises(Profile.DoesNotExist):
        profile_update(profile_id=ana + 100, data={"is_test": True})


def test_delete_removes_profile_and_identities():
    ana = profile_upsert(data=ANA).profile_id
    assert profile_delete(profile_id=ana)
    assert not Identity.objects.exists()
    assert not profile_delete(profile_id=ana)
    again = profile_upsert(data=ANA)  # the email is free again: a new profile
    assert again.created and again.profile_id != ana


def test_admin_deletes_profiles_with_their_identities(admin_client):
    ana = profile_upsert(data=ANA).profile_id
    ben = profile_upsert(data={"identities": {"email": "ben@example.com"}}).profile_id
    response = admin_client.post(f"/admin/audiences/profile/{ana}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Identity.objects.values_list("profile_id", flat=True)) == [ben]
    response = admin_client.post(
        "/admin/audiences/profile/",
        {"action": "delete_selected", "_selected_action": [ben], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Profile.objects.exists() and not Identity.objects.exists()


def test_changed_profiles_are_published_after_commit(writer, django_capture_on_commit_callbacks):
    received: list[list[int]] = []
    profile_changes.subscribe(received.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ana = profile_upsert(data=ANA).profile_id
        with django_capture_on_commit_callbacks(execute=True):
            profile_upsert(data=ANA)  # changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            result = profiles_upsert_batch(
                items=[
                    {"identities": {"email": "ana@example.com"}, "attributes": {"city": "Paris"}},
                    {"identities": {"crm_id": "Z"}},
                ]
            )
    finally:
        profile_changes.unsubscribe(received.append)
    assert received == [[ana], [result.ids[1], ana]]


def test_nothing_is_published_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    received: list[list[int]] = []
    profile_changes.subscribe(received.append)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            profile_upsert(data=ANA)
        assert len(callbacks) == 1  # queued for commit only, not called inline
    finally:
        profile_changes.unsubscribe(received.append)
    assert received == []


def test_a_failing_subscriber_does_not_stop_the_others():
    received: list[list[int]] = []

    def broken(ids):
        raise RuntimeError("boom")

    profile_changes.subscribe(broken)
    profile_changes.subscribe(received.append)
    try:
        profile_changes.publish([1, 2])
    finally:
        profile_changes.unsubscribe(broken)
        profile_changes.unsubscribe(received.append)
    assert received == [[1, 2]]


def test_an_identity_created_concurrently_is_retried_as_an_update(writer, monkeypatch):
    """Two writers may both see an email as new; the one that loses the unique index retries
    and updates the winner's profile instead of failing or doubling it."""
    existing = profile_upsert(data={"identities": {"email": "race@example.com"}})
    stale_once: list[bool] = []
    for cls in (profile_writer.ProfileWriter, profile_writer.PostgresProfileWriter):
        real = cls.lookup_identities

        def lookup(self, keys, real=real):
            if not stale_once:
                stale_once.append(True)
                return {}  # as if the other writer had not committed yet
            return real(self, keys)

        monkeypatch.setattr(cls, "lookup_identities", lookup)
    outcome = profile_upsert(
        data={"identities": {"email": "race@example.com"}, "attributes": {"city": "Oslo"}}
    )
    assert (outcome.profile_id, outcome.created) == (existing.profile_id, False)
    assert list(Profile.objects.values_list("city", flat=True)) == ["Oslo"]


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\\", '"', "\\N"])
def test_new_profiles_keep_every_character_and_value(writer, char):
    """New profiles are written straight from the items (COPY text on PostgreSQL): tabs,
    newlines, backslashes and quotes come back as sent, nulls stay nulls, and the identities
    match again on the next upsert."""
    odd = {
        "identities": {"crm_id": f"C{char}17", "email": "odd@example.com"},
        "attributes": {
            "first_name": f"Ana{char}María",
            "last_name": f"O'Brien {char} Jr",
            "birth_year": None,
            "note": f"a note{char}",
            "big": 2**70,
            "nested": {"list": [1, 2.5, None, True]},
            "gone": None,
        },
        "push_tokens": [f"tok{char}1"],
        "phone": "+1 (404) 555-0100",
    }
    plain = {"identities": {"email": "plain@example.com"}, "attributes": {"birth_year": 1985}}
    result = profiles_upsert_batch(items=[odd, plain])
    assert result.created == 2 and result.created_flags == [True, True]
    profile = Profile.objects.get(pk=result.ids[0])
    assert (profile.first_name, profile.last_name) == (f"Ana{char}María", f"O'Brien {char} Jr")
    assert profile.birth_year is None and profile.phone == "+14045550100"
    assert profile.attributes == {
        "note": f"a note{char}",
        "big": 2**70,
        "nested": {"list": [1, 2.5, None, True]},
    }
    assert profile.push_tokens == [f"tok{char}1"]
    assert identities_of(profile.pk) == {"crm_id": f"C{char}17", "email": "odd@example.com"}
    other = Profile.objects.get(pk=result.ids[1])
    assert (other.first_name, other.birth_year, other.attributes, other.push_tokens) == (
        "",
        1985,
        {},
        [],
    )
    assert not (other.consent_email or other.consent_push or other.consent_sms or other.is_test)

    again = profile_upsert(
        data={"identities": {"crm_id": f"C{char}17"}, "attributes": {"city": "Rio"}}
    )
    assert (again.profile_id, again.created) == (profile.pk, False)
    profile.refresh_from_db()
    assert profile.city == "Rio" and profile.first_name == f"Ana{char}María"


def test_a_batch_that_repeats_a_new_person_makes_one_profile(writer):
    """Items sharing an identity are folded in order, also when nobody is known yet."""
    result = profiles_upsert_batch(
        items=[
            {"identities": {"email": "eve@example.com"}, "attributes": {"city": "Oslo", "a": 1}},
            {"identities": {"email": "new@example.com"}},
            {
                "identities": {"email": "eve@example.com", "crm_id": "E-1"},
                "attributes": {"city": "Bergen", "a": None, "b": 2},
                "push_tokens": ["t1"],
            },
        ]
    )
    assert (result.created, result.ids[0] == result.ids[2]) == (2, True)
    eve = Profile.objects.get(pk=result.ids[0])
    assert (eve.city, eve.attributes, eve.push_tokens) == ("Bergen", {"b": 2}, ["t1"])
    assert identities_of(eve.pk) == {"email": "eve@example.com", "crm_id": "E-1"}


def test_birth_year_is_checked_against_the_current_year():
    item = {"identities": {"crm_id": "Y"}, "attributes": {"birth_year": 2031}}
    with time_machine.travel(datetime(2030, 12, 31, 23, 0, tzinfo=UTC), tick=False):
        with pytest.raises(ProfileInputError) as refused:
            profile_upsert(data=item)
        assert refused.value.errors[0].message == "Must be between 1900 and 2030."
    with time_machine.travel(datetime(2031, 1, 1, 1, 0, tzinfo=UTC), tick=False):
        assert profile_upsert(data=item).created
