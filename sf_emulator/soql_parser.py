"""Parser for the SOQL subset that the emulator runs.

Supported: ``SELECT`` a field list or ``COUNT()``, ``FROM`` one object,
``WHERE`` with ``= != <> < <= > >= LIKE IN NOT IN``, ``AND``, ``OR``, ``NOT``
and parentheses, ``ORDER BY`` with ``ASC``/``DESC`` and ``NULLS FIRST``/
``LAST``, ``LIMIT`` and ``OFFSET``. Anything else (relationship paths, GROUP
BY, aliases, date literals such as TODAY) is rejected with MALFORMED_QUERY,
which is stricter than Salesforce but never more lenient.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from sf_emulator.config import MAX_SOQL_CHARACTERS, MAX_SOQL_OFFSET
from sf_emulator.soql_lexer import Token, decode_string, query_error, tokenize
from sf_emulator.wire import ApiError

_RESERVED = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ORDER",
        "BY",
        "LIMIT",
        "OFFSET",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "NULL",
        "TRUE",
        "FALSE",
        "GROUP",
        "HAVING",
        "WITH",
        "FOR",
        "USING",
        "INCLUDES",
        "EXCLUDES",
        "TYPEOF",
        "END",
    }
)
_OPERATORS = {
    "=": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}


@dataclasses.dataclass(frozen=True)
class FieldRef:
    """A field name as written, and where it starts in the statement."""

    name: str
    position: int


@dataclasses.dataclass(frozen=True)
class Literal:
    """A value in a filter.

    ``kind`` is STRING, PATTERN (a LIKE pattern, compiled), NUMBER, DATE,
    DATETIME, BOOLEAN or NULL; ``value`` is the decoded Python value.
    """

    kind: str
    value: t.Any
    position: int


@dataclasses.dataclass(frozen=True)
class Comparison:
    """``field operator value`` or ``field [NOT] IN (values)``."""

    field: FieldRef
    operator: str
    values: tuple[Literal, ...]


@dataclasses.dataclass(frozen=True)
class Not:
    """``NOT`` applied to a condition or a parenthesised expression."""

    operand: Expression


@dataclasses.dataclass(frozen=True)
class BoolOp:
    """Conditions joined by only AND or only OR, as SOQL requires."""

    operator: str
    operands: tuple[Expression, ...]


Expression = Comparison | Not | BoolOp


@dataclasses.dataclass(frozen=True)
class OrderItem:
    """One ``ORDER BY`` term."""

    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclasses.dataclass(frozen=True)
class SelectQuery:
    """A parsed statement."""

    soql: str
    fields: tuple[FieldRef, ...]
    count_only: bool
    sobject: FieldRef
    where: Expression | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def unexpected(self, token: Token | None = None) -> ApiError:
        token = token or self.token
        text = "<EOF>" if token.kind == "EOF" else token.text
        if token.kind == "STRING":
            text = f"'{token.text}'"
        return query_error(self.soql, token.position, f"unexpected token: '{text}'")

    def accept(self, keyword: str) -> bool:
        if self.token.keyword == keyword:
            self.index += 1
            return True
        return False

    def expect(self, keyword: str) -> None:
        if not self.accept(keyword):
            raise self.unexpected()

    def expect_punct(self, char: str) -> None:
        if self.token.kind != "PUNCT" or self.token.text != char:
            raise self.unexpected()
        self.index += 1

    def field(self) -> FieldRef:
        token = self.token
        if token.kind != "IDENT" or token.keyword in _RESERVED:
            raise self.unexpected()
        self.index += 1
        if self.token.kind == "PUNCT" and self.token.text == "(":
            # Functions such as toLabel() or FORMAT() are not supported.
            raise self.unexpected()
        return FieldRef(token.text, token.position)

    def integer(self) -> tuple[int, int]:
        token = self.token
        if token.kind != "NUMBER" or not re.fullmatch(r"\d+", token.text):
            raise self.unexpected()
        self.index += 1
        return int(token.text), token.position

    def parse(self) -> SelectQuery:
        self.expect("SELECT")
        count_only, fields = self.select_list()
        self.expect("FROM")
        sobject = self.field()
        where = self.expression() if self.accept("WHERE") else None
        order_by = self.order_by() if self.accept("ORDER") else ()
        limit = self.integer()[0] if self.accept("LIMIT") else None
        offset = self.offset() if self.accept("OFFSET") else None
        if self.token.kind != "EOF":
            raise self.unexpected()
        return SelectQuery(
            self.soql, fields, count_only, sobject, where, order_by, limit, offset
        )

    def select_list(self) -> tuple[bool, tuple[FieldRef, ...]]:
        following = self.tokens[self.index + 1]
        if self.token.keyword == "COUNT" and following.text == "(":
            self.index += 2
            self.expect_punct(")")
            return True, ()
        fields = [self.field()]
        while self.token.text == ",":
            self.index += 1
            fields.append(self.field())
        return False, tuple(fields)

    def offset(self) -> int:
        value, _ = self.integer()
        if value > MAX_SOQL_OFFSET:
            raise ApiError(
                400,
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Maximum SOQL offset allowed is {MAX_SOQL_OFFSET}",
            )
        return value

    def order_by(self) -> tuple[OrderItem, ...]:
        self.expect("BY")
        items = [self.order_item()]
        while self.token.text == ",":
            self.index += 1
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.field()
        descending = False
        if self.accept("DESC"):
            descending = True
        else:
            self.accept("ASC")
        # Salesforce puts nulls first in ascending order and last in descending.
        nulls_last = descending
        if self.accept("NULLS"):
            if self.accept("LAST"):
                nulls_last = True
            else:
                self.expect("FIRST")
                nulls_last = False
        return OrderItem(field, descending, nulls_last)

    def expression(self) -> Expression:
        operands = [self.term()]
        operator = ""
        while self.token.keyword in {"AND", "OR"}:
            if operator and self.token.keyword != operator:
                # SOQL requires parentheses when AND and OR are mixed.
                raise self.unexpected()
            operator = self.advance().keyword
            operands.append(self.term())
        return operands[0] if not operator else BoolOp(operator, tuple(operands))

    def term(self) -> Expression:
        if self.accept("NOT"):
            return Not(self.term())
        if self.token.kind == "PUNCT" and self.token.text == "(":
            self.index += 1
            inner = self.expression()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.field()
        token = self.token
        if token.kind == "OP":
            self.index += 1
            return Comparison(field, _OPERATORS[token.text], (self.value(like=False),))
        if self.accept("LIKE"):
            return Comparison(field, "LIKE", (self.value(like=True),))
        if self.accept("IN"):
            return Comparison(field, "IN", self.value_list())
        if self.token.keyword == "NOT" and self.tokens[self.index + 1].keyword == "IN":
            self.index += 2
            return Comparison(field, "NOT IN", self.value_list())
        raise self.unexpected()

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_punct("(")
        values = [self.value(like=False)]
        while self.token.text == ",":
            self.index += 1
            values.append(self.value(like=False))
        self.expect_punct(")")
        return tuple(values)

    def value(self, *, like: bool) -> Literal:
        token = self.token
        if token.kind == "STRING":
            self.index += 1
            decoded = decode_string(self.soql, token, like=like)
            return Literal("PATTERN" if like else "STRING", decoded, token.position)
        if like:
            raise self.unexpected()
        if token.kind in {"NUMBER", "DATE", "DATETIME"}:
            self.index += 1
            return Literal(token.kind, token.text, token.position)
        keyword = token.keyword
        if keyword in {"NULL", "TRUE", "FALSE"}:
            self.index += 1
            if keyword == "NULL":
                return Literal("NULL", None, token.position)
            return Literal("BOOLEAN", keyword == "TRUE", token.position)
        raise self.unexpected()


def parse_soql(soql: str) -> SelectQuery:
    """Parse a SOQL statement.

    Raises:
        ApiError: MALFORMED_QUERY for a statement that is too long or not
            valid SOQL (or outside the supported subset);
            NUMBER_OUTSIDE_VALID_RANGE for an OFFSET above 2,000.
    """
    if len(soql) > MAX_SOQL_CHARACTERS:
        # NOTE: the error code for a statement over 100,000 characters is
        # unconfirmed; Salesforce may return QUERY_TOO_COMPLICATED instead.
        raise ApiError(
            400,
            "MALFORMED_QUERY",
            f"SOQL statements cannot be longer than {MAX_SOQL_CHARACTERS} characters",
        )
    return _Parser(soql).parse()
