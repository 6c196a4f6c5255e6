"""Run the emulator as a process: ``python -m sf_emulator --port 8443``.

When the server accepts connections, one JSON line goes to stdout (and to
``--ready-file`` if given): ``{"base_url": ..., "ca_path": ..., "pid": ...}``.
The process runs until SIGTERM or SIGINT, then exits with status 0. With
``--state-file``, records and custom fields are loaded from that file at start
(when it exists) and written back at exit.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import typing as t
from pathlib import Path

from sf_emulator.config import EmulatorConfig
from sf_emulator.emulator import Emulator
from sf_emulator.schema import NUMBER_TYPES

logger = logging.getLogger("sf_emulator")


def parse_field(spec: str) -> tuple[str, dict[str, t.Any]]:
    """Parse ``Object.Field__c:type[:size[:scale]]`` into an object and field entry.

    The size is a text field's length, a number field's precision, or an
    Integer field's digits. The scale is a number field's decimal places.

    Raises:
        argparse.ArgumentTypeError: The text does not have that form.
    """
    target, _, rest = spec.partition(":")
    sobject, _, name = target.partition(".")
    field_type, *sizes = rest.split(":")
    if not sobject or not name or len(sizes) > 2:  # noqa: PLR2004 - size and scale
        msg = (
            "expected Object.Field__c:type[:size[:scale]], such as "
            f"Contact.UTM__c:string:255 or Contact.Score__c:double:5:2, not {spec!r}"
        )
        raise argparse.ArgumentTypeError(msg)
    if not all(size.isdigit() for size in sizes):
        msg = f"size and scale must be whole numbers in {spec!r}"
        raise argparse.ArgumentTypeError(msg)
    field: dict[str, t.Any] = {"name": name, "type": field_type or "string"}
    numbers = [int(size) for size in sizes]
    if numbers and field["type"] in {"int", "long"}:
        field["digits"] = numbers[0]
    elif numbers and field["type"] in NUMBER_TYPES:
        field["precision"] = numbers[0]
        if len(numbers) > 1:
            field["scale"] = numbers[1]
    elif numbers:
        field["length"] = numbers[0]
    return sobject, field


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m sf_emulator",
        description="Serve an emulated Salesforce org over HTTPS on 127.0.0.1.",
    )

    server = parser.add_argument_group("server")
    server.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port; 0 (the default) picks a free port",
    )
    server.add_argument(
        "--ready-file", type=Path, help="file that receives the ready JSON line"
    )
    server.add_argument(
        "--state-file",
        type=Path,
        help="JSON file with records and custom fields, loaded at start if it "
        "exists and written at exit",
    )
    server.add_argument(
        "--log-level", default="INFO", help="logging level on stderr (default INFO)"
    )

    credentials = parser.add_argument_group("credentials")
    for option, help_text in (
        ("client_id", "consumer key for the client credentials flow"),
        ("client_secret", "consumer secret for the client credentials flow"),
        ("username", "username for SOAP login()"),
        ("password", "password for SOAP login(), without the security token"),
        ("security_token", "security token for SOAP login()"),
    ):
        flag = "--" + option.replace("_", "-")
        credentials.add_argument(
            flag, default=getattr(defaults, option), help=help_text
        )

    org = parser.add_argument_group("org")
    org.add_argument(
        "--field",
        action="append",
        type=parse_field,
        default=[],
        metavar="OBJECT.NAME:TYPE[:SIZE[:SCALE]]",
        help=(
            "add a custom field such as Contact.UTM__c:string:255; SIZE is a "
            "text field's length, a number field's precision or an int "
            "field's digits, SCALE a number field's decimal places, as in "
            "Contact.Score__c:double:5:2 (repeatable)"
        ),
    )
    org.add_argument(
        "--daily-api-limit",
        type=int,
        default=defaults.daily_api_limit,
        help="REST calls allowed before 403 REQUEST_LIMIT_EXCEEDED "
        "(default %(default)s)",
    )
    org.add_argument(
        "--view-all-data",
        action="store_true",
        help="give the integration user View All Data, which lifts the "
        "TopicAssignment query restriction",
    )
    org.add_argument(
        "--disable-soap-login",
        action="store_true",
        help="make SOAP login() fail as in orgs where it is not enabled",
    )
    return parser


def load_state(emulator: Emulator, path: Path) -> None:
    """Add the custom fields and records saved in ``path``."""
    saved = json.loads(path.read_text(encoding="utf-8"))
    for sobject, fields in saved.get("fields", {}).items():
        for field in fields:
            emulator.add_field(sobject, field, keep_on_reset=True)
    for sobject, records in saved.get("records", {}).items():
        emulator.seed(sobject, records)
    logger.info("Loaded the emulator state from %s", path)


def save_state(emulator: Emulator, path: Path) -> None:
    """Write the custom fields and every record, deleted ones included, to ``path``."""
    state = emulator.state
    with state.lock:
        saved = {
            "fields": {
                name: [f for f in table.sobject.fields() if f["custom"]]
                for name, table in state.store.tables.items()
            },
            "records": {
                name: list(table.rows.values())
                for name, table in state.store.tables.items()
            },
        }
    _write_atomically(path, json.dumps(saved))
    logger.info("Saved the emulator state to %s", path)


def _write_atomically(path: Path, text: str) -> None:
    """Write a file under a temporary name, then rename it into place.

    A reader polling for the file never reads a half-written file.
    """
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, announce it, and serve until SIGTERM or SIGINT."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    emulator = Emulator(
        client_id=args.client_id,
        client_secret=args.client_secret,
        username=args.username,
        password=args.password,
        security_token=args.security_token,
        daily_api_limit=args.daily_api_limit,
        view_all_data=args.view_all_data,
        soap_login_enabled=not args.disable_soap_login,
    )
    for sobject, field in args.field:
        emulator.add_field(sobject, field, keep_on_reset=True)
    if args.state_file is not None and args.state_file.exists():
        load_state(emulator, args.state_file)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    emulator.start(args.port)
    try:
        ready = json.dumps(
            {
                "base_url": emulator.base_url,
                "ca_path": emulator.ca_path,
                "pid": os.getpid(),
            }
        )
        print(ready, flush=True)  # noqa: T201 - the ready line is the program's output
        if args.ready_file is not None:
            _write_atomically(args.ready_file, ready + "\n")
        # A timed wait lets the signal handler run promptly on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        if args.state_file is not None:
            save_state(emulator, args.state_file)
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
