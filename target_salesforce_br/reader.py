"""Singer input reader whose errors leave the offending message out.

The SDK's reader logs a line it cannot parse in full, and it puts the whole
message into the error for a message that lacks a required key. A voter
record's line carries an email and a name, so this reader reports only where
a message failed and why.
"""

from __future__ import annotations

import json
import typing as t

from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json
from typing_extensions import override


class PrivateSingerReader(SingerReader):
    """Read Singer messages; errors give a message's shape, never its text.

    Attributes:
        on_stop: Called when reading ends with an exception, of any kind, so
            that the target can log how far the run got before it stopped.
    """

    def __init__(self) -> None:
        """Start without a stop callback."""
        super().__init__()
        self.on_stop: t.Callable[[], None] | None = None

    @override
    def process_lines(
        self,
        file_input: t.IO[str] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        """Read and dispatch every message, calling ``on_stop`` on any exception."""
        try:
            return super().process_lines(file_input, callbacks)
        except BaseException:
            if self.on_stop is not None:
                self.on_stop()
            raise

    @override
    def deserialize_json(self, line: str) -> dict[str, t.Any]:
        """Parse one line of input.

        Raises:
            InvalidInputLine: The line is not valid JSON. The message gives the
                parser's reason and position, and the line's length, not its
                text.
        """
        try:
            return deserialize_json(line)
        except json.JSONDecodeError as exc:
            msg = (
                f"A line of input is not valid JSON: {exc.msg}, at character "
                f"{exc.pos + 1} of {len(line)}. The line is not shown "
                "because it may carry voter data. Check that the tap writes one "
                "complete JSON message per line."
            )
            raise InvalidInputLine(msg) from None

    @staticmethod
    @override
    def assert_line_requires(line_dict: dict, requires: set[str]) -> None:
        """Check that a message has the required keys.

        Raises:
            InvalidInputLine: A key is missing. The message names the missing
                keys, the message type and the keys present, not the values.
        """
        missing = sorted(requires - set(line_dict))
        if not missing:
            return
        msg = (
            f"A {line_dict.get('type', 'Singer')!s:.20} message lacks the "
            f"required key(s) {', '.join(missing)}; it has "
            f"{', '.join(sorted(map(str, line_dict))) or 'no keys'}. Check the "
            "tap's output against the Singer specification."
        )
        raise InvalidInputLine(msg)
