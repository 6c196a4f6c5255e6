"""The real `meltano run tap-postgres target-salesforce-br` against the emulator.

The voters come from a PostgreSQL table that the test creates. The first run
loads every row. The second, incremental on `updated_at`, must apply only the
rows changed in between.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import typing as t

import pytest

from target_salesforce_br.statuses import TOPIC_BY_CODE, parse_statuses
from target_salesforce_br.voters import email_key, normalize_email

from .conftest import UTM_FIELD, MeltanoProject, VoterDatabase, target_env

if t.TYPE_CHECKING:
    from sf_emulator import Emulator

pytestmark = pytest.mark.e2e

CREATE_TABLE = """
CREATE TABLE public.voters (
    id integer PRIMARY KEY,
    email text,
    first_name text,
    last_name text,
    phone text,
    street text,
    city text,
    state text,
    postal_code text,
    br_status text,
    utm_campaign text,
    updated_at timestamptz NOT NULL
)
"""

COLUMNS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "street",
    "city",
    "state",
    "postal_code",
    "br_status",
    "utm_campaign",
    "updated_at",
)

# Record field -> Contact field, for the fields compared below.
CONTACT_FIELDS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "phone": "Phone",
    "street": "MailingStreet",
    "city": "MailingCity",
    "state": "MailingState",
    "postal_code": "MailingPostalCode",
    "utm_campaign": UTM_FIELD,
}

DEFAULT_LAST_NAME = "Unknown"
STATUS_CODES = list(TOPIC_BY_CODE)
BASE_TIME = dt.datetime(2024, 9, 1, 8, 0, tzinfo=dt.timezone.utc)

SEEDED_EMAIL = "seeded.phone@example.org"
SEEDED_PHONE = "555-0199"
STATUS_CHANGE_EMAIL = "voter03@example.org"
STATUS_CHANGE_CODE = "vbm_signed"
UTM_CHANGE_EMAIL = "voter05@example.org"
UTM_CHANGE_VALUE = "summer-push"


def _regular_voter(number: int) -> dict[str, t.Any]:
    """Return a plain voter row whose statuses cycle through the three input shapes."""
    first = STATUS_CODES[number % len(STATUS_CODES)]
    second = STATUS_CODES[(number + 3) % len(STATUS_CODES)]
    if number % 3 == 0:
        status = first
    elif number % 3 == 1:
        status = f"{first}, {second}"
    else:
        status = json.dumps([first, second])
    return {
        "email": f"voter{number:02d}@example.org",
        "first_name": f"First{number:02d}",
        "last_name": f"Last{number:02d}",
        "phone": f"555-01{number:02d}" if number % 2 == 0 else None,
        "street": f"{number} Sample Street",
        "city": "Springfield",
        "state": "OR",
        "postal_code": f"974{number:02d}",
        "br_status": status,
        "utm_campaign": "spring-drive" if number % 4 == 0 else None,
    }


def _special_voters() -> list[dict[str, t.Any]]:
    """Return the rows that exercise matching, merging and the no-blanking rule."""
    blank = dict.fromkeys(CONTACT_FIELDS) | {"br_status": None}
    return [
        # No usable email: never written.
        blank | {"email": None, "first_name": "Nomail", "br_status": "vbm_portal"},
        blank | {"email": "   ", "first_name": "Blankmail", "br_status": "vbm_usps"},
        # Same voter three times, in mixed case and with padding: one Contact
        # whose statuses are the union and whose later non-empty values win.
        blank
        | {
            "email": "Mixed.Case@Example.ORG",
            "first_name": "Mia",
            "last_name": "Case",
            "city": "Eugene",
            "br_status": "registration_complete",
        },
        blank
        | {
            "email": " mixed.case@example.org ",
            "phone": "555-0150",
            "city": "",
            "br_status": "vbm_portal",
        },
        blank
        | {
            "email": "MIXED.CASE@EXAMPLE.ORG",
            "last_name": "Casey",
            "br_status": "vbm_portal,voting_plan_created",
        },
        # An exact duplicate row.
        blank
        | {
            "email": "dup.row@example.com",
            "first_name": "Dana",
            "last_name": "Row",
            "br_status": "vbm_email",
        },
        blank
        | {
            "email": "dup.row@example.com",
            "first_name": "Dana",
            "last_name": "Row",
            "br_status": "vbm_email",
        },
        # An apostrophe, which the target must quote in SOQL.
        blank
        | {
            "email": "o'brien@example.org",
            "first_name": "Siobhan",
            "last_name": "O'Brien",
            "br_status": "vbm_signed",
            "utm_campaign": "door-knock",
        },
        # Non-ASCII names and address.
        blank
        | {
            "email": "zoe.muller@example.org",
            "first_name": "Zoë",
            "last_name": "Müller",
            "street": "5 Königsweg",
            "city": "Zürich",
            "br_status": "BR:VotingPlan - Created",
        },
        # Already in Salesforce with a phone: the null phone must not blank it.
        blank
        | {
            "email": SEEDED_EMAIL,
            "first_name": "Seeded",
            "last_name": "Voter",
            "city": "Salem",
            "br_status": "vbm_download",
        },
        # No last name: created with the default one.
        blank | {"email": "no.last@example.com", "first_name": "Nola", "br_status": ""},
        # Unknown status: the Contact is still written, with no Topic.
        blank
        | {
            "email": "unknown.status@example.org",
            "first_name": "Uma",
            "last_name": "Known",
            "br_status": "mailed_postcard",
        },
    ]


def build_rows() -> list[dict[str, t.Any]]:
    """Return the table's rows, with increasing ids and updated_at values.

    The special rows come first so that the row with the latest updated_at,
    which the tap sends again on the next incremental run, is a plain voter.
    """
    voters = _special_voters() + [_regular_voter(number) for number in range(1, 21)]
    return [
        {"id": index, **voter, "updated_at": BASE_TIME + dt.timedelta(minutes=index)}
        for index, voter in enumerate(voters, start=1)
    ]


def insert_rows(database: VoterDatabase, rows: list[dict[str, t.Any]]) -> None:
    column_list = ", ".join(COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    statement = f"INSERT INTO public.voters ({column_list}) VALUES ({placeholders})"
    with database.connect() as connection:
        connection.execute(CREATE_TABLE)
        with connection.cursor() as cursor:
            cursor.executemany(
                statement,
                [tuple(row[column] for column in COLUMNS) for row in rows],
            )


def _clean(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def expected_contacts(rows: list[dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    """Fold the rows per email key in updated_at order: later non-empty values win."""
    contacts: dict[str, dict[str, t.Any]] = {}
    for row in sorted(rows, key=lambda row: row["updated_at"]):
        email = normalize_email(row["email"])
        if email is None:
            continue
        contact = contacts.setdefault(email_key(email), {"topics": set()})
        contact["Email"] = email
        for record_field, contact_field in CONTACT_FIELDS.items():
            value = _clean(row[record_field])
            if value is not None:
                contact[contact_field] = value
        contact["topics"] |= {
            TOPIC_BY_CODE[code] for code in parse_statuses(row["br_status"]).codes
        }
    for contact in contacts.values():
        contact.setdefault("LastName", DEFAULT_LAST_NAME)
    return contacts


def contacts_by_key(emulator: Emulator) -> dict[str, dict[str, t.Any]]:
    contacts = emulator.records("Contact")
    keyed = {email_key(contact["Email"]): contact for contact in contacts}
    assert len(keyed) == len(contacts), "two Contacts share an email"
    return keyed


def assignment_pairs(emulator: Emulator) -> list[tuple[str, str]]:
    """Return (email key, Topic name) for every TopicAssignment, repeats kept."""
    topic_names = {topic["Id"]: topic["Name"] for topic in emulator.records("Topic")}
    emails = {
        contact["Id"]: email_key(contact["Email"])
        for contact in emulator.records("Contact")
    }
    return sorted(
        (emails[assignment["EntityId"]], topic_names[assignment["TopicId"]])
        for assignment in emulator.records("TopicAssignment")
    )


def expected_pairs(contacts: dict[str, dict[str, t.Any]]) -> list[tuple[str, str]]:
    return sorted(
        (key, topic) for key, contact in contacts.items() for topic in contact["topics"]
    )


def assert_contacts_match(
    emulator: Emulator, expected: dict[str, dict[str, t.Any]]
) -> None:
    actual = contacts_by_key(emulator)
    assert sorted(actual) == sorted(expected)
    for key, contact in expected.items():
        # Email is compared through the keys, without regard to case, because
        # merged records may spell it differently.
        for contact_field in ("LastName", *CONTACT_FIELDS.values()):
            assert actual[key].get(contact_field) == contact.get(contact_field), (
                f"{contact_field} of the Contact for {key}"
            )


def assert_topics(emulator: Emulator) -> None:
    names = sorted(topic["Name"] for topic in emulator.records("Topic"))
    assert names == sorted(TOPIC_BY_CODE.values())


def summary_counts(log: str) -> dict[str, int]:
    """Return the whole-number counts of the target's last "Run summary:" line."""
    lines = [line for line in log.splitlines() if "Run summary:" in line]
    assert lines, "the target logged no run summary"
    summary = lines[-1].split("Run summary:", 1)[1]
    return {
        name.strip(): int(value)
        for name, value in re.findall(r"([a-zA-Z_ ]+)=(\d+)\b", summary)
    }


def run_pipeline(
    meltano: MeltanoProject,
    database: VoterDatabase,
    emulator: Emulator,
    state_suffix: str,
) -> str:
    completed = meltano.run(
        [
            "run",
            "--no-install",
            "--refresh-catalog",
            "--state-id-suffix",
            state_suffix,
            "tap-postgres",
            "target-salesforce-br",
        ],
        extra_env={**database.tap_env(), **target_env(emulator)},
    )
    return completed.stderr


def check_first_run(
    emulator: Emulator,
    log: str,
    rows: list[dict[str, t.Any]],
    expected: dict[str, dict[str, t.Any]],
) -> None:
    """Check that every row with an email became one Contact, with its Topics."""
    counts = summary_counts(log)
    assert counts["records read"] == len(rows)
    assert counts["without email"] == 2
    # Every Contact is new except the seeded one, which is updated.
    assert counts["contacts created"] == len(expected) - 1
    assert counts["updated"] == 1
    assert counts["rejected"] == 0

    assert_contacts_match(emulator, expected)
    contacts = contacts_by_key(emulator)
    assert "o'brien@example.org" in contacts
    assert contacts["zoe.muller@example.org"]["FirstName"] == "Zoë"
    assert contacts["no.last@example.com"]["LastName"] == DEFAULT_LAST_NAME
    assert contacts[SEEDED_EMAIL]["Phone"] == SEEDED_PHONE
    assert_topics(emulator)

    pairs = assignment_pairs(emulator)
    assert pairs == expected_pairs(expected)
    assert len(pairs) == len(set(pairs)), "a Topic is assigned twice to one Contact"
    assert [pair for pair in pairs if pair[0] == "unknown.status@example.org"] == []
    assert (STATUS_CHANGE_EMAIL, TOPIC_BY_CODE[STATUS_CHANGE_CODE]) not in pairs


def change_two_voters(database: VoterDatabase) -> None:
    """Give one voter a new status and another a new utm_campaign, as a source would."""
    changed_at = dt.datetime.now(dt.timezone.utc)
    with database.connect() as connection:
        connection.execute(
            "UPDATE public.voters SET br_status = %s, updated_at = %s WHERE email = %s",
            (STATUS_CHANGE_CODE, changed_at, STATUS_CHANGE_EMAIL),
        )
        connection.execute(
            "UPDATE public.voters SET utm_campaign = %s, updated_at = %s "
            "WHERE email = %s",
            (UTM_CHANGE_VALUE, changed_at, UTM_CHANGE_EMAIL),
        )


def check_second_run(
    emulator: Emulator,
    log: str,
    contacts_before: dict[str, dict[str, t.Any]],
    pairs_before: list[tuple[str, str]],
    expected: dict[str, dict[str, t.Any]],
) -> None:
    """Check that only the two changes were applied, with no Topic removed."""
    # The tap reads rows whose updated_at is at or after the bookmark, so the
    # last row of the first run may come again, unchanged.
    counts = summary_counts(log)
    assert 2 <= counts["records read"] <= 3
    assert counts["contacts created"] == 0
    assert counts["updated"] == 1
    assert counts["assignments added"] == 1
    assert counts["rejected"] == 0

    contacts_after = contacts_by_key(emulator)
    assert sorted(contacts_after) == sorted(contacts_before)
    assert len(emulator.records("Contact")) == len(expected)
    assert contacts_after[UTM_CHANGE_EMAIL][UTM_FIELD] == UTM_CHANGE_VALUE
    assert contacts_after[SEEDED_EMAIL]["Phone"] == SEEDED_PHONE
    unchanged = set(contacts_before) - {UTM_CHANGE_EMAIL, STATUS_CHANGE_EMAIL}
    for key in unchanged:
        before = contacts_before[key]
        after = contacts_after[key]
        assert after["LastModifiedDate"] == before["LastModifiedDate"], key
        assert after == before, key
    assert_topics(emulator)

    expected[UTM_CHANGE_EMAIL][UTM_FIELD] = UTM_CHANGE_VALUE
    expected[STATUS_CHANGE_EMAIL]["topics"].add(TOPIC_BY_CODE[STATUS_CHANGE_CODE])
    assert_contacts_match(emulator, expected)
    pairs_after = assignment_pairs(emulator)
    assert pairs_after == expected_pairs(expected)
    assert set(pairs_before) <= set(pairs_after)
    assert sorted(set(pairs_after) - set(pairs_before)) == [
        (STATUS_CHANGE_EMAIL, TOPIC_BY_CODE[STATUS_CHANGE_CODE])
    ]


def test_initial_and_incremental_runs(
    voter_database: VoterDatabase,
    meltano_project: MeltanoProject,
    emulator: Emulator,
    record_property: t.Callable[[str, object], None],
):
    rows = build_rows()
    insert_rows(voter_database, rows)
    [seeded_id] = emulator.seed(
        "Contact",
        [
            {
                "FirstName": "Seeded",
                "LastName": "Voter",
                "Email": SEEDED_EMAIL,
                "Phone": SEEDED_PHONE,
            }
        ],
    )
    expected = expected_contacts(rows)
    expected[SEEDED_EMAIL]["Phone"] = SEEDED_PHONE
    record_property("meltano_install_seconds", round(meltano_project.install_seconds))

    started = time.monotonic()
    log = run_pipeline(meltano_project, voter_database, emulator, voter_database.name)
    record_property("first_run_seconds", round(time.monotonic() - started, 1))
    check_first_run(emulator, log, rows, expected)
    assert contacts_by_key(emulator)[SEEDED_EMAIL]["Id"] == seeded_id

    contacts_before = contacts_by_key(emulator)
    pairs_before = assignment_pairs(emulator)
    change_two_voters(voter_database)

    started = time.monotonic()
    log = run_pipeline(meltano_project, voter_database, emulator, voter_database.name)
    record_property("second_run_seconds", round(time.monotonic() - started, 1))
    check_second_run(emulator, log, contacts_before, pairs_before, expected)
