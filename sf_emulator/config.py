"""Settings of an emulated org and the fixed limits that Salesforce applies.

The settings are what tests change: credentials, permissions and limits.
The constants are Salesforce limits that the emulator enforces the same way
for every org.
"""

from __future__ import annotations

import dataclasses
import typing as t

DEFAULT_CLIENT_ID = "emu-client-id"
DEFAULT_CLIENT_SECRET = "emu-client-secret"  # noqa: S105 - a throw-away test value
DEFAULT_USERNAME = "integration@example.org"
DEFAULT_PASSWORD = "emu-password"  # noqa: S105 - a throw-away test value
DEFAULT_SECURITY_TOKEN = "emu-token"  # noqa: S105 - a throw-away test value

# REST versions served. sObject Collections exist from 42.0, so older
# versions get 404 here although Salesforce still serves 31.0 to 41.0.
MIN_REST_VERSION = 42.0
# Salesforce returns 410 GONE for the retired versions 21.0 to 30.0.
MAX_RETIRED_VERSION = 30.0
# NOTE: 67.0 (Summer '26) is assumed to be the newest version; a newer one gets 404.
MAX_API_VERSION = 67.0
# SOAP login() is not available in API 65.0 and later.
SOAP_LOGIN_MAX_VERSION = 64.0

# Request size limits of the REST API, in bytes.
MAX_URI_BYTES = 16_384
MAX_URI_AND_HEADER_BYTES = 16_384
# Not a Salesforce figure: the cap keeps a runaway client from exhausting
# memory, yet lets the admin interface seed a million Contacts in one call.
MAX_BODY_BYTES = 512 * 1024 * 1024

# SOQL limits.
MAX_SOQL_CHARACTERS = 100_000
MAX_SOQL_STRING_CHARACTERS = 4_000
MAX_SOQL_OFFSET = 2_000
DEFAULT_QUERY_BATCH_SIZE = 2_000
MIN_QUERY_BATCH_SIZE = 200
# Without View All Data, TopicAssignment queries need a LIMIT of at most this.
TOPIC_ASSIGNMENT_QUERY_LIMIT = 1_100

# sObject Collections limits.
MAX_COLLECTION_RECORDS = 200
MAX_COLLECTION_CHUNKS = 10
# NOTE: the Connect API caps topics at 100 per record; that TopicAssignment
# inserts enforce the same cap is unconfirmed.
MAX_TOPICS_PER_RECORD = 100

# Entries kept by the request log; older entries are dropped first.
MAX_REQUEST_LOG_ENTRIES = 100_000


@dataclasses.dataclass
class EmulatorConfig:
    """Settings of the emulated org, changeable while the server runs.

    Attributes:
        client_id: Consumer key accepted by the client credentials flow.
        client_secret: Consumer secret that goes with ``client_id``.
        username: Username accepted by SOAP login().
        password: Password of ``username``, without the security token.
        security_token: Security token appended to the password in login().
        soap_login_enabled: False behaves like an org where an admin has not
            turned on "Enable SOAP API login()".
        use_any_api_auth: False behaves like a user without the "Use Any API
            Auth" permission, so SOAP login() fails with INSUFFICIENT_ACCESS.
        daily_api_limit: Maximum REST calls in the rolling 24-hour window.
        view_all_data: Whether the integration user has View All Data, which
            lifts the TopicAssignment query restriction.
        topics_enabled_for_contact: Whether "Topics for Objects" is on for
            Contact, which TopicAssignment inserts require.
        session_seconds_valid: Seconds of inactivity after which a session
            expires.
    """

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    security_token: str = DEFAULT_SECURITY_TOKEN
    soap_login_enabled: bool = True
    use_any_api_auth: bool = True
    daily_api_limit: int = 15_000
    view_all_data: bool = False
    topics_enabled_for_contact: bool = True
    session_seconds_valid: int = 7_200

    def update(self, **settings: t.Any) -> None:  # noqa: ANN401
        """Change the given settings, checking each name and type first.

        Raises:
            TypeError: A name is not a setting, or a value has the wrong type.
        """
        known = {field.name: field for field in dataclasses.fields(self)}
        for name, value in settings.items():
            field = known.get(name)
            if field is None:
                msg = f"unknown emulator setting {name!r}; known: {sorted(known)}"
                raise TypeError(msg)
            expected = type(getattr(self, name))
            if type(value) is not expected:
                msg = (
                    f"setting {name!r} must be {expected.__name__}, "
                    f"not {type(value).__name__}"
                )
                raise TypeError(msg)
        for name, value in settings.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, t.Any]:
        """Return the settings as a JSON-serialisable dict."""
        return dataclasses.asdict(self)
