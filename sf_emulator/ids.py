"""Salesforce record ids: generation, validation and the 18-character form.

A Salesforce id is 15 case-sensitive characters: a 3-character key prefix
that names the object, then an instance and a record number. The 18-character
form appends 3 check characters that encode which of the first 15 characters
are upper case, so that it survives case-insensitive handling.
"""

from __future__ import annotations

import itertools
import re
import threading

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_PATTERN = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")

# The "instance" part of generated ids: two characters after the key prefix,
# then a reserved character, as in real ids such as 003RM0000068xV6.
_INSTANCE = "EM0"
_NUMBER_WIDTH = 9

ID15_LENGTH = 15
ORG_ID_15 = "00DEM0000000001"
USER_ID_15 = "005EM0000000001"


def checksum_suffix(id15: str) -> str:
    """Return the 3 check characters that turn a 15-character id into 18."""
    suffix = []
    for start in range(0, 15, 5):
        bits = 0
        for offset, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << offset
        suffix.append(_SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def to_18(id15: str) -> str:
    """Return the 18-character form of a 15-character id."""
    return id15 + checksum_suffix(id15)


ORG_ID = to_18(ORG_ID_15)
USER_ID = to_18(USER_ID_15)


def normalize_id(value: str) -> str | None:
    """Return the 18-character form of an id, or None when it is malformed.

    A 15-character id gets its check characters. An 18-character id must carry
    the check characters that match its first 15 characters. Salesforce would
    repair an 18-character id whose case was changed; the emulator rejects it,
    which is stricter.
    """
    if not _ID_PATTERN.fullmatch(value):
        return None
    if len(value) == ID15_LENGTH:
        return to_18(value)
    if checksum_suffix(value[:15]) != value[15:]:
        return None
    return value


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


class IdFactory:
    """Thread-safe source of new ids, unique for the life of the process.

    The counter never goes back, not even when the emulator is reset, so an id
    held by a test from before a reset can never name a new record.
    """

    def __init__(self) -> None:
        """Start the counter at 1."""
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new_id(self, key_prefix: str) -> str:
        """Return a new 18-character id with the given 3-character key prefix."""
        with self._lock:
            number = next(self._counter)
        return to_18(key_prefix + _INSTANCE + _base62(number, _NUMBER_WIDTH))
