"""Contact matching, merging, creation and duplicate handling."""

from __future__ import annotations

import json
import logging

import pytest

from .conftest import base_config, contacts_by_email, run_target, singer_lines, topics_of


def test_email_is_trimmed_and_matched_without_case(emu, capsys):
    [seeded] = emu.seed("Contact", [{"LastName": "Lee", "Email": "ann.lee@example.org"}])
    run = run_target(
        capsys,
        base_config(emu),
        singer_lines([{"email": "\u00a0 Ann.Lee@EXAMPLE.org\u3000", "first_name": "Ann"}]),
    )

    contacts = emu.records("Contact")
    assert len(contacts) == 1
    assert contacts[0]["Id"] == seeded
    assert contacts[0]["FirstName"] == "Ann"
    assert run.target.summary.updated == 1


def test_record_without_email_is_counted_not_written(emu, capsys):
    run = run_target(
        capsys,
        base_config(emu),
        singer_lines([{"first_name": "Nomail", "br_status": "vbm_portal"}, {"email": "  "}]),
    )

    assert emu.records("Contact") == []
    assert run.target.summary.without_email == 2
    assert run.target.summary.records_read == 2


def test_records_sharing_an_email_become_one_write(emu, capsys):
    run = run_target(
        capsys,
        base_config(emu),
        singer_lines([
            {"email": "sam@example.org", "first_name": "Sam", "phone": "111", "br_status": "vbm_portal"},
            {"email": "SAM@example.org", "first_name": None, "phone": "222", "br_status": "vbm_signed"},
        ]),
    )

    [contact] = emu.records("Contact")
    assert contact["FirstName"] == "Sam"
    assert contact["Phone"] == "222"
    assert topics_of(emu, contact["Id"]) == {"BR:VoteByMail - Portal", "BR:VoteByMail - Signed"}
    assert run.target.summary.merged == 1
    assert run.target.summary.created == 1


@pytest.mark.parametrize(
    "email",
    ["o'brien@example.org", "back\\slash@example.org", "plus+tag@example.org", "pct%25@example.org"],
)
def test_special_characters_match_exactly(emu, capsys, email):
    [seeded] = emu.seed("Contact", [{"LastName": "Seed", "Email": email}])
    emu.seed("Contact", [{"LastName": "Other", "Email": "plustag@example.org"}])
    run_target(capsys, base_config(emu), singer_lines([{"email": email, "first_name": "Match"}]))

    matched = [c for c in emu.records("Contact") if c["Id"] == seeded]
    assert matched[0]["FirstName"] == "Match"
    assert len(emu.records("Contact")) == 2


def test_deleted_contact_is_never_matched(emu, capsys):
    [deleted] = emu.seed("Contact", [{"LastName": "Gone", "Email": "gone@example.org", "IsDeleted": True}])
    run = run_target(capsys, base_config(emu), singer_lines([{"email": "gone@example.org"}]))

    live = emu.records("Contact")
    assert len(live) == 1
    assert live[0]["Id"] != deleted
    assert run.target.summary.created == 1


def test_lookups_split_under_uri_limit(emu, capsys):
    records = [{"email": f"{'v' * 60}{i}@example.org"} for i in range(900)]
    run = run_target(capsys, base_config(emu), singer_lines(records))

    assert run.target.summary.created == 900
    lookups = [e for e in emu.requests_log() if e["method"] == "GET" and "Contact" in e.get("query", "")]
    assert len(lookups) >= 3
    assert all(len(e["path"]) + len(e.get("query", "")) < 16_384 for e in lookups)


def test_missing_last_name_uses_default(emu, capsys):
    config = {**base_config(emu), "default_last_name": "(not given)"}
    run_target(capsys, config, singer_lines([{"email": "x@example.org", "first_name": "Xi"}]))

    [contact] = emu.records("Contact")
    assert contact["LastName"] == "(not given)"


def test_null_value_never_blanks_existing_value(emu, capsys):
    emu.seed("Contact", [{"LastName": "Keep", "Email": "keep@example.org", "Phone": "555-0100",
                          "MailingCity": "Reno"}])
    run_target(
        capsys,
        base_config(emu),
        singer_lines([{"email": "keep@example.org", "phone": None, "city": "", "first_name": "K"}]),
    )

    [contact] = emu.records("Contact")
    assert contact["Phone"] == "555-0100"
    assert contact["MailingCity"] == "Reno"
    assert contact["FirstName"] == "K"


def test_unchanged_contact_is_not_written(emu, capsys):
    emu.seed("Contact", [{"LastName": "Same", "FirstName": "Al", "Email": "al@example.org"}])
    run = run_target(capsys, base_config(emu), singer_lines([{"email": "al@example.org", "first_name": "Al"}]))

    assert run.target.summary.unchanged == 1
    assert run.target.summary.updated == 0
    assert emu.api_calls().get("PATCH composite/sobjects", 0) == 0


DUPLICATES = [
    {"LastName": "Old", "Email": "dup@example.org", "CreatedDate": "2020-01-01T00:00:00.000+0000"},
    {"LastName": "New", "Email": "DUP@example.org", "CreatedDate": "2024-01-01T00:00:00.000+0000"},
]


@pytest.mark.parametrize(
    ("policy", "updated_names"),
    [("oldest", {"Old"}), ("most_recent", {"New"}), ("all", {"Old", "New"}), ("skip", set())],
)
def test_duplicate_contacts_policy(emu, capsys, policy, updated_names):
    emu.seed("Contact", DUPLICATES)
    config = {**base_config(emu), "duplicate_contacts": policy}
    run = run_target(
        capsys, config, singer_lines([{"email": "dup@example.org", "first_name": "Pat", "br_status": "vbm_usps"}])
    )

    contacts = emu.records("Contact")
    assert len(contacts) == 2
    updated = {c["LastName"] for c in contacts if c.get("FirstName") == "Pat"}
    assert updated == updated_names
    tagged = {c["LastName"] for c in contacts if topics_of(emu, c["Id"])}
    assert tagged == updated_names
    assert run.target.summary.ambiguous == 1
    if policy == "skip":
        assert run.target.summary.rejected["AMBIGUOUS_EMAIL"] == 1


def test_object_value_counted_and_logged(emu, capsys, caplog):
    schema = {"type": "object", "properties": {"email": {"type": "string"},
                                               "last_name": {}, "city": {}}}
    messages = "\n".join(json.dumps(line) for line in [
        {"type": "SCHEMA", "stream": "people", "schema": schema, "key_properties": []},
        {"type": "RECORD", "stream": "people",
         "record": {"email": "obj@example.org", "last_name": "Okafor", "city": {"n": "Reno"}}},
        {"type": "RECORD", "stream": "people",
         "record": {"email": "arr@example.org", "last_name": "Ames", "city": ["Reno"]}},
    ]) + "\n"
    with caplog.at_level(logging.WARNING, logger="target_salesforce_br"):
        run = run_target(capsys, base_config(emu), messages)

    contacts = contacts_by_email(emu)
    assert set(contacts) == {"obj@example.org", "arr@example.org"}
    assert all(not c.get("MailingCity") for c in contacts.values())
    assert run.target.summary.structured_values["city"] == 2
    warnings = [r.getMessage() for r in caplog.records if "object or array" in r.getMessage()]
    assert len(warnings) == 1
    assert "city" in warnings[0]
    assert "Reno" not in warnings[0]
    assert "object or array values skipped=2" in run.target.summary.line(0, None)


def test_stream_map_renames_column_to_email(emu, capsys):
    schema = {"type": "object", "properties": {"id": {"type": "integer"},
                                               "mail": {"type": ["string", "null"]},
                                               "surname": {"type": ["string", "null"]}}}
    messages = "\n".join(json.dumps(line) for line in [
        {"type": "SCHEMA", "stream": "public-voters", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "public-voters",
         "record": {"id": 1, "mail": "renamed@example.org", "surname": "Ruiz"}},
        {"type": "RECORD", "stream": "public-voters",
         "record": {"id": 2, "mail": None, "surname": "Nomail"}},
    ]) + "\n"
    config = base_config(emu) | {
        "stream_maps": {
            "public-voters": {
                "email": "mail", "mail": "__NULL__",
                "last_name": "surname", "surname": "__NULL__",
            },
        },
    }
    run = run_target(capsys, config, messages)

    contacts = contacts_by_email(emu)
    assert set(contacts) == {"renamed@example.org"}
    assert contacts["renamed@example.org"]["LastName"] == "Ruiz"
    assert run.target.summary.without_email == 1
