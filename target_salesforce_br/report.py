"""Run counters, the end-of-run summary line and the rejects file.

Log lines about a record carry its stream, a reference free of personal data
and Salesforce's error code; the record itself goes only to the rejects file,
which is created readable by its owner alone.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import typing as t
from collections import Counter
from dataclasses import dataclass, field

logger = logging.getLogger("target_salesforce_br")

_MAX_REFS_LOGGED = 3


@dataclass
class RunSummary:
    """Counts for one run, reported in one line at its end."""

    records_read: int = 0
    without_email: int = 0
    deleted_at_source: int = 0
    merged: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ambiguous: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    unknown_statuses: Counter[str] = field(default_factory=Counter)
    topics_created: int = 0
    assignments_added: int = 0
    assignments_existing: int = 0
    utm_truncated: int = 0
    structured_values: Counter[str] = field(default_factory=Counter)
    _structured_seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def note_unknown_status(self, value: str, stream: str) -> None:
        """Count an unknown status and log each distinct value once."""
        first = value not in self.unknown_statuses
        self.unknown_statuses[value] += 1
        if first:
            logger.warning(
                "Unknown br_status %s in stream %s; the Contact is still "
                "written. Known codes and Topic names are listed in the README, "
                "with a query that lists the unknown values.",
                _printable_status(value),
                stream,
            )

    def note_structured_value(self, record_field: str, stream: str) -> None:
        """Count an unwritten object or array value and warn once per field."""
        first = (stream, record_field) not in self._structured_seen
        self._structured_seen.add((stream, record_field))
        self.structured_values[record_field] += 1
        if first:
            logger.warning(
                "Field %s in stream %s contains an object or array, which no "
                "Contact field accepts, so that value is not written. Send a "
                "string instead, for example with a stream map or "
                "flattening_enabled.",
                record_field,
                stream,
            )

    def line(self, api_calls: int, usage: tuple[int, int] | None) -> str:
        """Return the summary line, without personal data."""
        rejected = ", ".join(f"{code}={n}" for code, n in sorted(self.rejected.items()))
        org_usage = f"; org usage {usage[0]}/{usage[1]}" if usage else ""
        return (
            f"records read={self.records_read}, without email={self.without_email}, "
            f"deleted at source={self.deleted_at_source}, "
            f"merged={self.merged}, contacts created={self.created}, "
            f"updated={self.updated}, unchanged={self.unchanged}, "
            f"ambiguous={self.ambiguous}, "
            f"rejected={sum(self.rejected.values())} ({rejected or 'none'}), "
            f"unknown statuses={sum(self.unknown_statuses.values())} "
            f"(distinct={len(self.unknown_statuses)}), "
            f"topics created={self.topics_created}, "
            f"assignments added={self.assignments_added}, "
            f"already assigned={self.assignments_existing}, "
            f"utm_campaign truncated={self.utm_truncated}, "
            f"object or array values skipped={sum(self.structured_values.values())}, "
            f"API calls={api_calls}{org_usage}"
        )


def _printable_status(value: str) -> str:
    """Describe an unknown status by its length, never its text.

    A status column can hold anything a tap sends, a voter's name or birth
    date included when a column is mapped wrongly. Even a hash of such a
    short value can be reversed by trying every date or common name. So only
    the length is logged, and the README shows how to list the unknown values
    in the source table.
    """
    return f"(a value of {len(value)} characters)"


def log_reject(stream: str, refs: list[str], code: str) -> None:
    """Log one WARNING line for records that were not written.

    Args:
        stream: Stream the records came from.
        refs: References to the records that carry no personal data.
        code: Salesforce's error code, or the target's own for records it
            set aside itself.
    """
    listed = ", ".join(refs[:_MAX_REFS_LOGGED])
    if len(refs) > _MAX_REFS_LOGGED:
        listed += f" and {len(refs) - _MAX_REFS_LOGGED} more"
    logger.warning(
        "Rejected %s %s in stream %s: %s",
        "record" if len(refs) == 1 else "records",
        listed,
        stream,
        code,
        extra={"stream": stream, "record_refs": refs, "error_code": code},
    )


def reject_record(  # noqa: PLR0913 - one record's facts, each needed
    summary: RunSummary,
    rejects: RejectsFile,
    *,
    stream: str,
    ref: str,
    record: dict[str, t.Any],
    code: str,
    message: str,
) -> None:
    """Count, log and file one record that the target sets aside itself."""
    summary.rejected[code] += 1
    log_reject(stream, [ref], code)
    rejects.write(stream, record, code, message)


class RejectsFile:
    """JSON-lines file of rejected records, readable by its owner only.

    Args:
        path: Where to append; None turns the file off.
    """

    def __init__(self, path: str | None) -> None:
        """Remember the path; the file is opened on the first reject."""
        self._path = path
        self._handle: t.TextIO | None = None
        self._lock = threading.Lock()
        self._busy = False

    def write(
        self,
        stream: str,
        record: dict[str, t.Any],
        error_code: str,
        message: str,
    ) -> None:
        """Append one rejected record with Salesforce's error code and message."""
        if self._path is None:
            return
        line = json.dumps(
            {
                "stream": stream,
                "error_code": error_code,
                "error_message": message,
                "record": record,
            },
            default=str,
            ensure_ascii=False,
        )
        with self._lock:
            self._busy = True
            if self._handle is None:
                self._handle = self._open()
            self._handle.write(line + "\n")
            self._handle.flush()
            self._busy = False

    def _open(self) -> t.TextIO:
        path = t.cast("str", self._path)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # A file created earlier with wider rights is narrowed as well.
        os.fchmod(descriptor, 0o600)
        return os.fdopen(descriptor, "a", encoding="utf-8")

    @property
    def busy(self) -> bool:
        """True while a line is being written, as a signal handler may ask."""
        return self._busy

    def close(self) -> None:
        """Close the file if it was opened and no write is in progress.

        A signal handler may call this while the interrupted code is inside
        ``write``. Waiting for the lock would then hang for good, so the file
        is left for the process exit to close.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
        finally:
            self._lock.release()
