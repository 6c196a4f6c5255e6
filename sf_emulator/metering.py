"""Counts of API calls and logins, and the log of request shapes.

Every REST call under ``/services/data`` counts toward the daily API limit,
whether it succeeds or fails, except a 401 for a missing or invalid token.
Logins are counted apart and do not count toward the limit. The log keeps
what tests assert on (method, path, query string, selected headers, body size,
status) and never the Authorization header or the body.
"""

from __future__ import annotations

import collections
import time
import typing as t

from sf_emulator.config import MAX_REQUEST_LOG_ENTRIES

# Request headers copied into the log.
LOGGED_HEADERS = (
    "Content-Type",
    "Accept",
    "User-Agent",
    "Sforce-Query-Options",
    "Sforce-Duplicate-Rule-Header",
    "Sforce-Call-Options",
    "X-PrettyPrint",
)


class Meter:
    """API call counters and the request log of one emulator."""

    def __init__(self) -> None:
        """Start with zero counts and an empty log."""
        self.api_calls: collections.Counter[str] = collections.Counter()
        self.login_calls: collections.Counter[str] = collections.Counter()
        self.log: collections.deque[dict[str, t.Any]] = collections.deque(
            maxlen=MAX_REQUEST_LOG_ENTRIES
        )

    def reset(self) -> None:
        """Zero every counter and empty the log."""
        self.api_calls.clear()
        self.login_calls.clear()
        self.log.clear()

    @property
    def api_usage(self) -> int:
        """Return the API calls counted toward the daily limit so far."""
        return sum(self.api_calls.values())

    def count_api_call(self, endpoint: str) -> int:
        """Count one REST call under its endpoint key; return the new usage."""
        self.api_calls[endpoint] += 1
        return self.api_usage

    def count_login(self, endpoint: str) -> None:
        """Count one login attempt, successful or not."""
        self.login_calls[endpoint] += 1

    def record(self, entry: dict[str, t.Any]) -> None:
        """Append one request's shape to the log, with a timestamp."""
        entry["time"] = time.time()
        self.log.append(entry)
