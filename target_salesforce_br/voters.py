"""Turn Singer records into one pending Contact write per email.

Records that share an email within a batch collapse into one :class:`Voter`:
later non-empty values win and statuses are combined. Nothing here talks to
Salesforce, so the rules can be tested on plain dictionaries.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from decimal import Decimal

from target_salesforce_br.statuses import parse_statuses
from target_salesforce_br.values import InvalidFieldValueError, to_json_value

# Record field -> Contact field written when the record carries a value.
STANDARD_FIELDS: dict[str, str] = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "phone": "Phone",
    "street": "MailingStreet",
    "city": "MailingCity",
    "state": "MailingState",
    "postal_code": "MailingPostalCode",
}

# Singer metadata that a log-based tap sets on a row deleted at the source.
DELETED_AT = "_sdc_deleted_at"

# The reject code for a record with a value that its Contact field's type
# cannot take, such as "soon" for a date. It is the target's own.
INVALID_FIELD_VALUE = "INVALID_FIELD_VALUE"

# Record fields the target reads itself; field_mapping may not redirect them.
RESERVED_FIELDS = frozenset({"email", "br_status", "utm_campaign"})

# Characters that str.strip() keeps but that are invisible in an address and
# arrive from spreadsheets: zero-width space, word joiner, byte order mark.
_INVISIBLE = "\u200b\u2060\ufeff"


def is_reference_field(name: str) -> bool:
    """Return True for a key property whose values may name a record in logs.

    Only a key named ``id``, in any case, qualifies. Other names that look
    like identifiers, such as ``caller_id`` or ``login_id``, can hold a phone
    number or a user name, so records without an ``id`` key are named by
    their position instead.
    """
    return name.casefold() == "id"


def is_deleted_at_source(record: dict[str, t.Any]) -> bool:
    """Return True when the record's ``_sdc_deleted_at`` contains a timestamp.

    Only a non-blank string counts: a tap marks a deleted row with the time
    of the delete, and an empty string, a number or a boolean there is not
    such a mark, so the record is written as usual.
    """
    value = record.get(DELETED_AT)
    return isinstance(value, str) and bool(value.strip())


def normalize_email(value: t.Any) -> str | None:  # noqa: ANN401
    """Return the email with surrounding white space removed, or None if empty.

    ``str.strip`` removes Unicode white space, no-break and ideographic
    spaces included.
    """
    if value is None:
        return None
    text = str(value).strip().strip(_INVISIBLE).strip()
    return text or None


_ASCII_UPPER_TO_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)


def email_key(email: str) -> str:
    """Return the form under which two emails match.

    Salesforce compares Email without regard to case. Only A to Z are
    folded: full Unicode case folding would equate ``STRAßE@x.org`` with
    ``strasse@x.org`` and merge two different voters.

    NOTE: in an org with Email Address Internationalization, Salesforce may
    also match non-ASCII letters in another case. Such a pair is kept apart
    here, and its lookup finds no Contact under this key, so a second
    Contact could be created.
    """
    return email.translate(_ASCII_UPPER_TO_LOWER)


def clean_value(value: t.Any) -> t.Any:  # noqa: ANN401
    """Return the value to write, or None when it must not be written.

    A null, a missing value or a string of white space never reaches
    Salesforce, so an existing value there is never blanked. Objects and
    arrays are kept out by the caller, which counts them.
    """
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, Decimal):
        # Converted for its field later: kept exact for a text field, and
        # checked against a number field's range before any conversion.
        return value
    return to_json_value(value)


def is_structured(value: t.Any) -> bool:  # noqa: ANN401
    """Return True for an object or array, which no Contact field accepts."""
    return isinstance(value, (list, dict))


@dataclass
class Voter:
    """Pending Contact write that combines every record of a batch with one email."""

    email: str
    fields: dict[str, t.Any] = field(default_factory=dict)
    statuses: set[str] = field(default_factory=set)
    utm_campaign: str | None = None
    sources: list[tuple[str, dict[str, t.Any]]] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The email in the form under which it matches other emails."""
        return email_key(self.email)


@dataclass(frozen=True)
class SetAside:
    """A record kept out of the merge, with the reason for the rejects file."""

    stream: str
    ref: str
    record: dict[str, t.Any]
    code: str
    message: str


@dataclass
class MergeResult:
    """Voters of one batch and what was set aside while merging."""

    voters: dict[str, Voter] = field(default_factory=dict)
    without_email: int = 0
    deleted_at_source: int = 0
    merged: int = 0
    # (stream, value) of each unknown status, once per record.
    unknown_statuses: list[tuple[str, str]] = field(default_factory=list)
    # (stream, record field) of each object or array value not written.
    structured_fields: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[SetAside] = field(default_factory=list)


@dataclass
class _Contribution:
    """The fields, utm_campaign and statuses that one record adds to its voter."""

    fields: dict[str, t.Any] = field(default_factory=dict)
    utm_campaign: str | None = None
    statuses: set[str] = field(default_factory=set)
    unknown_statuses: list[str] = field(default_factory=list)
    structured_fields: list[str] = field(default_factory=list)


class VoterMerger:
    """Collect a batch's records into voters keyed by email.

    Args:
        field_mapping: Record field -> Contact field, for fields beyond the
            standard ones. It takes precedence over the standard mapping.
        coerce: Converts a value for a Contact field, given the field's API
            name and the value, and raises InvalidFieldValueError when the
            field's type cannot take it. None keeps values as they are.
    """

    def __init__(
        self,
        field_mapping: t.Mapping[str, str] | None = None,
        coerce: t.Callable[[str, t.Any], t.Any] | None = None,
    ) -> None:
        """Start an empty batch with the standard and the configured mapping."""
        self._mapping = {**STANDARD_FIELDS, **(field_mapping or {})}
        self._coerce = coerce
        self.result = MergeResult()

    def add(self, stream: str, record: dict[str, t.Any], ref: str) -> None:
        """Add one record, or count or set it aside when it cannot be written.

        A record without a usable email or deleted at the source is counted.
        A record with a value its Contact field cannot take is set aside
        whole, before it is merged, so the records it shares an email with
        are still written.

        Args:
            stream: Name of the stream the record came from.
            record: The record as the tap sent it, after stream maps.
            ref: A reference to the record that holds no personal data, used
                in log lines about it.
        """
        if is_deleted_at_source(record):
            self.result.deleted_at_source += 1
            return
        raw_email = record.get("email")
        if is_structured(raw_email):
            self.result.structured_fields.append((stream, "email"))
            raw_email = None
        email = normalize_email(raw_email)
        if email is None:
            self.result.without_email += 1
            return

        try:
            contribution = self._contribution(record)
        except InvalidFieldValueError as exc:
            self.result.rejected.append(
                SetAside(stream, ref, record, INVALID_FIELD_VALUE, str(exc))
            )
            return

        voter = self.result.voters.get(email_key(email))
        if voter is None:
            voter = Voter(email=email)
            self.result.voters[voter.key] = voter
        else:
            self.result.merged += 1
            voter.email = email
        self._apply(voter, contribution, stream)
        voter.sources.append((stream, record))
        voter.refs.append(ref)

    def _contribution(self, record: dict[str, t.Any]) -> _Contribution:
        """Read the record's values, converted for their Contact fields."""
        part = _Contribution()
        for record_field, contact_field in self._mapping.items():
            value = self._writable(record, record_field, part)
            if value is None:
                continue
            if self._coerce is not None:
                try:
                    value = self._coerce(contact_field, value)
                except InvalidFieldValueError as exc:
                    msg = f"{record_field} -> Contact field {contact_field}: {exc}"
                    raise InvalidFieldValueError(msg) from None
            part.fields[contact_field] = value

        utm = self._writable(record, "utm_campaign", part)
        if utm is not None:
            part.utm_campaign = str(utm)

        parsed = parse_statuses(record.get("br_status"))
        part.statuses = set(parsed.codes)
        part.unknown_statuses = list(parsed.unknown)
        return part

    def _apply(self, voter: Voter, part: _Contribution, stream: str) -> None:
        voter.fields.update(part.fields)
        if part.utm_campaign is not None:
            voter.utm_campaign = part.utm_campaign
        voter.statuses |= part.statuses
        self.result.unknown_statuses.extend((stream, v) for v in part.unknown_statuses)
        self.result.structured_fields.extend(
            (stream, f) for f in part.structured_fields
        )

    @staticmethod
    def _writable(
        record: dict[str, t.Any], record_field: str, part: _Contribution
    ) -> t.Any:  # noqa: ANN401
        """Return the value to write, or None, and note an object or array."""
        value = record.get(record_field)
        if is_structured(value):
            part.structured_fields.append(record_field)
            return None
        return clean_value(value)
