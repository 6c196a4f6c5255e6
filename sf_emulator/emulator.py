"""``Emulator``: the Python API that starts the HTTPS server and drives the org.

Usage::

    with Emulator() as emu:
        emu.seed("Contact", [{"LastName": "Lee", "Email": "lee@example.org"}])
        session = requests.Session()
        session.verify = emu.ca_path
        ...

The server presents a certificate for 127.0.0.1 and localhost signed by a
throw-away CA (trustme); clients trust ``ca_path``, for example through
``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import logging
import shutil
import ssl
import tempfile
import threading
import typing as t
from pathlib import Path

import trustme

from sf_emulator.config import EmulatorConfig
from sf_emulator.core import OrgState
from sf_emulator.http_server import LOOPBACK, EmulatorServer

if t.TYPE_CHECKING:
    from sf_emulator.faults import Fault, RecordErrorRule

logger = logging.getLogger(__name__)


def _tls_files() -> tuple[ssl.SSLContext, Path]:
    """Create a CA and a server certificate.

    Returns:
        The server's TLS context and the directory that contains ca.pem.
    """
    authority = trustme.CA(organization_name="Salesforce emulator test CA")
    certificate = authority.issue_cert(LOOPBACK, "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    certificate.configure_cert(context)
    directory = Path(tempfile.mkdtemp(prefix="sf-emulator-"))
    authority.cert_pem.write_to_path(str(directory / "ca.pem"))
    return context, directory


class Emulator:
    """A Salesforce org emulated over HTTPS on 127.0.0.1, with in-memory data.

    ``port`` is the TCP port that ``start`` binds by default (0 picks a free
    one). The other keyword arguments are org settings (see
    ``EmulatorConfig``): client_id, client_secret, username, password,
    security_token, soap_login_enabled, use_any_api_auth, daily_api_limit,
    view_all_data, topics_enabled_for_contact and session_seconds_valid.
    """

    def __init__(self, *, port: int = 0, **settings: t.Any) -> None:  # noqa: ANN401
        """Create the org; the server starts with ``start``.

        Raises:
            TypeError: A setting is unknown or has the wrong type.
        """
        config = EmulatorConfig()
        config.update(**settings)
        self.state = OrgState(config)
        self._default_port = port
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._tls_dir: Path | None = None

    # Server lifecycle

    def start(self, port: int | None = None) -> Emulator:
        """Bind 127.0.0.1 and serve in a background thread.

        ``port`` overrides the port given to the constructor; 0 picks a free
        port.

        Raises:
            RuntimeError: The server is already running.
            OSError: The port cannot be bound.
        """
        if self._server is not None:
            msg = "the emulator is already running"
            raise RuntimeError(msg)
        context, self._tls_dir = _tls_files()
        try:
            self._server = EmulatorServer(
                self.state, context, self._default_port if port is None else port
            )
        except OSError:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            raise
        self.state.base_url = f"https://{LOOPBACK}:{self._server.server_address[1]}"
        # A short poll interval makes stop() return quickly.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sf-emulator",
            daemon=True,
        )
        self._thread.start()
        logger.info("Salesforce emulator listening at %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and delete the CA file."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
        self._server = self._thread = self._tls_dir = None
        logger.info("Salesforce emulator stopped")

    def __enter__(self) -> Emulator:  # noqa: PYI034 - not designed for subclassing
        """Start the server unless it runs already."""
        return self if self._server is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server."""
        self.stop()

    @property
    def base_url(self) -> str:
        """Return ``https://127.0.0.1:PORT``, the instance URL of the org."""
        if not self.state.base_url:
            msg = "the emulator has not been started"
            raise RuntimeError(msg)
        return self.state.base_url

    @property
    def port(self) -> int:
        """Return the TCP port the server listens on."""
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def ca_path(self) -> str:
        """Return the path of the CA certificate (PEM) that clients must trust."""
        if self._tls_dir is None:
            msg = "the emulator has not been started"
            raise RuntimeError(msg)
        return str(self._tls_dir / "ca.pem")

    # Settings

    @property
    def config(self) -> EmulatorConfig:
        """Return the live org settings (change them with ``configure``)."""
        return self.state.config

    @property
    def client_id(self) -> str:
        """Return the consumer key accepted by the client credentials flow."""
        return self.state.config.client_id

    @property
    def client_secret(self) -> str:
        """Return the consumer secret accepted by the client credentials flow."""
        return self.state.config.client_secret

    @property
    def username(self) -> str:
        """Return the username accepted by SOAP login()."""
        return self.state.config.username

    @property
    def password(self) -> str:
        """Return the password accepted by SOAP login(), without the token."""
        return self.state.config.password

    @property
    def security_token(self) -> str:
        """Return the security token that login() expects after the password."""
        return self.state.config.security_token

    def configure(self, **settings: t.Any) -> None:  # noqa: ANN401
        """Change org settings; see ``EmulatorConfig`` for the names."""
        self.state.configure(**settings)

    # Data and counters: thin wrappers over OrgState, documented there.

    def reset(self) -> None:
        """Clear data, custom fields, faults, sessions and counters; keep settings."""
        self.state.reset()

    def add_field(
        self, sobject: str, field: dict[str, t.Any], *, keep_on_reset: bool = False
    ) -> dict[str, t.Any]:
        """Add a field to an object's describe; see ``OrgState.add_field``."""
        return self.state.add_field(sobject, field, keep_on_reset=keep_on_reset)

    def describe(self, sobject: str) -> dict[str, t.Any]:
        """Return the describe result of an object."""
        return self.state.describe(sobject)

    def seed(self, sobject: str, records: list[dict[str, t.Any]]) -> list[str]:
        """Insert records without API validation; see ``OrgState.seed``."""
        return self.state.seed(sobject, records)

    def records(
        self, sobject: str, *, include_deleted: bool = False
    ) -> list[dict[str, t.Any]]:
        """Return copies of an object's records with every field."""
        return self.state.records(sobject, include_deleted=include_deleted)

    def api_calls(self) -> dict[str, int]:
        """Return REST calls by endpoint key, such as ``GET query``."""
        return self.state.api_calls()

    def api_calls_total(self) -> int:
        """Return the REST calls counted toward the daily limit."""
        return self.state.api_calls_total()

    def login_calls(self) -> dict[str, int]:
        """Return login attempts by endpoint: ``oauth2/token``, ``soap/login``."""
        return self.state.login_calls()

    def requests_log(self) -> list[dict[str, t.Any]]:
        """Return the logged request shapes, oldest first."""
        return self.state.requests_log()

    def add_fault(  # noqa: PLR0913 - one argument per Fault setting
        self,
        *,
        method: str | None = None,
        path_regex: str | None = None,
        status: int | None = 503,
        body: t.Any = None,  # noqa: ANN401 - JSON value or text
        times: int | None = 1,
        after_calls: int = 0,
        delay_seconds: float = 0.0,
    ) -> Fault:
        """Replace the response of matching calls; see ``Fault``."""
        return self.state.add_fault(
            method=method,
            path_regex=path_regex,
            status=status,
            body=body,
            times=times,
            after_calls=after_calls,
            delay_seconds=delay_seconds,
        )

    def clear_faults(self) -> None:
        """Remove every fault and per-record error rule."""
        self.state.clear_faults()

    def add_record_error(  # noqa: PLR0913 - one argument per rule setting
        self,
        sobject: str,
        field: str,
        value_regex: str,
        status_code: str,
        message: str,
        *,
        times: int | None = None,
    ) -> RecordErrorRule:
        """Fail matching records inside Collections; see ``RecordErrorRule``."""
        return self.state.add_record_error(
            sobject=sobject,
            field=field,
            value_regex=value_regex,
            status_code=status_code,
            message=message,
            times=times,
        )

    def set_duplicate_rule(self, sobject: str, mode: str | None) -> None:
        """Set the Email duplicate rule of an object: None, "alert" or "block"."""
        self.state.set_duplicate_rule(sobject, mode)

    def expire_sessions(self) -> None:
        """Invalidate every token issued so far."""
        self.state.expire_sessions()

    def expire_session_after(self, n_calls: int) -> None:
        """Let ``n_calls`` more API calls pass, then invalidate every token."""
        self.state.expire_session_after(n_calls)
