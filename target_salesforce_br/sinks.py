"""The sink: validate a stream's records and hand them to the run's buffer.

Every stream is treated as a stream of voters. The SDK drains a sink when its
batch is full and at the end of input; a drain of any sink writes the records
of every stream, merged by email in ``batch.py``. The SDK emits STATE only
after all sinks are drained, so a STATE message never gets ahead of the
writes.
"""

from __future__ import annotations

import re
import typing as t

import jsonschema
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator
from typing_extensions import override

from target_salesforce_br.exceptions import UnsupportedInputError
from target_salesforce_br.report import reject_record
from target_salesforce_br.voters import is_reference_field

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding
    from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum

    from target_salesforce_br.target import TargetSalesforceBR

# Key values shown in log references: identifiers such as 42, a UUID or
# V-2024-001, at most 40 characters.
_PLAIN_KEY_VALUE = re.compile(r"^[A-Za-z0-9_.:\-]{1,40}$")

# The reject code for a record that fails its stream's JSON schema. It is the
# target's own, not Salesforce's.
INVALID_RECORD = "INVALID_RECORD"


class PrivateValidator(BaseJSONSchemaValidator):
    """Schema validation that sets a failing record aside instead of raising.

    The SDK calls ``validate`` just before handing the record to
    ``process_record``, which reads and clears ``failure``. Raising instead
    would stop the whole run on one bad record. The description names the
    field and the rule, never the value, because jsonschema's own messages
    quote the value, which may be a voter's email or name.
    """

    def __init__(self, schema: dict[str, t.Any]) -> None:
        """Build a validator for the stream's schema."""
        super().__init__(schema)
        validator_class = jsonschema.validators.validator_for(schema)
        self._validator = validator_class(schema)
        self.failure: str | None = None

    @override
    def validate(self, record: dict[str, t.Any]) -> None:
        """Store why the record fails the schema, or None when it passes."""
        error = jsonschema.exceptions.best_match(self._validator.iter_errors(record))
        if error is None:
            self.failure = None
            return
        path = ".".join(str(p) for p in error.absolute_path) or "(record)"
        self.failure = (
            f"field {path} fails the schema's {error.validator!r} rule; fix the "
            "tap's schema or the column's values"
        )

    def take_failure(self) -> str | None:
        """Return the last record's failure and clear it."""
        failure, self.failure = self.failure, None
        return failure


class VoterSink(BatchSink):
    """Hand one stream's voter records to the run's shared buffer.

    Records of all streams wait in one buffer on the target, in the order
    they arrived, and a drain of any sink writes all of them.
    """

    def __init__(
        self,
        target: TargetSalesforceBR,
        stream_name: str,
        schema: dict[str, t.Any],
        key_properties: t.Sequence[str] | None,
    ) -> None:
        """Keep the target, which owns the buffer, the writer and run counters."""
        super().__init__(target, stream_name, schema, key_properties)
        self._owner = target
        self._ref_keys = [k for k in (key_properties or []) if is_reference_field(k)]

    @override
    def setup(self) -> None:
        """Log in and check the org when the first stream starts."""
        super().setup()
        self._owner.prepare()

    @property
    @override
    def include_sdc_metadata_properties(self) -> bool:
        """Keep the tap's ``_sdc_deleted_at``, which marks a row deleted at the source.

        The SDK drops Singer metadata from records unless this is true; the
        writer ignores every other ``_sdc_`` field.
        """
        return True

    @override
    def activate_version(self, new_version: int) -> None:
        """Ignore ACTIVATE_VERSION, because Contacts are never deleted."""
        self.logger.debug(
            "Ignoring ACTIVATE_VERSION %s for stream %s; Contacts are never deleted",
            new_version,
            self.stream_name,
        )

    @override
    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """Validate records with errors that carry no record values."""
        self._record_validator = (
            PrivateValidator(self.schema) if self.validate_schema else None
        )
        return self._record_validator

    @override
    def _parse_timestamps_in_record(
        self,
        record: dict[str, t.Any],
        schema: dict[str, t.Any],
        treatment: DatetimeErrorTreatmentEnum,
    ) -> None:
        """Keep date and time values as the tap's ISO 8601 strings.

        The SDK would turn them into Python objects, which JSON cannot carry,
        and would stop the run on a value it cannot parse, with the value in
        the error. Left as text, a value is converted for its Contact field
        when the batch is merged, and one that cannot be converted rejects
        only its own record.
        """

    @override
    def process_record(self, record: dict[str, t.Any], context: dict) -> None:
        """Buffer the record, or reject it when it failed schema validation."""
        pending = self._owner.pending
        reference = self._reference(record, pending.next_position(self.stream_name))
        failure = (
            self._record_validator.take_failure() if self._record_validator else None
        )
        if failure is None:
            pending.add(self.stream_name, reference, record)
            return
        summary = self._owner.summary
        summary.records_read += 1
        reject_record(
            summary,
            self._owner.rejects,
            stream=self.stream_name,
            ref=reference,
            record=record,
            code=INVALID_RECORD,
            message=failure,
        )

    def _reference(self, record: dict[str, t.Any], position: int) -> str:
        """Name the record by its non-personal key properties, or its position."""
        keys = []
        for key in self._ref_keys:
            value = str(record.get(key))
            if not _PLAIN_KEY_VALUE.match(value):
                # An email, a line break or free text in a key may be
                # personal or forge log lines, so the position is used.
                return f"#{position}"
            keys.append(f"{key}={value}")
        return ",".join(keys) if keys else f"#{position}"

    @override
    def process_batch_files(
        self, encoding: BaseBatchFileEncoding, files: t.Sequence[str]
    ) -> None:
        """Reject a BATCH message, which this target does not read.

        The SDK would load the files' records into a batch context that the
        shared buffer never reads, so they would be dropped while STATE moved
        past them. Stopping the run keeps STATE behind.

        Raises:
            UnsupportedInputError: Always, naming the stream and file count.
        """
        msg = (
            f"Stream {self.stream_name} sent a BATCH message with {len(files)} "
            "file(s), which this target does not read. Turn off batch_config "
            "in the tap so that it sends RECORD messages."
        )
        raise UnsupportedInputError(msg)

    @override
    def process_batch(self, context: dict) -> None:
        """Write every stream's buffered records."""
        self._owner.write_pending()
