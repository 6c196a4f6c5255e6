"""Index-backed lookups stay fast and agree with a table scan."""

from __future__ import annotations

import time

from simple_salesforce.format import format_soql

ROWS = 30_000
# Generous bound: an index lookup takes milliseconds, a Python scan of the
# table with 200 comparisons per row takes seconds.
MAX_LOOKUP_SECONDS = 0.5


def test_email_in_uses_index(api, emu):
    emu.seed(
        "Contact",
        [{"LastName": f"L{i}", "Email": f"Voter{i}@Example.org"} for i in range(ROWS)],
    )
    emails = [f"voter{i}@example.org" for i in range(0, ROWS, ROWS // 200)]

    started = time.perf_counter()
    response = api.query(
        format_soql("SELECT Id, Email FROM Contact WHERE Email IN {}", emails)
    )
    elapsed = time.perf_counter() - started

    assert response.json()["totalSize"] == 200
    assert elapsed < MAX_LOOKUP_SECONDS


def test_index_and_scan_agree(api, emu):
    emu.seed(
        "Contact",
        [{"LastName": f"L{i % 3}", "Email": f"v{i}@example.org"} for i in range(300)],
    )
    emails = format_soql("{}", [f"V{i}@example.org" for i in range(0, 300, 7)])

    indexed = api.query(
        f"SELECT Id FROM Contact WHERE Email IN {emails} AND LastName = 'L1'"
    ).json()
    scanned = api.query(
        "SELECT Id FROM Contact "
        f"WHERE LastName = 'L1' AND (Email IN {emails} OR Phone = 'x')"
    ).json()

    assert indexed["totalSize"] > 0
    assert [r["Id"] for r in indexed["records"]] == [
        r["Id"] for r in scanned["records"]
    ]
