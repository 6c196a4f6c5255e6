"""A loopback Salesforce emulator for tests, the demo and benchmarks.

It serves, over HTTPS on 127.0.0.1, the parts of Salesforce that the target
uses: OAuth client credentials, SOAP login(), describe, SOQL query and
queryAll with paging, sObject Collections create and update, and the limits
resource. Data lives in memory. Start it in-process with ``Emulator`` or as a
process with ``python -m sf_emulator``.
"""

from __future__ import annotations

from sf_emulator.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_SECURITY_TOKEN,
    DEFAULT_USERNAME,
    EmulatorConfig,
)
from sf_emulator.emulator import Emulator

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_SECURITY_TOKEN",
    "DEFAULT_USERNAME",
    "Emulator",
    "EmulatorConfig",
]
