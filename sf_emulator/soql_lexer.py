r"""Tokens of a SOQL statement, and the decoding of string literals.

SOQL string literals use single quotes and backslash escapes only. SQL-style
doubling (``''``), double-quoted literals and unknown escapes are errors, and
``\_`` and ``\%`` are valid only inside a LIKE pattern. So the lexer keeps
each literal's raw text, and the parser decodes it after reading the operator.
"""

from __future__ import annotations

import dataclasses
import re

from sf_emulator.config import MAX_SOQL_STRING_CHARACTERS
from sf_emulator.wire import ApiError

_SIMPLE_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_LIKE_ESCAPES = {"_", "%"}

_TOKEN_PATTERNS = [
    ("WS", r"\s+"),
    (
        "DATETIME",
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})",
    ),
    ("DATE", r"\d{4}-\d{2}-\d{2}(?![\dT])"),
    ("NUMBER", r"[+-]?\d+(?:\.\d+)?(?![\w.])"),
    ("IDENT", r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*(?![\w:])"),
    ("OP", r"!=|<>|<=|>=|=|<|>"),
    ("PUNCT", r"[(),]"),
]
_TOKEN_REGEX = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKEN_PATTERNS)
)


@dataclasses.dataclass(frozen=True)
class Token:
    """One lexical token and its offset in the statement.

    ``text`` is the token as written; for a string literal it is the raw
    content between the quotes, escapes not yet decoded.
    """

    kind: str
    text: str
    position: int

    @property
    def keyword(self) -> str:
        """Return the upper-cased text, for comparing keywords in any case."""
        return self.text.upper() if self.kind == "IDENT" else ""


def query_error(
    soql: str, position: int, message: str, code: str = "MALFORMED_QUERY"
) -> ApiError:
    """Build a 400 error that points at a position, as Salesforce formats it.

    Salesforce repeats the line of the statement, a caret under the column,
    the row and column, then the message.
    """
    line_start = soql.rfind("\n", 0, position) + 1
    line_end = soql.find("\n", position)
    line = soql[line_start : line_end if line_end >= 0 else len(soql)]
    row = soql.count("\n", 0, position) + 1
    column = position - line_start
    text = (
        f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n{message}"
    )
    return ApiError(400, code, text)


def _scan_string(soql: str, start: int) -> tuple[Token, int]:
    """Read the literal whose opening quote is at ``start``; return it and the end."""
    index = start + 1
    while index < len(soql):
        char = soql[index]
        if char == "\\":
            index += 2
            continue
        if char == "'":
            if index + 1 < len(soql) and soql[index + 1] == "'":
                raise query_error(soql, index, "unexpected token: ''")
            return Token("STRING", soql[start + 1 : index], start), index + 1
        index += 1
    raise query_error(soql, start, "unterminated string literal")


def tokenize(soql: str) -> list[Token]:
    """Split a statement into tokens, with an ``EOF`` token at the end.

    Raises:
        ApiError: MALFORMED_QUERY for a character that starts no token, a
            double-quoted literal, ``''`` or an unterminated literal.
    """
    tokens: list[Token] = []
    index = 0
    while index < len(soql):
        if soql[index] == "'":
            token, index = _scan_string(soql, index)
            tokens.append(token)
            continue
        match = _TOKEN_REGEX.match(soql, index)
        if match is None:
            word = re.match(r"\S+", soql[index:])
            text = word.group(0) if word else soql[index]
            raise query_error(soql, index, f"unexpected token: '{text}'")
        kind = match.lastgroup or ""
        if kind != "WS":
            tokens.append(Token(kind, match.group(0), index))
        index = match.end()
    tokens.append(Token("EOF", "", len(soql)))
    return tokens


def decode_string(soql: str, token: Token, *, like: bool) -> str | re.Pattern[str]:
    r"""Decode a string literal, or compile it into a regex for a LIKE pattern.

    The regex matches the whole value without regard to case. ``%`` matches
    any run of characters and ``_`` matches one character, while ``\%`` and
    ``\_`` match those characters themselves.

    Raises:
        ApiError: MALFORMED_QUERY for an escape Salesforce does not accept in
            this context, or a literal longer than 4,000 characters.
    """
    raw = token.text
    pieces: list[str] = []
    characters = 0
    index = 0
    while index < len(raw):
        char = raw[index]
        literal = True
        if char == "\\":
            char, index = _decode_escape(soql, token, index, like=like)
        else:
            index += 1
            literal = not like or char not in "%_"
        characters += 1
        if not like:
            pieces.append(char)
        elif literal:
            pieces.append(re.escape(char))
        elif char == "%":
            pieces.append(".*")
        else:
            pieces.append(".")
    if characters > MAX_SOQL_STRING_CHARACTERS:
        # NOTE: Salesforce limits WHERE strings to 4,000 characters; the error
        # code it returns for a longer one is unconfirmed.
        raise query_error(
            soql,
            token.position,
            "String literal exceeds the maximum of "
            f"{MAX_SOQL_STRING_CHARACTERS} characters",
        )
    if like:
        return re.compile("".join(pieces), re.IGNORECASE | re.DOTALL)
    return "".join(pieces)


def _decode_escape(
    soql: str, token: Token, index: int, *, like: bool
) -> tuple[str, int]:
    """Decode the backslash escape at ``index`` of the literal.

    Returns:
        The decoded character and the index after the escape.
    """
    raw = token.text
    position = token.position + 1 + index
    following = raw[index + 1 : index + 2]
    if following.lower() in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[following.lower()], index + 2
    if like and following in _LIKE_ESCAPES:
        return following, index + 2
    if following == "u":
        digits = raw[index + 2 : index + 6]
        if re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
            return chr(int(digits, 16)), index + 6
    raise query_error(
        soql,
        position,
        f"Invalid string literal '{raw}'. Illegal character sequence "
        f"'\\{following}' in string literal.",
    )
