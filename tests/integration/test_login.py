"""Both login flows, their failures, and re-login on every call path."""

from __future__ import annotations

import pytest

from target_salesforce_br.exceptions import LoginError

from .conftest import base_config, contacts_by_email, run_target, singer_lines, topics_of


def password_config(emu):
    return {
        "username": emu.username,
        "password": emu.password,
        "security_token": emu.security_token,
        "domain": "login",
        "login_url": emu.base_url,
    }


def test_password_flow_writes_contacts(emu, capsys):
    run_target(capsys, password_config(emu), singer_lines([{"email": "p@example.org"}]))

    assert "p@example.org" in contacts_by_email(emu)
    assert emu.login_calls().get("soap/login") == 1


def test_stale_security_token_names_the_reset(emu, capsys):
    config = {**password_config(emu), "security_token": "stale-token"}
    with pytest.raises(LoginError, match="Reset My Security Token") as caught:
        run_target(capsys, config, singer_lines([{"email": "p@example.org"}]))
    assert "stale-token" not in str(caught.value)
    assert emu.records("Contact") == []


def test_disabled_soap_login_names_client_credentials(emu, capsys):
    emu.configure(soap_login_enabled=False)
    try:
        with pytest.raises(LoginError, match="client_credentials"):
            run_target(capsys, password_config(emu), singer_lines([{"email": "p@example.org"}]))
    finally:
        emu.configure(soap_login_enabled=True)


def test_missing_use_any_api_auth_is_named(emu, capsys):
    emu.configure(use_any_api_auth=False)
    try:
        with pytest.raises(LoginError, match="Use Any API Auth"):
            run_target(capsys, password_config(emu), singer_lines([{"email": "p@example.org"}]))
    finally:
        emu.configure(use_any_api_auth=True)


def test_wrong_client_secret_is_named(emu, capsys):
    config = {**base_config(emu), "client_secret": "wrong-secret"}
    with pytest.raises(LoginError, match="client_secret") as caught:
        run_target(capsys, config, singer_lines([{"email": "p@example.org"}]))
    assert "wrong-secret" not in str(caught.value)


RECORDS = [
    {"email": f"r{i}@example.org", "first_name": f"F{i}", "br_status": "vbm_portal, vbm_signed"}
    for i in range(6)
]


@pytest.mark.parametrize("after_calls", range(12))
def test_session_expiry_on_any_call_is_survived(emu, capsys, after_calls):
    emu.seed("Contact", [{"LastName": "Seed", "Email": "r0@example.org", "FirstName": "Old"}])
    emu.expire_session_after(after_calls)
    run = run_target(capsys, base_config(emu), singer_lines(RECORDS))

    contacts = contacts_by_email(emu)
    assert len(contacts) == 6
    for i in range(6):
        contact = contacts[f"r{i}@example.org"]
        assert contact["FirstName"] == f"F{i}"
        assert topics_of(emu, contact["Id"]) == {"BR:VoteByMail - Portal", "BR:VoteByMail - Signed"}
    assert len(emu.records("Topic")) == 7
    assert run.target.api_calls == emu.api_calls_total()


def test_login_error_carries_salesforce_text(emu, capsys):
    config = {**password_config(emu), "password": "wrong-password-value"}
    with pytest.raises(LoginError, match="INVALID_LOGIN") as caught:
        run_target(capsys, config, singer_lines([{"email": "p@example.org"}]))
    message = str(caught.value)
    assert "{content}" not in message
    assert "Invalid username, password, security token" in message
    assert "wrong-password-value" not in message
