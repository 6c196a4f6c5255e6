"""Validated settings: the login flow and the choices that shape each write.

The settings schema in ``target.py`` is the one list of settings; this module
checks the rules that a JSON schema cannot state, such as which settings
belong together, and hands the rest of the target typed values.
"""

from __future__ import annotations

import os
import re
import typing as t
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

from target_salesforce_br.exceptions import SettingError
from target_salesforce_br.voters import RESERVED_FIELDS


class LoginFlow(str, Enum):
    """Login flow used to get a Salesforce session."""

    CLIENT_CREDENTIALS = "client_credentials"
    PASSWORD = "password"  # noqa: S105 - a flow name, not a password


class DuplicatePolicy(str, Enum):
    """Rule for records whose email matches several Contacts."""

    OLDEST = "oldest"
    MOST_RECENT = "most_recent"
    ALL = "all"
    SKIP = "skip"


class LoadMethod(str, Enum):
    """Values of the SDK's load_method setting that this target accepts."""

    APPEND_ONLY = "append-only"
    UPSERT = "upsert"


DEFAULT_API_VERSION = "62.0"
DEFAULT_BATCH_SIZE_ROWS = 10_000
DEFAULT_LAST_NAME = "Unknown"
DEFAULT_REQUEST_TIMEOUT = 120
_API_VERSION = re.compile(r"^\d{2,3}\.0$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Settings:
    """The target's settings after validation."""

    flow: LoginFlow
    domain: str
    login_url: str | None
    api_version: str
    client_id: str | None
    client_secret: str | None
    username: str | None
    password: str | None
    security_token: str | None
    duplicate_contacts: DuplicatePolicy
    default_last_name: str
    utm_campaign_field: str | None
    field_mapping: dict[str, str] = field(default_factory=dict)
    rejects_path: str | None = None
    allow_save_on_duplicate_alert: bool = False
    request_timeout: float = 120.0

    def __repr__(self) -> str:
        """Leave secrets out, so that logging the settings is safe."""
        return (
            f"Settings(flow={self.flow.value}, domain={self.domain}, "
            f"login_url={self.login_url}, api_version={self.api_version})"
        )


def _text(config: t.Mapping[str, t.Any], key: str) -> str | None:
    value = config.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _choose_flow(config: t.Mapping[str, t.Any]) -> LoginFlow:
    has_client = bool(_text(config, "client_id") or _text(config, "client_secret"))
    has_user = bool(
        _text(config, "username")
        or _text(config, "password")
        or _text(config, "security_token")
    )
    if has_client and has_user:
        msg = (
            "Both client_id/client_secret and username/password/security_token "
            "are set. Keep "
            "one login flow: client_id and client_secret (recommended), or "
            "username, password and security_token."
        )
        raise SettingError(msg)
    if has_client:
        missing = [k for k in ("client_id", "client_secret") if not _text(config, k)]
        if missing:
            msg = f"The client credentials flow needs {' and '.join(missing)}; set it."
            raise SettingError(msg)
        return LoginFlow.CLIENT_CREDENTIALS
    if has_user:
        missing = [k for k in ("username", "password") if not _text(config, k)]
        if missing:
            msg = f"The password flow needs {' and '.join(missing)}; set it."
            raise SettingError(msg)
        return LoginFlow.PASSWORD
    msg = (
        "No login settings: set client_id, client_secret and domain (the "
        "org's My Domain, such as acme.my), or username, password, "
        "security_token and domain."
    )
    raise SettingError(msg)


def _check_domain(flow: LoginFlow, domain: str, login_url: str | None) -> None:
    if "://" in domain or domain.endswith(".salesforce.com"):
        msg = (
            f"domain {domain!r} must be 'login', 'test' or a My Domain without "
            "scheme and '.salesforce.com', such as 'acme.my'. To name a full "
            "login host, use login_url."
        )
        raise SettingError(msg)
    if (
        flow is LoginFlow.CLIENT_CREDENTIALS
        and not login_url
        and domain
        in (
            "login",
            "test",
        )
    ):
        msg = (
            f"The client credentials flow must reach the org's My Domain, but "
            f"domain is {domain!r}. Set domain to the My Domain, such as "
            "'acme.my' for https://acme.my.salesforce.com."
        )
        raise SettingError(msg)
    if login_url is not None and urlsplit(login_url).username is not None:
        msg = (
            "login_url contains a user name or password before the host; remove "
            "it (the value is not shown, because it may hold a secret) and set "
            "the credentials in their own settings."
        )
        raise SettingError(msg)
    if login_url is not None and not login_url.startswith("https://"):
        msg = (
            f"login_url {login_url!r} must start with https://, such as "
            "https://acme.my.salesforce.com."
        )
        raise SettingError(msg)


def _check_field_mapping(mapping: t.Mapping[str, t.Any]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for record_field, contact_field in mapping.items():
        if record_field in RESERVED_FIELDS:
            msg = (
                f"field_mapping maps {record_field!r}, which the target reads "
                "itself; remove it from field_mapping (use stream maps to "
                "rename a column to it)."
            )
            raise SettingError(msg)
        if not isinstance(contact_field, str) or not _FIELD_NAME.match(contact_field):
            msg = (
                f"field_mapping maps {record_field!r} to {contact_field!r}, "
                "which is not a Contact field API name such as Birthdate or "
                "Voter_Id__c."
            )
            raise SettingError(msg)
        if contact_field in ("Id", "Email"):
            msg = (
                f"field_mapping maps {record_field!r} to {contact_field}, which "
                "the target sets itself; map it to another Contact field."
            )
            raise SettingError(msg)
        checked[record_field] = contact_field
    return checked


def parse_settings(config: t.Mapping[str, t.Any]) -> Settings:
    """Validate the configuration and return typed settings.

    Raises:
        SettingError: A setting is missing, conflicts with another or
            has an invalid value; the message names it and the fix.
    """
    if config.get("load_method") == "overwrite":
        msg = (
            "load_method 'overwrite' would delete Contacts, which this target "
            "never does. Remove load_method; Contacts are always matched by "
            "email and created or updated."
        )
        raise SettingError(msg)
    flow = _choose_flow(config)
    domain = _text(config, "domain") or "login"
    login_url = _text(config, "login_url")
    _check_domain(flow, domain, login_url)

    api_version = _text(config, "api_version") or DEFAULT_API_VERSION
    if not _API_VERSION.match(api_version):
        msg = f"api_version {api_version!r} is invalid; use a form such as '62.0'."
        raise SettingError(msg)

    rejects_path = _text(config, "rejects_path")
    _check_rejects_path(rejects_path)

    utm_field = _text(config, "utm_campaign_field")
    if utm_field is not None and not _FIELD_NAME.match(utm_field):
        msg = (
            f"utm_campaign_field {utm_field!r} is not a field API name; use the "
            "Contact field's API name, such as BR_UTM_Campaign__c."
        )
        raise SettingError(msg)

    return Settings(
        flow=flow,
        domain=domain,
        login_url=login_url,
        api_version=api_version,
        client_id=_text(config, "client_id"),
        client_secret=_text(config, "client_secret"),
        username=_text(config, "username"),
        password=config.get("password"),
        security_token=_text(config, "security_token") or "",
        duplicate_contacts=DuplicatePolicy(
            config.get("duplicate_contacts") or DuplicatePolicy.OLDEST.value
        ),
        default_last_name=_text(config, "default_last_name") or DEFAULT_LAST_NAME,
        utm_campaign_field=utm_field,
        field_mapping=_check_field_mapping(config.get("field_mapping") or {}),
        rejects_path=rejects_path,
        allow_save_on_duplicate_alert=bool(
            config.get("allow_save_on_duplicate_alert", False)
        ),
        request_timeout=_request_timeout(config),
    )


def _request_timeout(config: t.Mapping[str, t.Any]) -> float:
    value = config.get("request_timeout")
    if value is None:
        return float(DEFAULT_REQUEST_TIMEOUT)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if not seconds > 0:
        msg = (
            f"request_timeout {value!r} is invalid; set a number of seconds "
            f"above 0, such as {DEFAULT_REQUEST_TIMEOUT:g}."
        )
        raise SettingError(msg)
    return seconds


def _check_rejects_path(path: str | None) -> None:
    """Stop at start, before any write, when the rejects file cannot be written."""
    if path is None:
        return
    file = Path(path)
    folder = file.absolute().parent
    if file.is_dir():
        msg = (
            f"rejects_path {path!r} is a directory; name a file in it, such "
            f"as {str(file / 'rejects.jsonl')!r}."
        )
        raise SettingError(msg)
    if not folder.is_dir():
        msg = (
            f"rejects_path {path!r} is in the folder {str(folder)!r}, which "
            "does not exist; create the folder or choose another path."
        )
        raise SettingError(msg)
    writable = (
        os.access(file, os.W_OK)
        if file.exists()
        else os.access(folder, os.W_OK | os.X_OK)
    )
    if not writable:
        msg = (
            f"rejects_path {path!r} is not writable by this user; fix its "
            "permissions or choose another path."
        )
        raise SettingError(msg)
