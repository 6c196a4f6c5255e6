"""Turn a rejects file back into Singer messages, to send its records again.

Each line of a rejects file contains one record whole, with its stream. This
module writes, for each stream, a SCHEMA message that accepts the fields seen
in that stream's records, then the records as RECORD messages, in file
order. Pipe its output into the target, for example with ``rejects.jsonl``
and ``config.json``:

    python -m target_salesforce_br.replay_rejects rejects.jsonl |
        target-salesforce-br --config config.json

The original schema and key properties are not in the rejects file, so
every field is declared without a type and log lines name replayed records
by position. Records set aside as INVALID_RECORD are therefore not checked
against a schema again. Records whose error needs a fix first, such as an
invalid email or a value that is too long, are rejected again unless the
file is edited. Give the replay run a different ``rejects_path``, or move
the file first, so that records failing again go to a new file.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing as t
from pathlib import Path


def singer_messages(lines: t.Iterable[str]) -> list[dict[str, t.Any]]:
    """Return SCHEMA messages, one per stream, followed by the RECORD messages.

    Raises:
        ValueError: A line is not a rejects-file entry; the message gives its
            line number, not its text, because the text carries voter data.
    """
    records: list[tuple[str, dict[str, t.Any]]] = []
    fields: dict[str, dict[str, None]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            stream, record = str(entry["stream"]), dict(entry["record"])
        except (ValueError, KeyError, TypeError):
            msg = (
                f"Line {number} is not a rejects-file entry with 'stream' and "
                "'record'; check that the file was written by rejects_path."
            )
            raise ValueError(msg) from None
        records.append((stream, record))
        fields.setdefault(stream, {}).update(dict.fromkeys(record))

    schemas = [
        {
            "type": "SCHEMA",
            "stream": stream,
            "schema": {"type": "object", "properties": {name: {} for name in names}},
            "key_properties": [],
        }
        for stream, names in fields.items()
    ]
    return schemas + [
        {"type": "RECORD", "stream": stream, "record": record}
        for stream, record in records
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the Singer messages for a rejects file on standard output."""
    parser = argparse.ArgumentParser(
        prog="python -m target_salesforce_br.replay_rejects",
        description="Write a rejects file's records as Singer messages.",
    )
    parser.add_argument("rejects_file", type=Path, help="file named by rejects_path")
    args = parser.parse_args(argv)
    try:
        with args.rejects_file.open(encoding="utf-8") as handle:
            messages = singer_messages(handle)
    except (OSError, ValueError) as exc:
        print(f"replay_rejects: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    for message in messages:
        sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
