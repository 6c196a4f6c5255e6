"""Limits, counting, fault injection, describe, routing and the admin interface."""

from __future__ import annotations

import concurrent.futures
import socket
import time

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from sf_emulator import Emulator

from .conftest import API_VERSION, Api, contact


def test_daily_limit_gives_403(api, emu):
    emu.configure(daily_api_limit=2)

    responses = [api.get("limits") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 403]
    assert responses[2].json() == [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    assert responses[1].headers["Sforce-Limit-Info"] == "api-usage=2/2"


def test_daily_limit_raises_refused_request(sf, emu):
    emu.configure(daily_api_limit=0)

    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Contact")

    assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_limits_resource_reports_remaining(api, emu):
    emu.configure(daily_api_limit=100)
    api.get("sobjects/Contact/describe")

    body = api.get("limits").json()

    assert body["DailyApiRequests"] == {"Max": 100, "Remaining": 98}


def test_api_calls_count_every_rest_call(api, emu):
    api.query("SELECT Id FROM Contact")
    api.query("SELECT Nope FROM Contact")
    api.get("sobjects/contact/describe")
    api.collection("PATCH", [contact(id="003EM0000000zzz", LastName="X")])
    api.get("nothing/here")

    assert emu.api_calls() == {
        "GET query": 2,
        "GET describe/Contact": 1,
        "PATCH composite/sobjects": 1,
        "GET other": 1,
    }
    assert emu.api_calls_total() == 5


def test_injected_503_is_html_then_clears(api, emu):
    emu.add_fault(method="GET", path_regex=r"/query$", status=503, times=1)

    failed = api.query("SELECT Id FROM Contact")
    retried = api.query("SELECT Id FROM Contact")

    assert failed.status_code == 503
    assert failed.headers["Content-Type"].startswith("text/html")
    assert retried.status_code == 200


def test_injected_500_is_unknown_exception(sf, emu):
    emu.add_fault(path_regex="composite/sobjects", status=500)

    with pytest.raises(SalesforceGeneralError) as caught:
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"records": [contact(LastName="A")]},
        )

    assert caught.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert emu.records("Contact") == []


def test_fault_after_calls_and_custom_body(api, emu):
    body = [
        {
            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    emu.add_fault(path_regex="limits", status=403, body=body, times=2, after_calls=1)

    statuses = [api.get("limits").status_code for _ in range(4)]

    assert statuses == [200, 403, 403, 200]


def test_unknown_path_is_404_not_found(api):
    response = api.get("sobjects/Contact/003EM0000000001")

    assert response.status_code == 404
    assert response.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_wrong_method_is_405(api):
    response = api.http.delete(api.url("query"), headers=api.headers())

    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("version", "status"), [("41.0", 404), ("30.0", 410), ("99.0", 404), ("62", 404)]
)
def test_unsupported_versions(api, version, status):
    response = api.http.get(
        f"{api.base_url}/services/data/v{version}/limits", headers=api.headers()
    )

    assert response.status_code == status


def test_versions_list_needs_no_token(http, emu):
    body = http.get(f"{emu.base_url}/services/data/").json()

    assert {
        "label": "Summer '26",
        "url": "/services/data/v67.0",
        "version": "67.0",
    } in body
    assert body[0]["version"] == "42.0"


def test_contact_describe_fields(sf, emu):
    emu.add_field(
        "Contact",
        {"name": "BR_UTM_Campaign__c", "type": "string", "length": 255, "label": "UTM"},
    )

    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}

    assert fields["Email"]["type"] == "email"
    assert fields["Email"]["length"] == 80
    assert fields["Email"]["idLookup"] is True
    assert fields["Email"]["caseSensitive"] is False
    assert fields["LastName"]["nillable"] is False
    assert fields["Name"]["createable"] is False
    assert fields["MailingStreet"]["type"] == "textarea"
    assert fields["BR_UTM_Campaign__c"]["custom"] is True
    assert fields["BR_UTM_Campaign__c"]["byteLength"] == 765


def test_topic_assignment_describe(sf):
    describe = sf.TopicAssignment.describe()

    fields = {f["name"]: f for f in describe["fields"]}
    assert describe["keyPrefix"] == "0FT"
    assert describe["updateable"] is False
    assert fields["EntityId"]["createable"] is True
    assert fields["EntityType"]["createable"] is False


def test_unknown_object_describe_is_404(api):
    response = api.get("sobjects/Account/describe")

    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_reset_clears_data_fields_and_counters(api, emu):
    emu.add_field("Contact", {"name": "Gone__c", "type": "double"})
    emu.seed("Contact", [{"LastName": "A"}])
    api.get("limits")

    emu.reset()

    assert emu.records("Contact") == []
    assert emu.api_calls_total() == 0
    assert all(f["name"] != "Gone__c" for f in emu.describe("Contact")["fields"])
    assert api.get("limits").status_code == 401


def test_seed_rejects_unknown_field(emu):
    with pytest.raises(ValueError, match="no field"):
        emu.seed("Contact", [{"LastName": "A", "Bogus": 1}])

    assert emu.records("Contact") == []


def test_admin_http_interface(http, emu):
    base = f"{emu.base_url}/__admin"

    field = http.post(
        f"{base}/fields/Contact", json={"name": "X__c", "type": "string", "length": 10}
    )
    seeded = http.post(
        f"{base}/seed/Contact", json=[{"LastName": "A", "X__c": "v", "IsDeleted": True}]
    )
    live = http.get(f"{base}/records/Contact").json()
    every = http.get(
        f"{base}/records/Contact", params={"include_deleted": "true"}
    ).json()
    bad = http.post(f"{base}/seed/Contact", json=[{"Nope": 1}])
    config = http.post(f"{base}/config", json={"daily_api_limit": 7}).json()
    calls = http.get(f"{base}/api-calls").json()

    assert field.status_code == 200
    assert seeded.json()["ids"][0].startswith("003")
    assert live["records"] == []
    assert every["records"][0]["X__c"] == "v"
    assert bad.status_code == 400
    assert config["daily_api_limit"] == 7
    assert calls == {"by_endpoint": {}, "total": 0, "logins": {}}


def test_admin_faults_and_sessions(http, emu, api):
    base = f"{emu.base_url}/__admin"

    http.post(f"{base}/faults", json={"path_regex": "limits", "status": 500})
    faulted = api.get("limits")
    http.post(f"{base}/expire-sessions")
    expired = api.get("limits")

    assert faulted.status_code == 500
    assert expired.status_code == 401
    assert http.get(f"{base}/faults").json()["faults"][0]["fired"] == 1


def test_admin_unknown_route_is_404(http, emu):
    response = http.get(f"{emu.base_url}/__admin/nothing")

    assert response.status_code == 404


def test_limit_header_parsed_by_simple_salesforce(sf, emu):
    emu.configure(daily_api_limit=500)

    sf.query("SELECT Id FROM Contact")
    sf.query("SELECT Id FROM Contact")

    assert sf.api_usage["api-usage"].used == 2
    assert sf.api_usage["api-usage"].total == 500
    assert sf.sf_version == API_VERSION


def test_delay_only_fault_still_processes(api, emu):
    emu.add_fault(path_regex="limits", status=None, delay_seconds=0.2)

    started = time.perf_counter()
    response = api.get("limits")

    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_parallel_writes_and_reads(emu, token):
    def worker(index: int) -> list[int]:
        with requests.Session() as session:
            session.trust_env = False
            session.verify = emu.ca_path
            api = Api(session, emu.base_url, token)
            statuses = []
            for round_number in range(5):
                created = api.collection(
                    "POST", [contact(LastName=f"W{index}-{round_number}")]
                )
                statuses.append(created.status_code)
                statuses.append(api.query("SELECT COUNT() FROM Contact").status_code)
            return statuses

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))

    assert all(status == 200 for statuses in results for status in statuses)
    assert len(emu.records("Contact")) == 40
    assert emu.api_calls_total() == 80


def test_start_on_given_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with Emulator(port=port) as emulator:
        assert emulator.base_url == f"https://127.0.0.1:{port}"
        assert emulator.port == port
