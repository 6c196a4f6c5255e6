"""BR status codes, their Topic names and the parsing of ``br_status`` values.

A voter's ``br_status`` arrives from taps in three shapes: one status, a JSON
array of statuses, or a comma-separated string. Each status may be given as its
code (``vbm_portal``) or as its Topic name (``BR:VoteByMail - Portal``), in any
case, with or without the ``BR:`` prefix and with surrounding spaces.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field

TOPIC_PREFIX = "BR:"

# Status code -> Topic name. The Topic names are what the org's users see on
# the Contact page, so they are fixed here and never derived from input.
TOPIC_BY_CODE: dict[str, str] = {
    "registration_complete": "BR:Registration Complete",
    "vbm_portal": "BR:VoteByMail - Portal",
    "vbm_download": "BR:VoteByMail - Download",
    "vbm_email": "BR:VoteByMail - Email",
    "vbm_usps": "BR:VoteByMail - USPS",
    "vbm_signed": "BR:VoteByMail - Signed",
    "voting_plan_created": "BR:VotingPlan - Created",
}

_SPACE_RUN = re.compile(r"\s+")


def topic_key(name: str) -> str:
    """Return the form under which two Topic names count as the same Topic.

    Salesforce rejects a new Topic whose name differs from an existing one only
    in capitals or in runs of white space (``DUPLICATE_VALUE``), so names are
    compared casefolded with every run of white space collapsed to one space.
    """
    return _SPACE_RUN.sub(" ", name).strip().casefold()


def _status_key(value: str) -> str:
    key = topic_key(value)
    if key.startswith(TOPIC_PREFIX.casefold()):
        key = key[len(TOPIC_PREFIX) :].strip()
    return key


_CODE_BY_KEY: dict[str, str] = {}
for _code, _topic in TOPIC_BY_CODE.items():
    _CODE_BY_KEY[_status_key(_code)] = _code
    _CODE_BY_KEY[_status_key(_topic)] = _code


@dataclass
class ParsedStatuses:
    """Status codes recognised in one ``br_status`` value, and the rest."""

    codes: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)


def code_for(value: str) -> str | None:
    """Return the status code that ``value`` names, or None when it names none."""
    return _CODE_BY_KEY.get(_status_key(value))


def _split_value(value: t.Any) -> list[str]:  # noqa: ANN401 - taps send any JSON type
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        parts: list[str] = []
        for item in value:
            parts.extend(_split_value(item))
        return parts
    text = str(value).strip()
    if text.startswith("["):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            return _split_value(decoded)
    return [part for part in text.split(",") if part.strip()]


def parse_statuses(value: t.Any) -> ParsedStatuses:  # noqa: ANN401
    """Split a ``br_status`` value into known status codes and unknown values.

    Args:
        value: The record's ``br_status``: None, a string (one status, a JSON
            array or a comma-separated list) or a list of strings.

    Returns:
        The recognised codes and the unknown values, the latter stripped of
        surrounding white space so that each distinct value is reported once.
    """
    parsed = ParsedStatuses()
    for part in _split_value(value):
        code = code_for(part)
        if code is None:
            parsed.unknown.append(part.strip())
        else:
            parsed.codes.add(code)
    return parsed
