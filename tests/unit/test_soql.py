"""Splitting SOQL IN lists by their encoded size."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from target_salesforce_br.soql import MAX_ENCODED_QUERY_BYTES, chunk_in_clause

STATEMENT = "SELECT Id FROM Contact WHERE Email IN {}"


def test_every_value_lands_in_exactly_one_query():
    emails = [f"voter{i}+tag@example.org" for i in range(2000)]
    queries = list(chunk_in_clause(STATEMENT, emails))
    assert len(queries) > 1
    joined = "".join(queries)
    for email in emails:
        assert joined.count(f"'{email}'") == 1


def test_queries_stay_under_the_encoded_limit():
    emails = [f"{'x' * 70}{i}@example.org" for i in range(3000)]
    for query in chunk_in_clause(STATEMENT, emails):
        assert len(quote_plus(query)) <= MAX_ENCODED_QUERY_BYTES


def test_quotes_and_backslashes_are_escaped():
    [query] = chunk_in_clause(STATEMENT, ["o'brien@example.org", "back\\slash@example.org"])
    assert "'o\\'brien@example.org'" in query
    assert "'back\\\\slash@example.org'" in query


def test_injection_attempt_stays_inside_literal():
    [query] = chunk_in_clause(STATEMENT, ["x') OR Email != ('"])
    assert query == "SELECT Id FROM Contact WHERE Email IN ('x\\') OR Email != (\\'')"


def test_max_values_caps_each_list():
    queries = list(chunk_in_clause(STATEMENT, [str(i) for i in range(10)], max_values=3))
    assert len(queries) == 4


def test_oversized_value_raises():
    with pytest.raises(ValueError, match="does not fit"):
        list(chunk_in_clause(STATEMENT, ["a" * 5000]))


def test_no_values_yields_no_query():
    assert list(chunk_in_clause(STATEMENT, [])) == []
