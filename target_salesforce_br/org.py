"""Start-of-run checks on the org: Contact fields and the BR Topics.

Both run once per run, before any record is written, so that a missing field
or permission stops the run with nothing half-written.
"""

from __future__ import annotations

import logging
import re
import typing as t
from dataclasses import dataclass

from target_salesforce_br.exceptions import (
    DailyLimitError,
    OrgSetupError,
    SalesforceCallError,
)
from target_salesforce_br.statuses import TOPIC_BY_CODE, topic_key

if t.TYPE_CHECKING:
    from target_salesforce_br.client import SalesforceClient
    from target_salesforce_br.settings import Settings

logger = logging.getLogger(__name__)

# Field types whose values are sent as JSON strings.
TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "encryptedstring",
    }
)

_UTM_TYPES = frozenset({"string", "textarea"})
_DUPLICATE_ID = re.compile(r"\bid:\s*([a-zA-Z0-9]{15,18})\b")


@dataclass(frozen=True)
class ContactFields:
    """Facts about the org's Contact fields that the writer relies on."""

    describe: dict[str, dict[str, t.Any]]
    utm_field: str | None
    utm_length: int | None
    email_length: int

    def is_text(self, name: str) -> bool:
        """Tell whether values of a field are sent as strings."""
        return self.describe.get(name, {}).get("type") in TEXT_TYPES


def check_contact_fields(client: SalesforceClient, settings: Settings) -> ContactFields:
    """Describe Contact and check every field the target will write.

    Raises:
        OrgSetupError: The utm_campaign field or a mapped field is missing,
            has the wrong type, or is not writable by the integration user.
    """
    described = client.describe("Contact")
    fields = {f["name"]: f for f in described.get("fields", [])}

    utm_length = None
    if settings.utm_campaign_field:
        utm_length = _check_utm_field(fields, settings.utm_campaign_field)
    for record_field, contact_field in settings.field_mapping.items():
        _check_writable(fields, contact_field, f"field_mapping[{record_field!r}]")

    email = fields.get("Email", {})
    return ContactFields(
        describe=fields,
        utm_field=settings.utm_campaign_field,
        utm_length=utm_length,
        email_length=int(email.get("length") or 80),
    )


def _check_utm_field(fields: dict[str, dict[str, t.Any]], name: str) -> int:
    entry = _check_writable(fields, name, "utm_campaign_field")
    if entry.get("type") not in _UTM_TYPES:
        msg = (
            f"utm_campaign_field {name} is a {entry.get('type')} field; it must "
            "be a Text field. Create a Text(255) field on Contact, give the "
            "integration user edit access, and set utm_campaign_field to it."
        )
        raise OrgSetupError(msg)
    return int(entry.get("length") or 255)


def _check_writable(
    fields: dict[str, dict[str, t.Any]], name: str, setting: str
) -> dict[str, t.Any]:
    entry = fields.get(name)
    if entry is None:
        msg = (
            f"{setting} names {name}, which does not exist on Contact or is "
            "hidden from the integration user. Check the field's API name "
            "(custom fields end in __c) and its field-level security."
        )
        raise OrgSetupError(msg)
    if not (entry.get("createable") and entry.get("updateable")):
        msg = (
            f"{setting} names {name}, which the integration user cannot both "
            "create and edit. Give the user edit access to the field in its "
            "field-level security, or pick a writable field."
        )
        raise OrgSetupError(msg)
    return entry


def ensure_topics(client: SalesforceClient) -> tuple[dict[str, str], int]:
    """Make sure every BR Topic exists and return their ids by status code.

    One query finds the existing Topics and one create call adds the missing
    ones. Names are matched the way Salesforce keeps Topic names unique:
    ignoring case and runs of white space.

    Returns:
        Topic id by status code, and the number of Topics created.

    Raises:
        OrgSetupError: The integration user cannot read or create Topics.
    """
    wanted = {topic_key(name): code for code, name in TOPIC_BY_CODE.items()}
    ids: dict[str, str] = {}
    try:
        # LIKE on the prefix also finds names spelled with other spacing,
        # which an equality test would miss.
        for row in client.query("SELECT Id, Name FROM Topic WHERE Name LIKE 'BR%'"):
            code = wanted.get(topic_key(row["Name"]))
            if code is not None and code not in ids:
                ids[code] = row["Id"]
        missing = [code for code in TOPIC_BY_CODE if code not in ids]
        created = _create_topics(client, missing, ids) if missing else 0
    except DailyLimitError:
        raise
    except SalesforceCallError as exc:
        msg = (
            f"Reading or creating the BR Topics failed ({exc.error_code or exc}). "
            "Give the integration user read and create access to Topic, and "
            "the Create Topics and Assign Topics permissions."
        )
        raise OrgSetupError(msg) from exc
    return ids, created


def _create_topics(
    client: SalesforceClient, codes: list[str], ids: dict[str, str]
) -> int:
    results = client.create("Topic", [{"Name": TOPIC_BY_CODE[c]} for c in codes])
    created = 0
    for code, result in zip(codes, results, strict=True):
        if result.get("success"):
            ids[code] = result["id"]
            created += 1
            logger.info("Created Topic %s", TOPIC_BY_CODE[code])
            continue
        error = (result.get("errors") or [{}])[0]
        existing = _DUPLICATE_ID.search(str(error.get("message", "")))
        if error.get("statusCode") == "DUPLICATE_VALUE" and existing:
            ids[code] = existing.group(1)
            continue
        msg = (
            f"Creating Topic {TOPIC_BY_CODE[code]!r} failed: "
            f"{error.get('statusCode')}: {error.get('message')}. Check that the "
            "integration user has the Create Topics permission."
        )
        raise OrgSetupError(msg)
    return created
