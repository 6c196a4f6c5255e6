"""Top-level handling of each request: routing, auth, counting, faults, logging.

A REST call goes through the steps in the order Salesforce applies them.
First the token is checked, and a 401 is not counted. Then the call is
counted, and a call past the daily limit gets 403 REQUEST_LIMIT_EXCEEDED.
Then an injected fault may replace the response. Only then does the endpoint
run. Every REST response carries ``Sforce-Limit-Info: api-usage=USED/LIMIT``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import typing as t
from http import HTTPStatus

from sf_emulator import admin, auth, rest
from sf_emulator.metering import LOGGED_HEADERS
from sf_emulator.wire import (
    ApiError,
    Request,
    Response,
    invalid_session,
    json_response,
    not_found,
)

if t.TYPE_CHECKING:
    from sf_emulator.core import OrgState
    from sf_emulator.faults import Fault

logger = logging.getLogger(__name__)

_SOAP_LOGIN = re.compile(r"/services/Soap/u/(\d+\.\d)(?:/.*)?")
_REST = re.compile(r"/services/data/([^/]+)(/.*)?")
_VERSIONS_PATHS = {"/services/data", "/services/data/"}
_OAUTH_TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path


def handle_request(state: OrgState, request: Request) -> Response:
    """Return the response to one request.

    Admin calls are neither counted nor logged. An unexpected exception (an
    emulator bug) is logged and becomes a Salesforce-shaped 500, so the client
    gets a response instead of a dropped connection.
    """
    try:
        if request.path == "/__admin" or request.path.startswith("/__admin/"):
            return admin.handle_admin(state, request)
        response, endpoint = _route(state, request)
    except Exception:
        logger.exception("Emulator error on %s %s", request.method, request.path)
        return ApiError(
            500, "UNKNOWN_EXCEPTION", "An unexpected error occurred in the emulator"
        ).response()
    log_request(state, request, response.status, endpoint)
    return response


def log_request(state: OrgState, request: Request, status: int, endpoint: str) -> None:
    """Append the shape of a request to the request log."""
    entry: dict[str, t.Any] = {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": {
            name: request.header(name)
            for name in LOGGED_HEADERS
            if request.header(name)
        },
        "body_size": len(request.body),
        "status": status,
        "endpoint": endpoint,
    }
    if endpoint.endswith("composite/sobjects"):
        entry["sobject_types"] = _sobject_types(request.body)
    with state.lock:
        state.meter.record(entry)


def _sobject_types(body: bytes) -> list[str]:
    """Return the distinct attributes.type values of a Collections body, in order."""
    try:
        records = json.loads(body).get("records", [])
        types = [r["attributes"]["type"] for r in records]
    except (ValueError, AttributeError, KeyError, TypeError):
        return []
    return list(dict.fromkeys(t for t in types if isinstance(t, str)))


def _route(state: OrgState, request: Request) -> tuple[Response, str]:
    path = request.path
    if path == _OAUTH_TOKEN_PATH:
        return _login(state, request, "oauth2/token", None), "oauth2/token"
    soap = _SOAP_LOGIN.fullmatch(path)
    if soap is not None and request.method == "POST":
        return _login(state, request, "soap/login", soap.group(1)), "soap/login"
    if path in _VERSIONS_PATHS and request.method == "GET":
        return json_response(200, rest.versions_list()), "GET versions"
    match = _REST.fullmatch(path)
    if match is not None:
        return _rest(state, request, match.group(1), match.group(2) or "")
    return not_found().response(), f"{request.method} other"


def _take_fault(state: OrgState, request: Request) -> Fault | None:
    for fault in state.faults:
        if fault.take(request.method, request.path):
            return fault
    return None


def _fault_response(fault: Fault | None) -> Response | None:
    """Wait for the fault's delay and return its response (None: process normally)."""
    if fault is None:
        return None
    if fault.delay_seconds > 0:
        time.sleep(fault.delay_seconds)
    return fault.response()


def _login(
    state: OrgState, request: Request, endpoint: str, version: str | None
) -> Response:
    with state.lock:
        state.meter.count_login(endpoint)
        fault = _take_fault(state, request)
    response = _fault_response(fault)
    if response is not None:
        return response
    with state.lock:
        if version is None:
            return auth.oauth_token(
                request, state.config, state.sessions, state.base_url
            )
        result = auth.soap_login(
            request, state.config, state.sessions, state.base_url, version
        )
    if result is None:
        return not_found().response()
    if result.status != HTTPStatus.OK:
        logger.debug("SOAP login() failed with HTTP %s", result.status)
    return result


def _rest(
    state: OrgState, request: Request, version: str, subpath: str
) -> tuple[Response, str]:
    with state.lock:
        endpoint = rest.endpoint_key(state, request.method, subpath)
        if not state.sessions.authenticate(
            request.header("Authorization"), state.config.session_seconds_valid
        ):
            response = invalid_session().response()
            response.headers["WWW-Authenticate"] = "Token"
            return _with_usage(state, response), endpoint
        usage = state.meter.count_api_call(endpoint)
        over_limit = usage > state.config.daily_api_limit
        fault = None if over_limit else _take_fault(state, request)
    if over_limit:
        response = ApiError(
            403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
        ).response()
    else:
        response = _fault_response(fault) or _run_endpoint(
            state, request, version, subpath
        )
    return _with_usage(state, response), endpoint


def _run_endpoint(
    state: OrgState, request: Request, version: str, subpath: str
) -> Response:
    with state.lock:
        try:
            return rest.handle_rest(state, request, version, subpath)
        except ApiError as error:
            return error.response()


def _with_usage(state: OrgState, response: Response) -> Response:
    with state.lock:
        used = state.meter.api_usage
        limit = state.config.daily_api_limit
    response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{limit}"
    return response
