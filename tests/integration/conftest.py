"""Fixtures that run the target in-process against the Salesforce emulator."""

from __future__ import annotations

import io
import json
import typing as t
from dataclasses import dataclass

import pytest

from sf_emulator import Emulator
from target_salesforce_br.target import TargetSalesforceBR

UTM_FIELD = "BR_UTM_Campaign__c"

VOTER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": ["string", "null"]},
        "first_name": {"type": ["string", "null"]},
        "last_name": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "street": {"type": ["string", "null"]},
        "city": {"type": ["string", "null"]},
        "state": {"type": ["string", "null"]},
        "postal_code": {"type": ["string", "null"]},
        "br_status": {"type": ["string", "null"]},
        "utm_campaign": {"type": ["string", "null"]},
        "voter_id": {"type": ["string", "null"]},
    },
}


@pytest.fixture
def emu(salesforce_emulator: Emulator) -> Emulator:
    """Return the emptied emulator with a 20-character utm_campaign field."""
    salesforce_emulator.add_field(
        "Contact",
        {
            "name": UTM_FIELD,
            "type": "string",
            "length": 20,
            "label": "BR UTM Campaign",
            "createable": True,
            "updateable": True,
            "nillable": True,
            "custom": True,
        },
    )
    return salesforce_emulator


def base_config(emu: Emulator) -> dict[str, t.Any]:
    return {
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "domain": "emulator.my",
        "login_url": emu.base_url,
        "utm_campaign_field": UTM_FIELD,
    }


def singer_lines(
    records: list[dict[str, t.Any]],
    stream: str = "public-voters",
    states: dict[int, dict[str, t.Any]] | None = None,
) -> str:
    """Build Singer messages: one SCHEMA, the RECORDs, and STATE after given indexes."""
    lines = [
        {"type": "SCHEMA", "stream": stream, "schema": VOTER_SCHEMA, "key_properties": ["id"]}
    ]
    for index, record in enumerate(records):
        lines.append({"type": "RECORD", "stream": stream, "record": {"id": index, **record}})
        if states and index in states:
            lines.append({"type": "STATE", "value": states[index]})
    return "\n".join(json.dumps(line) for line in lines) + "\n"


@dataclass
class Run:
    """A finished in-process run: the target and the STATE lines it printed."""

    target: TargetSalesforceBR
    states: list[dict[str, t.Any]]


def run_target(
    capsys: pytest.CaptureFixture[str],
    config: dict[str, t.Any],
    messages: str,
) -> Run:
    """Run the target on the given Singer messages and collect its STATE output."""
    target = TargetSalesforceBR(config=config)
    try:
        target.listen(file_input=io.StringIO(messages))
    finally:
        out = capsys.readouterr().out
    states = [json.loads(line) for line in out.splitlines() if line.strip()]
    return Run(target=target, states=states)


def stdout_states(capsys: pytest.CaptureFixture[str]) -> list[dict[str, t.Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def contacts_by_email(emu: Emulator) -> dict[str, dict[str, t.Any]]:
    return {c["Email"].casefold(): c for c in emu.records("Contact") if c.get("Email")}


def topics_of(emu: Emulator, contact_id: str) -> set[str]:
    names = {topic["Id"]: topic["Name"] for topic in emu.records("Topic")}
    return {
        names[a["TopicId"]]
        for a in emu.records("TopicAssignment")
        if a["EntityId"] == contact_id
    }
