"""Failures that tests inject: whole-call faults and per-record errors.

A ``Fault`` replaces the response of matching calls (a 503 from a busy
instance, a 500, a daily-limit 403 ...). A ``RecordErrorRule`` fails matching
records inside sObject Collections with a given statusCode, which covers both
transient errors such as UNABLE_TO_LOCK_ROW and an org's validation rules.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from sf_emulator.validation import SaveError
from sf_emulator.wire import Response, json_response, text_response

# NOTE: the body of Salesforce's 503 (SERVER_UNAVAILABLE) is unconfirmed; an
# HTML page from the load balancer is assumed.
_UNAVAILABLE_PAGE = (
    "<html><head><title>503 Service Unavailable</title></head><body>"
    "<h1>Service Unavailable</h1><p>The instance is down for maintenance or "
    "overloaded. Retry the request later.</p></body></html>"
)

_DEFAULT_JSON_BODIES: dict[int, list[dict[str, str]]] = {
    400: [{"message": "Bad request", "errorCode": "BAD_REQUEST"}],
    401: [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    403: [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ],
    404: [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ],
    # NOTE: the UNKNOWN_EXCEPTION shape of a REST 500 is unconfirmed.
    500: [
        {
            "message": "An unexpected error occurred. Please include this ErrorId "
            "if you contact support: 1234567890-12345 (-1234567890)",
            "errorCode": "UNKNOWN_EXCEPTION",
        }
    ],
}


def default_fault_response(status: int) -> Response:
    """Return the body Salesforce typically sends with an injected status.

    A 503 and other gateway statuses come from the load balancer as an HTML
    page; the rest are the usual JSON error array.
    """
    if status in {502, 503, 504}:
        return text_response(status, _UNAVAILABLE_PAGE, "text/html;charset=UTF-8")
    body = _DEFAULT_JSON_BODIES.get(
        status,
        [{"message": f"Injected HTTP {status}", "errorCode": "UNKNOWN_EXCEPTION"}],
    )
    return json_response(status, body)


def fault_response(status: int, body: t.Any) -> Response:  # noqa: ANN401
    """Return the response for a fault: JSON for lists and dicts, text otherwise."""
    if body is None:
        return default_fault_response(status)
    if isinstance(body, (list, dict)):
        return json_response(status, body)
    if isinstance(body, bytes):
        return Response(status, body, {"Content-Type": "application/octet-stream"})
    text = str(body)
    content_type = (
        "text/html;charset=UTF-8"
        if text.lstrip().startswith("<")
        else "text/plain;charset=UTF-8"
    )
    return text_response(status, text, content_type)


@dataclasses.dataclass
class Fault:
    """Injected failure that replaces the response of matching calls.

    Attributes:
        method: HTTP method to match, or None for any.
        path_regex: Pattern searched for in the request path, or None for any.
        status: HTTP status to return, or None to process the call normally
            after ``delay_seconds``.
        body: Body to return (list/dict as JSON, str as text), or None for
            the default body of the status.
        times: How many matching calls fire the fault; None means every one.
        after_calls: How many matching calls pass untouched first.
        delay_seconds: Seconds to wait before responding.
    """

    method: str | None = None
    path_regex: str | None = None
    status: int | None = 503
    body: t.Any = None
    times: int | None = 1
    after_calls: int = 0
    delay_seconds: float = 0.0
    matched: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        """Normalise the method and check the pattern compiles."""
        self.method = self.method.upper() if self.method else None
        self._pattern = re.compile(self.path_regex) if self.path_regex else None

    def take(self, method: str, path: str) -> bool:
        """Count a call and return whether the fault fires for it."""
        if self.method is not None and self.method != method:
            return False
        if self._pattern is not None and not self._pattern.search(path):
            return False
        self.matched += 1
        if self.matched <= self.after_calls:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        self.fired += 1
        return True

    def response(self) -> Response | None:
        """Return the injected response, or None to process the call."""
        return None if self.status is None else fault_response(self.status, self.body)

    def as_json(self) -> dict[str, t.Any]:
        """Return the fault's settings and counters."""
        return {
            "method": self.method,
            "path_regex": self.path_regex,
            "status": self.status,
            "times": self.times,
            "after_calls": self.after_calls,
            "delay_seconds": self.delay_seconds,
            "matched": self.matched,
            "fired": self.fired,
        }


# Codes that concern the whole record, so Salesforce lists no fields with them.
_RECORD_LEVEL_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "UNKNOWN_EXCEPTION"})


@dataclasses.dataclass
class RecordErrorRule:
    """Fails a record inside Collections when one of its field values matches.

    Attributes:
        sobject: Object whose records the rule checks.
        field: Field whose value is searched with ``value_regex``; on an update
            the stored value counts when the request leaves the field out.
        value_regex: Pattern searched for in the value's text.
        status_code: statusCode of the error, such as UNABLE_TO_LOCK_ROW or
            FIELD_CUSTOM_VALIDATION_EXCEPTION.
        message: Message of the error.
        times: How many records fail; None means every matching one.
    """

    sobject: str
    field: str
    value_regex: str
    status_code: str
    message: str
    times: int | None = None
    fired: int = 0

    def __post_init__(self) -> None:
        """Compile the pattern."""
        self._pattern = re.compile(self.value_regex)

    def check(self, sobject: str, record: dict[str, t.Any]) -> SaveError | None:
        """Return the error for a record about to be saved, or None."""
        if sobject.casefold() != self.sobject.casefold():
            return None
        value = next(
            (v for k, v in record.items() if k.casefold() == self.field.casefold()),
            None,
        )
        if value is None or not self._pattern.search(str(value)):
            return None
        if self.times is not None and self.fired >= self.times:
            return None
        self.fired += 1
        fields = () if self.status_code in _RECORD_LEVEL_CODES else (self.field,)
        return SaveError(self.status_code, self.message, fields)
