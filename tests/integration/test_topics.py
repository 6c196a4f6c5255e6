"""Topics are ensured once per run and assignments only accumulate."""

from __future__ import annotations

from target_salesforce_br.statuses import TOPIC_BY_CODE, topic_key

from .conftest import base_config, contacts_by_email, run_target, singer_lines, topics_of


def test_first_run_creates_every_topic(emu, capsys):
    run_target(capsys, base_config(emu), singer_lines([{"email": "a@example.org"}]))

    names = sorted(t["Name"] for t in emu.records("Topic"))
    assert names == sorted(TOPIC_BY_CODE.values())
    calls = emu.api_calls()
    topic_creates = [
        entry for entry in emu.requests_log()
        if entry["method"] == "POST" and "Topic" in entry.get("sobject_types", ["Topic"])
    ]
    assert calls.get("POST composite/sobjects", 0) >= 1
    assert len(topic_creates) >= 1


def test_later_runs_create_no_topic(emu, capsys):
    config = base_config(emu)
    first = run_target(capsys, config, singer_lines([{"email": "a@example.org"}]))
    second = run_target(capsys, config, singer_lines([{"email": "b@example.org"}]))

    assert first.target.summary.topics_created == 7
    assert second.target.summary.topics_created == 0
    assert len(emu.records("Topic")) == 7


def test_topic_with_other_case_and_spacing_is_reused(emu, capsys):
    [existing] = emu.seed("Topic", [{"Name": "br:votebymail   -  PORTAL"}])
    run = run_target(
        capsys, base_config(emu), singer_lines([{"email": "a@example.org", "br_status": "vbm_portal"}])
    )

    assert run.target.summary.topics_created == 6
    portal = [t for t in emu.records("Topic") if topic_key(t["Name"]) == "br:votebymail - portal"]
    assert [t["Id"] for t in portal] == [existing]
    contact = contacts_by_email(emu)["a@example.org"]
    assert {a["TopicId"] for a in emu.records("TopicAssignment")} == {existing}
    assert contact["Id"] in {a["EntityId"] for a in emu.records("TopicAssignment")}


def test_new_status_adds_topic_and_keeps_old_ones(emu, capsys):
    config = base_config(emu)
    run_target(capsys, config, singer_lines([{"email": "a@example.org", "br_status": "registration_complete"}]))
    run_target(capsys, config, singer_lines([{"email": "a@example.org", "br_status": "vbm_signed"}]))

    contact = contacts_by_email(emu)["a@example.org"]
    assert topics_of(emu, contact["Id"]) == {"BR:Registration Complete", "BR:VoteByMail - Signed"}


def test_existing_assignments_are_not_sent_again(emu, capsys):
    config = base_config(emu)
    record = {"email": "a@example.org", "br_status": "vbm_portal, vbm_email"}
    run_target(capsys, config, singer_lines([record]))
    posts_before = emu.api_calls().get("POST composite/sobjects", 0)
    second = run_target(capsys, config, singer_lines([record]))

    assert second.target.summary.assignments_added == 0
    assert second.target.summary.assignments_existing == 2
    assert emu.api_calls().get("POST composite/sobjects", 0) == posts_before
    assert len(emu.records("TopicAssignment")) == 2
