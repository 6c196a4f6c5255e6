"""Routing of the REST API under ``/services/data/vNN.N/``.

Served: the version's resource list, ``limits``, ``sobjects`` (global
describe), ``sobjects/{object}/describe``, ``query``, ``queryAll`` and their
next pages, and ``composite/sobjects`` (POST creates, PATCH updates). Any
other path gets Salesforce's 404 NOT_FOUND, never a 200; a served path with a
method it does not take gets 405.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from sf_emulator.config import MAX_API_VERSION, MAX_RETIRED_VERSION, MIN_REST_VERSION
from sf_emulator.object_rules import WriteContext
from sf_emulator.query_api import next_page_request, run_query_request
from sf_emulator.wire import ApiError, Request, Response, json_response, not_found
from sf_emulator.writes import parse_duplicate_rule_header, run_collection

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from sf_emulator.core import OrgState

_VERSION = re.compile(r"v(\d+\.\d)")
_DESCRIBE = re.compile(r"sobjects/([A-Za-z][A-Za-z0-9_]*)/describe")
_SEASONS = ("Spring", "Summer", "Winter")


def release_label(version: float) -> str:
    """Return the release name of an API version, such as "Summer '26" for 67.0."""
    steps = round(version) - 42  # 42.0 is Spring '18
    return f"{_SEASONS[steps % 3]} '{18 + (steps + 1) // 3}"


def versions_list() -> list[dict[str, str]]:
    """Return the body of ``GET /services/data/``: the versions served."""
    versions = range(int(MIN_REST_VERSION), int(MAX_API_VERSION) + 1)
    return [
        {
            "label": release_label(v),
            "url": f"/services/data/v{v}.0",
            "version": f"{v}.0",
        }
        for v in versions
    ]


def check_version(text: str) -> str:
    """Return the version number of a path segment such as ``v62.0``.

    Raises:
        ApiError: 410 for a retired version, 404 for one the emulator does not serve.
    """
    match = _VERSION.fullmatch(text)
    if match is None:
        raise not_found()
    version = float(match.group(1))
    if version <= MAX_RETIRED_VERSION:
        raise ApiError(
            410,
            "GONE",
            f"API version {match.group(1)} is retired and no longer available",
        )
    if not MIN_REST_VERSION <= version <= MAX_API_VERSION:
        raise not_found()
    return match.group(1)


def route_name(subpath: str) -> str:
    """Return the route a path under the version belongs to, or ``other``."""
    path = subpath.strip("/")
    if path in {"", "limits", "sobjects", "query", "queryAll", "composite/sobjects"}:
        return path or "resources"
    if _DESCRIBE.fullmatch(path):
        return "describe"
    for resource in ("query", "queryAll"):
        if path.startswith(f"{resource}/"):
            return f"{resource}/next"
    return "other"


def endpoint_key(state: OrgState, method: str, subpath: str) -> str:
    """Return the key a call is counted under, such as ``GET describe/Contact``."""
    name = route_name(subpath)
    if name == "describe":
        requested = subpath.strip("/").split("/")[1]
        table = state.store.table(requested)
        name = f"describe/{requested if table is None else table.sobject.name}"
    return f"{method} {name}"


@dataclasses.dataclass
class RestCall:
    """One authenticated REST call, with the API version and the path after it."""

    state: OrgState
    request: Request
    version: str
    subpath: str

    @property
    def path_parts(self) -> list[str]:
        """Return the path after the version, split at slashes."""
        return self.subpath.strip("/").split("/")


def _resources(call: RestCall) -> Response:
    base = f"/services/data/v{call.version}"
    names = ("limits", "sobjects", "query", "queryAll", "composite")
    return json_response(200, {name: f"{base}/{name}" for name in names})


def _limits(call: RestCall) -> Response:
    maximum = call.state.config.daily_api_limit
    used = call.state.meter.api_usage
    return json_response(
        200,
        {
            "DailyApiRequests": {"Max": maximum, "Remaining": max(0, maximum - used)},
            "DailyBulkApiBatches": {"Max": 15_000, "Remaining": 15_000},
            "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000},
            "DataStorageMB": {"Max": 5, "Remaining": 5},
        },
    )


def _global_describe(call: RestCall) -> Response:
    tables = call.state.store.tables.values()
    objects = [table.sobject.summary(call.version) for table in tables]
    return json_response(
        200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objects}
    )


def _describe(call: RestCall) -> Response:
    table = call.state.store.table(call.path_parts[1])
    if table is None:
        raise not_found()
    return json_response(200, table.sobject.describe(call.version))


def _query(call: RestCall) -> Response:
    all_rows = call.path_parts[0] == "queryAll"
    return run_query_request(
        call.state, call.request, call.version, include_deleted=all_rows
    )


def _next_page(call: RestCall) -> Response:
    return next_page_request(call.state, call.version, call.path_parts[1])


def _collections(call: RestCall) -> Response:
    header = call.request.header("Sforce-Duplicate-Rule-Header")
    context = WriteContext(
        store=call.state.store,
        config=call.state.config,
        record_errors=call.state.record_errors,
        duplicate_rules=call.state.duplicate_rules,
        allow_save=parse_duplicate_rule_header(header).get("allowsave") == "true",
        version=call.version,
    )
    return run_collection(context, call.request.method, call.request.body)


# Methods and handler of each route.
_ROUTES: dict[str, tuple[tuple[str, ...], Callable[[RestCall], Response]]] = {
    "resources": (("GET",), _resources),
    "limits": (("GET",), _limits),
    "sobjects": (("GET",), _global_describe),
    "describe": (("GET",), _describe),
    "query": (("GET",), _query),
    "queryAll": (("GET",), _query),
    "query/next": (("GET",), _next_page),
    "queryAll/next": (("GET",), _next_page),
    "composite/sobjects": (("POST", "PATCH"), _collections),
}


def handle_rest(
    state: OrgState, request: Request, version_text: str, subpath: str
) -> Response:
    """Serve one authenticated REST call. The caller must hold ``state.lock``.

    Raises:
        ApiError: Any Salesforce error of the call, sent as a JSON error array.
    """
    version = check_version(version_text)
    route = _ROUTES.get(route_name(subpath))
    if route is None:
        raise not_found()
    allowed, handler = route
    if request.method not in allowed:
        raise ApiError(
            405,
            "METHOD_NOT_ALLOWED",
            f"HTTP Method '{request.method}' not allowed. "
            f"Allowed are {','.join(allowed)}",
        )
    return handler(RestCall(state, request, version, subpath))
