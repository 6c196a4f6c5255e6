"""Validation of the target's settings."""

from __future__ import annotations

import pytest
from singer_sdk.exceptions import ConfigValidationError

from target_salesforce_br.exceptions import SettingError
from target_salesforce_br.settings import DuplicatePolicy, LoginFlow, parse_settings

CC = {"client_id": "key", "client_secret": "secret", "domain": "acme.my"}
PW = {"username": "int@example.org", "password": "pw", "security_token": "tok"}


def test_client_credentials_flow_is_chosen():
    settings = parse_settings(CC)
    assert settings.flow is LoginFlow.CLIENT_CREDENTIALS
    assert settings.duplicate_contacts is DuplicatePolicy.OLDEST
    assert settings.api_version == "62.0"


def test_password_flow_is_chosen():
    settings = parse_settings({**PW, "domain": "test"})
    assert settings.flow is LoginFlow.PASSWORD
    assert settings.domain == "test"


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({}, "No login settings"),
        ({**CC, **PW}, "Keep one login flow"),
        ({"client_id": "key", "domain": "acme.my"}, "client_secret"),
        ({"username": "u"}, "password"),
        ({**CC, "domain": "login"}, "My Domain"),
        ({**CC, "domain": "https://acme.my.salesforce.com"}, "login_url"),
        ({**CC, "login_url": "http://127.0.0.1:8080"}, "https://"),
        ({**CC, "api_version": "v62"}, "api_version"),
        ({**CC, "utm_campaign_field": "BR UTM"}, "utm_campaign_field"),
        ({**CC, "field_mapping": {"email": "Email"}}, "reads"),
        ({**CC, "field_mapping": {"voter_id": "Id"}}, "sets itself"),
        ({**CC, "field_mapping": {"voter_id": "bad name"}}, "API name"),
        ({**CC, "load_method": "overwrite"}, "never does"),
        ({**CC, "security_token": "tok"}, "Keep one login flow"),
        ({**CC, "request_timeout": 0}, "request_timeout 0 is invalid"),
        ({**CC, "request_timeout": -1}, "above 0"),
        ({**CC, "request_timeout": "soon"}, "request_timeout 'soon'"),
        ({**CC, "login_url": "https://user:pw-777@127.0.0.1:8443"}, "user name or password"),
    ],
)
def test_invalid_settings_name_the_fix(config, fragment):
    with pytest.raises(ConfigValidationError, match=fragment):
        parse_settings(config)


def test_login_url_allows_default_domain_for_client_credentials():
    settings = parse_settings({**CC, "domain": "login", "login_url": "https://127.0.0.1:8443"})
    assert settings.login_url == "https://127.0.0.1:8443"


def test_settings_repr_hides_secrets():
    text = repr(parse_settings({**PW, "password": "pw-999", "security_token": "tok-888"}))
    assert "pw-999" not in text
    assert "tok-888" not in text


def test_setting_error_carries_message_as_error_list():
    with pytest.raises(SettingError) as caught:
        parse_settings({})
    assert caught.value.errors == [str(caught.value)]


def test_request_timeout_defaults_to_120_seconds():
    assert parse_settings(CC).request_timeout == 120.0
    assert parse_settings({**CC, "request_timeout": 7.5}).request_timeout == 7.5


def test_rejects_path_in_missing_folder_is_invalid(tmp_path):
    path = tmp_path / "absent" / "rejects.jsonl"
    with pytest.raises(SettingError, match="does not exist"):
        parse_settings({**CC, "rejects_path": str(path)})


def test_rejects_path_that_is_a_directory_is_invalid(tmp_path):
    with pytest.raises(SettingError, match="is a directory") as caught:
        parse_settings({**CC, "rejects_path": str(tmp_path)})
    assert "rejects.jsonl" in str(caught.value)


def test_rejects_path_in_existing_folder_is_accepted(tmp_path):
    path = tmp_path / "rejects.jsonl"
    assert parse_settings({**CC, "rejects_path": str(path)}).rejects_path == str(path)
    assert not path.exists()
