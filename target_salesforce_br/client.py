"""The one place where the target calls Salesforce, login and re-login included.

Every REST call goes through :meth:`SalesforceClient._call`, which counts it,
logs in again when Salesforce returns ``INVALID_SESSION_ID``, and turns
simple-salesforce's exceptions into the target's own errors without copying
Salesforce's message text where it can echo record values.

The client is built on simple-salesforce's session-id mode, in which the
library never logs in again by itself. The target owns re-login so that it
works the same way for every login flow and every call path.
"""

from __future__ import annotations

import base64
import functools
import logging
import typing as t
from collections import Counter
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
)
from simple_salesforce.login import SalesforceLogin, token_login

from target_salesforce_br.exceptions import (
    DailyLimitError,
    LoginError,
    SalesforceCallError,
    SessionExpiredError,
)
from target_salesforce_br.login_hints import hint_for_login_error
from target_salesforce_br.settings import LoginFlow

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

logger = logging.getLogger(__name__)

# SOAP login() is not available from API 65.0 on, so the password flow logs in
# at the last version that has it and then uses the configured REST version.
SOAP_LOGIN_VERSION = "64.0"

# sObject Collections accept at most this many records in one request.
COLLECTION_LIMIT = 200

_T = t.TypeVar("_T")


@dataclass(frozen=True)
class Credentials:
    """Login settings of one flow, validated together by the settings module."""

    flow: LoginFlow
    domain: str
    login_url: str | None
    api_version: str
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    security_token: str | None = None

    @property
    def login_base(self) -> str:
        """The scheme and host that login requests go to."""
        if self.login_url:
            return self.login_url.rstrip("/")
        return f"https://{self.domain}.salesforce.com"

    def __repr__(self) -> str:
        """Name the flow and host only, so that a secret never reaches a log."""
        return f"Credentials(flow={self.flow.value}, login={self.login_base})"


@dataclass
class ApiUsage:
    """The org's rolling 24-hour API usage from the last ``Sforce-Limit-Info``."""

    used: int
    limit: int


class SalesforceClient:
    """Session with one Salesforce org through simple-salesforce.

    Args:
        credentials: The login flow and its settings.
        timeout: Seconds to wait for each HTTP response.
        max_relogins: How many times one call may log in again after
            ``INVALID_SESSION_ID`` before the run stops.
        http: The requests session to use; tests pass one with a custom CA.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        timeout: float = 120.0,
        max_relogins: int = 2,
        http: requests.Session | None = None,
    ) -> None:
        """Store the settings; no request is made until the first call."""
        self._credentials = credentials
        self._timeout = timeout
        self._max_relogins = max_relogins
        self._http = http or requests.Session()
        self._sf: Salesforce | None = None
        self.calls: Counter[str] = Counter()
        self.logins = 0
        self.usage: ApiUsage | None = None

    @property
    def calls_total(self) -> int:
        """REST calls made in this run; logins are not counted."""
        return sum(self.calls.values())

    # Login

    def login(self) -> None:
        """Log in with the configured flow and build the REST client.

        Raises:
            LoginError: Salesforce rejected the login; the message names the
                likely cause and the fix.
        """
        creds = self._credentials
        try:
            if creds.flow is LoginFlow.CLIENT_CREDENTIALS:
                session_id, instance = self._login_client_credentials()
            else:
                session_id, instance = self._login_soap()
        except SalesforceAuthenticationFailed as exc:
            code = str(exc.code)
            message = (
                f"Salesforce login with the {creds.flow.value} flow at "
                f"{creds.login_base} failed: {code}: "
                f"{self._without_secrets(exc.auth_message)}. "
                f"{hint_for_login_error(creds.flow, code)}"
            )
            raise LoginError(message) from None
        except (requests.RequestException, ExpatError, ValueError) as exc:
            message = (
                f"Salesforce login at {creds.login_base} failed: "
                f"{type(exc).__name__}. Check login_url or domain, and that the "
                "host is reachable from this machine."
            )
            raise LoginError(message) from None

        self.logins += 1
        self._sf = Salesforce(
            session_id=session_id,
            instance=instance,
            version=creds.api_version,
            session=self._http,
        )
        logger.info(
            "Logged in to Salesforce at %s (API %s)", instance, creds.api_version
        )

    def _without_secrets(self, text: str) -> str:
        """Return Salesforce's login error text with any credential masked."""
        creds = self._credentials
        for secret in (creds.password, creds.client_secret, creds.security_token):
            if secret:
                text = text.replace(secret, "***")
        return text.rstrip(". ") or "no description"

    def _login_client_credentials(self) -> tuple[str, str]:
        creds = self._credentials
        pair = f"{creds.client_id}:{creds.client_secret}".encode()
        headers = {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        return t.cast(
            "tuple[str, str]",
            token_login(
                f"{creds.login_base}/services/oauth2/token",
                {"grant_type": "client_credentials"},
                creds.domain,
                creds.client_id or "",
                headers,
                None,
                self._http,
            ),
        )

    def _login_soap(self) -> tuple[str, str]:
        creds = self._credentials
        version = min((creds.api_version, SOAP_LOGIN_VERSION), key=float)
        return SalesforceLogin(
            username=creds.username,
            password=creds.password,
            security_token=creds.security_token or "",
            sf_version=version,
            domain=creds.domain,
            scratch_url=creds.login_url.rstrip("/") if creds.login_url else None,
            session=self._http,
        )

    # Calls

    def _call(
        self,
        endpoint: str,
        request: Callable[[Salesforce], _T],
        *,
        echoes_values: bool,
    ) -> _T:
        """Run one REST request, logging in again on an expired session.

        Args:
            endpoint: Name under which the call is counted and reported.
            request: Makes the HTTP request through the given client.
            echoes_values: True when Salesforce's error text for this call can
                contain record values, which must then stay out of messages.

        Returns:
            Whatever ``request`` returns.

        Raises:
            SessionExpiredError: The session was rejected after every re-login.
            DailyLimitError: The org's daily API request limit is used up.
            SalesforceCallError: Any other failure of the call.
        """
        if self._sf is None:
            self.login()
        relogins = 0
        while True:
            logger.debug("Salesforce call %s", endpoint)
            try:
                result = request(t.cast("Salesforce", self._sf))
            except SalesforceExpiredSession:
                # NOTE: a call rejected for its session is not counted, as the
                # emulator does; whether Salesforce charges it to the daily
                # limit is not confirmed.
                if relogins >= self._max_relogins:
                    message = (
                        f"Salesforce rejected the session on {endpoint} after "
                        f"{relogins} fresh logins (INVALID_SESSION_ID). Check that "
                        "the integration user is active and that its session is "
                        "not restricted to another IP range or API scope."
                    )
                    raise SessionExpiredError(message) from None
                relogins += 1
                logger.info("Session expired on %s; logging in again", endpoint)
                self.login()
                continue
            except SalesforceError as exc:
                self.calls[endpoint] += 1
                raise _call_error(endpoint, exc, echoes_values=echoes_values) from None
            except requests.RequestException as exc:
                self.calls[endpoint] += 1
                message = (
                    f"Salesforce call {endpoint} failed: {type(exc).__name__}. "
                    "Check the network path to the org."
                )
                raise SalesforceCallError(message, status=None, error_code="") from None
            self.calls[endpoint] += 1
            self._record_usage()
            return result

    def _record_usage(self) -> None:
        usage = t.cast("Salesforce", self._sf).api_usage.get("api-usage")
        if usage is not None:
            self.usage = ApiUsage(used=usage.used, limit=usage.total)

    def describe(self, sobject: str) -> dict[str, t.Any]:
        """Return Salesforce's describe result for one object."""
        return t.cast(
            "dict[str, t.Any]",
            self._call(
                f"describe {sobject}",
                lambda sf: sf.restful(
                    f"sobjects/{sobject}/describe", timeout=self._timeout
                ),
                echoes_values=False,
            ),
        )

    def query(self, soql: str) -> Iterator[dict[str, t.Any]]:
        """Yield every row of a SOQL query, following ``nextRecordsUrl``.

        Uses ``query``, never ``queryAll``, so deleted records are not returned.
        """
        page = self._call(
            "query",
            lambda sf: sf.query(soql, timeout=self._timeout),
            echoes_values=True,
        )
        while True:
            yield from page["records"]
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self._call(
                "query more",
                functools.partial(self._query_more, next_url),
                echoes_values=True,
            )

    def _query_more(self, next_url: str, sf: Salesforce) -> t.Any:  # noqa: ANN401
        return sf.query_more(next_url, identifier_is_url=True, timeout=self._timeout)

    def create(
        self,
        sobject: str,
        records: list[dict[str, t.Any]],
        headers: dict[str, str] | None = None,
    ) -> list[dict[str, t.Any]]:
        """Create up to 200 records with one sObject Collections request.

        Returns:
            One result per record, in request order. A failed record's result
            has ``success`` false and its ``errors``; it may have no ``id``.
        """
        return self._collection("POST", sobject, records, headers)

    def update(
        self,
        sobject: str,
        records: list[dict[str, t.Any]],
        headers: dict[str, str] | None = None,
    ) -> list[dict[str, t.Any]]:
        """Update up to 200 records, each with an ``id``, in one request."""
        return self._collection("PATCH", sobject, records, headers)

    def _collection(
        self,
        method: str,
        sobject: str,
        records: list[dict[str, t.Any]],
        headers: dict[str, str] | None,
    ) -> list[dict[str, t.Any]]:
        if len(records) > COLLECTION_LIMIT:
            message = (
                f"{len(records)} records passed to one collections request; "
                f"the limit is {COLLECTION_LIMIT}"
            )
            raise ValueError(message)
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": sobject}, **r} for r in records],
        }
        results = self._call(
            f"{method} composite/sobjects {sobject}",
            lambda sf: sf.restful(
                "composite/sobjects",
                method=method,
                json=body,
                headers=headers or {},
                timeout=self._timeout,
            ),
            echoes_values=True,
        )
        if not isinstance(results, list) or len(results) != len(records):
            message = (
                f"Salesforce answered a {method} collections request of "
                f"{len(records)} {sobject} records with an unexpected body"
            )
            raise SalesforceCallError(message, status=200, error_code="")
        return results


def _first_error_entry(exc: SalesforceError) -> dict[str, t.Any]:
    # simple-salesforce stores the parsed JSON body here, despite its annotation.
    content: t.Any = exc.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0]
    return {}


def _call_error(
    endpoint: str, exc: SalesforceError, *, echoes_values: bool
) -> SalesforceCallError:
    """Build the error for a failed call, naming status, code and next step."""
    entry = _first_error_entry(exc)
    code = str(entry.get("errorCode", ""))
    status = exc.status
    salesforce_message = str(entry.get("message", ""))
    if code == "REQUEST_LIMIT_EXCEEDED" and "TotalRequests" in salesforce_message:
        message = (
            f"The org's daily API request limit is used up ({endpoint} returned "
            "REQUEST_LIMIT_EXCEEDED). The run stopped without emitting STATE; "
            "run again when the rolling 24-hour window frees requests, or ask "
            "Salesforce for a higher limit."
        )
        return DailyLimitError(message, status=status, error_code=code)
    detail = (
        "" if echoes_values or not salesforce_message else f": {salesforce_message}"
    )
    message = (
        f"Salesforce call {endpoint} failed with HTTP {status} "
        f"{code or 'error'}{detail}"
    )
    return SalesforceCallError(message, status=status, error_code=code)
