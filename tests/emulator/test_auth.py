"""OAuth client credentials, SOAP login() and session expiry."""

from __future__ import annotations

import base64

import pytest
import simple_salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
)
from simple_salesforce.login import SalesforceLogin

from .conftest import API_VERSION, Api, fetch_token


def token_request(http, emu, **form):
    return http.post(f"{emu.base_url}/services/oauth2/token", data=form)


def soap_login(emu, http, *, password=None, token=None, version="59.0"):
    return SalesforceLogin(
        username=emu.username,
        password=emu.password if password is None else password,
        security_token=emu.security_token if token is None else token,
        sf_version=version,
        scratch_url=emu.base_url,
        session=http,
    )


def test_oauth_basic_header_returns_token(http, emu):
    pair = base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()
    response = http.post(
        f"{emu.base_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {pair}"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["instance_url"] == emu.base_url
    assert body["token_type"] == "Bearer"  # noqa: S105
    assert body["scope"] == "api"
    assert body["access_token"].startswith("00D")
    assert "!" in body["access_token"]
    assert body["issued_at"].isdigit()
    assert body["signature"]
    assert emu.login_calls() == {"oauth2/token": 1}
    assert emu.api_calls_total() == 0


def test_oauth_form_credentials_return_token(http, emu):
    response = token_request(
        http,
        emu,
        grant_type="client_credentials",
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_oauth_wrong_secret_is_invalid_client(http, emu):
    response = token_request(
        http,
        emu,
        grant_type="client_credentials",
        client_id=emu.client_id,
        client_secret="nope",  # noqa: S106
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }


def test_oauth_unknown_client_id(http, emu):
    response = token_request(
        http,
        emu,
        grant_type="client_credentials",
        client_id="other",
        client_secret=emu.client_secret,
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client_id",
        "error_description": "client identifier invalid",
    }


def test_oauth_password_grant_is_unsupported(http, emu):
    response = token_request(
        http,
        emu,
        grant_type="password",
        username="u",
        password="p",  # noqa: S106
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_oauth_token_works_for_simple_salesforce(sf, emu):
    emu.seed("Contact", [{"LastName": "Lee", "Email": "lee@example.org"}])

    result = sf.query("SELECT Id FROM Contact")

    assert result["totalSize"] == 1
    assert sf.api_usage["api-usage"].used == 1
    assert sf.api_usage["api-usage"].total == 15000


def test_soap_login_returns_session(http, emu):
    session_id, instance = soap_login(emu, http)

    assert instance == emu.base_url.removeprefix("https://")
    assert session_id.startswith("00D")
    assert emu.login_calls() == {"soap/login": 1}
    sf = simple_salesforce.Salesforce(
        session_id=session_id, instance=instance, session=http
    )
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_soap_login_escaped_password(http, emu):
    password = "p&<'\"w"  # noqa: S105 - characters that XML must escape
    emu.configure(password=password)

    session_id, _ = soap_login(emu, http, password=password)

    assert session_id


@pytest.mark.parametrize(
    ("password", "token"),
    [("wrong", None), (None, "stale-token"), (None, "")],
    ids=["bad-password", "stale-token", "missing-token"],
)
def test_soap_login_bad_credentials_invalid_login(http, emu, password, token):
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        soap_login(emu, http, password=password, token=token)

    assert caught.value.code == "INVALID_LOGIN"
    assert (
        caught.value.auth_message
        == "Invalid username, password, security token; or user locked out."
    )


def test_soap_login_fault_is_http_500(http, emu):
    response = http.post(
        f"{emu.base_url}/services/Soap/u/59.0",
        data=b"<Envelope><Body><login><username>x</username><password>y</password></login></Body></Envelope>",
        headers={"Content-Type": "text/xml"},
    )

    assert response.status_code == 500
    assert b"<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.content


def test_soap_login_version_65_unavailable(http, emu):
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        soap_login(emu, http, version="65.0")

    assert caught.value.code == "UNSUPPORTED_API_VERSION"
    assert "65.0" in caught.value.auth_message


def test_soap_login_disabled_for_org(http, emu):
    emu.configure(soap_login_enabled=False)

    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        soap_login(emu, http)

    assert caught.value.code == "INVALID_OPERATION"
    assert "disabled" in caught.value.auth_message


def test_soap_login_without_use_any_api_auth(http, emu):
    emu.configure(use_any_api_auth=False)

    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        soap_login(emu, http)

    assert caught.value.code == "INSUFFICIENT_ACCESS"


def test_missing_token_gets_json_array_401(http, emu):
    response = http.get(f"{emu.base_url}/services/data/v{API_VERSION}/limits")

    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    assert emu.api_calls_total() == 0


def test_unknown_token_gets_401(http, emu):
    api = Api(http, emu.base_url, "00Dxx0000000000!AQunknown")

    response = api.get("limits")

    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_expire_sessions_then_relogin(api, http, emu):
    emu.expire_sessions()

    assert api.get("limits").status_code == 401
    api.token = fetch_token(http, emu)
    assert api.get("limits").status_code == 200


def test_expire_session_after_counts_calls(api, emu):
    emu.expire_session_after(2)

    statuses = [api.get("limits").status_code for _ in range(4)]

    assert statuses == [200, 200, 401, 401]
    assert emu.api_calls_total() == 2


def test_expired_session_raises_in_token_mode(sf, emu):
    emu.expire_session_after(0)

    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Contact")


def test_inactive_session_expires(api, emu):
    emu.configure(session_seconds_valid=0)

    response = api.get("limits")

    assert response.status_code == 401
