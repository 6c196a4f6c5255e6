"""Keep voters' emails out of what third-party libraries log.

urllib3 logs each request line at DEBUG, and a SOQL lookup carries the emails
in its query string. The SDK logs each STATE message at DEBUG, and a tap's
bookmark can be a voter's email when the tap replicates on that column. The
filters here cut query strings from the first and the state from the second,
so running the target with ``LOGLEVEL=DEBUG`` stays free of personal data.
"""

from __future__ import annotations

import logging
import re

_QUERY_STRING = re.compile(r"\?[^\s\"']*")

# Loggers that print request URLs: urllib3's pool logs the request line and
# its retry helper logs the URL it retries.
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")

# The start of the SDK's DEBUG line for each STATE message it emits.
_STATE_MESSAGE = "Emitting completed target state"


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


def install_log_redaction(plugin_logger: logging.Logger) -> None:
    """Attach the filters once: query strings to URL loggers, state to the SDK's.

    Args:
        plugin_logger: The SDK's logger for this target, which logs STATE.
    """
    for name in URL_LOGGERS:
        _add_once(logging.getLogger(name), QueryStringFilter)
    _add_once(plugin_logger, StateFilter)


def _add_once(
    target_logger: logging.Logger, filter_class: type[logging.Filter]
) -> None:
    if not any(isinstance(f, filter_class) for f in target_logger.filters):
        target_logger.addFilter(filter_class())
