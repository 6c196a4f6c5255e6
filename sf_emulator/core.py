"""The emulated org: its data, settings, sessions, counters and injected faults.

``OrgState`` holds everything behind one re-entrant lock and offers the admin
operations (reset, seed, add a field, inject a fault ...). Both the Python API
(``Emulator``) and the HTTP admin interface call these methods, so the two
behave the same.
"""

from __future__ import annotations

import copy
import logging
import threading
import typing as t

from sf_emulator.auth import SessionRegistry
from sf_emulator.faults import Fault, RecordErrorRule
from sf_emulator.ids import normalize_id
from sf_emulator.metering import Meter
from sf_emulator.query_api import QueryCursors
from sf_emulator.schema import ID_TYPES, normalize_custom_field
from sf_emulator.store import (
    DataStore,
    Record,
    Table,
    export_record,
    normalize_timestamp,
)

if t.TYPE_CHECKING:
    from sf_emulator.config import EmulatorConfig

logger = logging.getLogger(__name__)

DUPLICATE_RULE_MODES = (None, "alert", "block")
_SEED_SYSTEM_FIELDS = {
    "id": "Id",
    "isdeleted": "IsDeleted",
    "createddate": "CreatedDate",
    "lastmodifieddate": "LastModifiedDate",
}
# Entity types by key prefix, for seeded TopicAssignments.
_ENTITY_TYPES = {"003": "Contact"}


class OrgState:
    """All state of one emulated org, guarded by ``lock``.

    Attributes:
        lock: Held around every read or write of the state.
        config: The org settings.
        store: The tables.
        sessions: The valid tokens.
        meter: API call counters and the request log.
        faults: Injected whole-call faults, checked in order.
        record_errors: Injected per-record errors for Collections.
        duplicate_rules: Duplicate rule mode by object name.
        cursors: Open query cursors by locator.
    """

    def __init__(self, config: EmulatorConfig) -> None:
        """Create an empty org with the given settings."""
        self.lock = threading.RLock()
        self.config = config
        self.store = DataStore()
        self.sessions = SessionRegistry()
        self.meter = Meter()
        self.faults: list[Fault] = []
        self.record_errors: list[RecordErrorRule] = []
        self.duplicate_rules: dict[str, str] = {}
        self.cursors = QueryCursors(self.store.ids)
        self.base_url = ""
        self._baseline_fields: list[tuple[str, dict[str, t.Any]]] = []

    # Settings and lifecycle

    def configure(self, **settings: t.Any) -> None:  # noqa: ANN401
        """Change org settings; see ``EmulatorConfig`` for the names."""
        with self.lock:
            self.config.update(**settings)
        logger.debug("Emulator settings changed: %s", ", ".join(sorted(settings)))

    def reset(self) -> None:
        """Clear data, custom fields, faults, sessions and counters; keep settings.

        Fields added with ``keep_on_reset=True`` are added again.
        """
        with self.lock:
            self.store.reset()
            self.sessions.reset()
            self.meter.reset()
            self.faults.clear()
            self.record_errors.clear()
            self.duplicate_rules.clear()
            self.cursors.clear()
            for sobject, field in self._baseline_fields:
                self._table(sobject).sobject.set_field(copy.deepcopy(field))

    def _table(self, sobject: str) -> Table:
        table = self.store.table(sobject)
        if table is None:
            known = sorted(self.store.tables)
            msg = f"unknown object {sobject!r}; the emulator has {known}"
            raise ValueError(msg)
        return table

    # Schema

    def add_field(
        self, sobject: str, field: dict[str, t.Any], *, keep_on_reset: bool = False
    ) -> dict[str, t.Any]:
        """Add a field to an object's describe, or replace one with that name.

        Returns:
            The field entry as describe will return it.

        Raises:
            ValueError: The object is unknown or the field entry is invalid.
        """
        entry = normalize_custom_field(field)
        with self.lock:
            self._table(sobject).sobject.set_field(entry)
            if keep_on_reset:
                self._baseline_fields.append((sobject, copy.deepcopy(entry)))
        return copy.deepcopy(entry)

    def describe(self, sobject: str, version: str = "62.0") -> dict[str, t.Any]:
        """Return the describe result of an object."""
        with self.lock:
            return self._table(sobject).sobject.describe(version)

    # Data

    def seed(self, sobject: str, records: list[dict[str, t.Any]]) -> list[str]:
        """Insert records directly, bypassing the API's validation.

        Field names resolve against describe in any letter case. Id,
        CreatedDate, LastModifiedDate and IsDeleted may be given; the others
        get server values. Repeated emails and Topic names are allowed, so
        tests can build states that the API would refuse to create.

        Returns:
            The ids of the new records, in order.

        Raises:
            ValueError: The object or a field is unknown, a required field is
                missing, or an id or date-time is invalid. Nothing is inserted.
        """
        with self.lock:
            table = self._table(sobject)
            prepared = [self._seed_record(table, record) for record in records]
            ids = [record["Id"] for record in prepared]
            if len(set(ids)) != len(ids):
                msg = f"the {sobject} records to seed repeat an Id"
                raise ValueError(msg)
            for record in prepared:
                table.add(record)
        return [record["Id"] for record in prepared]

    def _seed_record(self, table: Table, raw: dict[str, t.Any]) -> Record:
        sobject = table.sobject
        record: Record = {}
        for key, value in raw.items():
            name = _SEED_SYSTEM_FIELDS.get(key.casefold())
            field = sobject.field(key)
            if name is None and field is None:
                msg = f"{sobject.name} has no field {key!r}"
                raise ValueError(msg)
            name = name or t.cast("dict[str, t.Any]", field)["name"]
            if value is None or name == "IsDeleted":
                record[name] = bool(value) if name == "IsDeleted" else None
                continue
            if name in {"CreatedDate", "LastModifiedDate"} or (
                field and field["type"] == "datetime"
            ):
                record[name] = normalize_timestamp(value)
            elif name == "Id" or (field and field["type"] in ID_TYPES):
                record[name] = self._seed_id(name, value)
            else:
                record[name] = value
        missing = [f for f in sobject.required_fields() if record.get(f) in (None, "")]
        if missing:
            msg = f"seeded {sobject.name} needs {', '.join(missing)}"
            raise ValueError(msg)
        return self._complete_seed(table, record)

    @staticmethod
    def _seed_id(name: str, value: t.Any) -> str:  # noqa: ANN401
        normalized = normalize_id(value) if isinstance(value, str) else None
        if normalized is None:
            msg = f"{name} must be a 15- or 18-character Salesforce id, not {value!r}"
            raise ValueError(msg)
        return normalized

    def _complete_seed(self, table: Table, record: Record) -> Record:
        """Fill in the id, dates and derived fields; drop nulls and IsDeleted=False."""
        prefix = table.sobject.key_prefix
        record_id = record.get("Id") or self.store.ids.new_id(prefix)
        if not record_id.startswith(prefix):
            msg = f"seeded Id {record_id} lacks the key prefix {prefix}"
            raise ValueError(msg)
        if record_id in table.rows:
            msg = f"seeded Id {record_id} belongs to an existing record"
            raise ValueError(msg)
        record["Id"] = record_id
        created = record.get("CreatedDate") or self.store.clock.now()
        record["CreatedDate"] = created
        record["LastModifiedDate"] = record.get("LastModifiedDate") or created
        if table.sobject.name == "TopicAssignment":
            record["EntityKeyPrefix"] = record["EntityId"][:3]
            record["EntityType"] = _ENTITY_TYPES.get(record["EntityId"][:3])
        return {
            k: v
            for k, v in record.items()
            if v is not None and not (k == "IsDeleted" and not v)
        }

    def records(self, sobject: str, *, include_deleted: bool = False) -> list[Record]:
        """Return copies of an object's records with every field, null when unset."""
        with self.lock:
            table = self._table(sobject)
            return [
                export_record(table, record)
                for record in table
                if include_deleted or not record.get("IsDeleted")
            ]

    # Counters

    def api_calls(self) -> dict[str, int]:
        """Return the REST calls so far by endpoint key, such as ``GET query``."""
        with self.lock:
            return dict(self.meter.api_calls)

    def api_calls_total(self) -> int:
        """Return the REST calls counted toward the daily limit so far."""
        with self.lock:
            return self.meter.api_usage

    def login_calls(self) -> dict[str, int]:
        """Return the login attempts by endpoint: ``oauth2/token``, ``soap/login``."""
        with self.lock:
            return dict(self.meter.login_calls)

    def requests_log(self) -> list[dict[str, t.Any]]:
        """Return copies of the logged request shapes, oldest first."""
        with self.lock:
            return copy.deepcopy(list(self.meter.log))

    # Faults

    def add_fault(self, **settings: t.Any) -> Fault:  # noqa: ANN401
        """Add a whole-call fault; see ``Fault`` for the settings."""
        fault = Fault(**settings)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every whole-call fault and per-record error rule."""
        with self.lock:
            self.faults.clear()
            self.record_errors.clear()

    def add_record_error(self, **settings: t.Any) -> RecordErrorRule:  # noqa: ANN401
        """Add a per-record error rule; see ``RecordErrorRule`` for the settings."""
        rule = RecordErrorRule(**settings)
        with self.lock:
            self._table(rule.sobject)
            self.record_errors.append(rule)
        return rule

    def set_duplicate_rule(self, sobject: str, mode: str | None) -> None:
        """Set the Email duplicate rule of an object: None (off), alert or block."""
        if mode not in DUPLICATE_RULE_MODES:
            msg = (
                f"duplicate rule mode must be one of {DUPLICATE_RULE_MODES}, "
                f"not {mode!r}"
            )
            raise ValueError(msg)
        with self.lock:
            name = self._table(sobject).sobject.name
            if mode is None:
                self.duplicate_rules.pop(name, None)
            else:
                self.duplicate_rules[name] = mode

    def expire_sessions(self) -> None:
        """Invalidate every token issued so far; new logins still work."""
        with self.lock:
            self.sessions.expire_all()

    def expire_session_after(self, calls: int) -> None:
        """Let ``calls`` more API calls pass, then invalidate every token."""
        with self.lock:
            self.sessions.expire_after(calls)
