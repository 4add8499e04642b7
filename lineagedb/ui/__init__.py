"""``lineagedb ui`` / ``ln.ui()``: the connected instance in a browser, read-only.

Pages for the instance, every registry (search, filters, paging) and every record
(an artifact's describe(), preview, versions and collections; a run's inputs and
outputs; a transform's runs and parents), each with a JSON twin. Served by the
standard library (``server.py``), rendered by Django's template engine (``app.py``),
from plain data (``pages.py``).

Example (not run here: it serves until Ctrl-C):
    >>> ln.ui(port=8765)  # doctest: +SKIP
    lineagedb ui: http://127.0.0.1:8765/
"""

from __future__ import annotations

import webbrowser

from lineagedb._base.session import session

__all__ = ["serve"]


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> None:
    """Serve the connected instance until Ctrl-C; prints the URL (with its token off loopback).

    Example:
        >>> serve(port=8765)  # serves until Ctrl-C  # doctest: +SKIP
    """
    session.ensure_connected()  # the pages read the registries: Django first
    from lineagedb.ui.server import make_server

    server = make_server(host, port)
    print(f"lineagedb ui: {server.url}", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
