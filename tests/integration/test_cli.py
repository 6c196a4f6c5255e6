"""The console script as an operator runs it: its exit code and what it prints."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import VOTER_SCHEMA, base_config

SCRIPT = Path(sys.executable).with_name("target-salesforce-br")
VOTER_EMAIL = "cli.voter@example.org"
VOTER_NAME = "Clivoterlastname"


def run_cli(tmp_path, config, stdin, ca_path=None):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, "LOGLEVEL": "DEBUG"}
    if ca_path:
        env["REQUESTS_CA_BUNDLE"] = ca_path
    return subprocess.run(
        [str(SCRIPT), "--config", str(config_path)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def schema_line(key_properties=("id",)):
    return json.dumps(
        {
            "type": "SCHEMA",
            "stream": "voters",
            "schema": {**VOTER_SCHEMA, "properties": {
                **VOTER_SCHEMA["properties"], "voter_email": {"type": "string"}}},
            "key_properties": list(key_properties),
        }
    )


def record_line(record):
    return json.dumps({"type": "RECORD", "stream": "voters", "record": record})


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({}, "No login settings"),
        ({"client_id": "key", "domain": "acme.my"}, "needs client_secret"),
        ({"client_id": "k", "client_secret": "s", "domain": "acme.my",
          "security_token": "t"}, "Keep one login flow"),
        ({"client_id": "k", "client_secret": "s", "domain": "acme.my",
          "request_timeout": 0}, "request_timeout 0 is invalid"),
        ({"client_id": "k", "client_secret": "s", "domain": "acme.my",
          "rejects_path": "/nonexistent-folder/rejects.jsonl"}, "does not exist"),
        ({"client_id": "k", "client_secret": "s", "domain": "acme.my",
          "load_method": "overwrite"}, "load_method"),
    ],
)
def test_config_error_is_printed(tmp_path, config, fragment):
    result = run_cli(tmp_path, config, "")
    assert result.returncode == 1
    assert fragment in result.stderr
    assert "Config validation failed" in result.stderr


def test_malformed_line_is_not_echoed(emu, tmp_path):
    broken = record_line({"id": 1, "email": VOTER_EMAIL, "last_name": VOTER_NAME})[:-1]
    stdin = "\n".join([schema_line(), broken]) + "\n"
    result = run_cli(tmp_path, base_config(emu), stdin, emu.ca_path)

    assert result.returncode != 0
    assert "not valid JSON" in result.stderr
    assert "Run stopped, summary so far: records read=0" in result.stderr
    assert VOTER_EMAIL not in result.stderr + result.stdout
    assert VOTER_NAME not in result.stderr + result.stdout


def test_message_missing_key_is_not_echoed(emu, tmp_path):
    no_stream = json.dumps({"type": "RECORD", "record": {"email": VOTER_EMAIL}})
    stdin = "\n".join([schema_line(), no_stream]) + "\n"
    result = run_cli(tmp_path, base_config(emu), stdin, emu.ca_path)

    assert result.returncode != 0
    assert "lacks the required key(s) stream" in result.stderr
    assert VOTER_EMAIL not in result.stderr + result.stdout


def test_login_checked_when_no_record_has_email(emu, tmp_path):
    config = {**base_config(emu), "client_secret": "wrong-secret-value"}
    stdin = "\n".join([schema_line(), record_line({"id": 1, "first_name": "Nomail"})]) + "\n"
    result = run_cli(tmp_path, config, stdin, emu.ca_path)

    assert result.returncode != 0
    assert "LoginError" in result.stderr
    assert "wrong-secret-value" not in result.stderr
    assert "{content}" not in result.stderr
    assert emu.records("Topic") == []


def test_login_checked_on_empty_input(emu, tmp_path):
    config = {**base_config(emu), "client_secret": "wrong-secret-value"}
    result = run_cli(tmp_path, config, "", emu.ca_path)
    assert result.returncode != 0
    assert "LoginError" in result.stderr


def test_email_key_property_not_logged(emu, tmp_path):
    stdin = "\n".join([
        schema_line(key_properties=("voter_email",)),
        record_line({"id": 1, "voter_email": VOTER_EMAIL, "email": "not-an-email",
                     "last_name": VOTER_NAME}),
    ]) + "\n"
    result = run_cli(tmp_path, base_config(emu), stdin, emu.ca_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Rejected record #1 in stream voters: INVALID_EMAIL_ADDRESS" in result.stderr
    assert VOTER_EMAIL not in result.stderr + result.stdout
    assert VOTER_NAME not in result.stderr + result.stdout


def test_personal_key_property_not_logged(emu, tmp_path):
    schema = {"type": "SCHEMA", "stream": "voters", "key_properties": ["mobile", "dob"],
              "schema": {"type": "object", "properties": {
                  "mobile": {"type": "string"}, "dob": {"type": "string"},
                  "email": {"type": "string"}}}}
    stdin = "\n".join([
        json.dumps(schema),
        record_line({"mobile": "555-867-5309", "dob": "1961-07-04", "email": "not-an-email"}),
    ]) + "\n"
    result = run_cli(tmp_path, base_config(emu), stdin, emu.ca_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Rejected record #1 in stream voters: INVALID_EMAIL_ADDRESS" in result.stderr
    assert "555-867-5309" not in result.stderr
    assert "1961-07-04" not in result.stderr


def test_stream_map_error_does_not_quote_value(emu, tmp_path):
    config = {**base_config(emu), "stream_maps": {"voters": {"age": "int(first_name)"}}}
    stdin = "\n".join([
        schema_line(),
        record_line({"id": 1, "email": VOTER_EMAIL, "first_name": VOTER_NAME}),
    ]) + "\n"
    result = run_cli(tmp_path, config, stdin, emu.ca_path)

    assert result.returncode != 0
    assert "ValueError (message not shown" in result.stderr
    assert VOTER_NAME not in result.stderr + result.stdout
    assert VOTER_EMAIL not in result.stderr + result.stdout


def test_key_value_with_line_break_not_logged(emu, tmp_path):
    stdin = "\n".join([
        schema_line(),
        record_line({"id": 1, "email": "not-an-email"}),
    ]) + "\n"
    stdin = stdin.replace('"id": 1', '"id": "a\\nforged=1"', 1).replace(
        '"id": {"type": "integer"}', '"id": {"type": "string"}'
    )
    result = run_cli(tmp_path, base_config(emu), stdin, emu.ca_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Rejected record #1 in stream voters: INVALID_EMAIL_ADDRESS" in result.stderr
    assert "forged=1" not in result.stderr


def test_filter_map_result_not_logged(emu, tmp_path):
    config = {**base_config(emu), "stream_maps": {"voters": {"__filter__": "email"}}}
    stdin = "\n".join([
        schema_line(),
        record_line({"id": 1, "email": VOTER_EMAIL, "last_name": VOTER_NAME}),
    ]) + "\n"
    result = run_cli(tmp_path, config, stdin, emu.ca_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Filter result for" in result.stderr
    assert VOTER_EMAIL not in result.stderr


def test_secret_of_wrong_type_not_printed(tmp_path):
    config = {"client_id": "k", "client_secret": 19717777, "domain": "acme.my"}
    result = run_cli(tmp_path, config, "")

    assert result.returncode == 1
    assert "19717777" not in result.stderr
    assert "config['client_secret'] is invalid" in result.stderr


def test_login_url_credentials_not_printed(tmp_path):
    config = {"client_id": "k", "client_secret": "s", "domain": "acme.my",
              "login_url": "https://user:hunter2-secret@127.0.0.1:1"}
    result = run_cli(tmp_path, config, "")

    assert result.returncode == 1
    assert "hunter2-secret" not in result.stderr
    assert "user name or password" in result.stderr


def test_batch_message_stops_without_state(emu, tmp_path):
    batch_file = tmp_path / "batch1.jsonl.gz"
    with gzip.open(batch_file, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": 1, "email": VOTER_EMAIL}) + "\n")
    stdin = "\n".join([
        schema_line(),
        json.dumps({"type": "BATCH", "stream": "voters",
                    "encoding": {"format": "jsonl", "compression": "gzip"},
                    "manifest": [batch_file.as_uri()]}),
        json.dumps({"type": "STATE", "value": {"bookmark": 1}}),
    ]) + "\n"
    result = run_cli(tmp_path, base_config(emu), stdin, emu.ca_path)

    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert "sent a BATCH message with 1 file(s)" in result.stderr
    assert VOTER_EMAIL not in result.stderr
