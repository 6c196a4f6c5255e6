"""Write one batch of voters to Salesforce: Contacts first, then Topics.

For each batch the writer looks up the Contacts by email, creates the missing
ones and updates the others with only the values that changed, then adds the
TopicAssignments that are not there yet. Writes cost one request per 200
records, Contact lookups one per about 12 KB of encoded emails, and
TopicAssignment lookups one per 157 Contacts, never one request per record.
"""

from __future__ import annotations

import logging
import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from simple_salesforce.format import format_soql

from target_salesforce_br.client import COLLECTION_LIMIT
from target_salesforce_br.report import log_reject
from target_salesforce_br.settings import DuplicatePolicy
from target_salesforce_br.soql import MAX_LITERAL_CHARS, chunk_in_clause
from target_salesforce_br.values import (
    coerce_value,
    cut_to_length,
    same_value,
    text_length,
)
from target_salesforce_br.voters import email_key

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from target_salesforce_br.client import SalesforceClient
    from target_salesforce_br.org import ContactFields
    from target_salesforce_br.report import RejectsFile, RunSummary
    from target_salesforce_br.settings import Settings
    from target_salesforce_br.voters import Voter

logger = logging.getLogger(__name__)

# Without View All Data, Salesforce answers a TopicAssignment query only when
# it has a LIMIT of at most 1,100 rows (or filters on one Id with "=").
ASSIGNMENT_QUERY_LIMIT = 1100

# The reject code for a record whose email matches several Contacts when
# duplicate_contacts is "skip". It is the target's own, not Salesforce's.
AMBIGUOUS_EMAIL = "AMBIGUOUS_EMAIL"


@dataclass
class _Plan:
    """What one batch sends, and where each written Contact's id goes."""

    creates: list[tuple[Voter, dict[str, t.Any]]] = field(default_factory=list)
    updates: list[tuple[Voter, dict[str, t.Any]]] = field(default_factory=list)
    contact_ids: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    new_ids: set[str] = field(default_factory=set)


def _chunks(items: list[t.Any], size: int = COLLECTION_LIMIT) -> Iterator[list[t.Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _changes(
    values: dict[str, t.Any], contact: dict[str, t.Any], fields: ContactFields
) -> dict[str, t.Any]:
    """Return the values that differ from what the Contact holds now."""
    return {
        name: value
        for name, value in values.items()
        if not same_value(contact.get(name), value, text=fields.is_text(name))
    }


def _first_error(result: dict[str, t.Any]) -> tuple[str, str]:
    errors = result.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    return str(first.get("statusCode") or "UNKNOWN_ERROR"), str(
        first.get("message", "")
    )


class ContactWriter:
    """Apply batches of voters to Contacts and TopicAssignments.

    Args:
        client: The Salesforce client.
        settings: Validated settings.
        contact_fields: Contact field facts from describe.
        topic_ids: Topic id by status code.
        summary: Run counters to update.
        rejects: Where rejected records are written.
    """

    def __init__(  # noqa: PLR0913 - the writer's collaborators, each needed
        self,
        *,
        client: SalesforceClient,
        settings: Settings,
        contact_fields: ContactFields,
        topic_ids: dict[str, str],
        summary: RunSummary,
        rejects: RejectsFile,
    ) -> None:
        """Store the collaborators and work out the Contact fields to read."""
        self._client = client
        self._settings = settings
        self._fields = contact_fields
        self._topic_ids = topic_ids
        self._summary = summary
        self._rejects = rejects
        written = set(settings.field_mapping.values()) | {
            "FirstName",
            "LastName",
            "Phone",
            "MailingStreet",
            "MailingCity",
            "MailingState",
            "MailingPostalCode",
        }
        if contact_fields.utm_field:
            written.add(contact_fields.utm_field)
        self._read_fields = ["Id", "Email", "CreatedDate", *sorted(written)]
        self._headers = (
            {"Sforce-Duplicate-Rule-Header": "allowSave=true"}
            if settings.allow_save_on_duplicate_alert
            else None
        )
        # Keys of the voters already rejected in the current batch.
        self._rejected: set[str] = set()

    def write(self, voters: list[Voter]) -> None:
        """Write one batch: look up, create, update, then assign Topics."""
        existing = self._lookup(voters)
        self._rejected = set()
        plan = self._plan(voters, existing)
        self._send_creates(plan)
        self._send_updates(plan)
        self._assign_topics(voters, plan)

    # Lookup

    def _lookup(self, voters: list[Voter]) -> dict[str, list[dict[str, t.Any]]]:
        """Return the live Contacts of each email, keyed by casefolded email."""
        limit = min(self._fields.email_length, MAX_LITERAL_CHARS)
        # A longer email cannot be stored on any Contact, so it is not looked up.
        emails = [v.email for v in voters if len(v.email) <= limit]
        statement = (
            f"SELECT {', '.join(self._read_fields)} FROM Contact WHERE Email IN {{}}"
        )
        found: dict[str, list[dict[str, t.Any]]] = defaultdict(list)
        for soql in chunk_in_clause(statement, emails):
            for row in self._client.query(soql):
                if row.get("Email"):
                    found[email_key(row["Email"])].append(row)
        return found

    # Planning

    def _plan(
        self,
        voters: list[Voter],
        existing: dict[str, list[dict[str, t.Any]]],
    ) -> _Plan:
        plan = _Plan()
        for voter in voters:
            values = self._values(voter)
            matches = existing.get(voter.key, [])
            if not matches:
                plan.creates.append((voter, self._create_payload(voter, values)))
                continue
            if len(matches) > 1:
                self._summary.ambiguous += 1
                matches = self._choose(voter, matches)
            for contact in matches:
                changes = _changes(values, contact, self._fields)
                if changes:
                    plan.updates.append((voter, {"id": contact["Id"], **changes}))
                else:
                    self._summary.unchanged += 1
                    plan.contact_ids[voter.key].append(contact["Id"])
        return plan

    def _choose(
        self, voter: Voter, matches: list[dict[str, t.Any]]
    ) -> list[dict[str, t.Any]]:
        """Pick the Contacts that receive the record when several share its email."""
        policy = self._settings.duplicate_contacts
        by_age = sorted(
            matches, key=lambda c: (str(c.get("CreatedDate") or ""), c["Id"])
        )
        if policy is DuplicatePolicy.OLDEST:
            return by_age[:1]
        if policy is DuplicatePolicy.MOST_RECENT:
            return by_age[-1:]
        if policy is DuplicatePolicy.ALL:
            return by_age
        self._reject(
            voter,
            AMBIGUOUS_EMAIL,
            f"{len(matches)} Contacts share this email and duplicate_contacts is skip",
        )
        return []

    def coerce_field(self, name: str, value: t.Any) -> t.Any:  # noqa: ANN401
        """Convert a value for a Contact field's type.

        Raises:
            InvalidFieldValueError: The field's type cannot take the value.
        """
        field = self._fields.describe.get(name, {})
        return coerce_value(value, field, text=self._fields.is_text(name))

    def _values(self, voter: Voter) -> dict[str, t.Any]:
        values = dict(voter.fields)
        utm_field = self._fields.utm_field
        if utm_field and voter.utm_campaign is not None:
            utm = voter.utm_campaign
            length = self._fields.utm_length
            if length is not None and text_length(utm) > length:
                utm = cut_to_length(utm, length)
                self._summary.utm_truncated += 1
            values[utm_field] = utm
        return values

    def _create_payload(
        self, voter: Voter, values: dict[str, t.Any]
    ) -> dict[str, t.Any]:
        payload = dict(values)
        payload["Email"] = voter.email
        payload.setdefault("LastName", self._settings.default_last_name)
        return payload

    # Contact writes

    def _send_creates(self, plan: _Plan) -> None:
        for chunk in _chunks(plan.creates):
            results = self._client.create(
                "Contact", [payload for _, payload in chunk], self._headers
            )
            for (voter, _), result in zip(chunk, results, strict=True):
                if result.get("success"):
                    self._summary.created += 1
                    plan.contact_ids[voter.key].append(result["id"])
                    plan.new_ids.add(result["id"])
                else:
                    self._reject(voter, *_first_error(result))

    def _send_updates(self, plan: _Plan) -> None:
        for chunk in _chunks(plan.updates):
            results = self._client.update(
                "Contact", [payload for _, payload in chunk], self._headers
            )
            for (voter, payload), result in zip(chunk, results, strict=True):
                if result.get("success"):
                    self._summary.updated += 1
                    plan.contact_ids[voter.key].append(payload["id"])
                else:
                    self._reject(voter, *_first_error(result))

    # Topics

    def _assign_topics(self, voters: list[Voter], plan: _Plan) -> None:
        """Add the TopicAssignments each voter's statuses call for.

        Assignments only accumulate: existing ones are read first and not sent
        again, and none is ever deleted.
        """
        wanted: list[tuple[Voter, str, str]] = []
        for voter in voters:
            for contact_id in plan.contact_ids.get(voter.key, []):
                wanted.extend(
                    (voter, contact_id, self._topic_ids[code])
                    for code in sorted(voter.statuses)
                )
        if not wanted:
            return

        old_contacts = sorted({c for _, c, _ in wanted if c not in plan.new_ids})
        present = self._existing_assignments(old_contacts)
        missing = [w for w in wanted if (w[1], w[2]) not in present]
        self._summary.assignments_existing += len(wanted) - len(missing)
        self._create_assignments(missing)

    def _existing_assignments(self, contact_ids: list[str]) -> set[tuple[str, str]]:
        if not contact_ids:
            return set()
        topic_ids = sorted(self._topic_ids.values())
        # Each Contact has at most one assignment per Topic, so this many
        # Contacts per query keep the result within the LIMIT.
        per_query = max(1, ASSIGNMENT_QUERY_LIMIT // len(topic_ids))
        statement = (
            "SELECT EntityId, TopicId FROM TopicAssignment WHERE TopicId IN "
            + format_soql("{}", topic_ids)
            + f" AND EntityId IN {{}} LIMIT {ASSIGNMENT_QUERY_LIMIT}"
        )
        present: set[tuple[str, str]] = set()
        for soql in chunk_in_clause(statement, contact_ids, max_values=per_query):
            for row in self._client.query(soql):
                present.add((row["EntityId"], row["TopicId"]))
        return present

    def _create_assignments(self, missing: list[tuple[Voter, str, str]]) -> None:
        for chunk in _chunks(missing):
            records = [{"EntityId": c, "TopicId": topic} for _, c, topic in chunk]
            results = self._client.create("TopicAssignment", records)
            for (voter, _, _), result in zip(chunk, results, strict=True):
                if result.get("success"):
                    self._summary.assignments_added += 1
                    continue
                code, message = _first_error(result)
                if code == "DUPLICATE_VALUE":
                    # Assigned since the lookup, or the lookup missed it.
                    self._summary.assignments_existing += 1
                else:
                    self._reject(voter, code, message)

    # Rejects

    def _reject(self, voter: Voter, code: str, message: str) -> None:
        """Count, log and file a voter's records that Salesforce did not take.

        A voter is reported once a batch, even when several of its writes
        fail, such as updates to two Contacts under duplicate_contacts "all".
        """
        if voter.key in self._rejected:
            return
        self._rejected.add(voter.key)
        self._summary.rejected[code] += len(voter.sources)
        streams = sorted({stream for stream, _ in voter.sources})
        log_reject(", ".join(streams), voter.refs, code)
        for source_stream, record in voter.sources:
            self._rejects.write(source_stream, record, code, message)
