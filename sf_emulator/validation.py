"""Field checks that Salesforce applies to each record of a create or update.

Two levels, as in Salesforce. A JSON value of the wrong kind (a number for a
text field) fails the whole request with JSON_PARSER_ERROR before anything is
saved. Everything else fails only its record, with the statusCode that
Salesforce uses: INVALID_FIELD, INVALID_FIELD_FOR_INSERT_UPDATE,
REQUIRED_FIELD_MISSING, STRING_TOO_LONG, NUMBER_OUTSIDE_VALID_RANGE,
INVALID_EMAIL_ADDRESS, MALFORMED_ID or INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from sf_emulator.ids import normalize_id
from sf_emulator.schema import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, SObjectType
from sf_emulator.store import normalize_timestamp
from sf_emulator.wire import ApiError

_EMAIL_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_EMAIL_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
# NOTE: Salesforce's exact email syntax rule is not published. This ASCII
# pattern may reject some addresses that Salesforce accepts, never the reverse
# for the common mistakes (spaces, missing @, missing or bad domain).
# The lookahead caps the local part at 64 characters, as RFC 5321 does.
_EMAIL = re.compile(f"(?=[^@]{{1,64}}@){_EMAIL_LOCAL}@{_EMAIL_DOMAIN}")


@dataclasses.dataclass(frozen=True)
class SaveError:
    """One entry of a record's ``errors`` list in a Collections result."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()
    # Further keys of the entry, such as the duplicate rule's match results.
    extra: dict[str, t.Any] | None = None

    def as_json(self) -> dict[str, t.Any]:
        """Return the entry as Salesforce writes it."""
        entry = {
            "statusCode": self.status_code,
            "message": self.message,
            "fields": list(self.fields),
        }
        entry.update(self.extra or {})
        return entry


def utf16_length(value: str) -> int:
    """Return the length in UTF-16 code units.

    NOTE: Salesforce counts field lengths in characters; whether a character
    outside the Basic Multilingual Plane (an emoji) counts as one or two is
    unconfirmed. Counting two is the stricter choice.
    """
    return len(value.encode("utf-16-le")) // 2


def _json_token(value: t.Any) -> str:  # noqa: ANN401
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    return "VALUE_STRING"


def _json_kind_matches(  # noqa: PLR0911 - one return per field type
    field_type: str,
    value: t.Any,  # noqa: ANN401 - any JSON value
) -> bool:
    if value is None:
        return True
    if field_type in TEXT_TYPES or field_type in ID_TYPES:
        return isinstance(value, str)
    if field_type == "boolean":
        return isinstance(value, bool)
    if field_type in {"int", "long"}:
        return isinstance(value, int) and not isinstance(value, bool)
    if field_type in NUMBER_TYPES:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if field_type in {"date", "datetime"}:
        if not isinstance(value, str):
            return False
        try:
            normalize_timestamp(value)
        except ValueError:
            return False
        return True
    return False


def check_json_kinds(sobject: SObjectType, record: dict[str, t.Any]) -> None:
    """Fail the request when a known field carries a JSON value of the wrong kind.

    Raises:
        ApiError: 400 JSON_PARSER_ERROR naming the value and the expected type.
    """
    for key, value in record.items():
        field = sobject.field(key)
        if key == "attributes" or field is None:
            continue
        if not _json_kind_matches(field["type"], value):
            printable = (
                value if not isinstance(value, (dict, list)) else type(value).__name__
            )
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {field['type']} from "
                f"{_json_token(value)} "
                f"value {printable} or request may be missing a required field",
            )


def _permission_errors(
    sobject: SObjectType, values: dict[str, t.Any], *, creating: bool
) -> list[SaveError]:
    errors: list[SaveError] = []
    if creating and "Id" in values:
        errors.append(
            SaveError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "cannot specify Id in an insert call",
                ("Id",),
            )
        )
    flag = "createable" if creating else "updateable"
    locked = [
        name
        for name in values
        if name != "Id" and not t.cast("dict[str, t.Any]", sobject.field(name))[flag]
    ]
    if locked:
        errors.append(
            SaveError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(locked)}. "
                "Please check the "
                "security settings of this field and verify that it is read/write for "
                "your profile or permission set.",
                tuple(locked),
            )
        )
    return errors


def _is_blank(value: t.Any) -> bool:  # noqa: ANN401
    return value is None or (isinstance(value, str) and not value.strip())


def _required_errors(
    sobject: SObjectType, values: dict[str, t.Any], *, creating: bool
) -> list[SaveError]:
    if creating:
        missing = [
            name for name in sobject.required_fields() if _is_blank(values.get(name))
        ]
    else:
        missing = [
            name
            for name in sobject.required_fields()
            if name in values and _is_blank(values[name])
        ]
    if not missing:
        return []
    return [
        SaveError(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            tuple(missing),
        )
    ]


def _value_error(  # noqa: PLR0911 - one return per check
    field: dict[str, t.Any],
    value: t.Any,  # noqa: ANN401 - a JSON value of the field's type
) -> SaveError | None:
    """Return the error for one non-null value, or None when it is valid."""
    name, label, field_type = field["name"], field["label"], field["type"]
    if field_type in ID_TYPES:
        if normalize_id(value) is None:
            return SaveError(
                "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", (name,)
            )
        return None
    if field_type in NUMBER_TYPES:
        return _range_error(field, value)
    if field_type not in TEXT_TYPES:
        return None
    if utf16_length(value) > field["length"]:
        return SaveError(
            "STRING_TOO_LONG",
            f"{label}: data value too large: {value} (max length={field['length']})",
            (name,),
        )
    if field_type == "email" and not _EMAIL.fullmatch(value):
        return SaveError(
            "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}", (name,)
        )
    if field.get("restrictedPicklist"):
        allowed = {entry.get("value") for entry in field.get("picklistValues", [])}
        if value not in allowed:
            return SaveError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {value}",
                (name,),
            )
    return None


def integer_digits_allowed(field: dict[str, t.Any]) -> int | None:
    """Return how many digits a number field takes before the decimal point.

    Salesforce allows precision - scale digits for Number, Currency and
    Percent fields and ``digits`` for Integer fields; None means no limit is
    described.
    """
    if field["type"] in {"int", "long"}:
        return field.get("digits") or None
    precision = field.get("precision") or 0
    return precision - (field.get("scale") or 0) if precision else None


def _range_error(field: dict[str, t.Any], value: t.Any) -> SaveError | None:  # noqa: ANN401
    allowed = integer_digits_allowed(field)
    if allowed is None or abs(value) < 10**allowed:
        return None
    return SaveError(
        "NUMBER_OUTSIDE_VALID_RANGE",
        f"{field['label']}: value outside of valid range on numeric field: "
        f"{float(value)}",
        (field["name"],),
    )


def _stored_form(field: dict[str, t.Any], value: t.Any) -> t.Any:  # noqa: ANN401
    if value is None:
        return None
    if field["type"] in ID_TYPES:
        return normalize_id(value)
    if field["type"] == "datetime":
        return normalize_timestamp(value)
    return value


def prepare_values(
    sobject: SObjectType, record: dict[str, t.Any], *, creating: bool
) -> tuple[dict[str, t.Any], list[SaveError]]:
    """Check one record's fields and return them in stored form, or the errors.

    Field names resolve case-insensitively to their describe names. On an
    update, ``record`` must not contain the id key any more. A null sets the
    field to null, as in Salesforce.

    Returns:
        The values by canonical field name, and the record's errors (empty
        when the record may be saved).
    """
    values: dict[str, t.Any] = {}
    unknown: list[str] = []
    for key, value in record.items():
        if key == "attributes":
            continue
        field = sobject.field(key)
        if field is None:
            unknown.append(key)
        else:
            values[field["name"]] = value
    if unknown:
        message = f"No such column '{unknown[0]}' on sobject of type {sobject.name}"
        return {}, [SaveError("INVALID_FIELD", message)]

    errors = _permission_errors(sobject, values, creating=creating)
    if errors:
        return {}, errors
    errors = _required_errors(sobject, values, creating=creating)
    for name, value in values.items():
        field = t.cast("dict[str, t.Any]", sobject.field(name))
        error = None if value is None else _value_error(field, value)
        if error is not None:
            errors.append(error)
    if errors:
        return {}, errors
    stored = {
        name: _stored_form(t.cast("dict[str, t.Any]", sobject.field(name)), value)
        for name, value in values.items()
    }
    return stored, []
