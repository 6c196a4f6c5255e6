"""The sink: buffer a stream's records, merge them by email, hand them on.

Every stream is treated as a stream of voters. The SDK drains a sink when its
batch is full and at the end of input, and it emits STATE only after all
sinks are drained, so a STATE message never gets ahead of the writes.
"""

from __future__ import annotations

import typing as t

import jsonschema
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator
from typing_extensions import override

from target_salesforce_br.voters import PERSONAL_FIELDS, VoterMerger

if t.TYPE_CHECKING:
    from target_salesforce_br.target import TargetSalesforceBR

_MAX_KEY_CHARS = 40


class PrivateValidator(BaseJSONSchemaValidator):
    """Schema validation whose errors name the field and rule, never the value.

    jsonschema's own messages quote the offending value, which may be a
    voter's email or name, and the SDK logs them.
    """

    def __init__(self, schema: dict[str, t.Any]) -> None:
        """Build a validator for the stream's schema."""
        super().__init__(schema)
        validator_class = jsonschema.validators.validator_for(schema)
        self._validator = validator_class(schema)

    @override
    def validate(self, record: dict[str, t.Any]) -> None:
        """Raise InvalidRecord naming the field and failed rule, without values."""
        error = jsonschema.exceptions.best_match(self._validator.iter_errors(record))
        if error is None:
            return
        path = ".".join(str(p) for p in error.absolute_path) or "(record)"
        message = (
            f"field {path} fails the schema's {error.validator!r} rule; fix the "
            "tap's schema or the column's values"
        )
        raise InvalidRecord(message, record)


class VoterSink(BatchSink):
    """Buffer voter records of one stream and write them in batches."""

    def __init__(
        self,
        target: TargetSalesforceBR,
        stream_name: str,
        schema: dict[str, t.Any],
        key_properties: t.Sequence[str] | None,
    ) -> None:
        """Keep the target, which owns the Salesforce writer and run counters."""
        super().__init__(target, stream_name, schema, key_properties)
        self._owner = target
        self._seen = 0
        # The buffer lives on the sink, not in the SDK's batch context, because
        # the SDK logs that context at DEBUG after every record.
        self._pending: list[tuple[str, dict[str, t.Any]]] = []
        self._ref_keys = [k for k in (key_properties or []) if k not in PERSONAL_FIELDS]

    @override
    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """Validate records with errors that carry no record values."""
        if not self.validate_schema:
            return None
        return PrivateValidator(self.schema)

    @override
    def process_record(self, record: dict[str, t.Any], context: dict) -> None:
        """Buffer the record with a reference that holds no personal data."""
        self._seen += 1
        self._pending.append((self._reference(record), record))

    def _reference(self, record: dict[str, t.Any]) -> str:
        keys = [f"{k}={str(record.get(k))[:_MAX_KEY_CHARS]}" for k in self._ref_keys]
        if keys:
            return "record " + ",".join(keys)
        return f"record #{self._seen}"

    @override
    def process_batch(self, context: dict) -> None:
        """Merge the batch's records by email and write them to Salesforce."""
        records, self._pending = self._pending, []
        if not records:
            return
        summary = self._owner.summary
        merger = VoterMerger(self._owner.settings.field_mapping)
        for reference, record in records:
            merger.add(self.stream_name, record, reference)

        result = merger.result
        summary.records_read += len(records)
        summary.without_email += result.without_email
        summary.merged += result.merged
        for value in result.unknown_statuses:
            summary.note_unknown_status(value, self.stream_name)
        for record_field in result.structured_fields:
            summary.note_structured_value(record_field, self.stream_name)

        voters = list(result.voters.values())
        if voters:
            try:
                self._owner.writer.write(self.stream_name, voters)
            except Exception:
                self._owner.log_summary(stopped=True)
                self._owner.rejects.close()
                raise
        self.logger.info(
            "Wrote a batch of %d records (%d voters, %d without email)",
            len(records),
            len(voters),
            result.without_email,
        )
