"""SIGTERM and SIGINT: STATE is never emitted for records not yet written."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from target_salesforce_br.exceptions import SalesforceCallError
from target_salesforce_br.target import TargetSalesforceBR

from .conftest import base_config, contacts_by_email, singer_lines

SCRIPT = Path(sys.executable).with_name("target-salesforce-br")
RECORDS = [{"email": f"term{i}@example.org", "br_status": "vbm_portal"} for i in range(5)]


def start_target(emu, tmp_path):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(base_config(emu)), encoding="utf-8")
    return subprocess.Popen(
        [str(SCRIPT), "--config", str(config_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "REQUESTS_CA_BUNDLE": emu.ca_path},
    )


def start_waiting_target(emu, tmp_path):
    """Start the target with all records sent but its input left open.

    It returns once the start-of-run checks have created the Topics, so the
    records are held and no write is in progress.
    """
    target = start_target(emu, tmp_path)
    target.stdin.write(singer_lines(RECORDS, states={4: {"bookmark": 5}}))
    target.stdin.flush()
    wait_for(lambda: len(emu.records("Topic")) == 7)
    return target


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail("the target never reached the expected step")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_write_emits_no_state(emu, tmp_path, signum):
    emu.add_fault(method="POST", path_regex="composite/sobjects", status=None,
                  delay_seconds=3.0, times=None)
    target = start_target(emu, tmp_path)
    target.stdin.write(singer_lines(RECORDS, states={4: {"bookmark": 5}}))
    target.stdin.close()
    target.stdin = None  # communicate() would flush the closed pipe otherwise

    # The Contact lookup comes right before the delayed create.
    wait_for(lambda: any(key.startswith("GET query") for key in emu.api_calls())
             and sum(emu.api_calls().values()) >= 4)
    time.sleep(0.5)
    target.send_signal(signum)
    stdout, stderr = target.communicate(timeout=60)

    assert target.returncode == 128 + signum
    assert stdout.strip() == ""
    assert "Run stopped, summary so far" in stderr
    assert "term0@example.org" not in stderr


def test_signal_between_writes_drains_then_emits_state(emu, tmp_path):
    target = start_waiting_target(emu, tmp_path)
    time.sleep(0.5)
    target.send_signal(signal.SIGTERM)
    stdout, stderr = target.communicate(timeout=60)

    assert target.returncode == 0
    assert "Run stopped, summary so far: records read=5" in stderr
    assert [json.loads(line) for line in stdout.splitlines()] == [{"bookmark": 5}]
    assert len(contacts_by_email(emu)) == len(RECORDS)


def test_failed_write_after_signal_exits_nonzero(emu, tmp_path):
    target = start_waiting_target(emu, tmp_path)
    emu.add_fault(method="POST", path_regex="composite/sobjects", status=500, times=None)
    time.sleep(0.5)
    target.send_signal(signal.SIGTERM)
    stdout, stderr = target.communicate(timeout=60)

    assert target.returncode == 1
    assert stdout.strip() == ""
    assert "Writing the held records failed" in stderr
    assert "SalesforceCallError" in stderr


def test_second_signal_during_drain_stops_at_once(emu, tmp_path):
    emu.add_fault(method="POST", path_regex="composite/sobjects", status=None,
                  delay_seconds=3.0, times=None)
    target = start_waiting_target(emu, tmp_path)
    time.sleep(0.5)
    target.send_signal(signal.SIGTERM)
    wait_for(lambda: any(key.startswith("GET query") for key in emu.api_calls())
             and sum(emu.api_calls().values()) >= 4)
    time.sleep(0.5)
    target.send_signal(signal.SIGTERM)
    stdout, stderr = target.communicate(timeout=60)

    assert target.returncode == 128 + signal.SIGTERM
    assert stdout.strip() == ""
    assert "during a write" in stderr


def test_signal_after_failed_write_emits_no_state(emu, capsys):
    # A first run creates the Topics, so the fault below hits Contacts only.
    TargetSalesforceBR(config=base_config(emu)).listen(file_input=io.StringIO(""))
    emu.add_fault(method="POST", path_regex="composite/sobjects", status=503, times=None)
    target = TargetSalesforceBR(config=base_config(emu))
    with pytest.raises(SalesforceCallError):
        target.listen(file_input=io.StringIO(
            singer_lines(RECORDS, states={4: {"bookmark": 5}})
        ))
    capsys.readouterr()

    with pytest.raises(SystemExit) as stopped:
        target._handle_termination(signal.SIGTERM, None)  # noqa: SLF001 - the handler under test

    assert stopped.value.code == 128 + signal.SIGTERM
    assert capsys.readouterr().out == ""


def test_signal_during_state_line_waits_for_it(emu, capsys):
    target = TargetSalesforceBR(config=base_config(emu))
    target._emitting_state = True  # noqa: SLF001 - a STATE line is being written
    target._handle_termination(signal.SIGTERM, None)  # noqa: SLF001 - the handler under test
    target._emitting_state = False  # noqa: SLF001

    with pytest.raises(SystemExit) as stopped:
        target._write_state_message({"bookmark": 1})  # noqa: SLF001 - SDK hook under test

    assert stopped.value.code == 0
    assert capsys.readouterr().out == '{"bookmark": 1}\n'


def test_signal_during_rejects_write_stops_without_state(emu, tmp_path):
    target = TargetSalesforceBR(
        config={**base_config(emu), "rejects_path": str(tmp_path / "rejects.jsonl")}
    )
    target.rejects._busy = True  # noqa: SLF001 - a rejects line is being written
    target.rejects._lock.acquire()  # noqa: SLF001

    with pytest.raises(SystemExit) as stopped:
        target._handle_termination(signal.SIGTERM, None)  # noqa: SLF001 - the handler under test

    assert stopped.value.code == 128 + signal.SIGTERM
