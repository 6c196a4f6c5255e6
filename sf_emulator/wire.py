"""Transport-neutral requests, responses and Salesforce error bodies.

The HTTP handler turns each HTTP request into a ``Request`` and writes back
the ``Response`` that the emulator returns, so the routing and Salesforce
logic never touch sockets.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t
from urllib.parse import parse_qs

if t.TYPE_CHECKING:
    from email.message import Message

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"


@dataclasses.dataclass
class Request:
    """One HTTP request, independent of the socket it came from.

    Attributes:
        method: HTTP method in upper case.
        path: Path without the query string, still percent-encoded.
        query: Raw query string, without the ``?``.
        headers: Request headers (case-insensitive lookup).
        body: Request body bytes.
    """

    method: str
    path: str
    query: str
    headers: Message
    body: bytes = b""

    def params(self) -> dict[str, list[str]]:
        """Return the decoded query-string parameters, each a list of values."""
        return parse_qs(self.query, keep_blank_values=True)

    def header(self, name: str, default: str = "") -> str:
        """Return a header's value, or ``default`` when it is absent."""
        value = self.headers.get(name)
        return default if value is None else str(value)


@dataclasses.dataclass
class Response:
    """One HTTP response: status, headers and body bytes."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """Return the Content-Type header, or an empty string."""
        return self.headers.get("Content-Type", "")


def json_response(
    status: int,
    payload: t.Any,  # noqa: ANN401 - any JSON-serialisable value
    headers: dict[str, str] | None = None,
) -> Response:
    """Return a response with a JSON body."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(
        status, body, {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    )


def text_response(
    status: int, text: str, content_type: str = "text/plain;charset=UTF-8"
) -> Response:
    """Return a response with a text body."""
    return Response(status, text.encode("utf-8"), {"Content-Type": content_type})


class ApiError(Exception):
    """A request-level REST error, sent as Salesforce's JSON error array.

    The body is ``[{"message": ..., "errorCode": ..., "fields": [...]}]``;
    ``fields`` is left out when None, as Salesforce does for most codes.
    """

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        """Store the HTTP status, Salesforce errorCode, message and fields."""
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, t.Any]]:
        """Return the JSON error array."""
        entry: dict[str, t.Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]

    def response(self) -> Response:
        """Return this error as a JSON response."""
        return json_response(self.status, self.body())


def not_found() -> ApiError:
    """Return the error for a path or object the emulator does not serve."""
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    """Return the 401 error for a missing, unknown or expired token."""
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
