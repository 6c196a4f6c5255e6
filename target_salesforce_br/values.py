"""Field values as Salesforce's JSON takes them, and when two are the same.

Records reach the target with floats as ``Decimal`` (the SDK parses JSON that
way) and, from stream maps, possibly as date or time objects. Neither is JSON
serializable, so they are turned into numbers and ISO 8601 strings. Salesforce
returns numbers and date-times in its own forms (``5.0``,
``2026-03-01T10:00:00.000+0000``), so comparing by text alone would rewrite
an unchanged Contact on every run.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from decimal import Decimal, InvalidOperation

# A UTC offset written without a colon, as Salesforce writes it: +0000.
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Salesforce number fields take at most 18 digits (precision 18).
_MAX_NUMBER_DIGITS = 18

# Characters above this code point take two UTF-16 code units.
_LAST_BMP_CODE_POINT = 0xFFFF
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def to_json_value(value: t.Any) -> t.Any:  # noqa: ANN401
    """Return the value in a form that JSON and Salesforce accept.

    A ``Decimal`` becomes an int when it is whole and a float otherwise;
    dates, times and date-times become ISO 8601 strings. Anything else is
    returned as it is.

    Raises:
        InvalidFieldValueError: A number has more digits before the decimal
            point than any Salesforce number field takes.
    """
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() >= _MAX_NUMBER_DIGITS:
            msg = f"a number field takes at most {_MAX_NUMBER_DIGITS} digits"
            raise InvalidFieldValueError(msg)
        # NOTE: a non-whole number is sent as the nearest double, so digits
        # beyond about 15 significant ones can change.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


# Salesforce field types by the JSON kind their values must have.
_INTEGER_TYPES = frozenset({"int", "long"})
_NUMBER_TYPES = frozenset({"double", "currency", "percent"})
_TRUE_TEXT = frozenset({"true", "1", "yes"})
_FALSE_TEXT = frozenset({"false", "0", "no"})


class InvalidFieldValueError(ValueError):
    """Raised for a value that the field's type cannot take."""


def coerce_value(
    value: t.Any,  # noqa: ANN401 - any JSON value
    field: t.Mapping[str, t.Any],
    *,
    text: bool,
) -> t.Any:  # noqa: ANN401 - the value in its field's JSON kind
    """Return the value in the JSON kind the Contact field's type requires.

    Salesforce fails a whole sObject Collections request with
    JSON_PARSER_ERROR when one record carries a value of the wrong JSON kind,
    such as the string "4.5" for a Number field. Converting here, and
    rejecting one record when conversion is impossible, keeps the other 199
    records of the request.

    Args:
        value: A non-empty value from the record.
        field: The field's describe entry; its ``type``, such as "double",
            and for numbers its ``precision``, ``scale`` or ``digits``.
        text: Whether the field takes text.

    Raises:
        InvalidFieldValueError: The value cannot be given the field's type.
    """
    field_type = field.get("type")
    if text:
        return str(value)
    if field_type == "boolean":
        return _as_boolean(value)
    if field_type in _INTEGER_TYPES or field_type in _NUMBER_TYPES:
        return _as_number(value, field)
    if field_type == "date":
        return _as_date_text(value)
    if field_type == "datetime":
        moment = _as_datetime(value)
        if moment is None:
            msg = "a datetime field needs an ISO 8601 date-time"
            raise InvalidFieldValueError(msg)
        # Salesforce's REST form is yyyy-MM-ddTHH:mm:ss.SSS+HH:mm, and it keeps
        # date-times to the second, so the fraction is always .000.
        return moment.isoformat(timespec="milliseconds")
    return to_json_value(value)


def _as_number(value: t.Any, field: t.Mapping[str, t.Any]) -> int | float:  # noqa: ANN401
    """Return a number that fits the field, as Salesforce would store it.

    Salesforce rejects a number with more digits before the decimal point
    than the field's precision minus its scale (``digits`` for an Integer
    field) with NUMBER_OUTSIDE_VALID_RANGE. Checking here also keeps a value
    such as 1e400 out of the request.
    """
    field_type = field.get("type")
    number = _as_decimal(value)
    if number is None:
        msg = f"a {field_type} field needs a number"
        raise InvalidFieldValueError(msg)
    if field_type in _INTEGER_TYPES and number != number.to_integral_value():
        msg = f"an {field_type} field needs a whole number"
        raise InvalidFieldValueError(msg)
    allowed = _integer_digits_allowed(field) or _MAX_NUMBER_DIGITS
    # adjusted() is the exponent of the leading digit, so it needs no
    # arithmetic on a value as large as 1e999999999.
    if number != 0 and number.adjusted() >= allowed:
        msg = (
            f"a {field_type} field takes at most {allowed} digits before the "
            "decimal point"
        )
        raise InvalidFieldValueError(msg)
    return t.cast("int | float", to_json_value(number))


def _integer_digits_allowed(field: t.Mapping[str, t.Any]) -> int | None:
    if field.get("type") in _INTEGER_TYPES:
        return field.get("digits") or None
    precision = field.get("precision") or 0
    return precision - (field.get("scale") or 0) if precision else None


def _as_date_text(value: t.Any) -> str:  # noqa: ANN401
    """Return a date as yyyy-MM-dd; a date-time gives its date as written.

    Taps send date columns either as dates or as date-times at midnight,
    such as 1990-01-31T00:00:00+00:00.
    """
    text = str(value).strip()
    if _DATE_TIME.match(text):
        text = text[:10]
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        msg = "a date field needs a date such as 1990-01-31"
        raise InvalidFieldValueError(msg) from None


def _as_boolean(value: t.Any) -> bool:  # noqa: ANN401
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE_TEXT:
        return True
    if text in _FALSE_TEXT:
        return False
    msg = "a boolean field needs true or false"
    raise InvalidFieldValueError(msg)


def text_length(text: str) -> int:
    """Return the length of a text value as a Salesforce field counts it.

    A character outside the Basic Multilingual Plane, such as an emoji,
    counts as two, the stricter reading of Salesforce's length rule.
    NOTE: whether Salesforce counts such a character as one or two is not
    confirmed.
    """
    return len(text.encode("utf-16-le")) // 2


def cut_to_length(text: str, length: int) -> str:
    """Cut text to at most ``length`` UTF-16 code units, never inside a character."""
    prefix = []
    used = 0
    for character in text:
        size = 2 if ord(character) > _LAST_BMP_CODE_POINT else 1
        if used + size > length:
            break
        prefix.append(character)
        used += size
    return "".join(prefix)


def same_value(current: t.Any, new: t.Any, *, text: bool) -> bool:  # noqa: ANN401
    """Tell whether writing ``new`` over ``current`` would change nothing.

    Args:
        current: The value Salesforce returned for the field.
        new: The value the target would send.
        text: Whether the field is a text field. Text is compared as text, so
            that "0123" and "123" in a Phone field stay different.
    """
    if current is None:
        return new is None
    if text:
        return str(current) == str(new)
    if isinstance(current, bool) or isinstance(new, bool):
        return str(current).lower() == str(new).lower()
    current_number, new_number = _as_decimal(current), _as_decimal(new)
    if current_number is not None and new_number is not None:
        return current_number == new_number
    current_moment, new_moment = _as_datetime(current), _as_datetime(new)
    if current_moment is not None and new_moment is not None:
        return current_moment == new_moment
    return str(current) == str(new)


def _as_decimal(value: t.Any) -> Decimal | None:  # noqa: ANN401
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _as_datetime(value: t.Any) -> dt.datetime | None:  # noqa: ANN401
    """Parse an ISO 8601 date-time, or a date as its midnight, to the second."""
    text = str(value).strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    elif not _DATE_TIME.match(text):
        return None
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    text = _COMPACT_OFFSET.sub(r"\1:\2", text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        # Salesforce takes a date-time only with an offset or Z, so a value
        # without one is read as UTC.
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.replace(microsecond=0)
