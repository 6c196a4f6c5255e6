"""Merging of records into one pending write per email."""

from __future__ import annotations

import pytest

from target_salesforce_br.voters import (
    VoterMerger,
    email_key,
    is_deleted_at_source,
    is_reference_field,
    normalize_email,
)


def test_email_trim_removes_unicode_white_space():
    assert normalize_email("\u00a0 Ann@Example.org\u3000\t") == "Ann@Example.org"
    assert normalize_email("\u200bann@example.org\ufeff") == "ann@example.org"


def test_blank_email_is_unusable():
    assert normalize_email("   ") is None
    assert normalize_email(None) is None
    assert normalize_email("\u2003") is None


def test_email_key_ignores_case():
    assert email_key("Ann@Example.ORG") == email_key("ann@example.org")


def test_records_with_same_email_merge():
    merger = VoterMerger()
    merger.add("s", {"email": "ann@example.org", "first_name": "Ann", "phone": "1"}, "r1")
    merger.add("s", {"email": " ANN@example.org ", "first_name": "", "phone": "2",
                     "br_status": "vbm_portal"}, "r2")
    merger.add("s", {"email": "ann@example.org", "last_name": None,
                     "br_status": "registration_complete"}, "r3")

    result = merger.result
    assert len(result.voters) == 1
    assert result.merged == 2
    voter = result.voters["ann@example.org"]
    assert voter.fields["FirstName"] == "Ann"
    assert voter.fields["Phone"] == "2"
    assert "LastName" not in voter.fields
    assert voter.statuses == {"vbm_portal", "registration_complete"}
    assert voter.refs == ["r1", "r2", "r3"]
    assert len(voter.sources) == 3


def test_record_without_email_is_counted_not_kept():
    merger = VoterMerger()
    merger.add("s", {"first_name": "No", "br_status": "vbm_portal"}, "r1")
    merger.add("s", {"email": " ", "first_name": "Blank"}, "r2")
    assert merger.result.voters == {}
    assert merger.result.without_email == 2


def test_null_and_blank_values_are_not_written():
    merger = VoterMerger()
    merger.add("s", {"email": "a@example.org", "phone": None, "city": "  "}, "r1")
    voter = merger.result.voters["a@example.org"]
    assert "Phone" not in voter.fields
    assert "MailingCity" not in voter.fields


def test_field_mapping_adds_contact_fields():
    merger = VoterMerger({"voter_id": "Voter_Id__c", "city": "OtherCity"})
    merger.add("s", {"email": "a@example.org", "voter_id": 42, "city": "Reno",
                     "_sdc_extracted_at": "2026-01-01"}, "r1")
    voter = merger.result.voters["a@example.org"]
    assert voter.fields == {"Voter_Id__c": 42, "OtherCity": "Reno"}


def test_later_utm_campaign_wins_and_unknown_statuses_are_listed():
    merger = VoterMerger()
    merger.add("s", {"email": "a@example.org", "utm_campaign": "spring",
                     "br_status": "bogus"}, "r1")
    merger.add("s", {"email": "a@example.org", "utm_campaign": "fall"}, "r2")
    assert merger.result.voters["a@example.org"].utm_campaign == "fall"
    assert merger.result.unknown_statuses == [("s", "bogus")]


def test_object_or_array_value_not_written():
    merger = VoterMerger({"tags": "Description"})
    merger.add("s", {"email": "a@example.org", "city": ["Reno"], "tags": {"a": 1},
                     "utm_campaign": ["spring"]}, "r1")
    voter = merger.result.voters["a@example.org"]
    assert "MailingCity" not in voter.fields
    assert "Description" not in voter.fields
    assert voter.utm_campaign is None
    assert sorted(merger.result.structured_fields) == [
        ("s", "city"), ("s", "tags"), ("s", "utm_campaign")
    ]


def test_array_email_counts_as_without_email():
    merger = VoterMerger()
    merger.add("s", {"email": ["a@example.org"]}, "r1")
    assert merger.result.voters == {}
    assert merger.result.without_email == 1
    assert merger.result.structured_fields == [("s", "email")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id", True), ("ID", True), ("voter_id", False), ("voterId", False),
        ("uuid", False), ("caller_id", False), ("login_id", False), ("email_id", False), ("mobile", False), ("dob", False),
        ("first", False), ("paid", False), ("full_name", False), ("row_number", False),
        ("mobile_no", False), ("cellNo", False), ("ssn_id", False),
        ("license_number", False), ("dobKey", False), ("taxId", False),
    ],
)
def test_reference_field_names(name, expected):
    assert is_reference_field(name) is expected


@pytest.mark.parametrize(
    ("value", "deleted"),
    [("2026-12-01T00:00:00+00:00", True), ("", False), ("  ", False), (None, False),
     (False, False), (0, False)],
)
def test_deleted_at_source_needs_a_timestamp(value, deleted):
    assert is_deleted_at_source({"_sdc_deleted_at": value}) is deleted
