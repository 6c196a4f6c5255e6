"""ContactWriter decisions, checked with a scripted client."""

from __future__ import annotations

import typing as t

from target_salesforce_br.org import ContactFields
from target_salesforce_br.report import RejectsFile, RunSummary
from target_salesforce_br.settings import parse_settings
from target_salesforce_br.voters import VoterMerger
from target_salesforce_br.writer import ContactWriter

TOPIC_IDS = {
    code: f"0TO00000000000{n}"
    for n, code in enumerate(
        ["registration_complete", "vbm_portal", "vbm_download", "vbm_email",
         "vbm_usps", "vbm_signed", "voting_plan_created"]
    )
}


class ScriptedClient:
    """Client stand-in that returns scripted rows and records every call."""

    def __init__(self, contacts: list[dict[str, t.Any]], assignments: list[dict[str, t.Any]]):
        self.contacts = contacts
        self.assignments = assignments
        self.assignment_results: list[dict[str, t.Any]] | None = None
        self.calls: list[tuple[str, str, list[dict[str, t.Any]]]] = []

    def query(self, soql: str) -> t.Iterator[dict[str, t.Any]]:
        self.calls.append(("query", soql, []))
        yield from (self.assignments if "TopicAssignment" in soql else self.contacts)

    def create(self, sobject, records, headers=None):
        self.calls.append(("create", sobject, records))
        if sobject == "TopicAssignment" and self.assignment_results is not None:
            return self.assignment_results
        return [{"id": f"003NEW{i:012d}", "success": True, "errors": []} for i in range(len(records))]

    def update(self, sobject, records, headers=None):
        self.calls.append(("update", sobject, records))
        return [{"id": r["id"], "success": True, "errors": []} for r in records]


def make_writer(client: ScriptedClient, **config: t.Any) -> tuple[ContactWriter, RunSummary]:
    settings = parse_settings({"client_id": "k", "client_secret": "s", "domain": "acme.my", **config})
    fields = ContactFields(describe={"FirstName": {"type": "string"}}, utm_field=None,
                           utm_length=None, email_length=80)
    summary = RunSummary()
    writer = ContactWriter(
        client=client, settings=settings, contact_fields=fields, topic_ids=TOPIC_IDS,
        summary=summary, rejects=RejectsFile(None),
    )
    return writer, summary


def voters(*records: dict[str, t.Any]):
    merger = VoterMerger()
    for n, record in enumerate(records):
        merger.add("s", record, f"record #{n}")
    return list(merger.result.voters.values())


def test_duplicate_value_counts_as_assigned_and_others_still_go():
    client = ScriptedClient([{"Id": "003A", "Email": "a@example.org"}], [])
    client.assignment_results = [
        {"success": False, "errors": [{"statusCode": "DUPLICATE_VALUE", "message": "duplicate value found"}]},
        {"id": "0FT1", "success": True, "errors": []},
    ]
    writer, summary = make_writer(client)
    writer.write(voters({"email": "a@example.org", "br_status": "vbm_portal, vbm_email"}))

    assert summary.assignments_existing == 1
    assert summary.assignments_added == 1
    assert not summary.rejected


def test_assignment_lookup_respects_limit_without_view_all_data():
    contacts = [{"Id": f"003{i:015d}", "Email": f"v{i}@example.org"} for i in range(400)]
    client = ScriptedClient(contacts, [])
    writer, _ = make_writer(client)
    writer.write(voters(*({"email": c["Email"], "br_status": "vbm_portal"} for c in contacts)))

    lookups = [soql for kind, soql, _ in client.calls if kind == "query" and "TopicAssignment" in soql]
    assert len(lookups) == 3
    for soql in lookups:
        assert soql.endswith("LIMIT 1100")
        assert soql.count("'003") * len(TOPIC_IDS) <= 1100


def test_new_contacts_skip_the_assignment_lookup():
    client = ScriptedClient([], [])
    writer, summary = make_writer(client)
    writer.write(voters({"email": "n@example.org", "br_status": "vbm_portal"}))

    assert not any("TopicAssignment" in soql for kind, soql, _ in client.calls if kind == "query")
    assert summary.assignments_added == 1


def test_update_sends_only_changed_fields():
    client = ScriptedClient(
        [{"Id": "003A", "Email": "a@example.org", "FirstName": "Al", "Phone": "1"}], []
    )
    writer, summary = make_writer(client)
    writer.write(voters({"email": "a@example.org", "first_name": "Al", "phone": "2"}))

    [update] = [records for kind, _, records in client.calls if kind == "update"]
    assert update == [{"id": "003A", "Phone": "2"}]
    assert summary.updated == 1


def test_create_carries_email_as_given():
    client = ScriptedClient([], [])
    writer, _ = make_writer(client)
    writer.write(voters({"email": " Mixed.Case@Example.org "}))

    [create] = [records for kind, sobject, records in client.calls if kind == "create" and sobject == "Contact"]
    assert create == [{"Email": "Mixed.Case@Example.org", "LastName": "Unknown"}]
