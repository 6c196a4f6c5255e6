"""The HTTPS server: TLS per connection, HTTP/1.1 keep-alive, size limits.

Each connection is served by its own daemon thread, which also performs the
TLS handshake, so one slow client cannot hold up the others. Salesforce's
limit of 16,384 bytes is checked here: a longer URI gets 414 and a longer URI
plus headers gets 431, before any routing. (``http.server`` only stops lines
at 65,536 bytes on its own.)
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sf_emulator import dispatch
from sf_emulator.config import MAX_BODY_BYTES, MAX_URI_AND_HEADER_BYTES, MAX_URI_BYTES
from sf_emulator.wire import Request, Response, text_response

if t.TYPE_CHECKING:
    import ssl

    from sf_emulator.core import OrgState

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
# Seconds an idle keep-alive connection stays open.
IDLE_TIMEOUT_SECONDS = 60


class EmulatorServer(ThreadingHTTPServer):
    """Threaded HTTPS server bound to the loopback address."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, state: OrgState, ssl_context: ssl.SSLContext, port: int) -> None:
        """Bind 127.0.0.1 on ``port`` (0 picks a free port)."""
        self.state = state
        self.ssl_context = ssl_context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((LOOPBACK, port), RequestHandler)

    def track(self, connection: socket.socket, *, active: bool) -> None:
        """Add or remove a connection from the set closed by ``close_connections``."""
        with self._connections_lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open connection, so no kept-alive client is served later."""
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        """Log a failed connection, often a client that left the TLS handshake.

        socketserver calls this inside its exception handler, so the
        traceback is still available to the logging call.
        """
        del request
        logger.debug(
            "Connection from %s failed",
            client_address,
            exc_info=True,  # noqa: LOG014
        )


class RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into ``Request`` objects for the dispatcher."""

    protocol_version = "HTTP/1.1"
    server_version = "SalesforceEmulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    # Headers and body go out in separate writes; without TCP_NODELAY the
    # client's delayed ACK would add about 40 ms to every response.
    disable_nagle_algorithm = True
    server: EmulatorServer

    def setup(self) -> None:
        """Perform the TLS handshake, then set up the buffered streams."""
        self.request.settimeout(self.timeout)
        self.request = self.server.ssl_context.wrap_socket(
            self.request, server_side=True
        )
        self.server.track(self.request, active=True)
        super().setup()

    def finish(self) -> None:
        """Flush the streams and close the TLS connection."""
        try:
            super().finish()
        finally:
            self.server.track(self.request, active=False)
            self.request.close()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the method, path and status at DEBUG, leaving out the query string.

        A query string carries SOQL, whose values are often email addresses.
        """
        del size
        path = getattr(self, "path", "").partition("?")[0]
        logger.debug("%s %s -> %s", getattr(self, "command", "-"), path, code)

    def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002, ANN401
        """Send http.server's error lines to DEBUG logging."""
        logger.debug("%s %s", self.address_string(), format % args)

    def parse_request(self) -> bool:
        """Parse the request line and headers, then apply Salesforce's size limits."""
        if not super().parse_request():
            return False
        uri_bytes = len(self.path)  # decoded as ISO-8859-1, so one char per byte
        header_bytes = sum(
            len(name) + len(value) + 4 for name, value in self.headers.items()
        )
        if uri_bytes > MAX_URI_BYTES:
            self._reject(414, "URI Too Long")
            return False
        if uri_bytes + header_bytes > MAX_URI_AND_HEADER_BYTES:
            self._reject(431, "Request Header Fields Too Large")
            return False
        return True

    def _reject(self, status: int, reason: str) -> None:
        """Send the error for a request that never reaches routing, then close."""
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, self.headers)
        dispatch.log_request(
            self.server.state, request, status, f"{self.command} rejected"
        )
        page = f"<html><body><h1>{status} {reason}</h1></body></html>"
        self.close_connection = True
        self._write(
            text_response(status, page, "text/html;charset=UTF-8"),
            connection_close=True,
        )

    def _read_body(self) -> bytes | None:
        """Return the request body, or None after rejecting a body it cannot read."""
        if self.headers.get("Transfer-Encoding", "").casefold() == "chunked":
            self.close_connection = True
            self._write(text_response(411, "Length Required"), connection_close=True)
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._write(
                text_response(413, "Request body too large or invalid Content-Length"),
                connection_close=True,
            )
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, self.headers, body)
        response = dispatch.handle_request(self.server.state, request)
        self._write(response)

    def _write(self, response: Response, *, connection_close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if connection_close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815
    do_HEAD = _serve  # noqa: N815
