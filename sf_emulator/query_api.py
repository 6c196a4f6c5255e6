"""The REST query resources: ``query``, ``queryAll`` and their next pages.

A result larger than one batch (2,000 rows unless ``Sforce-Query-Options:
batchSize=N`` requests 200 to 2,000) is kept as a cursor. ``nextRecordsUrl``
is a path, ``/services/data/vNN.N/query/{locator}-{offset}``, because
simple-salesforce prefixes it with the instance URL. A cursor keeps the ids
of its rows and reads their current field values when a page is fetched.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import typing as t

from sf_emulator.config import DEFAULT_QUERY_BATCH_SIZE, MIN_QUERY_BATCH_SIZE
from sf_emulator.soql_engine import QueryResult, run_query
from sf_emulator.soql_parser import parse_soql
from sf_emulator.store import computed_value
from sf_emulator.wire import ApiError, Request, Response, json_response

if t.TYPE_CHECKING:
    from sf_emulator.core import OrgState
    from sf_emulator.ids import IdFactory

LOCATOR_PREFIX = "0r8"
_NEXT_PAGE = re.compile(rf"({LOCATOR_PREFIX}[0-9A-Za-z]{{15}})(?:-(\d+))?")
# Salesforce has had no limit on open cursors since API 56.0 (App Limits
# Cheatsheet, "API Query Cursor Limits"). This cap only bounds the emulator's
# memory, and the oldest cursor is released first.
MAX_OPEN_CURSORS = 1_000


@dataclasses.dataclass
class Cursor:
    """A query result whose rows span more than one page."""

    locator: str
    result: QueryResult
    batch_size: int


class QueryCursors:
    """Open cursors by locator, oldest first."""

    def __init__(self, ids: IdFactory) -> None:
        """Use ``ids`` to make locators (18-character ids with prefix 0r8)."""
        self._ids = ids
        self._open: collections.OrderedDict[str, Cursor] = collections.OrderedDict()

    def open(self, result: QueryResult, batch_size: int) -> Cursor:
        """Keep a result for paging and return its cursor."""
        cursor = Cursor(self._ids.new_id(LOCATOR_PREFIX), result, batch_size)
        self._open[cursor.locator] = cursor
        while len(self._open) > MAX_OPEN_CURSORS:
            self._open.popitem(last=False)
        return cursor

    def get(self, locator: str) -> Cursor | None:
        """Return the open cursor with this locator, or None."""
        return self._open.get(locator)

    def clear(self) -> None:
        """Release every cursor."""
        self._open.clear()


def batch_size_from_header(value: str) -> int:
    """Return the page size requested by ``Sforce-Query-Options``.

    Salesforce treats the size as a hint within 200 to 2,000; the emulator
    clamps a size outside that range and ignores one that is not a number.
    """
    match = re.search(r"batchSize\s*=\s*(\d+)", value, re.IGNORECASE)
    if match is None:
        return DEFAULT_QUERY_BATCH_SIZE
    return max(MIN_QUERY_BATCH_SIZE, min(DEFAULT_QUERY_BATCH_SIZE, int(match.group(1))))


def _project(
    state: OrgState, result: QueryResult, record_id: str, version: str
) -> dict[str, t.Any]:
    table = t.cast("t.Any", state.store.table(result.sobject))
    record = table.get(record_id) or {"Id": record_id}
    row: dict[str, t.Any] = {
        "attributes": {
            "type": result.sobject,
            "url": f"/services/data/v{version}/sobjects/{result.sobject}/{record_id}",
        }
    }
    for field in result.fields:
        row[field] = computed_value(result.sobject, record, field)
    return row


def _page(
    state: OrgState, cursor: Cursor, offset: int, version: str
) -> dict[str, t.Any]:
    ids = cursor.result.ids
    end = min(offset + cursor.batch_size, len(ids))
    page: dict[str, t.Any] = {"totalSize": len(ids), "done": end >= len(ids)}
    if end < len(ids):
        page["nextRecordsUrl"] = (
            f"/services/data/v{version}/query/{cursor.locator}-{end}"
        )
    page["records"] = [
        _project(state, cursor.result, i, version) for i in ids[offset:end]
    ]
    return page


def run_query_request(
    state: OrgState, request: Request, version: str, *, include_deleted: bool
) -> Response:
    """Serve ``GET query?q=`` (or ``queryAll``) and return the first page.

    Raises:
        ApiError: 400 MALFORMED_QUERY without ``q``, or any error of the
            statement itself.
    """
    values = request.params().get("q")
    if not values or not values[0].strip():
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    query = parse_soql(values[0])
    result = run_query(
        state.store,
        query,
        include_deleted=include_deleted,
        view_all_data=state.config.view_all_data,
    )
    if result.count_only:
        return json_response(
            200, {"totalSize": len(result.ids), "done": True, "records": []}
        )
    batch_size = batch_size_from_header(request.header("Sforce-Query-Options"))
    if len(result.ids) <= batch_size:
        cursor = Cursor("", result, batch_size)
    else:
        cursor = state.cursors.open(result, batch_size)
    return json_response(200, _page(state, cursor, 0, version))


def next_page_request(state: OrgState, version: str, locator_text: str) -> Response:
    """Serve ``GET query/{locator}-{offset}`` with the page starting at offset.

    Raises:
        ApiError: 404 INVALID_QUERY_LOCATOR for an unknown or released
            locator, or an offset past the end of the result.
    """
    match = _NEXT_PAGE.fullmatch(locator_text)
    cursor = state.cursors.get(match.group(1)) if match else None
    offset = int(match.group(2) or 0) if match else 0
    if cursor is None or offset >= len(cursor.result.ids):
        raise ApiError(404, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return json_response(200, _page(state, cursor, offset, version))
