"""utm_campaign, API call budget, rejects and STATE timing."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat

import pytest

from target_salesforce_br.exceptions import DailyLimitError, OrgSetupError

from .conftest import UTM_FIELD, base_config, contacts_by_email, run_target, singer_lines


def test_utm_campaign_goes_to_configured_field(emu, capsys):
    run_target(capsys, base_config(emu), singer_lines([{"email": "u@example.org", "utm_campaign": "spring26"}]))

    assert contacts_by_email(emu)["u@example.org"][UTM_FIELD] == "spring26"


def test_long_utm_campaign_is_cut_and_counted(emu, capsys):
    run = run_target(
        capsys, base_config(emu), singer_lines([{"email": "u@example.org", "utm_campaign": "x" * 25}])
    )

    assert contacts_by_email(emu)["u@example.org"][UTM_FIELD] == "x" * 20
    assert run.target.summary.utm_truncated == 1


@pytest.mark.parametrize(
    ("field", "fragment"),
    [
        ({"name": "Missing__c"}, "does not exist"),
        ({"name": "Score__c", "type": "double", "createable": True, "updateable": True}, "Text field"),
        ({"name": "Locked__c", "type": "string", "length": 50, "createable": True, "updateable": False},
         "cannot both create and edit"),
    ],
)
def test_bad_utm_field_stops_before_any_write(emu, capsys, field, fragment):
    if field["name"] != "Missing__c":
        emu.add_field("Contact", {"label": field["name"], "nillable": True, "custom": True, **field})
    config = {**base_config(emu), "utm_campaign_field": field["name"]}

    with pytest.raises(OrgSetupError, match=fragment) as caught:
        run_target(capsys, config, singer_lines([{"email": "u@example.org", "br_status": "vbm_portal"}]))

    assert field["name"] in str(caught.value)
    assert emu.records("Contact") == []
    assert emu.records("Topic") == []


def test_batch_costs_calls_per_200_records(emu, capsys):
    records = [{"email": f"voter{i}@example.org", "br_status": "vbm_portal"} for i in range(450)]
    emu.seed("Contact", [{"LastName": "Seed", "Email": f"voter{i}@example.org"} for i in range(0, 450, 2)])
    run = run_target(capsys, base_config(emu), singer_lines(records))

    calls = run.target._client.calls
    total = sum(calls.values())
    # 1 describe, 1 Topic query, 1 Topic create, 2 Contact lookups,
    # 2 creates (225), 2 updates (225), 2 assignment lookups (225 Contacts),
    # 3 assignment creates (450).
    assert total <= 14
    assert run.target.summary.created == 225
    assert run.target.summary.updated + run.target.summary.unchanged == 225
    assert run.target.summary.assignments_added == 450
    assert emu.api_calls_total() == total


def test_rejected_record_does_not_stop_others(emu, capsys, caplog, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    config = {**base_config(emu), "rejects_path": str(rejects)}
    with caplog.at_level(logging.DEBUG):
        run = run_target(
            capsys,
            config,
            singer_lines([
                {"email": "good@example.org", "last_name": "Good"},
                {"email": "not-an-email", "last_name": "Secretname"},
                {"email": "long@example.org", "last_name": "L" * 90},
            ]),
        )

    assert set(contacts_by_email(emu)) == {"good@example.org"}
    assert run.target.summary.rejected == {"INVALID_EMAIL_ADDRESS": 1, "STRING_TOO_LONG": 1}
    assert "INVALID_EMAIL_ADDRESS" in caplog.text
    assert "public-voters" in caplog.text
    assert "not-an-email" not in caplog.text
    assert "Secretname" not in caplog.text

    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert {line["error_code"] for line in lines} == {"INVALID_EMAIL_ADDRESS", "STRING_TOO_LONG"}
    assert any(line["record"]["email"] == "not-an-email" for line in lines)
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600


def test_summary_line_counts_every_case(emu, capsys, caplog):
    with caplog.at_level(logging.INFO):
        run_target(
            capsys,
            base_config(emu),
            singer_lines([
                {"email": "a@example.org", "br_status": "vbm_portal, volunteer"},
                {"email": "A@example.org", "br_status": "volunteer"},
                {"first_name": "None"},
            ]),
        )

    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Run summary")]
    for part in ("records read=3", "without email=1", "merged=1", "contacts created=1",
                 "unknown statuses=2 (distinct=1)", "topics created=7", "assignments added=1",
                 "API calls="):
        assert part in line
    warnings = [r.getMessage() for r in caplog.records if "Unknown br_status" in r.getMessage()]
    assert len(warnings) == 1


def test_state_follows_committed_records(emu, capsys):
    messages = singer_lines(
        [{"email": "s1@example.org"}, {"email": "s2@example.org"}], states={1: {"bookmark": 2}}
    )
    run = run_target(capsys, base_config(emu), messages)

    assert run.states == [{"bookmark": 2}]
    assert len(emu.records("Contact")) == 2


def test_no_state_when_write_fails(emu, capsys):
    emu.add_fault(method="POST", path_regex="composite/sobjects", status=403,
                  body=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                  times=100)
    messages = singer_lines([{"email": "s1@example.org"}], states={0: {"bookmark": 1}})

    with pytest.raises(DailyLimitError):
        run_target(capsys, base_config(emu), messages)
    assert emu.records("Contact") == []


def test_debug_logs_carry_no_personal_data(emu, capsys, caplog):
    config = {**base_config(emu), "rejects_path": None}
    with caplog.at_level(logging.DEBUG):
        run_target(
            capsys,
            config,
            singer_lines([
                {"email": "private.person@example.org", "first_name": "Zoë", "last_name": "Privatename"},
                {"email": "bad address", "last_name": "Hiddenname"},
            ]),
        )

    text = caplog.text
    for value in ("private.person", "Zoë", "Privatename", "bad address", "Hiddenname",
                  emu.client_secret):
        assert value not in text


def test_schema_invalid_record_rejected(emu, capsys, caplog, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    config = {**base_config(emu), "rejects_path": str(rejects)}
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"},
        "first_name": {"type": "string"}}}
    messages = "\n".join(json.dumps(line) for line in [
        {"type": "SCHEMA", "stream": "people", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "people",
         "record": {"id": 1, "email": "bad.shape@example.org", "first_name": {"given": "Olga"}}},
        {"type": "RECORD", "stream": "people",
         "record": {"id": 2, "email": "fine@example.org", "first_name": "Fine"}},
        {"type": "STATE", "value": {"bookmark": 2}},
    ]) + "\n"
    with caplog.at_level(logging.DEBUG):
        run = run_target(capsys, config, messages)

    assert set(contacts_by_email(emu)) == {"fine@example.org"}
    assert run.target.summary.rejected == {"INVALID_RECORD": 1}
    assert run.target.summary.records_read == 2
    assert run.states == [{"bookmark": 2}]
    assert "Rejected record id=1 in stream people: INVALID_RECORD" in caplog.text
    assert "bad.shape@example.org" not in caplog.text
    assert "Olga" not in caplog.text

    [line] = [json.loads(text) for text in rejects.read_text().splitlines()]
    assert line["error_code"] == "INVALID_RECORD"
    assert "first_name" in line["error_message"]
    assert line["record"]["email"] == "bad.shape@example.org"


def test_unknown_status_logged_by_length_only(emu, capsys, caplog):
    with caplog.at_level(logging.WARNING):
        run = run_target(
            capsys,
            base_config(emu),
            singer_lines([
                {"email": "a@example.org", "br_status": "Gretchen Secretname"},
                {"email": "b@example.org", "br_status": "gretchen_secretname"},
            ]),
        )

    assert sum(run.target.summary.unknown_statuses.values()) == 2
    assert "Secretname" not in caplog.text
    assert "secretname" not in caplog.text
    digest = hashlib.sha256(b"Gretchen Secretname").hexdigest()[:8]
    assert digest not in caplog.text
    assert "Unknown br_status (a value of 19 characters)" in caplog.text


def _typed_fields(emu):
    for name, field_type in (("Birth__c", "date"), ("Seen__c", "datetime"),
                             ("Score__c", "double")):
        emu.add_field("Contact", {
            "name": name, "type": field_type, "length": 0, "label": name,
            "createable": True, "updateable": True, "nillable": True, "custom": True,
        })


def test_typed_fields_round_trip(emu, capsys):
    _typed_fields(emu)
    schema = {"type": "object", "properties": {
        "email": {"type": "string"},
        "birthdate": {"type": "string", "format": "date"},
        "seen_at": {"type": "string", "format": "date-time"},
        "score": {"type": "string"}}}
    record = {"email": "typed@example.org", "birthdate": "1990-01-02",
              "seen_at": "2026-03-01T12:00:00+02:00", "score": "5.0"}
    messages = "\n".join(json.dumps(line) for line in [
        {"type": "SCHEMA", "stream": "people", "schema": schema, "key_properties": []},
        {"type": "RECORD", "stream": "people", "record": record},
    ]) + "\n"
    config = {**base_config(emu), "field_mapping": {
        "birthdate": "Birth__c", "seen_at": "Seen__c", "score": "Score__c"}}

    first = run_target(capsys, config, messages)
    second = run_target(capsys, config, messages)

    contact = contacts_by_email(emu)["typed@example.org"]
    assert contact["Birth__c"] == "1990-01-02"
    assert contact["Score__c"] == 5
    assert first.target.summary.created == 1
    assert second.target.summary.unchanged == 1
    assert second.target.summary.updated == 0


def test_invalid_date_rejects_one_record(emu, capsys, caplog):
    _typed_fields(emu)
    schema = {"type": "object", "properties": {
        "email": {"type": "string"}, "birthdate": {"type": "string", "format": "date"}}}
    messages = "\n".join(json.dumps(line) for line in [
        {"type": "SCHEMA", "stream": "people", "schema": schema, "key_properties": []},
        {"type": "RECORD", "stream": "people",
         "record": {"email": "bad.date@example.org", "birthdate": "1990-13-45"}},
        {"type": "RECORD", "stream": "people",
         "record": {"email": "good.date@example.org", "birthdate": "1990-12-05"}},
    ]) + "\n"
    config = {**base_config(emu), "field_mapping": {"birthdate": "Birth__c"}}
    with caplog.at_level(logging.DEBUG):
        run = run_target(capsys, config, messages)

    assert set(contacts_by_email(emu)) == {"good.date@example.org"}
    assert run.target.summary.rejected == {"INVALID_FIELD_VALUE": 1}
    assert "INVALID_FIELD_VALUE" in caplog.text
    assert "1990-13-45" not in caplog.text
