"""The command-line server: ready line, admin over HTTP, clean exit, state file."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
import typing as t

import pytest
import requests

from sf_emulator.__main__ import parse_field

if t.TYPE_CHECKING:
    from pathlib import Path

READY_TIMEOUT_SECONDS = 20


def start_emulator(
    tmp_path: Path, *extra: str
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    ready_file = tmp_path / "ready.json"
    ready_file.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "sf_emulator",
            "--port",
            "0",
            "--ready-file",
            str(ready_file),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not ready_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"emulator did not become ready: {process.communicate()}")
        time.sleep(0.05)
    return process, json.loads(ready_file.read_text())


def stop_emulator(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=READY_TIMEOUT_SECONDS)
    return process.returncode, stdout


def admin_session(ready: dict[str, str]) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = ready["ca_path"]
    return session


def test_cli_serves_and_keeps_state(tmp_path):
    state_file = tmp_path / "state.json"
    args = ("--state-file", str(state_file), "--field", "Contact.UTM__c:string:20")

    process, ready = start_emulator(tmp_path, *args)
    with admin_session(ready) as http:
        seeded = http.post(
            f"{ready['base_url']}/__admin/seed/Contact",
            json=[{"LastName": "A", "UTM__c": "spring"}],
        )
    status, stdout = stop_emulator(process)

    assert seeded.status_code == 200
    assert status == 0
    assert json.loads(stdout.splitlines()[0]) == ready
    assert ready["pid"] == process.pid

    process, ready = start_emulator(tmp_path, *args)
    with admin_session(ready) as http:
        records = http.get(f"{ready['base_url']}/__admin/records/Contact").json()[
            "records"
        ]
    stop_emulator(process)

    assert [(r["LastName"], r["UTM__c"]) for r in records] == [("A", "spring")]


def test_cli_rejects_bad_field_spec():
    completed = subprocess.run(
        [sys.executable, "-m", "sf_emulator", "--field", "ContactUTM"],
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT_SECONDS,
        check=False,
    )

    assert completed.returncode == 2
    assert "Object.Field__c:type" in completed.stderr


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("Contact.UTM__c:string:20", {"name": "UTM__c", "type": "string", "length": 20}),
        ("Contact.Score__c:double:5:2",
         {"name": "Score__c", "type": "double", "precision": 5, "scale": 2}),
        ("Contact.Count__c:int:3", {"name": "Count__c", "type": "int", "digits": 3}),
        ("Contact.Flag__c:boolean", {"name": "Flag__c", "type": "boolean"}),
    ],
)
def test_field_spec_sets_size_by_type(spec, expected):
    assert parse_field(spec) == ("Contact", expected)


@pytest.mark.parametrize("spec", ["Contact.X__c:double:5:2:1", "Contact.X__c:double:five"])
def test_field_spec_rejects_bad_sizes(spec):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_field(spec)
