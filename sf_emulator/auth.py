"""Sessions, the OAuth 2.0 client credentials flow, and SOAP login().

Tokens look like Salesforce session ids (``00D...!AQ...``) and expire after
``session_seconds_valid`` seconds without use, when a test expires them, or
after a set number of API calls. The SOAP response writes ``sessionId`` and
``serverUrl`` without a namespace prefix and faults with ``sf:exceptionCode``
and ``sf:exceptionMessage``, because simple-salesforce looks those elements up
by their literal tag names.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import secrets
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from sf_emulator.config import (
    MAX_RETIRED_VERSION,
    SOAP_LOGIN_MAX_VERSION,
    EmulatorConfig,
)
from sf_emulator.ids import ORG_ID, ORG_ID_15, USER_ID
from sf_emulator.wire import Request, Response, json_response, text_response

SOAP_CONTENT_TYPE = "text/xml;charset=UTF-8"


@dataclasses.dataclass
class Session:
    """One issued token and when it was last used (monotonic seconds)."""

    token: str
    flow: str
    last_used: float


class SessionRegistry:
    """The tokens that are currently valid."""

    def __init__(self) -> None:
        """Start with no sessions and no expiry countdown."""
        self._sessions: dict[str, Session] = {}
        self._calls_until_expiry: int | None = None

    def issue(self, flow: str) -> str:
        """Create a session and return its token."""
        # Real tokens are the 15-character org id, "!", then about 96 characters.
        token = f"{ORG_ID_15}!AQ{secrets.token_urlsafe(72).replace('-', '.')}"
        self._sessions[token] = Session(token, flow, time.monotonic())
        return token

    def authenticate(self, header: str, seconds_valid: int) -> bool:
        """Check a ``Bearer`` Authorization header and mark the session used.

        Returns False for a missing, unknown or inactive token, and for every
        token once an expiry countdown set by ``expire_after`` runs out.
        """
        scheme, _, token = header.partition(" ")
        session = (
            self._sessions.get(token.strip())
            if scheme.casefold() in {"bearer", "oauth"}
            else None
        )
        now = time.monotonic()
        if session is None or now - session.last_used > seconds_valid:
            return False
        if self._calls_until_expiry is not None:
            if self._calls_until_expiry == 0:
                self._calls_until_expiry = None
                self.expire_all()
                return False
            self._calls_until_expiry -= 1
        session.last_used = now
        return True

    def expire_all(self) -> None:
        """Invalidate every token issued so far."""
        self._sessions.clear()

    def expire_after(self, calls: int) -> None:
        """Let ``calls`` more authenticated calls pass, then invalidate every token."""
        if calls < 0:
            msg = f"calls must be zero or more, not {calls}"
            raise ValueError(msg)
        self._calls_until_expiry = calls

    def reset(self) -> None:
        """Forget every session and any countdown."""
        self.expire_all()
        self._calls_until_expiry = None


def _oauth_error(error: str, description: str) -> Response:
    return json_response(400, {"error": error, "error_description": description})


def _client_credentials(
    request: Request, form: dict[str, list[str]]
) -> tuple[str, str]:
    """Return the client id and secret from the Basic header, else the form."""
    scheme, _, encoded = request.header("Authorization").partition(" ")
    if scheme.casefold() == "basic":
        try:
            pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, client_secret = pair.partition(":")
        return client_id, client_secret
    # NOTE: Salesforce accepting the credentials in the form body (RFC 6749
    # section 2.3.1) instead of the Basic header is unconfirmed.
    return form.get("client_id", [""])[0], form.get("client_secret", [""])[0]


def oauth_token(
    request: Request, config: EmulatorConfig, sessions: SessionRegistry, base_url: str
) -> Response:
    """Serve ``POST /services/oauth2/token`` for the client credentials flow."""
    if request.method != "POST":
        return _oauth_error("invalid_request", "must use HTTP POST")
    form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    grant_type = form.get("grant_type", [""])[0]
    if grant_type != "client_credentials":
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    client_id, client_secret = _client_credentials(request, form)
    if not hmac.compare_digest(client_id.encode(), config.client_id.encode()):
        return _oauth_error("invalid_client_id", "client identifier invalid")
    if not hmac.compare_digest(client_secret.encode(), config.client_secret.encode()):
        return _oauth_error("invalid_client", "invalid client credentials")

    token = sessions.issue("oauth2/token")
    issued_at = str(int(time.time() * 1000))
    identity = f"{base_url}/id/{ORG_ID}/{USER_ID}"
    digest = hmac.new(
        config.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
    )
    # NOTE: "signature" and "issued_at" are typical of Salesforce's token
    # response for this flow but unconfirmed.
    return json_response(
        200,
        {
            "access_token": token,
            "signature": base64.b64encode(digest.digest()).decode(),
            "scope": "api",
            "instance_url": base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        },
    )


def soap_fault(code: str, message: str, *, login_fault: bool = True) -> Response:
    """Return a SOAP fault as Salesforce sends it: HTTP 500 with sf: elements."""
    fault_type = "LoginFault" if login_fault else "UnexpectedErrorFault"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{code}</faultcode>"
        f"<faultstring>{escape(code)}: {escape(message)}</faultstring>"
        f'<detail><sf:{fault_type} xsi:type="sf:{fault_type}">'
        f"<sf:exceptionCode>{escape(code)}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        f"</sf:{fault_type}></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return text_response(500, body, SOAP_CONTENT_TYPE)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_login_request(body: bytes) -> tuple[str, str] | None:
    """Return the username and password of a login() envelope, or None.

    Elements are matched by local name, so any namespace prefix works.

    Raises:
        ValueError: The body is not well-formed XML or declares a DTD.
    """
    if b"<!DOCTYPE" in body.upper():
        msg = "DTDs are not allowed in SOAP requests"
        raise ValueError(msg)
    try:
        root = ET.fromstring(body)  # noqa: S314 - DTDs are rejected above
    except ET.ParseError as error:
        raise ValueError(str(error)) from error
    login = next((e for e in root.iter() if _local_name(e.tag) == "login"), None)
    if login is None:
        return None
    values = {_local_name(child.tag): child.text or "" for child in login}
    return values.get("username", ""), values.get("password", "")


def _login_result(
    config: EmulatorConfig, base_url: str, version: str, token: str
) -> Response:
    org_path = f"{version}/{ORG_ID_15}"
    user = escape(config.username)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{base_url}/services/Soap/m/{org_path}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{base_url}/services/Soap/u/{org_path}</serverUrl>"
        f"<sessionId>{token}</sessionId><userId>{USER_ID}</userId>"
        "<userInfo>"
        "<currencySymbol>$</currencySymbol>"
        f"<organizationId>{ORG_ID}</organizationId>"
        "<organizationMultiCurrency>false</organizationMultiCurrency>"
        "<organizationName>Emulated Org</organizationName>"
        f"<sessionSecondsValid>{config.session_seconds_valid}</sessionSecondsValid>"
        f"<userEmail>{user}</userEmail><userFullName>Integration User</userFullName>"
        f"<userId>{USER_ID}</userId><userLanguage>en_US</userLanguage>"
        f"<userLocale>en_US</userLocale><userName>{user}</userName>"
        "<userTimeZone>America/Los_Angeles</userTimeZone><userType>Standard</userType>"
        "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return text_response(200, body, SOAP_CONTENT_TYPE)


def _check_login_allowed(config: EmulatorConfig, version: float) -> Response | None:
    """Return the fault for a login() that the version or org settings forbid."""
    if version > SOAP_LOGIN_MAX_VERSION:
        # NOTE: login() is documented as unavailable from API 65.0; the fault
        # code Salesforce returns for it is unconfirmed.
        return soap_fault(
            "UNSUPPORTED_API_VERSION",
            f"SOAP API login() is not available in API version 65.0 and later "
            f"(requested {version}). Use OAuth 2.0 instead.",
            login_fault=False,
        )
    if version <= MAX_RETIRED_VERSION:
        return soap_fault(
            "UNSUPPORTED_API_VERSION",
            f"API version {version} is retired",
            login_fault=False,
        )
    if not config.soap_login_enabled:
        # NOTE: the fault for an org where "Enable SOAP API login()" is off is
        # unconfirmed.
        return soap_fault(
            "INVALID_OPERATION",
            "SOAP API login() is disabled for this org. An admin can enable it in "
            "Setup > User Interface, or use OAuth 2.0.",
            login_fault=False,
        )
    return None


def soap_login(
    request: Request,
    config: EmulatorConfig,
    sessions: SessionRegistry,
    base_url: str,
    version: str,
) -> Response | None:
    """Serve ``POST /services/Soap/u/{version}`` for login().

    Returns:
        The login response or fault, or None when the envelope contains a call
        other than login(), which the emulator does not serve.
    """
    rejection = _check_login_allowed(config, float(version))
    if rejection is not None:
        return rejection
    try:
        credentials = parse_login_request(request.body)
    except ValueError as error:
        return soap_fault(
            "UNKNOWN_EXCEPTION",
            f"Unable to parse the request: {error}",
            login_fault=False,
        )
    if credentials is None:
        return None
    username, password = credentials
    expected = config.password + config.security_token
    if username.casefold() != config.username.casefold() or not hmac.compare_digest(
        password.encode(), expected.encode()
    ):
        return soap_fault(
            "INVALID_LOGIN",
            "Invalid username, password, security token; or user locked out.",
        )
    if not config.use_any_api_auth:
        # NOTE: the INSUFFICIENT_ACCESS code is documented for a user without
        # "Use Any API Auth"; the message text is unconfirmed.
        return soap_fault(
            "INSUFFICIENT_ACCESS",
            "The user needs the Use Any API Auth permission to call SOAP API login().",
        )
    return _login_result(config, base_url, version, sessions.issue("soap/login"))
