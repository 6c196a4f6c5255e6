"""The Singer SDK's standard target tests, run against the Salesforce emulator.

``singer_sdk.testing.get_target_test_class`` builds a pytest class with one
test per test template. Each template runs ``setup()``, ``test()`` and then
``validate()``, and the SDK's own target templates leave ``validate()``
empty. Here every standard template is subclassed with a ``validate()`` that
reads what the run left in the emulator (Contacts, Topics, TopicAssignments),
the target's run summary and the STATE lines it printed. The generated
class's ``resource`` fixture yields the emulator and its ``runner`` fixture a
runner that keeps the target it ran.

The standard ``.singer`` files carry no ``email`` column, so the test config's
``stream_maps`` derive an email (and names) from each stream's own columns.
That makes the records land as Contacts and shows that stream maps can
rename a tap's columns to the fields the target reads.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import inspect
import io
import json
import logging
import os
import subprocess
import sys
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
from singer_sdk.exceptions import (
    MissingKeyPropertiesError,
    RecordsWithoutSchemaException,
)
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.testing import get_target_test_class, target_tests
from singer_sdk.testing.runners import TargetTestRunner
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.suites import target_tests as standard_target_suite
from singer_sdk.testing.templates import TargetFileTestTemplate, TargetTestTemplate

from target_salesforce_br.statuses import TOPIC_BY_CODE
from target_salesforce_br.target import TargetSalesforceBR

if t.TYPE_CHECKING:
    from singer_sdk import Target
    from singer_sdk.helpers._compat import Traversable

    from sf_emulator import Emulator
    from target_salesforce_br.report import RunSummary

TARGET_LOGGER = "target-salesforce-br"
REPO_ROOT = Path(__file__).resolve().parent.parent

# Stream maps for every stream of the standard files that carries records,
# and for the streams of this module's own tests. The maps of the standard
# streams derive an email from each stream's key columns, so every key lands
# as its own Contact. test_object_schema_no_properties has no map, because
# its schema declares object_store without properties. Its records reach the
# target without an email and are only counted.
STREAM_MAPS: dict[str, dict[str, str | None]] = {
    "test_array_data": {
        "email": "'array' + str(id) + '@example.org'",
        "first_name": "fruits[0]",
        "last_name": "' '.join(fruits)",
        # A list in a voter field is never written, so Phone stays empty.
        "phone": "fruits",
    },
    "TestCamelcase": {
        "email": "'camel' + Id + '@example.org'",
        "last_name": "clientName",
    },
    "ForecastingTypeToCategory": {
        "email": "'forecast-' + Id + '@example.org'",
    },
    "test_duplicate_records": {
        "email": "'dup' + str(id) + '@example.org'",
        "last_name": "'Metric ' + str(metric)",
        "br_status": "'vbm_portal' if metric < 50 else 'vbm_signed'",
    },
    "test_strings": {
        "email": "'str' + str(id) + '@example.org'",
        "last_name": "info",
    },
    "test_strings_in_objects": {
        "email": "'obj' + str(id) + '@example.org'",
        "first_name": "info['name']",
        "last_name": "info['value']",
    },
    "test_strings_in_arrays": {
        "email": "'arr' + str(id) + '@example.org'",
        "first_name": "strings[0]",
        "last_name": "strings[-1]",
    },
    "test_multiple_state_messages_a": {
        "email": "'state-a' + str(id) + '@example.org'",
        "last_name": "'Metric ' + str(metric)",
    },
    "test_multiple_state_messages_b": {
        "email": "'state-b' + str(id) + '@example.org'",
        "last_name": "'Metric ' + str(metric)",
    },
    "test_no_pk": {
        "email": "'nopk' + str(id) + '@example.org'",
        "last_name": "'Metric ' + str(metric)",
    },
    "test_optional_attributes": {
        "email": "'opt' + str(id) + '@example.org'",
        "last_name": "record.get('optional')",
    },
    # The records of example_stream carry an email of their own.
    "example_stream": {
        "first_name": "name",
    },
    "test_record_before_schema": {
        "email": "'early' + str(id) + '@example.org'",
    },
    "test_record_missing_key_property": {
        "email": "'nokey' + str(metric) + '@example.org'",
    },
    "test_record_missing_required_property": {
        "email": "'noreq' + str(metric) + '@example.org'",
    },
    "record_missing_fields": {
        "email": "'missing' + str(id) + '@example.org'",
        "last_name": "record.get('optional')",
    },
    "test_object_schema_with_properties": {
        "email": "'object' + str(object_store['id']) + '@example.org'",
        "last_name": "'Metric ' + str(object_store['metric'])",
    },
    "test_schema_updates": {
        "email": "'schema' + str(id) + '@example.org'",
        "last_name": "a2",
        # a6 exists only from the fourth SCHEMA message on.
        "postal_code": "str(a6) if 'a6' in record else None",
    },
    "test:SpecialChars!in?attributes": {
        "email": "'special-' + record['_id'] + '@example.org'",
        "first_name": "d['agent:type']",
        "last_name": "d['agent:os:version']",
    },
    # Streams of this module's own tests.
    "crm:Voters!export?v=2": {
        "last_name": "surname",
    },
    # fnmatch reads "[eu]" as a character class, so only an exact name match
    # can apply this map.
    "voters[eu]/2024 ü": {
        "last_name": "surname",
    },
    # A map expression that names a column the record lacks raises
    # MapExpressionError, so columns that taps may leave out use record.get().
    "newsletter": {
        "email": "mail",
        "first_name": "record.get('given_name')",
        "last_name": "record.get('family_name')",
        "mail": None,
    },
}


def target_config(emulator: Emulator) -> dict[str, t.Any]:
    """Return the settings that log in to the emulator, with the stream maps."""
    return {
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "domain": "emulator.my",
        "login_url": emulator.base_url,
        "stream_maps": STREAM_MAPS,
    }


@dataclass
class EmulatorResource:
    """Fixtures that the ``resource`` fixture hands each test."""

    emulator: Emulator
    caplog: pytest.LogCaptureFixture
    tmp_path: Path


class RecordingRunner(TargetTestRunner):
    """Target runner that keeps its last target, error and STATE snapshots.

    ``state_snapshots`` pairs each STATE value the target printed with the
    Contact emails in the emulator at that moment, which shows whether a
    STATE was printed only after the records before it were written.
    """

    def __init__(self, *, emulator: Emulator, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.emulator = emulator
        self.target: TargetSalesforceBR | None = None
        self.error: Exception | None = None
        self.state_snapshots: list[tuple[dict[str, t.Any], set[str]]] = []
        # Set on each new target as _MAX_RECORD_AGE_IN_MINUTES when not None.
        self.max_record_age_minutes: float | None = None

    def new_target(self) -> Target:
        target = t.cast("TargetSalesforceBR", super().new_target())
        if self.max_record_age_minutes is not None:
            target._MAX_RECORD_AGE_IN_MINUTES = self.max_record_age_minutes  # noqa: SLF001
        write_state = target._write_state_message  # noqa: SLF001

        def write_state_and_snapshot(state: dict) -> None:
            self.state_snapshots.append((state, contact_emails(self.emulator)))
            write_state(state)

        target._write_state_message = write_state_and_snapshot  # type: ignore[method-assign]  # noqa: SLF001
        self.target = target
        return target

    def sync_all(self, *, finalize: bool = True, **kwargs: t.Any) -> None:
        try:
            super().sync_all(finalize=finalize, **kwargs)
        except Exception as exc:
            self.error = exc
            raise

    def run_input(self, messages: str) -> None:
        """Run a fresh target on the given Singer messages."""
        self.input_filepath = None
        self.target_input = io.StringIO(messages)
        self.sync_all()


def contact_emails(emulator: Emulator) -> set[str]:
    return {
        c["Email"].casefold() for c in emulator.records("Contact") if c.get("Email")
    }


def singer_messages(*messages: dict[str, t.Any]) -> str:
    return "".join(json.dumps(message) + "\n" for message in messages)


def schema_message(
    stream: str, properties: dict[str, t.Any], key: str = "id"
) -> dict[str, t.Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": [key],
    }


def record_message(stream: str, record: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"type": "RECORD", "stream": stream, "record": record}


NULLABLE_STRING = {"type": ["string", "null"]}


class ChecksMixin:
    """Checks on the emulator and the run, shared by the checked templates."""

    resource: EmulatorResource
    runner: RecordingRunner

    @property
    def emulator(self) -> Emulator:
        return self.resource.emulator

    @property
    def summary(self) -> RunSummary:
        target = self.runner.target
        assert target is not None, "the runner created no target"
        return target.summary

    def contacts(self) -> dict[str, dict[str, t.Any]]:
        """Return the Contacts by casefolded email, after checking none repeats."""
        rows = self.emulator.records("Contact")
        emails = [row["Email"].casefold() for row in rows]
        assert len(emails) == len(set(emails)), f"duplicate Contacts: {sorted(emails)}"
        return dict(zip(emails, rows, strict=True))

    def assert_contacts(
        self,
        expected: dict[str, dict[str, t.Any]],
        topics: dict[str, set[str]] | None = None,
    ) -> dict[str, dict[str, t.Any]]:
        """Assert the Contacts are exactly ``expected``: email -> field values.

        ``topics`` gives the Topic names assigned to each Contact by email;
        None means that no Contact has any.
        """
        contacts = self.contacts()
        assert sorted(contacts) == sorted(e.casefold() for e in expected)
        for email, fields in expected.items():
            contact = contacts[email.casefold()]
            for name, value in fields.items():
                assert contact.get(name) == value, (email, name, contact.get(name))
        self.assert_topics(contacts, topics or {})
        return contacts

    def assert_summary(
        self,
        *,
        records_read: int,
        created: int,
        without_email: int = 0,
        merged: int = 0,
        updated: int = 0,
    ) -> None:
        """Assert the run's counters and the summary line logged at INFO."""
        summary = self.summary
        assert summary.records_read == records_read
        assert summary.without_email == without_email
        assert summary.merged == merged
        assert summary.created == created
        assert summary.updated == updated
        assert sum(summary.rejected.values()) == 0, summary.rejected
        lines = self.summary_lines()
        assert lines, "no run summary was logged"
        expected_start = (
            f"Run summary: records read={records_read}, "
            f"without email={without_email}, deleted at source=0, merged={merged}, "
            f"contacts created={created}, updated={updated},"
        )
        assert lines[-1].startswith(expected_start), lines[-1]

    def summary_lines(self) -> list[str]:
        return [
            record.getMessage()
            for record in self.resource.caplog.records
            if record.name == TARGET_LOGGER and "summary" in record.getMessage()
        ]

    def assert_topics(
        self, contacts: dict[str, dict[str, t.Any]], expected: dict[str, set[str]]
    ) -> None:
        """Assert the BR Topics exist and each Contact has the given Topic names."""
        topics = {row["Id"]: row["Name"] for row in self.emulator.records("Topic")}
        assert sorted(topics.values()) == sorted(TOPIC_BY_CODE.values())
        by_id = {row["Id"]: email for email, row in contacts.items()}
        assigned: dict[str, list[str]] = {}
        for row in self.emulator.records("TopicAssignment"):
            assigned.setdefault(by_id[row["EntityId"]], []).append(
                topics[row["TopicId"]]
            )
        for names in assigned.values():
            assert len(names) == len(set(names)), f"duplicate assignments: {names}"
        actual = {email: set(names) for email, names in assigned.items()}
        assert actual == {email.casefold(): names for email, names in expected.items()}

    def assert_nothing_written(self) -> None:
        """Assert the run never logged in, wrote a record or printed a STATE."""
        for sobject in ("Contact", "Topic", "TopicAssignment"):
            assert self.emulator.records(sobject) == [], sobject
        assert self.emulator.api_calls() == {}
        assert self.emulator.login_calls() == {}
        assert self.runner.state_messages == []

    def assert_only_start_checks(self) -> None:
        """Assert the run did its start-of-run checks and wrote no voter or STATE.

        The checks log in, describe Contact and create the seven BR Topics;
        after them no Contact is looked up or written.
        """
        assert self.emulator.records("Contact") == []
        assert self.emulator.records("TopicAssignment") == []
        assert len(self.emulator.records("Topic")) == 7
        assert sum(self.emulator.login_calls().values()) == 1
        calls = self.emulator.api_calls()
        assert not any("Contact" in key for key in calls if "describe" not in key), calls
        assert self.runner.state_messages == []

    def assert_error(self, error_type: type[Exception]) -> Exception:
        error = self.runner.error
        assert isinstance(error, error_type), repr(error)
        return error


# Checked versions of the SDK's standard target tests, in the order of
# singer_sdk.testing.target_tests.


class CheckedArrayData(ChecksMixin, target_tests.TargetArrayData):
    """Arrays feed stream maps, but an array mapped to a voter field is not written."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "array1@example.org": {
                    "FirstName": "apple",
                    "LastName": "apple orange pear",
                    "Phone": None,
                },
                "array2@example.org": {
                    "FirstName": "banana",
                    "LastName": "banana apple",
                    "Phone": None,
                },
                "array3@example.org": {
                    "FirstName": "pear",
                    "LastName": "pear",
                    "Phone": None,
                },
                "array4@example.org": {
                    "FirstName": "orange",
                    "LastName": "orange banana apple pear",
                    "Phone": None,
                },
            }
        )
        self.assert_summary(records_read=4, created=4)
        assert self.runner.state_messages == [{"test_array_data": 4}]


class CheckedCamelcaseComplexSchema(
    ChecksMixin, target_tests.TargetCamelcaseComplexSchema
):
    """With two SCHEMA messages and no records, only the start-of-run checks run."""

    def validate(self) -> None:
        assert self.runner.error is None
        self.assert_only_start_checks()
        self.assert_summary(records_read=0, created=0)


class CheckedCamelcase(ChecksMixin, target_tests.TargetCamelcaseTest):
    """Mixed-case column names map to voter fields."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "camel1@example.org": {
                    "FirstName": None,
                    "LastName": "Gitter Windows Desktop App",
                },
                "camel2@example.org": {"FirstName": None, "LastName": "Gitter iOS App"},
            }
        )
        self.assert_summary(records_read=2, created=2)


class CheckedCliPrints(ChecksMixin, target_tests.TargetCliPrintsTest):
    """Printing the version and the about text calls no Salesforce endpoint."""

    def test(self) -> None:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            super().test()
        self.printed = output.getvalue()

    def validate(self) -> None:
        printed = self.printed
        assert f"{TargetSalesforceBR.name} v" in printed
        assert f"Name: {TargetSalesforceBR.name}" in printed
        about = json.loads(printed[printed.index("\n{") + 1 :])
        assert about["name"] == TargetSalesforceBR.name
        assert "stream-maps" in about["capabilities"]
        assert "client_id" in about["settings"]["properties"]
        for sobject in ("Contact", "Topic", "TopicAssignment"):
            assert self.emulator.records(sobject) == []
        assert self.emulator.api_calls() == {}
        assert self.emulator.login_calls() == {}


class CheckedDuplicateRecords(ChecksMixin, target_tests.TargetDuplicateRecords):
    """Records that repeat a key give one Contact with the later values."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "dup1@example.org": {"LastName": "Metric 100"},
                "dup2@example.org": {"LastName": "Metric 20"},
            },
            # Statuses of merged records add up; each Topic is assigned once.
            topics={
                "dup1@example.org": {
                    TOPIC_BY_CODE["vbm_portal"],
                    TOPIC_BY_CODE["vbm_signed"],
                },
                "dup2@example.org": {TOPIC_BY_CODE["vbm_portal"]},
            },
        )
        self.assert_summary(records_read=5, created=2, merged=3)


# Expected (FirstName, LastName) of encoded_string_data, by email. The target
# strips surrounding white space, so the value of obj10 loses its leading space.
ENCODED_STRINGS: dict[str, tuple[str | None, str]] = {
    "str1@example.org": (None, "simple string 2837"),
    "str2@example.org": (None, "απλή συμβολοσειρά"),
    "str3@example.org": (None, "简单的字串"),
    "str4@example.org": (None, "chaîne simple"),
    "str5@example.org": (None, 'quoted "string"'),
    "str6@example.org": (None, 'various " \\ / \n escape sequences'),
    "str7@example.org": (None, "m"),
    "str8@example.org": (None, "\u0101"),
    "str9@example.org": (None, "\u0199"),
    "str10@example.org": (None, "Double quoting: \\u0000 \\u0041 \\u0001"),
    "str11@example.org": (None, "Control Characters in string: \x00 A \x01"),
    "obj1@example.org": ("simple", "simple string 2837"),
    "obj2@example.org": ("greek", "απλή συμβολοσειρά"),
    "obj3@example.org": ("chinese", "简单的字串"),
    "obj4@example.org": ("french", "chaîne simple"),
    "obj5@example.org": ("quoted string", 'quoted "string"'),
    "obj6@example.org": ("escape sequences", 'various " \\ / \n escape sequences'),
    "obj7@example.org": ("unicode", "m"),
    "obj8@example.org": ("unicode", "\u0101"),
    "obj9@example.org": ("unicode", "\u0199"),
    "obj10@example.org": ("Double quoting", "\\u0000 \\u0041 \\u0001"),
    "obj11@example.org": ("Control Characters in string", "\x00 A \x01"),
    "arr1@example.org": ("simple string", "简单的字串"),
    "arr2@example.org": ("chaîne simple", 'quoted "string"'),
    "arr3@example.org": (
        'various " \\ / \n escape sequences',
        'various " \\ / \n escape sequences',
    ),
    "arr4@example.org": ("m", "\u0199"),
    "arr5@example.org": ("aaa", "Double quoting: \\u0000 \\u0041 \\u0001"),
    "arr6@example.org": ("bbb", "Control Characters in string: \x00 A \x01"),
}


class CheckedEncodedStringData(ChecksMixin, target_tests.TargetEncodedStringData):
    """Non-ASCII text, quotes, escapes and control characters arrive unchanged."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                email: {"FirstName": first, "LastName": last}
                for email, (first, last) in ENCODED_STRINGS.items()
            }
        )
        self.assert_summary(records_read=28, created=28)
        assert self.runner.state_messages == [
            {
                "test_strings": 11,
                "test_strings_in_objects": 11,
                "test_strings_in_arrays": 6,
            }
        ]


class CheckedInvalidSchema(ChecksMixin, target_tests.TargetInvalidSchemaTest):
    """A SCHEMA message without properties stops the run before any call."""

    def validate(self) -> None:
        error = self.assert_error(InvalidInputLine)
        assert "properties" in str(error)
        self.assert_nothing_written()


class CheckedMultipleStateMessages(
    ChecksMixin, target_tests.TargetMultipleStateMessages
):
    """The target prints the latest STATE once, after every record is written.

    The SDK's template expects three STATE lines and compares them with JSON
    strings. Its runner stores the printed lines parsed, so that assertion
    cannot pass, and suites.py leaves the template out of the standard suite
    with a TODO. This override runs the same input and checks what the target
    prints.
    singer-sdk 0.54 prints STATE only when it drains all sinks: at the end of
    input, or when the oldest buffered record is older than
    _MAX_RECORD_AGE_IN_MINUTES (5.0 by default). This input takes well under
    that, so exactly one STATE line is expected.
    """

    def test(self) -> None:
        self.runner.sync_all()

    def validate(self) -> None:
        final_state = {
            "test_multiple_state_messages_a": 5,
            "test_multiple_state_messages_b": 6,
        }
        assert self.runner.state_messages == [final_state]
        expected = {
            f"state-{stream}{n}@example.org": {"LastName": f"Metric {metric}"}
            for stream, metrics in (
                ("a", [100, 200, 300, 400, 500, 600]),
                ("b", [110, 220, 330, 440, 550, 660]),
            )
            for n, metric in enumerate(metrics, start=1)
        }
        self.assert_contacts(expected)
        self.assert_summary(records_read=12, created=12)
        [(state, emails_then)] = self.runner.state_snapshots
        assert state == final_state
        assert emails_then == set(expected)


class CheckedNoPrimaryKeys(ChecksMixin, target_tests.TargetNoPrimaryKeys):
    """A stream without key properties still writes one Contact per email."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "nopk1@example.org": {"LastName": "Metric 11"},
                "nopk2@example.org": {"LastName": "Metric 22"},
                "nopk3@example.org": {"LastName": "Metric 33"},
            }
        )
        self.assert_summary(records_read=3, created=3)
        assert self.runner.state_messages == [{"test_no_pk": 3}]


class CheckedOptionalAttributes(ChecksMixin, target_tests.TargetOptionalAttributes):
    """A missing optional column leaves LastName at default_last_name."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "opt1@example.org": {"LastName": "This is optional"},
                "opt2@example.org": {"LastName": "Unknown"},
                "opt3@example.org": {"LastName": "Also optional"},
                "opt4@example.org": {"LastName": "Unknown"},
            }
        )
        self.assert_summary(records_read=4, created=4)


class CheckedPrimaryKeyUpdates(ChecksMixin, target_tests.TargetPrimaryKeyUpdates):
    """Records that carry their own email land without an email map."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "alice@example.com": {"FirstName": "Alice", "LastName": "Unknown"},
                "bob@example.com": {"FirstName": "Bob", "LastName": "Unknown"},
            }
        )
        self.assert_summary(records_read=2, created=2)


class CheckedRecordBeforeSchema(ChecksMixin, target_tests.TargetRecordBeforeSchemaTest):
    """A RECORD before its SCHEMA stops the run before any call."""

    def validate(self) -> None:
        self.assert_error(RecordsWithoutSchemaException)
        self.assert_nothing_written()


class CheckedRecordMissingKeyProperty(
    ChecksMixin, target_tests.TargetRecordMissingKeyProperty
):
    """A record without its key stops the run, although its map gives an email."""

    def validate(self) -> None:
        self.assert_error(MissingKeyPropertiesError)
        self.assert_only_start_checks()


class CheckedRecordMissingRequiredProperty(
    ChecksMixin, target_tests.TargetRecordMissingRequiredProperty
):
    """A record without a required property is rejected, and the run goes on.

    Its error names the rule without the record's values, and the record is
    counted as INVALID_RECORD in the run summary.
    """

    def validate(self) -> None:
        assert self.runner.error is None
        assert self.summary.rejected == {"INVALID_RECORD": 1}
        assert self.summary.records_read == 1
        assert self.emulator.records("Contact") == []
        warnings = [
            r.getMessage()
            for r in self.resource.caplog.records
            if r.getMessage().startswith("Rejected record")
        ]
        assert warnings == [
            "Rejected record #1 in stream test_record_missing_required_property: "
            "INVALID_RECORD"
        ]
        assert "3215" not in warnings[0]
        assert "noreq3215" not in warnings[0]


class CheckedRecordMissingOptionalFields(
    ChecksMixin, target_tests.TargetRecordMissingOptionalFields
):
    """A record without its optional column is written, but an empty STATE is not."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "missing1@example.org": {"LastName": "now you see me"},
                "missing2@example.org": {"LastName": "Unknown"},
            }
        )
        self.assert_summary(records_read=2, created=2)
        # singer-sdk prints the latest STATE only when it is not empty.
        assert self.runner.state_messages == []


class CheckedSchemaNoProperties(ChecksMixin, target_tests.TargetSchemaNoProperties):
    """Mapped records land, and the unmapped stream's records are only counted."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "object1@example.org": {"LastName": "Metric 187"},
                "object2@example.org": {"LastName": "Metric 203"},
            }
        )
        self.assert_summary(records_read=4, without_email=2, created=2)


class CheckedSchemaUpdates(ChecksMixin, target_tests.TargetSchemaUpdates):
    """Stream maps apply after each new SCHEMA, to columns added later too."""

    def validate(self) -> None:
        postal_codes = {5: "985", 6: "341"}
        self.assert_contacts(
            {
                f"schema{n}@example.org": {
                    "LastName": f"string{n}",
                    "MailingPostalCode": postal_codes.get(n),
                }
                for n in range(1, 7)
            }
        )
        self.assert_summary(records_read=6, created=6)
        assert self.runner.state_messages == [{"test_schema_updates": 6}]


class CheckedSpecialCharsInAttributes(
    ChecksMixin, target_tests.TargetSpecialCharsInAttributes
):
    """A stream map keyed by a name with ':', '!' and '?' applies to its stream."""

    def validate(self) -> None:
        self.assert_contacts(
            {
                "special-a2e98886@example.org": {
                    "FirstName": "desktop",
                    "LastName": "10.13.1",
                },
            }
        )
        self.assert_summary(records_read=1, created=1)


# This module's own tests, run through the same fixtures and hooks.


def standard_stream_file(name: str) -> Traversable:
    """Return one of the SDK's standard .singer files."""
    streams = importlib.resources.files("singer_sdk.testing.target_test_streams")
    return streams / f"{name}.singer"


def standard_file_text(name: str) -> str:
    return standard_stream_file(name).read_text(encoding="utf-8")


class NoPrimaryKeysAppend(ChecksMixin, TargetTestTemplate):
    """A second run over the same emails updates the Contacts of the first."""

    name = "no_primary_keys_append"

    def test(self) -> None:
        self.runner.run_input(standard_file_text("no_primary_keys"))
        self.runner.run_input(standard_file_text("no_primary_keys_append"))

    def validate(self) -> None:
        self.assert_contacts(
            {
                f"nopk{n}@example.org": {"LastName": f"Metric {n}0{n}"}
                for n in range(1, 6)
            }
        )
        self.assert_summary(records_read=5, created=2, updated=3)
        assert self.runner.state_messages == [{"test_no_pk": 3}, {"test_no_pk": 5}]


class StateAfterPeriodicDrains(ChecksMixin, TargetFileTestTemplate):
    """Each STATE the target prints comes after the records it covers are written.

    Setting _MAX_RECORD_AGE_IN_MINUTES below zero makes singer-sdk drain all
    sinks, and print the latest STATE, after every record.
    """

    name = "state_after_periodic_drains"

    @property
    def singer_filepath(self) -> Traversable:
        return standard_stream_file("multiple_state_messages")

    def setup(self) -> None:
        self.runner.max_record_age_minutes = -1.0

    def validate(self) -> None:
        printed = self.runner.state_messages
        assert len(printed) == len(self.runner.state_snapshots)
        distinct: list[dict[str, int]] = []
        for state in printed:
            if not distinct or distinct[-1] != state:
                distinct.append(state)
        expected_order = [(1, 0), (2, 1), (3, 2), (5, 3), (5, 6)]
        assert [
            (s["test_multiple_state_messages_a"], s["test_multiple_state_messages_b"])
            for s in distinct
        ] == expected_order
        for state, emails_then in self.runner.state_snapshots:
            covered = {
                f"state-a{n}@example.org"
                for n in range(1, state["test_multiple_state_messages_a"] + 1)
            } | {
                f"state-b{n}@example.org"
                for n in range(1, state["test_multiple_state_messages_b"] + 1)
            }
            assert covered <= emails_then, (state, sorted(covered - emails_then))
        assert len(self.contacts()) == 12
        self.assert_summary(records_read=12, created=12)


SPECIAL_STREAM = "crm:Voters!export?v=2"
GLOB_STREAM = "voters[eu]/2024 ü"


class SpecialStreamNames(ChecksMixin, TargetTestTemplate):
    """Streams named with ':', '!', '?', '[', '/', space and non-ASCII letters."""

    name = "special_stream_names"

    def setup(self) -> None:
        self.rejects_path = self.resource.tmp_path / "rejects.jsonl"
        self.runner.config = {
            **self.runner.config,
            "rejects_path": str(self.rejects_path),
        }
        self.emulator.add_record_error(
            "Contact",
            "Email",
            "^blocked@",
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: blocked@example.org",
        )

    def test(self) -> None:
        properties = {
            "id": {"type": "integer"},
            "email": NULLABLE_STRING,
            "first_name": NULLABLE_STRING,
            "surname": NULLABLE_STRING,
            "br_status": NULLABLE_STRING,
        }
        messages = singer_messages(
            schema_message(SPECIAL_STREAM, properties),
            schema_message(GLOB_STREAM, properties),
            record_message(
                SPECIAL_STREAM,
                {
                    "id": 1,
                    "email": "rosa@example.org",
                    "first_name": "Rosa",
                    "surname": "Lima",
                    "br_status": "vbm_portal",
                },
            ),
            record_message(
                GLOB_STREAM,
                {
                    "id": 1,
                    "email": "juergen@example.org",
                    "first_name": "Jürgen",
                    "surname": "Öz",
                    "br_status": "BR:VotingPlan - Created",
                },
            ),
            record_message(
                GLOB_STREAM,
                {"id": 2, "email": "blocked@example.org", "surname": "Blocked"},
            ),
            record_message(SPECIAL_STREAM, {"id": 3, "surname": "No Email"}),
            {
                "type": "STATE",
                "value": {"bookmarks": {SPECIAL_STREAM: 3, GLOB_STREAM: 2}},
            },
        )
        self.runner.run_input(messages)

    def validate(self) -> None:
        self.assert_contacts(
            {
                "rosa@example.org": {"FirstName": "Rosa", "LastName": "Lima"},
                "juergen@example.org": {"FirstName": "Jürgen", "LastName": "Öz"},
            },
            topics={
                "rosa@example.org": {TOPIC_BY_CODE["vbm_portal"]},
                "juergen@example.org": {TOPIC_BY_CODE["voting_plan_created"]},
            },
        )

        summary = self.summary
        assert summary.records_read == 4
        assert summary.without_email == 1
        assert summary.created == 2
        assert dict(summary.rejected) == {"INVALID_EMAIL_ADDRESS": 1}

        # The rejects file and the warning name each stream exactly.
        rejects = [
            json.loads(line)
            for line in self.rejects_path.read_text(encoding="utf-8").splitlines()
        ]
        assert [r["stream"] for r in rejects] == [GLOB_STREAM]
        assert rejects[0]["error_code"] == "INVALID_EMAIL_ADDRESS"
        assert rejects[0]["record"]["email"] == "blocked@example.org"

        warnings = [
            r.getMessage()
            for r in self.resource.caplog.records
            if r.levelno == logging.WARNING and "Rejected" in r.getMessage()
        ]
        assert warnings == [
            f"Rejected record id=2 in stream {GLOB_STREAM}: INVALID_EMAIL_ADDRESS"
        ]

        assert self.runner.state_messages == [
            {"bookmarks": {SPECIAL_STREAM: 3, GLOB_STREAM: 2}}
        ]


class StreamMapRenamesMail(ChecksMixin, TargetTestTemplate):
    """A stream map turns a tap's mail, given_name and family_name into voter fields."""

    name = "stream_map_renames_mail"

    def test(self) -> None:
        properties = {
            "id": {"type": "integer"},
            "mail": NULLABLE_STRING,
            "given_name": NULLABLE_STRING,
            "family_name": NULLABLE_STRING,
        }
        records = [
            {
                "id": 1,
                "mail": "ana@example.org",
                "given_name": "Ana",
                "family_name": "Silva",
            },
            {"id": 2, "mail": " ANA@example.org ", "family_name": "Souza"},
            {"id": 3, "mail": "bo@example.org", "given_name": "Bo"},
            {"id": 4, "mail": None, "given_name": "Nobody", "family_name": "None"},
        ]
        self.runner.run_input(
            singer_messages(
                schema_message("newsletter", properties),
                *(record_message("newsletter", record) for record in records),
            )
        )

    def validate(self) -> None:
        contacts = self.assert_contacts(
            {
                # Later non-empty values win; an empty one keeps the earlier.
                "ana@example.org": {"FirstName": "Ana", "LastName": "Souza"},
                "bo@example.org": {"FirstName": "Bo", "LastName": "Unknown"},
            }
        )
        assert contacts["ana@example.org"]["Email"] == "ANA@example.org"
        self.assert_summary(records_read=4, without_email=1, merged=1, created=2)
        sink = self.runner.target.get_sink("newsletter")
        assert "email" in sink.schema["properties"]
        assert "mail" not in sink.schema["properties"]


class AboutCommand(ChecksMixin, TargetTestTemplate):
    """``--about`` prints the settings and capabilities without any config."""

    name = "about_command"

    def test(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_")}
        command = [sys.executable, "-m", "target_salesforce_br", "--about"]
        self.about_text = subprocess.run(  # noqa: S603 - fixed argument list
            command, capture_output=True, text=True, check=True, env=env, cwd=REPO_ROOT
        ).stdout
        self.about_json = subprocess.run(  # noqa: S603 - fixed argument list
            [*command, "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=REPO_ROOT,
        ).stdout

    def validate(self) -> None:
        assert f"Name: {TargetSalesforceBR.name}" in self.about_text
        assert "Environment Variable: TARGET_SALESFORCE_BR_CLIENT_ID" in self.about_text
        about = json.loads(self.about_json)
        assert about["name"] == TargetSalesforceBR.name
        assert "stream-maps" in about["capabilities"]
        settings = about["settings"]["properties"]
        for name in TargetSalesforceBR.config_jsonschema["properties"]:
            assert name in settings, name
        assert "stream_maps" in settings
        for secret in ("client_secret", "password", "security_token"):
            assert settings[secret].get("secret") is True, secret
        assert self.emulator.api_calls() == {}
        assert self.emulator.login_calls() == {}


# The wiring: one checked template per standard template, then this module's
# own tests, in a custom suite that replaces the SDK's standard one.

CHECKED_STANDARD_TESTS: list[type[TargetTestTemplate]] = [
    CheckedArrayData,
    CheckedCamelcaseComplexSchema,
    CheckedCamelcase,
    CheckedCliPrints,
    CheckedDuplicateRecords,
    CheckedEncodedStringData,
    CheckedInvalidSchema,
    CheckedMultipleStateMessages,
    CheckedNoPrimaryKeys,
    CheckedOptionalAttributes,
    CheckedPrimaryKeyUpdates,
    CheckedRecordBeforeSchema,
    CheckedRecordMissingKeyProperty,
    CheckedRecordMissingRequiredProperty,
    CheckedRecordMissingOptionalFields,
    CheckedSchemaNoProperties,
    CheckedSchemaUpdates,
    CheckedSpecialCharsInAttributes,
]
OWN_TESTS: list[type[TargetTestTemplate]] = [
    NoPrimaryKeysAppend,
    StateAfterPeriodicDrains,
    SpecialStreamNames,
    StreamMapRenamesMail,
    AboutCommand,
]
CHECKED_SUITE = SingerTestSuite(
    kind="target", tests=[*CHECKED_STANDARD_TESTS, *OWN_TESTS]
)

GeneratedTargetTests = get_target_test_class(
    TargetSalesforceBR,
    custom_suites=[CHECKED_SUITE],
    include_target_tests=False,
)


class TestStandardTargetSuite(GeneratedTargetTests):  # type: ignore[misc,valid-type]
    """The checked standard suite, with the emulator as the SDK's resource."""

    @pytest.fixture
    def resource(
        self,
        salesforce_emulator: Emulator,  # noqa: F811 - the plugin's fixture
        caplog: pytest.LogCaptureFixture,
        tmp_path: Path,
    ) -> EmulatorResource:
        caplog.set_level(logging.INFO, logger=TARGET_LOGGER)
        return EmulatorResource(salesforce_emulator, caplog, tmp_path)

    @pytest.fixture
    def runner(self, salesforce_emulator: Emulator) -> RecordingRunner:  # noqa: F811
        return RecordingRunner(
            emulator=salesforce_emulator,
            target_class=TargetSalesforceBR,
            config=target_config(salesforce_emulator),
            # The config above is complete; TARGET_SALESFORCE_BR_* variables of
            # the shell running the tests must not change it.
            parse_env_config=False,
        )


def standard_target_templates() -> set[type[TargetTestTemplate]]:
    """Return every test template that singer_sdk.testing.target_tests defines."""
    return {
        cls
        for _, cls in inspect.getmembers(target_tests, inspect.isclass)
        if issubclass(cls, TargetTestTemplate)
        and cls.__module__ == target_tests.__name__
        and cls.name
    }


def test_every_standard_template_is_checked() -> None:
    standard = standard_target_templates()
    assert set(standard_target_suite.tests) <= standard
    assert len(standard_target_suite.tests) >= 16
    checked_bases = [
        base
        for checked in CHECKED_STANDARD_TESTS
        for base in checked.__mro__[1:]
        if base in standard
    ]
    assert sorted(b.__name__ for b in checked_bases) == sorted(
        s.__name__ for s in standard
    )
    for checked in CHECKED_STANDARD_TESTS:
        assert "validate" in vars(checked), checked.__name__


def test_generated_class_runs_every_template() -> None:
    names = [template.name for template in CHECKED_SUITE.tests]
    assert len(names) == len(set(names))
    for name in names:
        assert callable(getattr(TestStandardTargetSuite, f"test_target_{name}"))
