"""Keep voters' emails and names out of what the SDK and libraries log.

urllib3 logs each request line at DEBUG, and a SOQL lookup carries the emails
in its query string. The SDK logs each STATE message at DEBUG, and a tap's
bookmark can be a voter's email when the tap replicates on that column. The
SDK also logs any uncaught exception with its message and traceback, and an
error raised inside a stream map expression quotes the record value it
failed on. The filters here cut query strings, states and the messages of
exceptions that are not known to be free of record values, so running the
target with ``LOGLEVEL=DEBUG`` stays free of personal data.
"""

from __future__ import annotations

import logging
import re
import traceback
import typing as t

from singer_sdk.exceptions import (
    ConfigValidationError,
    MissingKeyPropertiesError,
    RecordsWithoutSchemaException,
    StreamMapConfigError,
)
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_salesforce_br.exceptions import TargetSalesforceError

_QUERY_STRING = re.compile(r"\?[^\s\"']*")

# Loggers that print request URLs: urllib3's pool logs the request line and
# its retry helper logs the URL it retries.
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")

# The start of the SDK's DEBUG line for each STATE message it emits.
_STATE_MESSAGE = "Emitting completed target state"

# The SDK's stream-map logger, and the start of its DEBUG line that gives a
# ``__filter__`` rule's result for each record.
MAPPER_LOGGER = "singer_sdk.mapper"
_MAP_FILTER_MESSAGE = "Filter result for"


class QueryStringFilter(logging.Filter):
    """Replace every URL query string in a log record with ``?<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place and always keep the record."""
        message = record.getMessage()
        redacted = _QUERY_STRING.sub("?<redacted>", message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True


class StateFilter(logging.Filter):
    """Replace the state in the SDK's "Emitting completed target state" line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's arguments in place and always keep the record."""
        if str(record.msg).startswith(_STATE_MESSAGE) and record.args:
            record.args = ("(not logged, because a bookmark can hold voter data)",)
        return True


class MapResultFilter(logging.Filter):
    """Replace the result in the SDK mapper's DEBUG line for a ``__filter__`` rule.

    The result is the filter expression's value for one record, which can be
    the record's email, as with ``"__filter__": "email"``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's arguments in place and always keep the record."""
        if str(record.msg).startswith(_MAP_FILTER_MESSAGE) and record.args:
            args = tuple(record.args) if isinstance(record.args, tuple) else ()
            record.args = (*args[:-1], "(value not shown)") if args else ()
        return True


class SecretSettingFilter(logging.Filter):
    """Replace the SDK's config validation line for a secret setting.

    The SDK's schema error starts with the value, as in "12345 is not of
    type 'string' in config['client_secret']", so a secret given with the
    wrong type would be printed.
    """

    def __init__(self, secret_names: t.Iterable[str]) -> None:
        """Remember the names of the secret settings."""
        super().__init__()
        self._markers = {f"in config['{name}']": name for name in secret_names}

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place and always keep the record."""
        message = record.getMessage()
        for marker, name in self._markers.items():
            if message.endswith(marker):
                record.msg = (
                    f"config['{name}'] is invalid; its value is not shown because "
                    "the setting is secret. Check that it is a string."
                )
                record.args = ()
                break
        return True


class ExceptionFilter(logging.Filter):
    """Show an uncaught exception's message only when it carries no record values.

    The target's own errors and the SDK's errors about settings, input lines,
    schemas and key properties build their messages from names, not values.
    Any other exception, such as a ValueError from a stream map expression,
    is shown by its type and the frames it passed through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a record that carries exception information; keep it."""
        if not record.exc_info or record.exc_info[1] is None:
            return True
        error = record.exc_info[1]
        chain = " <- ".join(_describe(e) for e in _exception_chain(error))
        frames = "".join(traceback.format_tb(error.__traceback__))
        message = record.getMessage() if _is_value_free(error) else _describe(error)
        record.msg = f"{message}\nException chain: {chain}\n{frames.rstrip()}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


# Exceptions whose messages name settings, streams, keys or positions only.
_VALUE_FREE_ERRORS = (
    TargetSalesforceError,
    ConfigValidationError,
    InvalidInputLine,
    RecordsWithoutSchemaException,
    MissingKeyPropertiesError,
    StreamMapConfigError,
)


def _is_value_free(error: BaseException) -> bool:
    return isinstance(error, _VALUE_FREE_ERRORS)


def _describe(error: BaseException) -> str:
    if _is_value_free(error):
        return f"{type(error).__name__}: {error}"
    return f"{type(error).__name__} (message not shown, as it can quote record values)"


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain = [error]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None:
        if cause in chain:
            break
        chain.append(cause)
    return chain


def install_log_redaction(
    plugin_logger: logging.Logger, secret_names: t.Iterable[str] = ()
) -> None:
    """Attach the filters once: query strings to URL loggers, the rest to the SDK's.

    Args:
        plugin_logger: The SDK's logger for this target, which logs STATE,
            config validation errors and uncaught exceptions.
        secret_names: Settings marked secret in the settings schema.
    """
    for name in URL_LOGGERS:
        _add_once(logging.getLogger(name), QueryStringFilter())
    _add_once(plugin_logger, StateFilter())
    _add_once(plugin_logger, ExceptionFilter())
    _add_once(plugin_logger, SecretSettingFilter(secret_names))
    _add_once(logging.getLogger(MAPPER_LOGGER), MapResultFilter())


def _add_once(target_logger: logging.Logger, new_filter: logging.Filter) -> None:
    if not any(isinstance(f, type(new_filter)) for f in target_logger.filters):
        target_logger.addFilter(new_filter)
