"""Redaction of query strings and STATE from library log lines."""

from __future__ import annotations

import logging

from target_salesforce_br.privacy import (
    QueryStringFilter,
    StateFilter,
    install_log_redaction,
)

PLUGIN_LOGGER = logging.getLogger("test-plugin")


def test_query_string_is_redacted(caplog):
    install_log_redaction(PLUGIN_LOGGER)
    pool_logger = logging.getLogger("urllib3.connectionpool")
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
        pool_logger.debug(
            '%s://%s:%s "%s %s %s" %s %s', "https", "127.0.0.1", 443, "GET",
            "/services/data/v62.0/query/?q=SELECT+Id+FROM+Contact+WHERE+Email+IN+%28%27ann%40example.org%27%29",
            "HTTP/1.1", 200, None,
        )
    assert "ann" not in caplog.text
    assert "/services/data/v62.0/query/?<redacted>" in caplog.text


def test_filter_is_installed_once():
    install_log_redaction(PLUGIN_LOGGER)
    install_log_redaction(PLUGIN_LOGGER)
    filters = logging.getLogger("urllib3.connectionpool").filters
    assert sum(isinstance(f, QueryStringFilter) for f in filters) == 1


def test_state_line_is_redacted(caplog):
    install_log_redaction(PLUGIN_LOGGER)
    with caplog.at_level(logging.DEBUG, logger="test-plugin"):
        PLUGIN_LOGGER.debug(
            "Emitting completed target state %s",
            '{"bookmarks": {"voters": {"replication_key_value": "ann@example.org"}}}',
        )
    assert "ann@example.org" not in caplog.text
    assert "Emitting completed target state (not logged" in caplog.text


def test_state_filter_installed_once():
    install_log_redaction(PLUGIN_LOGGER)
    install_log_redaction(PLUGIN_LOGGER)
    assert sum(isinstance(f, StateFilter) for f in PLUGIN_LOGGER.filters) == 1


def test_map_filter_result_is_redacted(caplog):
    install_log_redaction(PLUGIN_LOGGER)
    mapper_logger = logging.getLogger("singer_sdk.mapper")
    with caplog.at_level(logging.DEBUG, logger="singer_sdk.mapper"):
        mapper_logger.debug(
            "Filter result for '%s' in '{self.name}' stream: %s", "email", "ann@example.org"
        )
    assert "ann@example.org" not in caplog.text
    assert "Filter result for 'email'" in caplog.text
