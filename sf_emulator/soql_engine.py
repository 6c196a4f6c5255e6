"""Running a parsed SOQL statement against the in-memory tables.

Field names resolve case-insensitively against describe. Each filter value
must have the literal type of its field, as in Salesforce. String comparisons
ignore case for fields whose describe has ``caseSensitive: false``, and ids
compare exactly in their 18-character form. Filters on indexed fields (Id,
Contact.Email, Topic.Name, TopicAssignment.EntityId and TopicId) read the
index instead of scanning the table.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable

from sf_emulator.config import TOPIC_ASSIGNMENT_QUERY_LIMIT
from sf_emulator.ids import normalize_id
from sf_emulator.schema import ID_TYPES, NUMBER_TYPES, TEXT_TYPES
from sf_emulator.soql_lexer import query_error
from sf_emulator.soql_parser import (
    BoolOp,
    Comparison,
    Expression,
    FieldRef,
    Literal,
    Not,
    SelectQuery,
)
from sf_emulator.store import (
    DataStore,
    Record,
    Table,
    computed_value,
    normalize_timestamp,
)
from sf_emulator.wire import ApiError

Predicate = Callable[[Record], bool]
Normalizer = Callable[[t.Any], t.Any]

_LITERAL_KINDS = {"boolean": "BOOLEAN", "date": "DATE", "datetime": "DATETIME"}
_TYPE_WORDS = {
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DATETIME": "dateTime",
    "NUMBER": "number",
}


@dataclasses.dataclass
class QueryResult:
    """The rows a statement selects, as ids, plus what to project from them."""

    sobject: str
    fields: list[str]
    ids: list[str]
    count_only: bool


def _no_column(query: SelectQuery, ref: FieldRef, sobject: str) -> ApiError:
    if "." in ref.name:
        message = (
            f"Didn't understand relationship '{ref.name.split('.')[0]}' in field path. "
            "The emulator does not support relationship fields."
        )
    else:
        message = (
            f"No such column '{ref.name}' on entity '{sobject}'. If you are attempting "
            "to use a custom field, be sure to append the '__c' after the custom field "
            "name. Please reference your WSDL or the describe call for the appropriate "
            "names."
        )
    return query_error(query.soql, ref.position, message, "INVALID_FIELD")


def _resolve(query: SelectQuery, table: Table, ref: FieldRef) -> dict[str, t.Any]:
    field = None if "." in ref.name else table.sobject.field(ref.name)
    if field is None:
        raise _no_column(query, ref, table.sobject.name)
    return field


def _normalizer(field: dict[str, t.Any]) -> Normalizer:
    """Return the function that turns a stored value into its comparable form."""
    field_type = field["type"]
    if field_type in TEXT_TYPES and not field["caseSensitive"]:
        return lambda v: v.casefold() if isinstance(v, str) else v
    if field_type in NUMBER_TYPES:
        return lambda v: None if v is None else float(v)
    if field_type == "boolean":
        return bool
    return lambda v: v


def _type_error(
    query: SelectQuery, field: dict[str, t.Any], literal: Literal
) -> ApiError:
    name = field["name"]
    field_type = field["type"]
    if field_type in TEXT_TYPES or field_type in ID_TYPES:
        message = (
            f"value of filter criterion for field '{name}' must be of type string "
            "and should be enclosed in quotes"
        )
    else:
        word = _TYPE_WORDS.get(_LITERAL_KINDS.get(field_type, "NUMBER"), field_type)
        message = (
            f"value of filter criterion for field '{name}' must be of type {word} "
            "and should not be enclosed in quotes"
        )
    return query_error(
        query.soql, literal.position, message, "INVALID_QUERY_FILTER_OPERATOR"
    )


def _literal_value(
    query: SelectQuery, field: dict[str, t.Any], literal: Literal
) -> t.Any:  # noqa: ANN401
    """Check a literal against the field's type and return its comparable form."""
    field_type = field["type"]
    if literal.kind == "NULL":
        return None
    if field_type in ID_TYPES:
        if literal.kind != "STRING":
            raise _type_error(query, field, literal)
        normalized = normalize_id(literal.value)
        if normalized is None:
            raise query_error(
                query.soql,
                literal.position,
                f"invalid ID field: {literal.value}",
                "INVALID_QUERY_FILTER_OPERATOR",
            )
        return normalized
    if field_type in TEXT_TYPES:
        if literal.kind not in {"STRING", "PATTERN"}:
            raise _type_error(query, field, literal)
        return (
            _normalizer(field)(literal.value)
            if literal.kind == "STRING"
            else literal.value
        )
    expected = _LITERAL_KINDS.get(field_type, "NUMBER")
    if literal.kind != expected:
        raise _type_error(query, field, literal)
    if expected == "NUMBER":
        return float(literal.value)
    if expected == "DATETIME":
        return normalize_timestamp(literal.value)
    return literal.value


def _compile_comparison(
    query: SelectQuery, table: Table, node: Comparison
) -> Predicate:
    field = _resolve(query, table, node.field)
    if not field["filterable"]:
        raise query_error(
            query.soql,
            node.field.position,
            f"field '{field['name']}' can not be filtered in a query call",
            "INVALID_FIELD",
        )
    name = field["name"]
    sobject = table.sobject.name
    normalize = _normalizer(field)
    operator = node.operator
    if operator == "LIKE" and field["type"] not in TEXT_TYPES:
        raise query_error(
            query.soql,
            node.field.position,
            f"invalid operator on {field['type']} field: LIKE",
            "INVALID_QUERY_FILTER_OPERATOR",
        )
    if operator in {"<", "<=", ">", ">="} and (
        field["type"] == "boolean" or node.values[0].kind == "NULL"
    ):
        raise query_error(
            query.soql,
            node.values[0].position,
            f"invalid operator {operator} for this value of field '{name}'",
            "INVALID_QUERY_FILTER_OPERATOR",
        )
    values = [_literal_value(query, field, literal) for literal in node.values]

    def read(record: Record) -> t.Any:  # noqa: ANN401
        return normalize(computed_value(sobject, record, name))

    return _predicate(operator, values, read)


def _predicate(
    operator: str, values: list[t.Any], read: Callable[[Record], t.Any]
) -> Predicate:
    """Build the row test for one comparison, with SOQL's null semantics.

    ``!=`` and ``NOT IN`` match rows whose value is null, unless null is the
    compared value itself; ordering operators and LIKE never match null.
    """
    target = values[0]
    if operator == "=":
        return lambda r: read(r) == target
    if operator == "!=":
        return lambda r: read(r) != target
    if operator == "LIKE":
        return lambda r: (
            (v := read(r)) is not None and target.fullmatch(str(v)) is not None
        )
    if operator in {"IN", "NOT IN"}:
        members = set(values)
        if operator == "IN":
            return lambda r: read(r) in members
        return lambda r: read(r) not in members
    compare = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[operator]
    return lambda r: (v := read(r)) is not None and compare(v, target)


def compile_filter(query: SelectQuery, table: Table, node: Expression) -> Predicate:
    """Compile a WHERE expression into a row test, checking every field and value."""
    if isinstance(node, Comparison):
        return _compile_comparison(query, table, node)
    if isinstance(node, Not):
        inner = compile_filter(query, table, node.operand)
        return lambda r: not inner(r)
    parts = [compile_filter(query, table, operand) for operand in node.operands]
    if node.operator == "AND":
        return lambda r: all(part(r) for part in parts)
    return lambda r: any(part(r) for part in parts)


def _index_candidates(  # noqa: PLR0911 - one return per expression shape
    query: SelectQuery, table: Table, node: Expression
) -> set[str] | None:
    """Return the ids an index narrows the filter to, or None when it cannot."""
    if isinstance(node, BoolOp):
        found = [_index_candidates(query, table, operand) for operand in node.operands]
        if node.operator == "AND":
            known = sorted((c for c in found if c is not None), key=len)
            return set.intersection(*known) if known else None
        if any(c is None for c in found):
            return None
        return set().union(*t.cast("list[set[str]]", found))
    if not isinstance(node, Comparison) or node.operator not in {"=", "IN"}:
        return None
    field = _resolve(query, table, node.field)
    name = field["name"]
    if name != "Id" and name not in table.indexes:
        return None
    keys = [_literal_value(query, field, literal) for literal in node.values]
    if None in keys:
        return None
    if name == "Id":
        return {key for key in keys if key in table.rows}
    return {record_id for key in keys for record_id in table.lookup(name, key)}


def _check_topic_assignment_rule(query: SelectQuery) -> None:
    """Reject a TopicAssignment query that a user without View All Data cannot run.

    Such a user must filter on Id or EntityId with ``=``, or use a LIMIT of at
    most 1,100.
    """
    if query.limit is not None and query.limit <= TOPIC_ASSIGNMENT_QUERY_LIMIT:
        return
    where = query.where
    conjuncts = (
        where.operands
        if isinstance(where, BoolOp) and where.operator == "AND"
        else (where,)
    )
    for node in conjuncts:
        if (
            isinstance(node, Comparison)
            and node.operator == "="
            and node.values[0].kind != "NULL"
            and node.field.name.casefold() in {"id", "entityid"}
        ):
            return
    # NOTE: Salesforce documents this restriction, but the exact error code
    # and text it returns are unconfirmed.
    raise ApiError(
        400,
        "MALFORMED_QUERY",
        "Implementation restriction: TopicAssignment requires a filter by Id or "
        "EntityId using the equals operator or a LIMIT of 1,100 or less",
    )


def _sort(rows: list[Record], query: SelectQuery, table: Table) -> list[Record]:
    """Sort rows by ORDER BY, applying the terms from last to first (stable sort)."""
    sobject = table.sobject.name
    for item in reversed(query.order_by):
        field = _resolve(query, table, item.field)
        if not field["sortable"]:
            raise query_error(
                query.soql,
                item.field.position,
                f"field '{field['name']}' can not be sorted in a query call",
                "INVALID_FIELD",
            )
        normalize = _normalizer(field)
        name = field["name"]
        # Rank nulls so that they land first or last after an optional reverse.
        null_rank = 1 if item.nulls_last != item.descending else 0

        def key(
            record: Record,
            name: str = name,
            normalize: Normalizer = normalize,
            null_rank: int = null_rank,
        ) -> tuple[int, t.Any]:
            value = normalize(computed_value(sobject, record, name))
            return (null_rank, 0) if value is None else (1 - null_rank, value)

        rows.sort(key=key, reverse=item.descending)
    return rows


def run_query(
    store: DataStore, query: SelectQuery, *, include_deleted: bool, view_all_data: bool
) -> QueryResult:
    """Select the ids of the matching rows, in result order.

    Raises:
        ApiError: INVALID_TYPE for an unknown object, INVALID_FIELD for an
            unknown field, INVALID_QUERY_FILTER_OPERATOR for a value of the
            wrong type, MALFORMED_QUERY for a broken TopicAssignment rule.
    """
    table = store.table(query.sobject.name)
    if table is None:
        raise query_error(
            query.soql,
            query.sobject.position,
            f"sObject type '{query.sobject.name}' is not supported. If you are "
            "attempting to use a custom object, be sure to append the '__c' after "
            "the entity name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
            "INVALID_TYPE",
        )
    fields = _select_fields(query, table)
    if table.sobject.name == "TopicAssignment" and not view_all_data:
        _check_topic_assignment_rule(query)

    matches = _matching_rows(query, table, include_deleted=include_deleted)
    if query.order_by:
        matches = _sort(matches, query, table)
    start = query.offset or 0
    stop = None if query.limit is None else start + query.limit
    ids = [record["Id"] for record in matches[start:stop]]
    return QueryResult(table.sobject.name, fields, ids, query.count_only)


def _select_fields(query: SelectQuery, table: Table) -> list[str]:
    names: list[str] = []
    for ref in query.fields:
        name = _resolve(query, table, ref)["name"]
        if name in names:
            # NOTE: the error code for a field selected twice is unconfirmed.
            raise query_error(
                query.soql, ref.position, f"duplicate field selected: {name}"
            )
        names.append(name)
    return names


def _matching_rows(
    query: SelectQuery, table: Table, *, include_deleted: bool
) -> list[Record]:
    predicate = compile_filter(query, table, query.where) if query.where else None
    candidates = _index_candidates(query, table, query.where) if query.where else None
    if candidates is None:
        rows = iter(table)
    else:
        # Ids sort in creation order, as a table scan would return them.
        rows = (table.rows[record_id] for record_id in sorted(candidates))
    return [
        record
        for record in rows
        if (include_deleted or not record.get("IsDeleted"))
        and (predicate is None or predicate(record))
    ]
