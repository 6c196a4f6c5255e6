"""In-memory tables of records, their indexes, and undo for allOrNone writes.

Records are plain dicts keyed by canonical field names; fields never set are
absent and read as null. Secondary indexes map a key (such as the casefolded
Email) to record ids, so that ``Email IN (...)`` and ``EntityId IN (...)``
lookups stay fast with a million Contacts. The store has no lock of its own:
the emulator holds one lock around every use of it.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from collections.abc import Callable, Hashable, Iterator

from sf_emulator.ids import USER_ID, IdFactory
from sf_emulator.schema import SObjectType, standard_objects

Record = dict[str, t.Any]
KeyFunction = Callable[[Record], Hashable | None]

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.000+0000"
_UTC_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
# Fields kept on every record although Topic's describe does not list them.
INTERNAL_FIELDS = ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate")


def casefold_or_none(value: t.Any) -> str | None:  # noqa: ANN401
    """Return the casefolded string, or None for null and non-strings."""
    if not isinstance(value, str):
        return None
    folded = value.casefold()
    # Reuse the original object when folding changes nothing, to save memory.
    return value if folded == value else folded


def topic_name_key(name: str) -> str:
    """Return the key under which Topic names must be unique.

    Salesforce treats names that differ only in letter case or in runs of
    whitespace as the same topic.
    """
    return " ".join(name.split()).casefold()


class Clock:
    """Source of Salesforce timestamps with whole seconds, as the API returns."""

    def __init__(self) -> None:
        """Start with an empty cache."""
        self._second = -1
        self._text = ""

    def now(self) -> str:
        """Return the current UTC time as ``2026-01-01T12:00:00.000+0000``.

        Records written within the same second share one string object, which
        saves memory when a million records are seeded.
        """
        now = dt.datetime.now(dt.timezone.utc)
        second = int(now.timestamp())
        if second != self._second:
            self._second = second
            self._text = now.strftime(TIMESTAMP_FORMAT)
        return self._text


def normalize_timestamp(value: t.Any) -> str:  # noqa: ANN401
    """Return a seeded date-time in the form the API returns, in UTC.

    Accepts a ``datetime`` (naive means UTC) or an ISO 8601 string such as
    ``2020-01-01T00:00:00.000+0000``, ``2020-01-01T00:00:00Z`` or
    ``2020-01-01``.

    Raises:
        ValueError: The string is not an ISO 8601 date-time.
        TypeError: The value is neither a string nor a datetime.
    """
    if isinstance(value, str):
        # fromisoformat() before Python 3.11 takes neither "Z" nor "+0000".
        text = _UTC_OFFSET.sub(r"\1:\2", value.strip().replace("Z", "+00:00"))
        value = dt.datetime.fromisoformat(text)
    if not isinstance(value, dt.datetime):
        msg = f"expected a date-time, not {value!r}"
        raise TypeError(msg)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime(TIMESTAMP_FORMAT)


class Index:
    """Map from a key computed from each record to the ids of those records.

    A key held by one record maps to its id string; a key held by several maps
    to a list. Most keys (such as an Email) belong to one record, and a bare
    string costs far less memory than a list.
    """

    def __init__(self, key_function: KeyFunction) -> None:
        """Use ``key_function`` to compute each record's key (None: not indexed)."""
        self.key_function = key_function
        self._entries: dict[Hashable, str | list[str]] = {}

    def add(self, record: Record) -> None:
        """Index a record under its key."""
        key = self.key_function(record)
        if key is None:
            return
        current = self._entries.get(key)
        if current is None:
            self._entries[key] = record["Id"]
        elif isinstance(current, str):
            self._entries[key] = [current, record["Id"]]
        else:
            current.append(record["Id"])

    def remove(self, record: Record) -> None:
        """Remove a record from the entry of its key."""
        key = self.key_function(record)
        current = self._entries.get(key) if key is not None else None
        if current is None:
            return
        if isinstance(current, str):
            if current == record["Id"]:
                del self._entries[key]
            return
        current.remove(record["Id"])
        if len(current) == 1:
            self._entries[key] = current[0]

    def get(self, key: Hashable) -> list[str]:
        """Return the ids of the records with this key, live or deleted."""
        current = self._entries.get(key)
        if current is None:
            return []
        return [current] if isinstance(current, str) else list(current)


class Table:
    """The records of one object, by id in insertion order, with its indexes."""

    def __init__(self, sobject: SObjectType, indexes: dict[str, KeyFunction]) -> None:
        """Create an empty table with the named indexes."""
        self.sobject = sobject
        self.rows: dict[str, Record] = {}
        self.indexes = {name: Index(function) for name, function in indexes.items()}

    def get(self, record_id: str) -> Record | None:
        """Return the stored record (not a copy), or None."""
        return self.rows.get(record_id)

    def lookup(self, index_name: str, key: Hashable) -> list[str]:
        """Return the ids under ``key`` in the named index."""
        return self.indexes[index_name].get(key)

    def live_ids(self, index_name: str, key: Hashable) -> list[str]:
        """Return the ids under ``key`` whose records are not deleted."""
        return [
            i for i in self.lookup(index_name, key) if not self.rows[i].get("IsDeleted")
        ]

    def add(self, record: Record) -> None:
        """Store a new record and index it."""
        self.rows[record["Id"]] = record
        for index in self.indexes.values():
            index.add(record)

    def discard(self, record_id: str) -> Record | None:
        """Remove a record and its index entries; return it, or None."""
        record = self.rows.pop(record_id, None)
        if record is not None:
            for index in self.indexes.values():
                index.remove(record)
        return record

    def replace(self, record: Record) -> None:
        """Swap in a new version of a stored record, keeping its position."""
        old = self.rows[record["Id"]]
        for index in self.indexes.values():
            index.remove(old)
        self.rows[record["Id"]] = record
        for index in self.indexes.values():
            index.add(record)

    def __len__(self) -> int:
        """Return the number of records, deleted ones included."""
        return len(self.rows)

    def __iter__(self) -> Iterator[Record]:
        """Iterate over the stored records in insertion order."""
        return iter(self.rows.values())


class Transaction:
    """Undo log of the writes of one sObject Collections call."""

    def __init__(self) -> None:
        """Start with nothing to undo."""
        self._undo: list[tuple[Table, str, Record | None]] = []

    def note_insert(self, table: Table, record_id: str) -> None:
        """Remember that a record was inserted, so rollback removes it."""
        self._undo.append((table, record_id, None))

    def note_update(self, table: Table, previous: Record) -> None:
        """Remember a record's version before an update, so rollback restores it."""
        self._undo.append((table, previous["Id"], previous))

    def rollback(self) -> None:
        """Undo every noted write, newest first."""
        for table, record_id, previous in reversed(self._undo):
            if previous is None:
                table.discard(record_id)
            else:
                table.replace(previous)
        self._undo.clear()


def _new_tables() -> dict[str, Table]:
    objects = standard_objects()
    return {
        "Contact": Table(
            objects["Contact"], {"Email": lambda r: casefold_or_none(r.get("Email"))}
        ),
        "Topic": Table(
            objects["Topic"],
            {
                "Name": lambda r: casefold_or_none(r.get("Name")),
                "NameKey": lambda r: (
                    topic_name_key(r["Name"]) if r.get("Name") else None
                ),
            },
        ),
        "TopicAssignment": Table(
            objects["TopicAssignment"],
            {
                "EntityId": lambda r: r.get("EntityId"),
                "TopicId": lambda r: r.get("TopicId"),
                "Pair": lambda r: (r.get("EntityId"), r.get("TopicId")),
            },
        ),
    }


class DataStore:
    """All tables of the emulated org, plus the id source and clock."""

    def __init__(self) -> None:
        """Create empty tables with the standard describe metadata."""
        self.ids = IdFactory()
        self.clock = Clock()
        self.tables = _new_tables()

    def reset(self) -> None:
        """Drop every record and custom field; ids keep counting upwards."""
        self.tables = _new_tables()

    def table(self, name: str) -> Table | None:
        """Return the table of an object named in any letter case, or None."""
        for table_name, table in self.tables.items():
            if table_name.casefold() == name.casefold():
                return table
        return None

    def sobject(self, name: str) -> SObjectType | None:
        """Return the describe metadata of an object named in any case, or None."""
        table = self.table(name)
        return None if table is None else table.sobject

    def object_for_id(self, record_id: str) -> Table | None:
        """Return the table whose key prefix starts ``record_id``, or None."""
        for table in self.tables.values():
            if record_id.startswith(table.sobject.key_prefix):
                return table
        return None


# Fields whose value is the integration user unless a record sets another.
_USER_FIELDS = frozenset({"OwnerId", "CreatedById", "LastModifiedById"})


def computed_value(sobject: str, record: Record, field: str) -> t.Any:  # noqa: ANN401
    """Return a field's value, filling in the fields that records leave out.

    Records store only what differs from the defaults, which keeps a million
    Contacts in memory: IsDeleted is False unless set, the user fields name the
    integration user, SystemModstamp follows LastModifiedDate, and the compound
    Contact.Name is built from FirstName and LastName.
    """
    value = record.get(field)
    if value is not None:
        return value
    if field == "IsDeleted":
        return False
    if field in _USER_FIELDS:
        return USER_ID
    if field == "SystemModstamp":
        return record.get("LastModifiedDate")
    if sobject == "Contact" and field == "Name":
        parts = [record.get("FirstName"), record.get("LastName")]
        return " ".join(part for part in parts if part) or None
    return None


def export_record(table: Table, record: Record) -> Record:
    """Return a copy of a record with every described field, null when unset."""
    name = table.sobject.name
    exported = {field: computed_value(name, record, field) for field in INTERNAL_FIELDS}
    for field in table.sobject.fields():
        exported[field["name"]] = computed_value(name, record, field["name"])
    return exported
