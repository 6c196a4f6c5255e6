"""sObject Collections create and update: results, validation, rollback."""

from __future__ import annotations

import pytest

from .conftest import assignment, contact, error_codes, topic


def test_create_returns_results_in_order(api, emu):
    results = api.create(
        [contact(LastName=f"L{i}", Email=f"c{i}@example.org") for i in range(3)]
    )

    stored = {c["Id"]: c["LastName"] for c in emu.records("Contact")}
    assert [stored[r["id"]] for r in results] == ["L0", "L1", "L2"]
    assert all(r["success"] and r["errors"] == [] for r in results)
    assert all(r["id"].startswith("003") and len(r["id"]) == 18 for r in results)
    assert emu.api_calls() == {"POST composite/sobjects": 1}


def test_more_than_200_records_is_rejected(api, emu):
    response = api.collection("POST", [contact(LastName=f"L{i}") for i in range(201)])

    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "record limit reached. cannot submit more than 200 "
            "records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    assert emu.records("Contact") == []


def test_exactly_200_records_are_accepted(api):
    results = api.create([contact(LastName=f"L{i}") for i in range(200)])

    assert sum(r["success"] for r in results) == 200


def test_partial_failure_has_no_id(api, emu):
    results = api.create(
        [contact(LastName="Ok"), contact(FirstName="NoLast"), contact(LastName="Ok2")]
    )

    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    assert results[0]["success"]
    assert results[2]["success"]
    assert sorted(c["LastName"] for c in emu.records("Contact")) == ["Ok", "Ok2"]


def test_blank_last_name_is_missing(api):
    [result] = api.create([contact(LastName="   ")])

    assert error_codes(result) == ["REQUIRED_FIELD_MISSING"]


def test_all_or_none_rolls_back(api, emu):
    [existing] = emu.seed("Contact", [{"LastName": "Before"}])
    results = api.update(
        [
            {"attributes": {"type": "Contact"}, "id": existing, "LastName": "After"},
            contact(LastName="x", Email="not an email"),
        ],
        all_or_none=True,
    )

    assert error_codes(results[0]) == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"]
    assert results[0]["id"] == existing
    assert results[1]["success"] is False
    assert [c["LastName"] for c in emu.records("Contact")] == ["Before"]


def test_all_or_none_create_rollback_has_no_ids(api, emu):
    results = api.create(
        [contact(LastName="A"), contact(LastName="B" * 81)], all_or_none=True
    )

    assert results[0] == {
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid "
                "and the request was "
                "using AllOrNone header",
                "fields": [],
            }
        ],
    }
    assert error_codes(results[1]) == ["STRING_TOO_LONG"]
    assert emu.records("Contact") == []


def test_string_too_long_counts_characters(api):
    results = api.create([contact(LastName="é" * 80), contact(LastName="é" * 81)])

    assert results[0]["success"] is True
    assert results[1]["errors"] == [
        {
            "statusCode": "STRING_TOO_LONG",
            "message": f"Last Name: data value too large: {'é' * 81} (max length=80)",
            "fields": ["LastName"],
        }
    ]


def test_custom_field_length_from_describe(api, emu):
    emu.add_field(
        "Contact", {"name": "UTM__c", "type": "string", "length": 5, "label": "UTM"}
    )

    results = api.create(
        [contact(LastName="A", UTM__c="12345"), contact(LastName="B", UTM__c="123456")]
    )

    assert results[0]["success"] is True
    assert error_codes(results[1]) == ["STRING_TOO_LONG"]
    assert results[1]["errors"][0]["message"].startswith("UTM: data value too large")


def test_number_outside_field_range_fails_its_record(api, emu):
    emu.add_field("Contact", {"name": "Score__c", "type": "double", "label": "Score",
                              "precision": 5, "scale": 2})
    emu.add_field("Contact", {"name": "Count__c", "type": "int", "label": "Count",
                              "digits": 3})

    results = api.create([
        contact(LastName="A", Score__c=999.99, Count__c=-999),
        contact(LastName="B", Score__c=1000),
        contact(LastName="C", Count__c=1000),
    ])

    assert results[0]["success"] is True
    assert error_codes(results[1]) == ["NUMBER_OUTSIDE_VALID_RANGE"]
    assert results[1]["errors"][0]["message"] == (
        "Score: value outside of valid range on numeric field: 1000.0"
    )
    assert error_codes(results[2]) == ["NUMBER_OUTSIDE_VALID_RANGE"]


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "a@b",
        "a b@example.org",
        "a@@example.org",
        "a@example..org",
        ".a@example.org",
    ],
)
def test_invalid_email_is_rejected(api, email):
    [result] = api.create([contact(LastName="A", Email=email)])

    assert result["errors"] == [
        {
            "statusCode": "INVALID_EMAIL_ADDRESS",
            "message": f"Email: invalid email address: {email}",
            "fields": ["Email"],
        }
    ]


@pytest.mark.parametrize(
    "email", ["o'brien@example.com", "a+tag@sub.example.co.uk", "UPPER@EXAMPLE.ORG"]
)
def test_valid_email_is_accepted(api, email):
    [result] = api.create([contact(LastName="A", Email=email)])

    assert result["success"] is True


def test_unknown_field_fails_record(api):
    [result] = api.create([contact(LastName="A", Nope__c="x")])

    assert error_codes(result) == ["INVALID_FIELD"]
    assert "No such column 'Nope__c'" in result["errors"][0]["message"]


def test_read_only_field_fails_record(api):
    [result] = api.create([contact(LastName="A", Name="Full")])

    assert error_codes(result) == ["INVALID_FIELD_FOR_INSERT_UPDATE"]
    assert result["errors"][0]["fields"] == ["Name"]


def test_not_updateable_custom_field(api, emu):
    emu.add_field(
        "Contact",
        {"name": "Locked__c", "type": "string", "length": 10, "updateable": False},
    )
    [contact_id] = emu.seed("Contact", [{"LastName": "A"}])

    [created] = api.create([contact(LastName="B", Locked__c="ok")])
    [updated] = api.update(
        [{"attributes": {"type": "Contact"}, "id": contact_id, "Locked__c": "no"}]
    )

    assert created["success"] is True
    assert error_codes(updated) == ["INVALID_FIELD_FOR_INSERT_UPDATE"]


def test_wrong_json_kind_fails_whole_request(api, emu):
    response = api.collection("POST", [contact(LastName="A"), contact(LastName=5)])

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert emu.records("Contact") == []


def test_invalid_json_is_parser_error(api):
    response = api.http.post(
        api.url("composite/sobjects"), data=b"{not json", headers=api.headers()
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_update_sets_null_and_bumps_last_modified(api, emu):
    [contact_id] = emu.seed(
        "Contact",
        [{"LastName": "A", "Phone": "555", "CreatedDate": "2020-01-01T00:00:00Z"}],
    )

    [result] = api.update(
        [
            {
                "attributes": {"type": "Contact"},
                "id": contact_id,
                "Phone": None,
                "FirstName": "F",
            }
        ]
    )

    [stored] = emu.records("Contact")
    assert result == {"id": contact_id, "success": True, "errors": []}
    assert stored["Phone"] is None
    assert stored["FirstName"] == "F"
    assert stored["LastModifiedDate"] > stored["CreatedDate"]
    assert stored["CreatedDate"] == "2020-01-01T00:00:00.000+0000"


def test_update_of_deleted_record(api, emu):
    [deleted] = emu.seed("Contact", [{"LastName": "Gone", "IsDeleted": True}])

    [result] = api.update(
        [{"attributes": {"type": "Contact"}, "id": deleted, "LastName": "Back"}]
    )

    assert result["id"] == deleted
    assert result["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert result["errors"][0]["message"] == "entity is deleted"


def test_update_id_errors(api, emu):
    [topic_id] = emu.seed("Topic", [{"Name": "T"}])
    results = api.update(
        [
            {"attributes": {"type": "Contact"}, "LastName": "NoId"},
            {"attributes": {"type": "Contact"}, "id": "garbage", "LastName": "X"},
            {"attributes": {"type": "Contact"}, "id": topic_id, "LastName": "X"},
            {
                "attributes": {"type": "Contact"},
                "id": "003EM0000000zzz",
                "LastName": "X",
            },
        ]
    )

    assert [error_codes(r) for r in results] == [
        ["MISSING_ARGUMENT"],
        ["MALFORMED_ID"],
        ["MALFORMED_ID"],
        ["INVALID_CROSS_REFERENCE_KEY"],
    ]
    assert "id" not in results[1]
    assert results[3]["id"].startswith("003EM0000000zzz")


def test_same_id_twice_in_update(api, emu):
    [contact_id] = emu.seed("Contact", [{"LastName": "A"}])

    results = api.update(
        [
            {"attributes": {"type": "Contact"}, "id": contact_id, "LastName": n}
            for n in "BC"
        ]
    )

    assert [r["success"] for r in results] == [False, False]
    assert emu.records("Contact")[0]["LastName"] == "A"


def test_record_error_rule_fails_matching_records(api, emu):
    emu.add_record_error(
        "Contact",
        "Email",
        r"@locked\.example$",
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record",
        times=1,
    )

    first = api.create(
        [
            contact(LastName="A", Email="a@locked.example"),
            contact(LastName="B", Email="b@ok.example"),
        ]
    )
    retry = api.create([contact(LastName="A", Email="a@locked.example")])

    assert first[0]["errors"] == [
        {
            "statusCode": "UNABLE_TO_LOCK_ROW",
            "message": "unable to obtain exclusive access to this record",
            "fields": [],
        }
    ]
    assert first[1]["success"] is True
    assert retry[0]["success"] is True


def test_validation_rule_applies_to_stored_value_on_update(api, emu):
    [contact_id] = emu.seed("Contact", [{"LastName": "A", "MailingState": "XX"}])
    emu.add_record_error(
        "Contact",
        "MailingState",
        "^XX$",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "State must be valid",
    )

    [result] = api.update(
        [{"attributes": {"type": "Contact"}, "id": contact_id, "FirstName": "F"}]
    )

    assert result["errors"] == [
        {
            "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "message": "State must be valid",
            "fields": ["MailingState"],
        }
    ]


@pytest.mark.parametrize(
    ("mode", "header", "saved"),
    [
        ("block", "allowSave=true", False),
        ("alert", None, False),
        ("alert", "allowSave=true", True),
    ],
)
def test_duplicate_rule_modes(api, emu, mode, header, saved):
    [existing] = emu.seed("Contact", [{"LastName": "A", "Email": "dup@example.org"}])
    emu.set_duplicate_rule("Contact", mode)
    headers = {"Sforce-Duplicate-Rule-Header": header} if header else None

    [result] = api.create(
        [contact(LastName="B", Email="DUP@example.org")], headers=headers
    )

    assert result["success"] is saved
    if not saved:
        error = result["errors"][0]
        assert error["statusCode"] == "DUPLICATES_DETECTED"
        assert (
            error["duplicateResut"]["matchResults"][0]["matchRecords"][0]["record"][
                "Id"
            ]
            == existing
        )


def test_topic_duplicate_name_ignores_case_and_spacing(api):
    [first] = api.create([topic("BR:Vote By Mail")])

    results = api.create(
        [
            topic("br:vote  by\tMAIL"),
            topic(" BR:Vote By Mail "),
            topic("BR:Vote-By Mail"),
        ]
    )

    message = (
        f"duplicate value found: Name duplicates value on record with id: {first['id']}"
    )
    assert results[0]["errors"] == [
        {"statusCode": "DUPLICATE_VALUE", "message": message, "fields": []}
    ]
    assert error_codes(results[1]) == ["DUPLICATE_VALUE"]
    assert results[2]["success"] is True


def test_topic_name_limits(api):
    results = api.create(
        [topic("x" * 99), topic("y" * 100), {"attributes": {"type": "Topic"}}]
    )

    assert results[0]["success"] is True
    assert error_codes(results[1]) == ["STRING_TOO_LONG"]
    assert error_codes(results[2]) == ["REQUIRED_FIELD_MISSING"]


def test_topic_rename_only_in_case_and_spacing(api, emu):
    [topic_id] = emu.seed("Topic", [{"Name": "BR:Vote"}])

    respace = api.update(
        [{"attributes": {"type": "Topic"}, "id": topic_id, "Name": "br:VOTE"}]
    )
    rename = api.update(
        [{"attributes": {"type": "Topic"}, "id": topic_id, "Name": "Other"}]
    )

    assert respace[0]["success"] is True
    assert rename[0]["success"] is False
    assert emu.records("Topic")[0]["Name"] == "br:VOTE"


@pytest.fixture
def contact_and_topic(emu):
    [contact_id] = emu.seed("Contact", [{"LastName": "A"}])
    [topic_id] = emu.seed("Topic", [{"Name": "BR:Test"}])
    return contact_id, topic_id


def test_topic_assignment_create_and_duplicate(api, emu, contact_and_topic):
    contact_id, topic_id = contact_and_topic

    results = api.create(
        [assignment(contact_id, topic_id), assignment(contact_id, topic_id)]
    )

    assert results[0]["success"] is True
    assert results[0]["id"].startswith("0FT")
    assert results[1]["errors"] == [
        {
            "statusCode": "DUPLICATE_VALUE",
            "message": "duplicate value found: <unknown> duplicates value on "
            "record with id: <unknown>",
            "fields": [],
        }
    ]
    [stored] = emu.records("TopicAssignment")
    assert stored["EntityType"] == "Contact"
    assert stored["EntityKeyPrefix"] == "003"


def test_topic_assignment_needs_live_records(api, emu, contact_and_topic):
    contact_id, topic_id = contact_and_topic
    [deleted] = emu.seed("Contact", [{"LastName": "Gone", "IsDeleted": True}])

    results = api.create(
        [
            assignment(deleted, topic_id),
            assignment(contact_id, contact_id[:3] + "EM00000zzzzz"),
            assignment(contact_id, "bad"),
        ]
    )

    assert [error_codes(r) for r in results] == [
        ["INVALID_CROSS_REFERENCE_KEY"],
        ["INVALID_CROSS_REFERENCE_KEY"],
        ["MALFORMED_ID"],
    ]


def test_topic_assignment_cannot_be_updated(api, emu, contact_and_topic):
    [assignment_id] = emu.seed(
        "TopicAssignment",
        [dict(zip(("EntityId", "TopicId"), contact_and_topic, strict=True))],
    )

    [result] = api.update(
        [
            {
                "attributes": {"type": "TopicAssignment"},
                "id": assignment_id,
                "TopicId": "x",
            }
        ]
    )

    assert result["id"] == assignment_id
    assert error_codes(result) == ["INVALID_TYPE_FOR_OPERATION"]


def test_topics_disabled_for_contact(api, emu, contact_and_topic):
    emu.configure(topics_enabled_for_contact=False)

    [result] = api.create([assignment(*contact_and_topic)])

    assert error_codes(result) == ["FIELD_INTEGRITY_EXCEPTION"]


def test_topic_cap_per_record(api, emu, contact_and_topic):
    contact_id, _ = contact_and_topic
    topics = emu.seed("Topic", [{"Name": f"T{i}"} for i in range(101)])
    emu.seed(
        "TopicAssignment",
        [{"EntityId": contact_id, "TopicId": t} for t in topics[:100]],
    )

    [result] = api.create([assignment(contact_id, topics[100])])

    assert result["success"] is False


def test_mixed_types_processed_in_order(api):
    results = api.create([topic("T1"), contact(LastName="B"), topic("T2")])

    assert [r["id"][:3] for r in results] == ["0TO", "003", "0TO"]


def test_more_than_ten_chunks_is_rejected(api):
    records = [
        topic(f"T{i}") if i % 2 else contact(LastName=f"L{i}") for i in range(11)
    ]

    response = api.collection("POST", records)

    assert response.status_code == 400


def test_request_log_names_sobject_types(api, emu):
    api.create([topic("T1"), contact(LastName="B")])

    entry = emu.requests_log()[-1]
    assert entry["sobject_types"] == ["Topic", "Contact"]
    assert "Authorization" not in entry["headers"]
    assert entry["body_size"] > 0
