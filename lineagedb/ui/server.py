"""Serving the UI: the standard library's WSGI server, one thread per request.

``wsgiref`` ships with Python: no new dependency, and a local, read-only UI for
one lab needs neither a process pool nor TLS (it binds to 127.0.0.1; another
host needs the token printed in the URL). Threads, because a browser opens a
few connections at once and a slow preview must not block the page.

Example:
    >>> server = make_server("127.0.0.1", 0)
    >>> server.server_address[0]
    '127.0.0.1'
    >>> server.server_close()
"""

from __future__ import annotations

import secrets
import socketserver
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as _wsgiref_server

from lineagedb._base.logger import logger
from lineagedb.ui.app import make_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = False  # server_close() waits for requests (and their connections)
    block_on_close = True


class _QuietHandler(WSGIRequestHandler):
    def handle(self) -> None:
        try:
            super().handle()
        finally:  # this request's thread opened its own database connection: close it
            from django.db import connections

            connections.close_all()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("ui: " + format % args)


def make_server(host: str, port: int, token: str | None = None) -> Any:
    """A server of the connected instance on ``host:port`` (0: any free port); not started.

    Off loopback a token is required (a new one when not given): ``server.url`` has it.

    Example:
        >>> server = make_server("127.0.0.1", 0)
        >>> server.token is None
        True
        >>> server.server_close()
    """
    if host not in LOOPBACK and token is None:
        token = secrets.token_urlsafe(24)
    server = _wsgiref_server(
        host, port, make_app(token), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    server.token = token  # type: ignore[attr-defined]
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    query = f"?token={token}" if token else ""
    server.url = f"http://{bound_host}:{bound_port}/{query}"  # type: ignore[attr-defined]
    return server
