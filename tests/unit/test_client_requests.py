"""Exact request shapes of the Salesforce client, checked with requests-mock."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests_mock as rm

from target_salesforce_br.client import Credentials, SalesforceClient
from target_salesforce_br.exceptions import (
    DailyLimitError,
    LoginError,
    SalesforceCallError,
    SessionExpiredError,
)
from target_salesforce_br.settings import LoginFlow

LOGIN = "https://acme.my.salesforce.com"
INSTANCE = "https://acme.my.salesforce.com"
DATA = f"{INSTANCE}/services/data/v62.0"
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]

SOAP_OK = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>
<serverUrl>https://acme.my.salesforce.com/services/Soap/u/64.0/00D</serverUrl>
<sessionId>SESSION-1</sessionId></result></loginResponse></soapenv:Body></soapenv:Envelope>"""

SOAP_FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>
<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN</faultstring>
<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>
<sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage>
</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


def cc_client(**kwargs) -> SalesforceClient:
    creds = Credentials(
        flow=LoginFlow.CLIENT_CREDENTIALS,
        domain="acme.my",
        login_url=None,
        api_version="62.0",
        client_id="key",
        client_secret="s3cret",
    )
    return SalesforceClient(creds, **kwargs)


def token_reply(token: str = "TOKEN-1") -> dict:
    return {"access_token": token, "instance_url": INSTANCE, "token_type": "Bearer"}


def test_client_credentials_request_shape():
    with rm.Mocker() as mock:
        token = mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        cc_client().login()
    request = token.last_request
    assert parse_qs(request.text) == {"grant_type": ["client_credentials"]}
    expected = base64.b64encode(b"key:s3cret").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_login_url_replaces_domain_host():
    creds = Credentials(
        flow=LoginFlow.CLIENT_CREDENTIALS, domain="acme.my",
        login_url="https://127.0.0.1:8443/", api_version="62.0",
        client_id="key", client_secret="s3cret",
    )
    with rm.Mocker() as mock:
        token = mock.post("https://127.0.0.1:8443/services/oauth2/token", json=token_reply())
        SalesforceClient(creds).login()
    assert token.called_once


def test_password_flow_logs_in_at_soap_version_64():
    creds = Credentials(
        flow=LoginFlow.PASSWORD, domain="login", login_url=None, api_version="66.0",
        username="int@example.org", password="pw", security_token="tok",
    )
    with rm.Mocker() as mock:
        soap = mock.post("https://login.salesforce.com/services/Soap/u/64.0", text=SOAP_OK)
        describe = mock.get(
            "https://acme.my.salesforce.com/services/data/v66.0/sobjects/Contact/describe",
            json={"fields": []},
        )
        client = SalesforceClient(creds)
        client.describe("Contact")
    assert "<n1:password>pwtok</n1:password>" in soap.last_request.text
    assert describe.last_request.headers["Authorization"] == "Bearer SESSION-1"


def test_bad_password_names_token_reset():
    creds = Credentials(
        flow=LoginFlow.PASSWORD, domain="test", login_url=None, api_version="62.0",
        username="int@example.org", password="wrong-pw", security_token="old-token",
    )
    with rm.Mocker() as mock:
        mock.post("https://test.salesforce.com/services/Soap/u/62.0",
                  text=SOAP_FAULT, status_code=500)
        with pytest.raises(LoginError) as caught:
            SalesforceClient(creds).login()
    message = str(caught.value)
    assert "INVALID_LOGIN" in message
    assert "security token" in message
    assert "wrong-pw" not in message
    assert "old-token" not in message


def test_oauth_error_names_setting():
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", status_code=400,
                  json={"error": "invalid_client_id", "error_description": "client identifier invalid"})
        with pytest.raises(LoginError, match="client_id"):
            cc_client().login()


def test_expired_session_logs_in_again_and_repeats_call():
    with rm.Mocker() as mock:
        token = mock.post(f"{LOGIN}/services/oauth2/token",
                          [{"json": token_reply("T1")}, {"json": token_reply("T2")}])
        query = mock.get(f"{DATA}/query/", [
            {"status_code": 401, "json": EXPIRED},
            {"json": {"totalSize": 0, "done": True, "records": []}},
        ])
        client = cc_client()
        rows = list(client.query("SELECT Id FROM Contact"))
    assert rows == []
    assert token.call_count == 2
    assert query.request_history[1].headers["Authorization"] == "Bearer T2"
    assert query.call_count == 2
    # The call rejected for its session is not counted toward the daily limit.
    assert client.calls["query"] == 1


def test_relogin_is_bounded():
    with rm.Mocker() as mock:
        token = mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        mock.post(f"{DATA}/composite/sobjects", status_code=401, json=EXPIRED)
        client = cc_client(max_relogins=2)
        with pytest.raises(SessionExpiredError, match="INVALID_SESSION_ID"):
            client.create("Contact", [{"LastName": "X"}])
    assert token.call_count == 3


def test_query_follows_next_records_url():
    first = {"totalSize": 3, "done": False,
             "nextRecordsUrl": "/services/data/v62.0/query/01g-2", "records": [{"Id": "1"}, {"Id": "2"}]}
    second = {"totalSize": 3, "done": True, "records": [{"Id": "3"}]}
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        mock.get(f"{DATA}/query/", json=first)
        more = mock.get(f"{INSTANCE}/services/data/v62.0/query/01g-2", json=second)
        rows = list(cc_client().query("SELECT Id FROM Contact"))
    assert [r["Id"] for r in rows] == ["1", "2", "3"]
    assert more.called_once


def test_collection_create_body_shape():
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        create = mock.post(f"{DATA}/composite/sobjects",
                           json=[{"id": "003A", "success": True, "errors": []}])
        cc_client().create("Contact", [{"LastName": "Doe"}],
                           {"Sforce-Duplicate-Rule-Header": "allowSave=true"})
    body = json.loads(create.last_request.text)
    assert body == {"allOrNone": False,
                    "records": [{"attributes": {"type": "Contact"}, "LastName": "Doe"}]}
    assert create.last_request.headers["Sforce-Duplicate-Rule-Header"] == "allowSave=true"


def test_collection_rejects_more_than_200_records():
    with pytest.raises(ValueError, match="limit is 200"):
        cc_client().create("Contact", [{"LastName": "x"}] * 201)


def test_daily_limit_raises_daily_limit_error():
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        mock.get(f"{DATA}/query/", status_code=403,
                 json=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        with pytest.raises(DailyLimitError, match="daily API request limit"):
            list(cc_client().query("SELECT Id FROM Contact"))


def test_query_error_does_not_echo_values():
    echo = "unexpected token: 'secret.voter@example.org'"
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        mock.get(f"{DATA}/query/", status_code=400,
                 json=[{"message": echo, "errorCode": "MALFORMED_QUERY"}])
        with pytest.raises(SalesforceCallError) as caught:
            list(cc_client().query("SELECT Id FROM Contact WHERE Email = 'x'"))
    assert "MALFORMED_QUERY" in str(caught.value)
    assert "secret.voter" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_api_usage_is_read_from_limit_header():
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        mock.get(f"{DATA}/sobjects/Contact/describe", json={"fields": []},
                 headers={"Sforce-Limit-Info": "api-usage=25/15000"})
        client = cc_client()
        client.describe("Contact")
    assert client.usage is not None
    assert (client.usage.used, client.usage.limit) == (25, 15000)
    assert client.calls_total == 1


def test_credentials_repr_hides_secrets():
    text = repr(Credentials(flow=LoginFlow.PASSWORD, domain="login", login_url=None,
                            api_version="62.0", username="u", password="pw-123",
                            security_token="tok-456"))
    assert "pw-123" not in text
    assert "tok-456" not in text


def test_query_url_carries_soql_as_parameter():
    with rm.Mocker() as mock:
        mock.post(f"{LOGIN}/services/oauth2/token", json=token_reply())
        query = mock.get(f"{DATA}/query/", json={"totalSize": 0, "done": True, "records": []})
        list(cc_client().query("SELECT Id FROM Contact WHERE Email IN ('o\\'b@example.org')"))
    sent = parse_qs(urlparse(query.last_request.url).query)["q"][0]
    assert sent == "SELECT Id FROM Contact WHERE Email IN ('o\\'b@example.org')"
