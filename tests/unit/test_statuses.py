"""Parsing of br_status values into status codes."""

from __future__ import annotations

import pytest

from target_salesforce_br.statuses import TOPIC_BY_CODE, parse_statuses, topic_key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("vbm_portal", {"vbm_portal"}),
        ("  VBM_PORTAL ", {"vbm_portal"}),
        ("BR:VoteByMail - Portal", {"vbm_portal"}),
        ("br:votebymail  -  portal", {"vbm_portal"}),
        ("VoteByMail - Portal", {"vbm_portal"}),
        ('["vbm_email", "BR:Registration Complete"]', {"vbm_email", "registration_complete"}),
        ("vbm_usps, vbm_signed,voting_plan_created", {"vbm_usps", "vbm_signed", "voting_plan_created"}),
        (["vbm_download", "registration_complete"], {"vbm_download", "registration_complete"}),
        (None, set()),
        ("", set()),
        ("[]", set()),
    ],
)
def test_known_statuses_map_to_codes(value, expected):
    parsed = parse_statuses(value)
    assert parsed.codes == expected
    assert parsed.unknown == []


def test_unknown_status_is_kept_once_per_occurrence():
    parsed = parse_statuses("vbm_portal, volunteer , volunteer")
    assert parsed.codes == {"vbm_portal"}
    assert parsed.unknown == ["volunteer", "volunteer"]


def test_every_topic_name_parses_to_its_code():
    for code, name in TOPIC_BY_CODE.items():
        assert parse_statuses(name).codes == {code}
        assert parse_statuses(code.upper()).codes == {code}


def test_topic_key_ignores_case_and_spacing():
    assert topic_key("BR:VoteByMail  -   Portal") == topic_key("br:votebymail - portal")
    assert topic_key(" BR:Registration Complete ") == topic_key("BR:REGISTRATION COMPLETE")
    assert topic_key("BR:VoteByMail - Email") != topic_key("BR:VoteByMail - USPS")


def test_malformed_json_array_is_split_on_commas():
    parsed = parse_statuses('["vbm_portal", ')
    assert parsed.codes == set()
    assert parsed.unknown == ['["vbm_portal"']
