"""Likely causes and fixes for Salesforce login failures, by error code.

Salesforce's login errors are terse ("Invalid username, password, security
token; or user locked out."). The operator of an hourly job needs the likely
cause and the next step, which depend on the login flow.
"""

from __future__ import annotations

from target_salesforce_br.settings import LoginFlow

_SOAP_DISABLED = (
    "SOAP API login() may be disabled for this org: it is off by default in "
    "orgs created in Winter '26 and later and retired in Summer '27. An admin "
    "can turn it on in Setup > User Interface > Enable SOAP API login(), but "
    "the lasting fix is the client_credentials flow (client_id, client_secret "
    "and the org's My Domain)."
)

_SOAP_HINTS = {
    "INVALID_LOGIN": (
        "Check username and password. Changing or resetting the password also "
        "resets the security token: the integration user gets a new one from "
        "Settings > Reset My Security Token, and security_token must be updated. "
        "A locked-out user gets the same error."
    ),
    "LOGIN_MUST_USE_SECURITY_TOKEN": (
        "The login comes from outside the org's trusted IP ranges, so the "
        "security token is required: set security_token, or reset it if the "
        "password changed."
    ),
    "INSUFFICIENT_ACCESS": (
        "The integration user lacks the Use Any API Auth permission, which "
        "SOAP login() requires in orgs that enforce it. Grant it in a "
        "permission set, or switch to the client_credentials flow."
    ),
    "API_CURRENTLY_DISABLED": (
        "The integration user lacks the API Enabled permission; grant it in "
        "the user's profile or a permission set."
    ),
    "API_DISABLED_FOR_ORG": (
        "The org's edition has no API access; Salesforce must enable it."
    ),
    "PASSWORD_LOCKOUT": (
        "The user is locked out after failed logins; an admin can unlock it "
        "under Setup > Users."
    ),
    "UNSUPPORTED_API_VERSION": _SOAP_DISABLED,
    "INVALID_OPERATION": _SOAP_DISABLED,
}

_OAUTH_HINTS = {
    "invalid_client_id": (
        "Salesforce does not know client_id: copy the consumer key of the "
        "connected or external client app."
    ),
    "invalid_client": (
        "client_secret does not match client_id: copy the consumer secret "
        "again, or rotate it in the app's settings."
    ),
    "invalid_grant": (
        "The app's client credentials flow is not usable: enable it and set "
        "a Run As user, and send the request to the org's My Domain "
        "(domain such as acme.my)."
    ),
    "unsupported_grant_type": (
        "The app does not allow the client credentials flow: enable it in the "
        "app's OAuth policies."
    ),
}


def hint_for_login_error(flow: LoginFlow, code: str) -> str:
    """Return the likely cause and the fix for a failed login.

    Args:
        flow: The login flow that failed.
        code: Salesforce's error code, or the HTTP status when the response
            carried no code.

    Returns:
        A sentence or two for the error message.
    """
    if flow is LoginFlow.CLIENT_CREDENTIALS:
        return _OAUTH_HINTS.get(
            code,
            "Check client_id, client_secret and domain, and that the app's "
            "client credentials flow has a Run As user.",
        )
    return _SOAP_HINTS.get(code, _SOAP_DISABLED)
