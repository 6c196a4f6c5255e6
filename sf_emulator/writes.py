"""sObject Collections create (POST) and update (PATCH).

A well-formed request gets HTTP 200 with one result per record, in request
order, even when records fail. A failed create has no ``id`` in its result; a
failed update keeps the ``id`` it was sent. With ``allOrNone: true`` any
failure undoes every write of the call and the records that were fine report
ALL_OR_NONE_OPERATION_ROLLED_BACK. A request that is not well formed (bad
JSON, more than 200 records, a record without a type) fails as a whole with
HTTP 400 and nothing is written.
"""

from __future__ import annotations

import collections
import itertools
import json
import typing as t

from sf_emulator.config import MAX_COLLECTION_CHUNKS, MAX_COLLECTION_RECORDS
from sf_emulator.ids import normalize_id
from sf_emulator.object_rules import WriteContext, create_errors, update_errors
from sf_emulator.store import Record, Table, Transaction
from sf_emulator.validation import SaveError, check_json_kinds, prepare_values
from sf_emulator.wire import ApiError, Response, json_response

_ROLLED_BACK = SaveError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
)
_BODY_KEYS = frozenset({"allOrNone", "records"})


def parse_duplicate_rule_header(value: str) -> dict[str, str]:
    """Parse ``allowSave=true; includeRecordDetails=true`` into a dict."""
    options = {}
    for part in value.split(";"):
        key, _, setting = part.partition("=")
        if key.strip():
            options[key.strip().casefold()] = setting.strip().casefold()
    return options


def _parse_body(body: bytes) -> tuple[list[t.Any], bool]:
    """Return the records and allOrNone flag of a Collections request body.

    Raises:
        ApiError: 400 JSON_PARSER_ERROR for invalid JSON or an unexpected shape.
    """
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(
            400, "JSON_PARSER_ERROR", f"The request body is not valid JSON: {error}"
        ) from error
    if not isinstance(payload, dict):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "The request body must be a JSON object"
        )
    unknown = sorted(set(payload) - _BODY_KEYS)
    if unknown:
        raise ApiError(400, "JSON_PARSER_ERROR", f'Unrecognized field "{unknown[0]}"')
    records = payload.get("records")
    all_or_none = payload.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise ApiError(400, "JSON_PARSER_ERROR", "allOrNone must be true or false")
    if not isinstance(records, list) or not records:
        # NOTE: the error code for a missing or empty records array is unconfirmed.
        raise ApiError(
            400, "JSON_PARSER_ERROR", "records must be a non-empty array of sObjects"
        )
    return records, all_or_none


def _resolve_tables(ctx: WriteContext, records: list[t.Any]) -> list[Table]:
    """Return each record's table, checking types and the chunk limit.

    Raises:
        ApiError: 400 for a record without ``attributes.type``, an object the
            emulator does not have, or more than 10 chunks (runs of records
            of one type).
    """
    tables: list[Table] = []
    for record in records:
        attributes = record.get("attributes") if isinstance(record, dict) else None
        sobject = attributes.get("type") if isinstance(attributes, dict) else None
        if not isinstance(sobject, str):
            # NOTE: the error for a record without attributes.type is unconfirmed.
            raise ApiError(
                400, "INVALID_TYPE", "Each record needs an attributes map with a type"
            )
        table = ctx.store.table(sobject)
        if table is None:
            raise ApiError(
                400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported."
            )
        tables.append(table)
    chunks = 1 + sum(1 for a, b in itertools.pairwise(tables) if a is not b)
    if chunks > MAX_COLLECTION_CHUNKS:
        # NOTE: Salesforce allows 10 chunks per call; the error code is unconfirmed.
        raise ApiError(
            400,
            "INVALID_BATCH_REQUEST",
            "Cannot have more than 10 chunks in a single operation. "
            "Please rearrange the "
            "data to reduce chunking.",
        )
    return tables


def _insert(ctx: WriteContext, table: Table, values: Record, txn: Transaction) -> str:
    now = ctx.store.clock.now()
    record_id = ctx.store.ids.new_id(table.sobject.key_prefix)
    record = {"Id": record_id, "CreatedDate": now, "LastModifiedDate": now}
    record.update((k, v) for k, v in values.items() if v is not None)
    table.add(record)
    txn.note_insert(table, record_id)
    return record_id


def _create_one(
    ctx: WriteContext, table: Table, raw: Record, txn: Transaction
) -> tuple[str | None, list[SaveError]]:
    values, errors = prepare_values(table.sobject, raw, creating=True)
    errors = errors or create_errors(ctx, table, values)
    if errors:
        return None, errors
    return _insert(ctx, table, values, txn), []


def _split_id(raw: Record) -> tuple[t.Any, Record]:
    """Return the record's id value (key ``id`` in any case) and the other fields."""
    key = next((k for k in raw if k.casefold() == "id"), None)
    rest = {k: v for k, v in raw.items() if k != key}
    return (raw[key] if key is not None else None), rest


def _update_target(  # noqa: PLR0911 - one return per check, in Salesforce's order
    table: Table, record_id: object, *, repeated: bool
) -> tuple[str | None, list[SaveError]]:
    """Find the record that an update names.

    Returns:
        The normalized id (None when there is none to report) and the errors
        that stop the update.
    """
    if record_id is None:
        return None, [
            SaveError("MISSING_ARGUMENT", "Id not specified in an update call")
        ]
    normalized = normalize_id(record_id) if isinstance(record_id, str) else None
    if normalized is None:
        return None, [SaveError("MALFORMED_ID", f"malformed id {record_id}")]

    sobject = table.sobject
    if not normalized.startswith(sobject.key_prefix):
        message = f"{sobject.label} ID: id value of incorrect type: {record_id}"
        return normalized, [SaveError("MALFORMED_ID", message, ("Id",))]
    if repeated:
        # NOTE: the error for an id sent twice in one update call is unconfirmed.
        return normalized, [
            SaveError("DUPLICATE_VALUE", f"Duplicate id in list: {normalized}")
        ]
    if not sobject.updateable:
        # NOTE: the code for an update of an object that has no update() call
        # (TopicAssignment) is unconfirmed.
        message = f"entity type cannot be updated: {sobject.name}"
        return normalized, [SaveError("INVALID_TYPE_FOR_OPERATION", message)]

    stored = table.get(normalized)
    if stored is None:
        return normalized, [
            SaveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        ]
    if stored.get("IsDeleted"):
        return normalized, [SaveError("ENTITY_IS_DELETED", "entity is deleted")]
    return normalized, []


def _update_one(
    ctx: WriteContext,
    table: Table,
    raw: Record,
    txn: Transaction,
    repeated_ids: set[str],
) -> tuple[str | None, list[SaveError]]:
    raw_id, fields = _split_id(raw)
    normalized = normalize_id(raw_id) if isinstance(raw_id, str) else None
    record_id, errors = _update_target(
        table, raw_id, repeated=normalized in repeated_ids
    )
    if errors:
        return record_id, errors
    record_id = t.cast("str", record_id)
    stored = t.cast("Record", table.get(record_id))
    values, errors = prepare_values(table.sobject, fields, creating=False)
    errors = errors or update_errors(ctx, table, stored, values)
    if errors:
        return record_id, errors

    updated = {**stored, "LastModifiedDate": ctx.store.clock.now()}
    for name, value in values.items():
        if value is None:
            updated.pop(name, None)
        else:
            updated[name] = value
    txn.note_update(table, stored)
    table.replace(updated)
    return record_id, []


def _repeated_ids(records: list[Record]) -> set[str]:
    counts = collections.Counter(
        normalize_id(raw_id)
        for raw_id, _ in map(_split_id, records)
        if isinstance(raw_id, str)
    )
    return {record_id for record_id, count in counts.items() if record_id and count > 1}


def _result(record_id: str | None, errors: list[SaveError]) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {} if record_id is None else {"id": record_id}
    result["success"] = not errors
    result["errors"] = [error.as_json() for error in errors]
    return result


def run_collection(ctx: WriteContext, method: str, body: bytes) -> Response:
    """Create (POST) or update (PATCH) up to 200 records and return the results.

    Raises:
        ApiError: 400 for a request that is not well formed; nothing is written.
    """
    records, all_or_none = _parse_body(body)
    if len(records) > MAX_COLLECTION_RECORDS:
        # NOTE: the HTTP status of EXCEEDED_ID_LIMIT (400 here) is unconfirmed.
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    tables = _resolve_tables(ctx, records)
    for table, record in zip(tables, records, strict=True):
        check_json_kinds(table.sobject, record)

    txn = Transaction()
    creating = method == "POST"
    repeated = set() if creating else _repeated_ids(records)
    outcomes = []
    for table, record in zip(tables, records, strict=True):
        if creating:
            outcomes.append(_create_one(ctx, table, record, txn))
        else:
            outcomes.append(_update_one(ctx, table, record, txn, repeated))

    if all_or_none and any(errors for _, errors in outcomes):
        txn.rollback()
        outcomes = [
            (None if creating else record_id, errors or [_ROLLED_BACK])
            for record_id, errors in outcomes
        ]
    return json_response(
        200, [_result(record_id, errors) for record_id, errors in outcomes]
    )
