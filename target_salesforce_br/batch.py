"""Records of every stream, held in arrival order and written together.

Every stream is a stream of voters, and two streams can carry the same
email. The SDK drains each stream's sink on its own schedule, so per-stream
buffers would let an older record from one stream be written after a newer
one from another and overwrite it. One buffer for the whole run keeps
"later values win" true across streams and across a SCHEMA change.
"""

from __future__ import annotations

import typing as t
from collections import Counter
from dataclasses import dataclass

from target_salesforce_br.report import reject_record
from target_salesforce_br.voters import MergeResult, VoterMerger

if t.TYPE_CHECKING:
    from target_salesforce_br.report import RejectsFile, RunSummary
    from target_salesforce_br.writer import ContactWriter


@dataclass(frozen=True)
class PendingRecord:
    """A record waiting to be written, with a reference free of personal data."""

    stream: str
    ref: str
    record: dict[str, t.Any]


class PendingRecords:
    """The run's unwritten records, oldest first, and each stream's count."""

    def __init__(self) -> None:
        """Start empty."""
        self._records: list[PendingRecord] = []
        self._positions: Counter[str] = Counter()

    def next_position(self, stream: str) -> int:
        """Return the next record's 1-based position in its stream for this run."""
        self._positions[stream] += 1
        return self._positions[stream]

    def add(self, stream: str, ref: str, record: dict[str, t.Any]) -> None:
        """Hold a record until the next write."""
        self._records.append(PendingRecord(stream, ref, record))

    def take(self) -> list[PendingRecord]:
        """Return the held records and start a new batch."""
        records, self._records = self._records, []
        return records


def write_records(
    records: list[PendingRecord],
    *,
    writer: ContactWriter,
    field_mapping: t.Mapping[str, str],
    summary: RunSummary,
    rejects: RejectsFile,
) -> MergeResult:
    """Merge records by email, count what is set aside, and write the voters.

    Returns:
        The merge result, for the caller's batch log line.
    """
    merger = VoterMerger(field_mapping, coerce=writer.coerce_field)
    for item in records:
        merger.add(item.stream, item.record, item.ref)
    result = merger.result

    summary.records_read += len(records)
    summary.without_email += result.without_email
    summary.deleted_at_source += result.deleted_at_source
    summary.merged += result.merged
    for stream, value in result.unknown_statuses:
        summary.note_unknown_status(value, stream)
    for stream, record_field in result.structured_fields:
        summary.note_structured_value(record_field, stream)
    for set_aside in result.rejected:
        reject_record(
            summary,
            rejects,
            stream=set_aside.stream,
            ref=set_aside.ref,
            record=set_aside.record,
            code=set_aside.code,
            message=set_aside.message,
        )

    voters = list(result.voters.values())
    if voters:
        writer.write(voters)
    return result
