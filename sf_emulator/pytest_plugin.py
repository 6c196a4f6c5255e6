"""pytest fixtures that run the Salesforce emulator.

Register the plugin in a root ``conftest.py``::

    pytest_plugins = ["sf_emulator.pytest_plugin"]

``salesforce_emulator_server`` starts one emulator per test module.
``salesforce_emulator`` hands it to a test after a reset, with the default
settings restored and ``REQUESTS_CA_BUNDLE`` pointing at its CA, so that
``requests`` (and simple-salesforce) trust its certificate.
"""

from __future__ import annotations

import typing as t

import pytest

from sf_emulator.config import EmulatorConfig
from sf_emulator.emulator import Emulator


@pytest.fixture(scope="module")
def salesforce_emulator_server() -> t.Iterator[Emulator]:
    """Start an emulator for the test module and stop it afterwards."""
    emulator = Emulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def salesforce_emulator(
    salesforce_emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Emulator:
    """Return the module's emulator, empty and with default settings."""
    salesforce_emulator_server.reset()
    salesforce_emulator_server.configure(**EmulatorConfig().as_dict())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", salesforce_emulator_server.ca_path)
    return salesforce_emulator_server
