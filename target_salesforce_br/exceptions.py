"""Errors the target raises, grouped by what the operator does about them.

Messages name what failed, on which value, and what to do next. They never
carry a secret or a voter's email or name: Salesforce's own message text is
left out wherever it can echo record values back.
"""

from __future__ import annotations

from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

__all__ = [
    "ConfigValidationError",
    "DailyLimitError",
    "LoginError",
    "OrgSetupError",
    "SalesforceCallError",
    "SessionExpiredError",
    "SettingError",
    "TargetSalesforceError",
    "UnsupportedInputError",
]


class SettingError(ConfigValidationError):
    """A setting is missing, invalid or conflicts with another.

    The message is also passed as the error list, because the SDK's command
    line prints only that list before "Config validation failed".
    """

    def __init__(self, message: str) -> None:
        """Carry the message both as the exception text and as its one error."""
        super().__init__(message, errors=[message])


class TargetSalesforceError(FatalAPIError):
    """Root of the errors that stop a run without emitting further STATE."""


class LoginError(TargetSalesforceError):
    """Salesforce rejected the credentials or the login flow."""


class SessionExpiredError(TargetSalesforceError):
    """A fresh session was rejected again right after logging in."""


class OrgSetupError(TargetSalesforceError):
    """The org lacks a field, permission or feature the target needs."""


class SalesforceCallError(TargetSalesforceError):
    """A Salesforce API call failed for a reason the target cannot repair."""

    def __init__(self, message: str, *, status: int | None, error_code: str) -> None:
        """Store the HTTP status and Salesforce error code beside the message."""
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class DailyLimitError(SalesforceCallError):
    """The org has used up its rolling 24-hour API request allowance."""


class UnsupportedInputError(TargetSalesforceError, NotImplementedError):
    """The input uses a Singer feature this target does not implement."""
