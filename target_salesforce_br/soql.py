"""SOQL statements with ``IN`` lists split to fit Salesforce's request size.

A query travels in the URL of a GET request, and Salesforce rejects a request
whose URI and headers exceed 16,384 bytes (HTTP 414 or 431). Lists are
therefore split by the length of each value after URL encoding, not by count.
Every value goes through simple-salesforce's ``quote_soql_value``, so quotes
and backslashes in an email are escaped and cannot change the statement.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote_plus

from simple_salesforce.format import format_soql, quote_soql_value

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# Salesforce's limit is 16,384 bytes for URI plus headers. The headers
# simple-salesforce sends (bearer token, content type, user agent) take well
# under 1 KB; the rest of the margin covers a longer path or proxy headers.
MAX_ENCODED_QUERY_BYTES = 12_000

# Each string literal in a WHERE clause may hold at most 4,000 characters.
MAX_LITERAL_CHARS = 4_000

_ENCODED_SEPARATOR = len(quote_plus(","))


def chunk_in_clause(
    statement: str,
    values: Iterable[str],
    *,
    max_bytes: int = MAX_ENCODED_QUERY_BYTES,
    max_values: int | None = None,
) -> Iterator[str]:
    """Yield copies of ``statement`` with consecutive parts of ``values`` in its ``{}``.

    Args:
        statement: SOQL with exactly one ``{}`` where the ``IN`` list goes,
            for example ``SELECT Id FROM Contact WHERE Email IN {}``.
        values: Strings to put in the list; each appears in exactly one
            statement, in the order given.
        max_bytes: Upper bound for the URL-encoded length of each statement.
        max_values: Upper bound for the number of values in one statement.

    Raises:
        ValueError: A single value is too long to fit in any statement.
    """
    base = len(quote_plus(format_soql(statement, ["x"]))) - len(
        quote_plus(quote_soql_value("x"))
    )
    chunk: list[str] = []
    size = base
    for value in values:
        encoded = len(quote_plus(quote_soql_value(value)))
        if base + encoded > max_bytes or len(value) > MAX_LITERAL_CHARS:
            msg = f"a value of {len(value)} characters does not fit in one query"
            raise ValueError(msg)
        extra = encoded + (_ENCODED_SEPARATOR if chunk else 0)
        full = size + extra > max_bytes or (
            max_values is not None and len(chunk) >= max_values
        )
        if chunk and full:
            yield format_soql(statement, chunk)
            chunk, size = [], base
            extra = encoded
        chunk.append(value)
        size += extra
    if chunk:
        yield format_soql(statement, chunk)
