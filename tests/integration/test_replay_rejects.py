"""Records from a rejects file go through the target again after a fix."""

from __future__ import annotations

import io
import json

import pytest

from target_salesforce_br.replay_rejects import main, singer_messages

from .conftest import base_config, contacts_by_email, run_target, singer_lines, topics_of


def test_rejected_records_land_after_replay(emu, capsys, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    config = {**base_config(emu), "rejects_path": str(rejects)}
    emu.add_record_error("Contact", "LastName", "^Locked$", "UNABLE_TO_LOCK_ROW",
                         "unable to obtain exclusive access to this record", times=1)
    run_target(capsys, config, singer_lines([
        {"email": "lock@example.org", "last_name": "Locked", "br_status": "vbm_email"},
        {"email": "fine@example.org", "last_name": "Fine"},
    ]))
    assert set(contacts_by_email(emu)) == {"fine@example.org"}

    assert main([str(rejects)]) == 0
    replay = capsys.readouterr().out
    run_target(capsys, base_config(emu), replay)

    contacts = contacts_by_email(emu)
    assert set(contacts) == {"fine@example.org", "lock@example.org"}
    assert topics_of(emu, contacts["lock@example.org"]["Id"]) == {"BR:VoteByMail - Email"}


def test_schema_lists_each_streams_fields():
    lines = [
        json.dumps({"stream": "a", "error_code": "X", "error_message": "",
                    "record": {"email": "1@example.org", "phone": "1"}}),
        json.dumps({"stream": "b", "error_code": "X", "error_message": "",
                    "record": {"email": "2@example.org"}}),
        json.dumps({"stream": "a", "error_code": "X", "error_message": "",
                    "record": {"email": "3@example.org", "city": "Reno"}}),
    ]
    messages = singer_messages(io.StringIO("\n".join(lines) + "\n"))

    schemas = {m["stream"]: m["schema"]["properties"] for m in messages if m["type"] == "SCHEMA"}
    assert schemas == {"a": {"email": {}, "phone": {}, "city": {}}, "b": {"email": {}}}
    records = [m["record"]["email"] for m in messages if m["type"] == "RECORD"]
    assert records == ["1@example.org", "2@example.org", "3@example.org"]
    assert [m["type"] for m in messages][:2] == ["SCHEMA", "SCHEMA"]


def test_bad_line_is_named_by_number_not_text():
    with pytest.raises(ValueError, match="Line 2 ") as caught:
        singer_messages(io.StringIO('{"stream": "a", "record": {}}\nsecret@example.org\n'))
    assert "secret@example.org" not in str(caught.value)
