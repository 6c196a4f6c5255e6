# ruff: noqa: INP001 - a standalone script, not part of a package
"""Print the emulator's Contacts with their Topics, as a plain-text table.

Reads the records through the emulator's HTTP admin interface
(``GET /__admin/records/<object>``), so it works against an emulator started
in another process, as `make demo` does.

Usage:
    .venv/bin/python scripts/show_contacts.py --base-url URL --ca-bundle PEM
"""

from __future__ import annotations

import argparse
import sys
import typing as t

import requests

REQUEST_TIMEOUT_SECONDS = 10
COLUMNS = (
    ("Email", "Email"),
    ("FirstName", "First name"),
    ("LastName", "Last name"),
    ("Phone", "Phone"),
    ("MailingCity", "City"),
)


def fetch_records(
    session: requests.Session, base_url: str, ca_bundle: str, sobject: str
) -> list[dict[str, t.Any]]:
    """Return the live records of one object from the emulator's admin interface."""
    # verify goes with each request because requests lets REQUESTS_CA_BUNDLE
    # from the environment override a session's verify setting.
    response = session.get(
        f"{base_url}/__admin/records/{sobject}",
        verify=ca_bundle,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    body = response.json()
    if isinstance(body, dict):
        body = body["records"]
    return list(body)


def topics_by_contact(
    topics: list[dict[str, t.Any]], assignments: list[dict[str, t.Any]]
) -> dict[str, list[str]]:
    """Map each Contact Id to the sorted names of the Topics assigned to it."""
    names = {topic["Id"]: topic["Name"] for topic in topics}
    result: dict[str, list[str]] = {}
    for assignment in assignments:
        name = names.get(assignment["TopicId"], assignment["TopicId"])
        result.setdefault(assignment["EntityId"], []).append(name)
    return {contact_id: sorted(found) for contact_id, found in result.items()}


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """Return rows as left-aligned columns separated by two spaces."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [
            max(width, len(cell)) for width, cell in zip(widths, row, strict=True)
        ]
    lines = [
        "  ".join(
            cell.ljust(width) for cell, width in zip(headers, widths, strict=True)
        ).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines.extend(
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    )
    return "\n".join(lines)


def build_rows(
    contacts: list[dict[str, t.Any]],
    topics: dict[str, list[str]],
    utm_field: str | None,
) -> list[list[str]]:
    """Return one table row per Contact, sorted by email without regard to case."""
    rows = []
    for contact in sorted(contacts, key=lambda c: (c.get("Email") or "").casefold()):
        row = [str(contact.get(field) or "") for field, _ in COLUMNS]
        if utm_field:
            row.append(str(contact.get(utm_field) or ""))
        row.append(", ".join(topics.get(contact["Id"], [])))
        rows.append(row)
    return rows


def main() -> int:
    """Fetch Contacts, Topics and TopicAssignments and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="emulator base URL")
    parser.add_argument(
        "--ca-bundle", required=True, help="PEM file of the emulator's CA"
    )
    parser.add_argument(
        "--utm-field",
        help="Contact field that receives utm_campaign, shown as a column when set",
    )
    args = parser.parse_args()
    base_url = args.base_url.rstrip("/")

    with requests.Session() as session:
        contacts = fetch_records(session, base_url, args.ca_bundle, "Contact")
        topics = fetch_records(session, base_url, args.ca_bundle, "Topic")
        assignments = fetch_records(
            session, base_url, args.ca_bundle, "TopicAssignment"
        )

    headers = [label for _, label in COLUMNS]
    if args.utm_field:
        headers.append("utm_campaign")
    headers.append("Topics")
    rows = build_rows(contacts, topics_by_contact(topics, assignments), args.utm_field)
    summary = (
        f"{len(contacts)} Contacts, {len(topics)} Topics, "
        f"{len(assignments)} TopicAssignments"
    )
    sys.stdout.write(f"{format_table(headers, rows)}\n\n{summary}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
