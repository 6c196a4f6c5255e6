"""SOQL over the REST query resources: parsing, matching, paging, limits."""

from __future__ import annotations

import re

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from .conftest import API_VERSION


def first_error(response):
    body = response.json()
    assert isinstance(body, list), body
    return body[0]


def emails_of(response):
    assert response.status_code == 200, response.text
    return sorted(row["Email"] for row in response.json()["records"])


SPECIAL_EMAILS = ["o'brien@example.com", "back\\slash@example.com", "a+tag@example.com"]


@pytest.mark.parametrize("email", SPECIAL_EMAILS)
def test_escaped_literal_matches_exactly(sf, emu, email):
    emu.seed("Contact", [{"LastName": "X", "Email": e} for e in SPECIAL_EMAILS])
    emu.seed("Contact", [{"LastName": "X", "Email": "atag@example.com"}])

    result = sf.query(format_soql("SELECT Email FROM Contact WHERE Email = {}", email))

    assert [row["Email"] for row in result["records"]] == [email]


def test_email_in_ignores_case(api, emu):
    emu.seed(
        "Contact",
        [
            {"LastName": "A", "Email": "Ann.Lee@Example.ORG"},
            {"LastName": "B", "Email": "b@example.org"},
        ],
    )

    response = api.query(
        "SELECT Id, Email FROM Contact "
        "WHERE Email IN ('ann.lee@example.org', 'NOBODY@example.org')"
    )

    assert emails_of(response) == ["Ann.Lee@Example.ORG"]


def test_id_comparison_is_exact(api, emu):
    [contact_id] = emu.seed("Contact", [{"LastName": "A"}])

    found = api.query(f"SELECT Id FROM Contact WHERE Id = '{contact_id}'").json()
    lowered = api.query(f"SELECT Id FROM Contact WHERE Id = '{contact_id.lower()}'")

    assert found["totalSize"] == 1
    assert lowered.status_code == 400
    assert first_error(lowered)["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_fifteen_character_id_matches(api, emu):
    [contact_id] = emu.seed("Contact", [{"LastName": "A"}])

    response = api.query(f"SELECT Id FROM Contact WHERE Id IN ('{contact_id[:15]}')")

    assert response.json()["records"][0]["Id"] == contact_id


def test_deleted_rows_only_in_query_all(api, emu):
    emu.seed(
        "Contact",
        [
            {"LastName": "Live", "Email": "x@example.org"},
            {"LastName": "Gone", "Email": "x@example.org", "IsDeleted": True},
        ],
    )
    soql = "SELECT LastName, IsDeleted FROM Contact WHERE Email = 'x@example.org'"

    live = api.query(soql).json()["records"]
    every = api.query(soql, all_rows=True).json()["records"]

    assert [(r["LastName"], r["IsDeleted"]) for r in live] == [("Live", False)]
    assert sorted((r["LastName"], r["IsDeleted"]) for r in every) == [
        ("Gone", True),
        ("Live", False),
    ]


def test_record_shape_has_attributes_and_nulls(api, emu):
    [contact_id] = emu.seed("Contact", [{"LastName": "Lee"}])

    record = api.query("SELECT Id, Email, Name FROM Contact").json()["records"][0]

    assert record == {
        "attributes": {
            "type": "Contact",
            "url": f"/services/data/v{API_VERSION}/sobjects/Contact/{contact_id}",
        },
        "Id": contact_id,
        "Email": None,
        "Name": "Lee",
    }


def test_field_names_resolve_in_any_case(api, emu):
    emu.seed("Contact", [{"LastName": "Lee", "Email": "l@example.org"}])

    record = api.query("select email from contact where lastname = 'LEE'").json()[
        "records"
    ][0]

    assert record["Email"] == "l@example.org"
    assert record["attributes"]["type"] == "Contact"


def test_paging_follows_next_records_url(sf, api, emu):
    emu.seed("Contact", [{"LastName": f"L{i}"} for i in range(4500)])

    first = api.query("SELECT Id FROM Contact").json()
    everything = sf.query_all("SELECT Id FROM Contact")

    assert first["totalSize"] == 4500
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert re.fullmatch(
        rf"/services/data/v{API_VERSION}/query/0r8\w{{15}}-2000",
        first["nextRecordsUrl"],
    )
    assert len({r["Id"] for r in everything["records"]}) == 4500
    assert emu.api_calls() == {"GET query": 2, "GET query/next": 2}


def test_batch_size_header_sets_page_size(api, emu):
    emu.seed("Contact", [{"LastName": f"L{i}"} for i in range(450)])

    page = api.query(
        "SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=200"}
    ).json()

    assert len(page["records"]) == 200
    assert page["nextRecordsUrl"].endswith("-200")


def test_last_page_has_no_next_url(api, emu):
    emu.seed("Contact", [{"LastName": f"L{i}"} for i in range(2001)])
    first = api.query("SELECT Id FROM Contact").json()

    last = api.http.get(
        api.base_url + first["nextRecordsUrl"], headers=api.headers()
    ).json()

    assert last["done"] is True
    assert "nextRecordsUrl" not in last
    assert len(last["records"]) == 1


def test_unknown_locator_is_404(api):
    response = api.get("query/0r8EM0000000000AAA-2000")

    assert response.status_code == 404
    assert first_error(response)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_trailing_slash_query_path(api, emu):
    emu.seed("Contact", [{"LastName": "A"}])

    response = api.get("query/", params={"q": "SELECT Id FROM Contact"})

    assert response.json()["totalSize"] == 1


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id FROM Contact WHERE LastName = 'o''brien'",
        'SELECT Id FROM Contact WHERE LastName = "obrien"',
        "SELECT Id FROM Contact WHERE LastName = 'a\\qb'",
        "SELECT Id FROM Contact WHERE LastName = 'a\\_b'",
        "SELECT Id FROM Contact WHERE LastName = 'open",
        "SELECT Id FROM Contact WHERE LastName = 'a' AND Email = 'b' OR Phone = 'c'",
        "SELECT Id FROM Contact WHERE",
        "SELECT FROM Contact",
        "SELECT Id Contact",
        "SELECT Id FROM Contact LIMIT -1",
        "SELECT Id FROM Contact WHERE CreatedDate > LAST_N_DAYS:3",
    ],
)
def test_invalid_soql_is_malformed_query(api, soql):
    response = api.query(soql)

    assert response.status_code == 400
    assert first_error(response)["errorCode"] == "MALFORMED_QUERY"


def test_malformed_query_raises_in_simple_salesforce(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM Contact WHERE Email = 'o''brien@example.com'")

    assert caught.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_escape_sequences_decode(api, emu):
    emu.seed("Contact", [{"LastName": "tab\there"}, {"LastName": "A-B"}])

    tab = api.query("SELECT LastName FROM Contact WHERE LastName = 'tab\\there'").json()
    unicode = api.query(
        "SELECT LastName FROM Contact WHERE LastName = '\\u0041-B'"
    ).json()

    assert tab["totalSize"] == 1
    assert unicode["totalSize"] == 1


def test_like_matches_without_case(api, emu):
    emu.seed(
        "Topic",
        [{"Name": "BR:Registration Complete"}, {"Name": "Other"}, {"Name": "BR_x"}],
    )

    like = api.query("SELECT Name FROM Topic WHERE Name LIKE 'br%'").json()
    escaped = api.query("SELECT Name FROM Topic WHERE Name LIKE 'BR\\_%'").json()

    assert sorted(r["Name"] for r in like["records"]) == [
        "BR:Registration Complete",
        "BR_x",
    ]
    assert [r["Name"] for r in escaped["records"]] == ["BR_x"]


def test_string_literal_over_4000_characters(api):
    response = api.query(f"SELECT Id FROM Contact WHERE LastName = '{'a' * 4001}'")

    assert response.status_code == 400
    assert first_error(response)["errorCode"] == "MALFORMED_QUERY"


def test_unknown_field_is_invalid_field(api):
    response = api.query("SELECT Id, Invalid__x FROM Contact LIMIT 1")

    assert response.status_code == 400
    error = first_error(response)
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Invalid__x' on entity 'Contact'" in error["message"]
    assert "ERROR at Row:1:Column:12" in error["message"]


def test_unknown_object_is_invalid_type(api):
    response = api.query("SELECT Id FROM Account")

    assert response.status_code == 400
    assert first_error(response)["errorCode"] == "INVALID_TYPE"


@pytest.mark.parametrize(
    "condition",
    [
        "Email = 5",
        "IsDeleted = 'false'",
        "Id = 'abc'",
        "CreatedDate > '2020-01-01'",
        "Email < null",
    ],
)
def test_value_of_wrong_type_is_rejected(api, condition):
    response = api.query(f"SELECT Id FROM Contact WHERE {condition}")

    assert response.status_code == 400
    assert first_error(response)["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_not_equal_includes_nulls(api, emu):
    emu.seed(
        "Contact", [{"LastName": "A", "Email": "a@example.org"}, {"LastName": "B"}]
    )

    response = api.query(
        "SELECT LastName FROM Contact WHERE Email != 'A@example.org'"
    ).json()

    assert [r["LastName"] for r in response["records"]] == ["B"]


def test_parentheses_not_and_or(api, emu):
    emu.seed(
        "Contact",
        [
            {"LastName": n, "FirstName": f}
            for n, f in [("A", "x"), ("B", "y"), ("C", None)]
        ],
    )

    response = api.query(
        "SELECT LastName FROM Contact "
        "WHERE (LastName = 'A' OR LastName = 'B') AND NOT FirstName = 'y'"
    ).json()

    assert [r["LastName"] for r in response["records"]] == ["A"]


def test_order_by_limit_offset(api, emu):
    emu.seed(
        "Contact",
        [
            {"LastName": n, "FirstName": f}
            for n, f in [("b", "2"), ("A", None), ("c", "1")]
        ],
    )

    ascending = api.query(
        "SELECT LastName FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1"
    ).json()
    by_first = api.query(
        "SELECT LastName FROM Contact ORDER BY FirstName DESC NULLS LAST"
    ).json()

    assert [r["LastName"] for r in ascending["records"]] == ["b", "c"]
    assert [r["LastName"] for r in by_first["records"]] == ["b", "c", "A"]


def test_offset_above_2000_is_rejected(api):
    response = api.query("SELECT Id FROM Contact OFFSET 2001")

    assert first_error(response)["errorCode"] == "NUMBER_OUTSIDE_VALID_RANGE"


def test_count_returns_total_size_only(api, emu):
    emu.seed("Contact", [{"LastName": f"L{i}"} for i in range(5)])

    body = api.query("SELECT COUNT() FROM Contact WHERE LastName != 'L0'").json()

    assert body == {"totalSize": 4, "done": True, "records": []}


def test_datetime_literal_compares(api, emu):
    emu.seed(
        "Contact",
        [
            {"LastName": "Old", "CreatedDate": "2020-01-01T00:00:00Z"},
            {"LastName": "New", "CreatedDate": "2024-01-01T00:00:00.000+0000"},
        ],
    )

    body = api.query(
        "SELECT LastName FROM Contact WHERE CreatedDate > 2022-01-01T00:00:00Z"
    ).json()

    assert [r["LastName"] for r in body["records"]] == ["New"]


def test_topic_name_ignores_case_not_spacing(api, emu):
    emu.seed("Topic", [{"Name": "BR:Vote  Portal"}])

    same_spacing = api.query(
        "SELECT Id FROM Topic WHERE Name = 'br:vote  portal'"
    ).json()
    one_space = api.query(
        "SELECT Id FROM Topic WHERE Name IN ('BR:Vote Portal')"
    ).json()

    assert same_spacing["totalSize"] == 1
    assert one_space["totalSize"] == 0


@pytest.fixture
def assigned(emu):
    contacts = emu.seed("Contact", [{"LastName": "A"}, {"LastName": "B"}])
    [topic_id] = emu.seed("Topic", [{"Name": "BR:Test"}])
    emu.seed(
        "TopicAssignment", [{"EntityId": c, "TopicId": topic_id} for c in contacts]
    )
    return contacts, topic_id


@pytest.mark.parametrize(
    "clause",
    ["WHERE EntityId IN ('{a}', '{b}')", "WHERE TopicId = '{t}'", "", "LIMIT 1101"],
)
def test_topic_assignment_needs_filter_or_limit(api, assigned, clause):
    (a, b), topic_id = assigned

    response = api.query(
        f"SELECT Id FROM TopicAssignment {clause.format(a=a, b=b, t=topic_id)}"
    )

    assert response.status_code == 400
    error = first_error(response)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "Implementation restriction: TopicAssignment" in error["message"]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("WHERE EntityId = '{a}'", 1),
        ("WHERE TopicId = '{t}' AND EntityId IN ('{a}', '{b}') LIMIT 1100", 2),
        ("WHERE EntityId = '{b}' AND TopicId = '{t}'", 1),
        ("LIMIT 1", 1),
    ],
)
def test_topic_assignment_allowed_queries(api, assigned, clause, expected):
    (a, b), topic_id = assigned

    response = api.query(
        "SELECT EntityId, TopicId FROM TopicAssignment "
        + clause.format(a=a, b=b, t=topic_id)
    )

    assert response.status_code == 200, response.text
    assert response.json()["totalSize"] == expected


@pytest.mark.usefixtures("assigned")
def test_view_all_data_lifts_topic_assignment_rule(api, emu):
    emu.configure(view_all_data=True)

    response = api.query("SELECT Id FROM TopicAssignment")

    assert response.json()["totalSize"] == 2


def test_uri_over_16384_bytes_is_414(api, emu):
    response = api.query(f"SELECT Id FROM Contact WHERE LastName IN ('{'x' * 17000}')")

    assert response.status_code == 414
    assert emu.api_calls_total() == 0
    assert emu.requests_log()[-1]["status"] == 414


def test_uri_and_headers_over_16384_bytes_is_431(api):
    names = ", ".join(f"'n{i:05}'" for i in range(700))  # about 12 KB encoded

    response = api.query(
        f"SELECT Id FROM Contact WHERE LastName IN ({names})",
        headers={"X-Padding": "p" * 5500},
    )
    without_padding = api.query(f"SELECT Id FROM Contact WHERE LastName IN ({names})")

    assert response.status_code == 431
    assert without_padding.status_code == 200


def test_missing_q_is_malformed_query(api):
    response = api.get("query")

    assert response.status_code == 400
    assert first_error(response)["errorCode"] == "MALFORMED_QUERY"
