"""JSON forms of field values and the comparison that skips unchanged writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from target_salesforce_br.values import (
    InvalidFieldValueError,
    coerce_value,
    cut_to_length,
    cut_to_length,
    same_value,
    text_length,
    text_length,
    to_json_value,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("4.5"), 4.5),
        (Decimal("5.00"), 5),
        (dt.date(1990, 1, 2), "1990-01-02"),
        (dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc), "2026-03-01T10:00:00+00:00"),
        ("text", "text"),
        (True, True),
    ],
)
def test_json_value_forms(value, expected):
    assert to_json_value(value) == expected
    assert type(to_json_value(value)) is type(expected)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (5.0, 5),
        (4.5, Decimal("4.50")),
        ("2026-03-01T10:00:00.000+0000", "2026-03-01T10:00:00+00:00"),
        ("2026-03-01T10:00:00.000+0000", "2026-03-01T12:00:00+02:00"),
        ("2026-03-01T10:00:00.000+0000", "2026-03-01T10:00:00Z"),
        ("2026-03-01T10:00:00.000+0000", "2026-03-01T10:00:00.123+00:00"),
        ("1990-01-02", "1990-01-02"),
        (True, True),
    ],
)
def test_same_value_in_salesforce_form(current, new):
    assert same_value(current, new, text=False)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (5.0, 6),
        ("2026-03-01T10:00:00.000+0000", "2026-03-01T10:00:01+00:00"),
        ("1990-01-02", "1990-01-03"),
        (None, "x"),
        (True, False),
    ],
)
def test_different_value_is_written(current, new):
    assert not same_value(current, new, text=False)


def test_text_fields_compare_as_text():
    assert not same_value("0123", "123", text=True)
    assert not same_value("5.0", "5", text=True)
    assert same_value("Ann", "Ann", text=True)


@pytest.mark.parametrize(
    ("value", "field_type", "expected"),
    [
        ("4.5", "double", 4.5),
        (Decimal("7"), "int", 7),
        ("12", "currency", 12),
        ("TRUE", "boolean", True),
        ("0", "boolean", False),
        ("1990-01-02", "date", "1990-01-02"),
        ("2026-03-01T12:00:00Z", "datetime", "2026-03-01T12:00:00.000+00:00"),
        ("2026-03-01T12:00:00.123456-05:00", "datetime", "2026-03-01T12:00:00.000-05:00"),
        ("2024-05-01 10:00:00+00:00", "datetime", "2024-05-01T10:00:00.000+00:00"),
        ("2024-05-01", "datetime", "2024-05-01T00:00:00.000+00:00"),
        ("1990-01-31T00:00:00+00:00", "date", "1990-01-31"),
        ("1990-01-31T00:00:00Z", "date", "1990-01-31"),
        ("2026-03-01T12:00:00", "datetime", "2026-03-01T12:00:00.000+00:00"),
        ("003000000000001AAA", "reference", "003000000000001AAA"),
    ],
)
def test_coerce_to_field_type(value, field_type, expected):
    assert coerce_value(value, {"type": field_type}, text=False) == expected


@pytest.mark.parametrize(
    ("value", "field_type"),
    [
        ("soon", "double"),
        ("4.5", "int"),
        ("maybe", "boolean"),
        ("1990-13-45", "date"),
        ("yesterday", "datetime"),
    ],
)
def test_coerce_rejects_wrong_kind(value, field_type):
    with pytest.raises(InvalidFieldValueError, match=field_type):
        coerce_value(value, {"type": field_type}, text=False)


def test_coerce_text_field_gives_string():
    assert coerce_value(Decimal("5"), {"type": "string"}, text=True) == "5"


def test_text_length_counts_utf16_units():
    assert text_length("abc") == 3
    assert text_length("a\U0001f5f3") == 3


def test_cut_never_splits_a_character():
    assert cut_to_length("ab\U0001f5f3c", 3) == "ab"
    assert cut_to_length("ab\U0001f5f3c", 4) == "ab\U0001f5f3"
    assert cut_to_length("abc", 5) == "abc"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("1000", {"type": "double", "precision": 5, "scale": 2}),
        ("1e400", {"type": "double", "precision": 18, "scale": 0}),
        (1000, {"type": "int", "digits": 3}),
        ("-1000", {"type": "currency", "precision": 5, "scale": 2}),
    ],
)
def test_number_outside_field_range_rejected(value, field):
    with pytest.raises(InvalidFieldValueError, match="digits before the decimal point"):
        coerce_value(value, field, text=False)


def test_number_inside_field_range_accepted():
    assert coerce_value("999.99", {"type": "double", "precision": 5, "scale": 2}, text=False) == 999.99
    assert coerce_value(-999, {"type": "int", "digits": 3}, text=False) == -999


@pytest.mark.parametrize("value", [Decimal("1e300000"), "1e999999999", "-1e1000000"])
def test_huge_number_rejected_quickly(value):
    with pytest.raises(InvalidFieldValueError, match="digits"):
        coerce_value(value, {"type": "double"}, text=False)


def test_huge_number_in_text_field_kept_as_text():
    assert coerce_value(Decimal("1e300000"), {"type": "string"}, text=True) == "1E+300000"
