"""Keep voters' emails out of what third-party libraries log.

urllib3 logs each request line at DEBUG, and a SOQL lookup carries the emails
in its query string. The filter here cuts query strings from those lines, so
running the target with ``LOGLEVEL=DEBUG`` stays free of personal data.
"""

from __future__ import annotations

import logging
import re

_QUERY_STRING = re.compile(r"\?[^\s\"']*")

# Loggers that print request URLs: urllib3's pool logs the request line and
# its retry helper logs the URL it retries.
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")


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


def install_log_redaction() -> None:
    """Attach the query-string filter to the URL-logging loggers once."""
    for name in URL_LOGGERS:
        target_logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in target_logger.filters):
            target_logger.addFilter(QueryStringFilter())
