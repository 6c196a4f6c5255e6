"""One buffer for every stream: arrival order, per-record set-asides, counters."""

from __future__ import annotations

import json
import logging

import pytest

from target_salesforce_br.exceptions import OrgSetupError

from .conftest import base_config, contacts_by_email, run_target, topics_of

SCHEMA_A = {"type": "object", "properties": {
    "id": {"type": "integer"}, "email": {"type": "string"},
    "first_name": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
    "br_status": {"type": ["string", "null"]}, "birthdate": {"type": ["string", "null"]},
    "_sdc_deleted_at": {"type": ["string", "null"]}}}
SCHEMA_B = {**SCHEMA_A, "properties": {**SCHEMA_A["properties"], "extra": {"type": "string"}}}


def schema(stream, body=SCHEMA_A):
    return {"type": "SCHEMA", "stream": stream, "schema": body, "key_properties": ["id"]}


def record(stream, **values):
    return {"type": "RECORD", "stream": stream, "record": values}


def lines(*messages):
    return "\n".join(json.dumps(message) for message in messages) + "\n"


def test_later_stream_record_wins_across_streams(emu, capsys):
    messages = lines(
        schema("signups"),
        schema("updates"),
        record("signups", id=1, email="p@example.org", first_name="Oldname", phone="111"),
        record("updates", id=1, email="P@example.org", first_name="Newname", phone="222"),
        record("updates", id=2, email="q@example.org"),
    )
    run = run_target(capsys, {**base_config(emu), "batch_size_rows": 2}, messages)

    contact = contacts_by_email(emu)["p@example.org"]
    assert contact["FirstName"] == "Newname"
    assert contact["Phone"] == "222"
    assert len(emu.records("Contact")) == 2
    assert run.target.summary.records_read == 3


def test_later_record_wins_across_schema_change(emu, capsys):
    messages = lines(
        schema("voters"),
        record("voters", id=1, email="order@example.org", first_name="Oldname"),
        schema("voters", SCHEMA_B),
        record("voters", id=2, email="order@example.org", first_name="Newname"),
        record("voters", id=3, email="other@example.org"),
    )
    run_target(capsys, {**base_config(emu), "batch_size_rows": 2}, messages)

    assert contacts_by_email(emu)["order@example.org"]["FirstName"] == "Newname"


def test_positions_continue_across_schema_change(emu, capsys, caplog):
    messages = lines(
        {"type": "SCHEMA", "stream": "voters", "schema": SCHEMA_A, "key_properties": []},
        record("voters", email="not-an-email-1"),
        {"type": "SCHEMA", "stream": "voters", "schema": SCHEMA_B, "key_properties": []},
        record("voters", email="not-an-email-2"),
    )
    with caplog.at_level(logging.WARNING):
        run_target(capsys, base_config(emu), messages)

    rejected = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Rejected")]
    assert rejected == [
        "Rejected record #1 in stream voters: INVALID_EMAIL_ADDRESS",
        "Rejected record #2 in stream voters: INVALID_EMAIL_ADDRESS",
    ]


def test_bad_value_rejects_only_its_record(emu, capsys, tmp_path):
    emu.add_field("Contact", {
        "name": "Birth__c", "type": "date", "length": 0, "label": "Birth",
        "createable": True, "updateable": True, "nillable": True, "custom": True})
    rejects = tmp_path / "rejects.jsonl"
    config = {**base_config(emu), "field_mapping": {"birthdate": "Birth__c"},
              "rejects_path": str(rejects)}
    messages = lines(
        schema("voters"),
        record("voters", id=1, email="merge@example.org", birthdate="1990-01-02",
               br_status="vbm_portal"),
        record("voters", id=2, email="MERGE@example.org", birthdate="soon",
               br_status="vbm_signed"),
    )
    run = run_target(capsys, config, messages)

    contact = contacts_by_email(emu)["merge@example.org"]
    assert contact["Birth__c"] == "1990-01-02"
    assert topics_of(emu, contact["Id"]) == {"BR:VoteByMail - Portal"}
    assert run.target.summary.rejected == {"INVALID_FIELD_VALUE": 1}
    [line] = [json.loads(text) for text in rejects.read_text().splitlines()]
    assert line["record"]["id"] == 2
    assert "Birth__c" in line["error_message"]


def test_unicode_case_variants_stay_apart(emu, capsys):
    messages = lines(
        schema("voters"),
        record("voters", id=1, email="strasse@example.org", first_name="Ascii"),
        record("voters", id=2, email="STRA\u00dfE@example.org", first_name="Sharp"),
        record("voters", id=3, email="kkelvin@example.org", first_name="Plain"),
        record("voters", id=4, email="K\u212aelvin@example.org", first_name="Sign"),
    )
    run = run_target(capsys, base_config(emu), messages)

    contacts = contacts_by_email(emu)
    assert contacts["strasse@example.org"]["FirstName"] == "Ascii"
    assert contacts["kkelvin@example.org"]["FirstName"] == "Plain"
    assert run.target.summary.merged == 0
    assert run.target.summary.rejected == {"INVALID_EMAIL_ADDRESS": 2}


def test_row_deleted_at_source_is_counted_not_written(emu, capsys):
    messages = lines(
        schema("voters"),
        record("voters", id=1, email="gone@example.org",
               _sdc_deleted_at="2026-12-01T00:00:00+00:00"),
        record("voters", id=2, email="kept@example.org", _sdc_deleted_at=None),
    )
    run = run_target(capsys, base_config(emu), messages)

    assert set(contacts_by_email(emu)) == {"kept@example.org"}
    assert run.target.summary.deleted_at_source == 1
    assert "deleted at source=1" in run.target.summary.line(0, None)


def test_activate_version_is_ignored_quietly(emu, capsys, caplog):
    messages = lines(
        schema("voters"),
        {"type": "ACTIVATE_VERSION", "stream": "voters", "version": 1},
        record("voters", id=1, email="v@example.org"),
        {"type": "ACTIVATE_VERSION", "stream": "voters", "version": 1},
    )
    with caplog.at_level(logging.WARNING):
        run_target(capsys, base_config(emu), messages)

    assert "v@example.org" in contacts_by_email(emu)
    assert [r for r in caplog.records if "ACTIVATE_VERSION" in r.getMessage()] == []


def test_record_failing_on_two_contacts_counts_once(emu, capsys, caplog):
    emu.seed("Contact", [
        {"LastName": "One", "Email": "both@example.org", "CreatedDate": "2020-01-01T00:00:00.000+0000"},
        {"LastName": "Two", "Email": "both@example.org", "CreatedDate": "2021-01-01T00:00:00.000+0000"},
    ])
    emu.add_record_error("Contact", "FirstName", "^Blocked$", "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                         "Blocked by a validation rule")
    messages = lines(schema("voters"), record("voters", id=7, email="both@example.org",
                                               first_name="Blocked"))
    with caplog.at_level(logging.WARNING):
        run = run_target(capsys, {**base_config(emu), "duplicate_contacts": "all"}, messages)

    assert run.target.summary.rejected == {"FIELD_CUSTOM_VALIDATION_EXCEPTION": 1}
    rejected = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Rejected")]
    assert rejected == ["Rejected record id=7 in stream voters: FIELD_CUSTOM_VALIDATION_EXCEPTION"]


def test_failed_start_still_logs_summary(emu, capsys, caplog):
    config = {**base_config(emu), "utm_campaign_field": "Missing_Field__c"}
    with caplog.at_level(logging.INFO), pytest.raises(OrgSetupError):
        run_target(capsys, config, lines(schema("voters")))
    assert any(r.getMessage().startswith("Run stopped, summary so far") for r in caplog.records)


def test_huge_number_does_not_stop_the_run(emu, capsys):
    body = {"type": "object", "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"},
        "postal_code": {"type": ["number", "string"]}}}
    messages = (
        json.dumps({"type": "SCHEMA", "stream": "voters", "schema": body, "key_properties": ["id"]})
        + '\n{"type": "RECORD", "stream": "voters", "record": '
        '{"id": 1, "email": "big@example.org", "postal_code": 1e300000}}\n'
        + json.dumps(record("voters", id=2, email="small@example.org", postal_code="02134"))
        + "\n"
    )
    run = run_target(capsys, base_config(emu), messages)

    contacts = contacts_by_email(emu)
    assert contacts["small@example.org"]["MailingPostalCode"] == "02134"
    assert contacts["big@example.org"]["MailingPostalCode"] == "1E+300000"
    assert run.target.summary.created == 2
