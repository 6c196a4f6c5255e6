"""Fixtures for the end-to-end run: Meltano, a PostgreSQL database, the emulator.

Outside CI a missing PostgreSQL server or Meltano install skips these tests.
With CI=true they fail instead, so that CI never passes without running them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import typing as t
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from sf_emulator import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
UTM_FIELD = "BR_UTM_Campaign__c"
EMULATOR_DOMAIN = "emulator.my"

PG_HOST = os.environ.get("E2E_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("E2E_PG_PORT", "5432"))
PG_USER = os.environ.get("E2E_PG_USER", "postgres")
# Sent to the tap, which requires a password setting. The server ignores it
# under the trust authentication that `make test` expects.
PG_PASSWORD = os.environ.get("E2E_PG_PASSWORD", "postgres")

# Environment variables that would hand a developer's own settings to the
# plugins or Meltano in place of the ones these tests set.
_FOREIGN_ENV_PREFIXES = ("TAP_POSTGRES_", "TARGET_SALESFORCE_BR_", "MELTANO_")

MELTANO_COMMAND_TIMEOUT_SECONDS = 300


def in_ci() -> bool:
    """Return whether the CI variable is set to true, as CI services set it."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_or_fail(reason: str) -> t.NoReturn:
    """Skip the test, or fail it under CI where a skip would hide a missing tool."""
    if in_ci():
        pytest.fail(
            f"{reason} (CI=true, so the end-to-end test fails instead of skipping)"
        )
    pytest.skip(reason)


@dataclass
class MeltanoProject:
    """The repository's Meltano project with a system database of this session."""

    executable: str
    root: Path
    env: dict[str, str]
    install_seconds: float

    def run(
        self, args: list[str], extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one meltano command and fail the test with its output on error."""
        command = [self.executable, *args]
        completed = subprocess.run(  # noqa: S603 - the executable is Meltano
            command,
            cwd=self.root,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=MELTANO_COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(
                f"`meltano {' '.join(args)}` exited with {completed.returncode}\n"
                f"--- stdout ---\n{completed.stdout[-5000:]}\n"
                f"--- stderr ---\n{completed.stderr[-20000:]}"
            )
        return completed


def _meltano_executable() -> str:
    configured = os.environ.get("MELTANO_BIN")
    if configured:
        path = shutil.which(configured)
        if path is None:
            skip_or_fail(f"MELTANO_BIN={configured} is not an executable")
        return path
    default = REPO_ROOT / ".meltano-venv" / "bin" / "meltano"
    if not os.access(default, os.X_OK):
        skip_or_fail(
            f"Meltano not found at {default}; run `make meltano-venv` "
            "or set MELTANO_BIN"
        )
    return str(default)


def _base_env(system_db: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_FOREIGN_ENV_PREFIXES)
        and name not in {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}
    }
    env.update(
        {
            "MELTANO_DATABASE_URI": f"sqlite:///{system_db}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "MELTANO_CLI_LOG_FORMAT": "uncolored",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture(scope="session")
def meltano_project(tmp_path_factory: pytest.TempPathFactory) -> MeltanoProject:
    """Install tap-postgres and the target once per session.

    Plugins go to the repository's `.meltano/` (ignored by git), where a later
    session reuses them when their pip_url is unchanged. State and run
    records go to a system database of this session only, so earlier runs
    never leave bookmarks behind for these tests.
    """
    executable = _meltano_executable()
    system_db = tmp_path_factory.mktemp("meltano") / "meltano.db"
    project = MeltanoProject(
        executable=executable,
        root=REPO_ROOT,
        env=_base_env(system_db),
        install_seconds=0.0,
    )
    started = time.monotonic()
    project.run(["install", "tap-postgres", "target-salesforce-br"])
    project.install_seconds = time.monotonic() - started
    return project


@pytest.fixture(scope="session")
def postgres_available() -> None:
    """Skip or fail when the PostgreSQL server does not accept connections."""
    try:
        with psycopg.connect(
            host=PG_HOST,
            port=PG_PORT,
            user=PG_USER,
            password=PG_PASSWORD,
            dbname="postgres",
            connect_timeout=5,
        ):
            pass
    except psycopg.OperationalError as error:
        skip_or_fail(
            f"PostgreSQL at {PG_HOST}:{PG_PORT} (user {PG_USER}) is not reachable: "
            f"{error}; `make test` starts the local cluster"
        )


@dataclass
class VoterDatabase:
    """A throw-away database that contains the table public.voters."""

    name: str

    def connect(self) -> psycopg.Connection[t.Any]:
        """Open an autocommit connection to this database."""
        return psycopg.connect(
            host=PG_HOST,
            port=PG_PORT,
            user=PG_USER,
            password=PG_PASSWORD,
            dbname=self.name,
            autocommit=True,
        )

    def tap_env(self) -> dict[str, str]:
        """Return the tap-postgres settings, as Meltano environment variables."""
        return {
            "TAP_POSTGRES_HOST": PG_HOST,
            "TAP_POSTGRES_PORT": str(PG_PORT),
            "TAP_POSTGRES_USER": PG_USER,
            "TAP_POSTGRES_PASSWORD": PG_PASSWORD,
            "TAP_POSTGRES_DATABASE": self.name,
            "TAP_POSTGRES_FILTER_SCHEMAS": '["public"]',
        }


@pytest.fixture
def voter_database(
    postgres_available: None,  # noqa: ARG001 - skips or fails first when the server is down
) -> t.Iterator[VoterDatabase]:
    """Create a database with a unique name and drop it after the test."""
    name = f"br_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user=PG_USER,
        password=PG_PASSWORD,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        try:
            yield VoterDatabase(name=name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def emulator(salesforce_emulator: Emulator) -> Emulator:
    """Return the emulator emptied, with a 255-character utm_campaign field."""
    salesforce_emulator.add_field(
        "Contact",
        {
            "name": UTM_FIELD,
            "type": "string",
            "length": 255,
            "label": "UTM Campaign",
            "createable": True,
            "updateable": True,
            "nillable": True,
            "custom": True,
        },
    )
    return salesforce_emulator


def target_env(emulator: Emulator) -> dict[str, str]:
    """Return the target's emulator settings as Meltano environment variables."""
    return {
        "TARGET_SALESFORCE_BR_LOGIN_URL": emulator.base_url,
        "TARGET_SALESFORCE_BR_DOMAIN": EMULATOR_DOMAIN,
        "TARGET_SALESFORCE_BR_CLIENT_ID": emulator.client_id,
        "TARGET_SALESFORCE_BR_CLIENT_SECRET": emulator.client_secret,
        "TARGET_SALESFORCE_BR_UTM_CAMPAIGN_FIELD": UTM_FIELD,
        "REQUESTS_CA_BUNDLE": emulator.ca_path,
    }
