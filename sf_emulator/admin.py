"""The HTTP admin interface under ``/__admin/``, for tests and the demo.

Each route calls the ``OrgState`` method of the same name, so a separate
process (the demo) can do what in-process tests do through ``Emulator``.
Admin calls need no token and are not counted as API calls. Bodies and
responses are JSON; a bad request gets 400 ``{"error": "..."}``.

Routes:
    POST   /__admin/reset
    GET    /__admin/config                   POST /__admin/config {settings}
    POST   /__admin/fields/{object}          {field entry, "keep_on_reset": bool}
    GET    /__admin/describe/{object}
    POST   /__admin/seed/{object}            [records] or {"records": [...]}
    GET    /__admin/records/{object}?include_deleted=true
    GET    /__admin/api-calls
    GET    /__admin/requests-log
    GET    /__admin/faults                   POST {fault}    DELETE (all faults)
    POST   /__admin/record-errors            {rule}
    POST   /__admin/duplicate-rules/{object} {"mode": "alert" | "block" | null}
    POST   /__admin/expire-sessions
    POST   /__admin/expire-session-after     {"calls": n}
"""

from __future__ import annotations

import dataclasses
import json
import logging
import typing as t
from urllib.parse import unquote

from sf_emulator.wire import Request, Response, json_response

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from sf_emulator.core import OrgState

logger = logging.getLogger(__name__)


class AdminError(Exception):
    """A bad admin request, rejected with HTTP 400."""


@dataclasses.dataclass
class AdminCall:
    """One admin request: the org, the parsed JSON body and the path argument."""

    state: OrgState
    body: t.Any
    arg: str
    request: Request


def _reset(call: AdminCall) -> t.Any:  # noqa: ANN401
    call.state.reset()
    return {"ok": True}


def _get_config(call: AdminCall) -> t.Any:  # noqa: ANN401
    with call.state.lock:
        return call.state.config.as_dict()


def _set_config(call: AdminCall) -> t.Any:  # noqa: ANN401
    call.state.configure(**_object(call.body))
    return _get_config(call)


def _add_field(call: AdminCall) -> t.Any:  # noqa: ANN401
    field = dict(_object(call.body))
    keep = bool(field.pop("keep_on_reset", False))
    return call.state.add_field(call.arg, field, keep_on_reset=keep)


def _describe(call: AdminCall) -> t.Any:  # noqa: ANN401
    return call.state.describe(call.arg)


def _seed(call: AdminCall) -> t.Any:  # noqa: ANN401
    records = call.body.get("records") if isinstance(call.body, dict) else call.body
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        msg = 'body must be a list of records or {"records": [...]}'
        raise AdminError(msg)
    return {"ids": call.state.seed(call.arg, records)}


def _records(call: AdminCall) -> t.Any:  # noqa: ANN401
    flag = call.request.params().get("include_deleted", ["false"])[0].casefold()
    records = call.state.records(call.arg, include_deleted=flag in {"1", "true", "yes"})
    return {"totalSize": len(records), "records": records}


def _api_calls(call: AdminCall) -> t.Any:  # noqa: ANN401
    return {
        "by_endpoint": call.state.api_calls(),
        "total": call.state.api_calls_total(),
        "logins": call.state.login_calls(),
    }


def _requests_log(call: AdminCall) -> t.Any:  # noqa: ANN401
    return {"requests": call.state.requests_log()}


def _list_faults(call: AdminCall) -> t.Any:  # noqa: ANN401
    with call.state.lock:
        return {"faults": [fault.as_json() for fault in call.state.faults]}


def _add_fault(call: AdminCall) -> t.Any:  # noqa: ANN401
    return call.state.add_fault(**_object(call.body)).as_json()


def _clear_faults(call: AdminCall) -> t.Any:  # noqa: ANN401
    call.state.clear_faults()
    return {"ok": True}


def _add_record_error(call: AdminCall) -> t.Any:  # noqa: ANN401
    settings = dict(_object(call.body))
    if "object" in settings:
        settings["sobject"] = settings.pop("object")
    rule = call.state.add_record_error(**settings)
    return {
        "sobject": rule.sobject,
        "field": rule.field,
        "status_code": rule.status_code,
    }


def _duplicate_rule(call: AdminCall) -> t.Any:  # noqa: ANN401
    call.state.set_duplicate_rule(call.arg, _object(call.body).get("mode"))
    return {"ok": True}


def _expire_sessions(call: AdminCall) -> t.Any:  # noqa: ANN401
    call.state.expire_sessions()
    return {"ok": True}


def _expire_after(call: AdminCall) -> t.Any:  # noqa: ANN401
    calls = _object(call.body).get("calls")
    if not isinstance(calls, int) or isinstance(calls, bool):
        msg = 'body must be {"calls": <integer>}'
        raise AdminError(msg)
    call.state.expire_session_after(calls)
    return {"ok": True}


_ROUTES: dict[tuple[str, str], Callable[[AdminCall], t.Any]] = {
    ("POST", "reset"): _reset,
    ("GET", "config"): _get_config,
    ("POST", "config"): _set_config,
    ("POST", "fields"): _add_field,
    ("GET", "describe"): _describe,
    ("POST", "seed"): _seed,
    ("GET", "records"): _records,
    ("GET", "api-calls"): _api_calls,
    ("GET", "requests-log"): _requests_log,
    ("GET", "faults"): _list_faults,
    ("POST", "faults"): _add_fault,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "record-errors"): _add_record_error,
    ("POST", "duplicate-rules"): _duplicate_rule,
    ("POST", "expire-sessions"): _expire_sessions,
    ("POST", "expire-session-after"): _expire_after,
}


def _object(body: t.Any) -> dict[str, t.Any]:  # noqa: ANN401
    if body is None:
        return {}
    if not isinstance(body, dict):
        msg = "body must be a JSON object"
        raise AdminError(msg)
    return body


def handle_admin(state: OrgState, request: Request) -> Response:
    """Serve one admin call."""
    parts = request.path.removeprefix("/__admin").strip("/").split("/", 1)
    name = parts[0]
    arg = unquote(parts[1]) if len(parts) > 1 else ""
    handler = _ROUTES.get((request.method, name))
    if handler is None:
        return json_response(
            404, {"error": f"no admin route {request.method} /__admin/{name}"}
        )
    try:
        body = json.loads(request.body) if request.body.strip() else None
        result = handler(AdminCall(state, body, arg, request))
    except (AdminError, ValueError, TypeError, KeyError) as error:
        logger.info("Admin call %s %s failed: %s", request.method, request.path, error)
        return json_response(400, {"error": str(error)})
    return json_response(200, result)
