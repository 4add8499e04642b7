"""``lineagedb ui``: serve the connected instance in a browser, read-only."""

from __future__ import annotations

import click

from lineagedb.cli._base import main


@main.command()
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Off loopback: a token.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
def ui(port: int, host: str, open_browser: bool) -> None:
    """Serve the connected instance in a browser (read-only) until Ctrl-C.

    Prints the URL; on a host other than 127.0.0.1 the URL carries a token
    that every request needs. Every page has a JSON twin under /api.

    Example:

        lineagedb ui --port 8765 --open
    """
    from lineagedb.ui import serve

    serve(host=host, port=port, open_browser=open_browser)
