"""The WSGI application of ``lineagedb ui``: routes, the safety rules, HTML or JSON.

Routes (every page also as JSON: ``?format=json`` or under ``/api``):

    /                               home: instance, counts, latest artifacts and runs
    /registry/<name>                a registry's table (``?q=`` search, field filters,
                                    ``before=`` paging, ``order=`` sorting)
    /record/<name>/<uid>            one record (artifacts: preview, versions, collections;
                                    ``up=``/``down=``: lineage hops)
    /record/<name>/?uid=<uid>       the version switcher's form: to that record's page
    /download/<uid>                 an artifact's bytes (files only)
    /report/<uid>                   an HTML report, sandboxed

Safety: only GET and HEAD (others: 405); with a token (any host but loopback),
every request carries it (``?token=`` once, then a cookie); bytes only of
registered artifacts, found by uid; reports under ``Content-Security-Policy:
sandbox`` so their scripts cannot act as the UI. HTML is rendered by Django's
template engine with autoescaping.

Example:
    >>> status, headers, body = call(make_app(), "/api/")
    >>> status
    '200 OK'
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import re
from collections.abc import Callable, Iterable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError as DjangoValidationError

from lineagedb.errors import InvalidArgument, LineageDBError, NotFound, UnknownField
from lineagedb.models.registry_names import registry_by_name
from lineagedb.ui import pages

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "lineagedb_token"
_HTML = "text/html; charset=utf-8"
_STATIC = {"/static/ui.css": "text/css", "/static/ui.js": "text/javascript"}
_SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    ),
    ("X-Frame-Options", "DENY"),
]
_ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/$"), "home"),
    (re.compile(r"^/registry/(?P<name>[\w.]+)/?$"), "table"),
    (re.compile(r"^/record/(?P<name>[\w.]+)/(?P<uid>[0-9A-Za-z]{1,32})/?$"), "record"),
    (re.compile(r"^/record/(?P<name>[\w.]+)/?$"), "version"),  # the version switcher's form
    (re.compile(r"^/download/(?P<uid>[0-9A-Za-z]{1,32})$"), "download"),
    (re.compile(r"^/report/(?P<uid>[0-9A-Za-z]{1,32})$"), "report"),
]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Headers = list[tuple[str, str]]
Response = tuple[str, Headers, bytes | Iterable[bytes]]  # downloads stream


def make_app(
    token: str | None = None,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI application serving the connected instance (``token``: required on requests).

    Example:
        >>> app = make_app(token="s3cret")
        >>> call(app, "/")[0]
        '403 Forbidden'
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = respond(environ, token)
        start_response(status, headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return []
        return [body] if isinstance(body, bytes) else body

    return app


def respond(environ: dict[str, Any], token: str | None) -> Response:
    """Status, headers and body of one request (the app without WSGI's plumbing).

    Example:
        >>> respond({"REQUEST_METHOD": "POST", "PATH_INFO": "/"}, None)[0]
        '405 Method Not Allowed'
    """
    method = environ.get("REQUEST_METHOD", "GET")
    if method not in ("GET", "HEAD"):
        return _text(
            "405 Method Not Allowed", "lineagedb ui is read-only.", [("Allow", "GET, HEAD")]
        )
    params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    given = params.get("token") or (cookies[COOKIE].value if COOKIE in cookies else "")
    if token is not None and not hmac.compare_digest(given.encode(), token.encode()):
        return _text("403 Forbidden", "This lineagedb ui needs its token: open the URL it printed.")
    extra = (
        [("Set-Cookie", f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/")] if token else []
    )
    path = environ.get("PATH_INFO", "/") or "/"
    if path in _STATIC:  # the page's stylesheet and its one script, from this package
        kind = _STATIC[path]
        body = (TEMPLATES / path.rsplit("/", 1)[-1]).read_bytes()
        return "200 OK", [("Content-Type", kind), *_SECURITY_HEADERS, *extra], body
    as_json = path.startswith("/api")
    if as_json:
        path = path[len("/api") :] or "/"
    as_json = as_json or params.get("format") == "json"
    for pattern, view in _ROUTES:
        match = pattern.match(path)
        if match is None:
            continue
        try:
            return _view(view, match.groupdict(), params, as_json, extra)
        except NotFound as error:
            return _error("404 Not Found", str(error), as_json)
        except (InvalidArgument, UnknownField, ValueError, TypeError) as error:
            return _error("400 Bad Request", str(error), as_json)
        except DjangoValidationError as error:  # a filter value the field cannot hold
            return _error("400 Bad Request", "; ".join(error.messages), as_json)
        except LineageDBError as error:
            return _error("500 Internal Server Error", str(error), as_json)
    return _error("404 Not Found", f"No page {path!r}.", as_json)


def _view(
    view: str, args: dict[str, str], params: dict[str, str], as_json: bool, extra: list[Any]
) -> Response:
    if view in ("download", "report"):
        return _bytes(args["uid"], view, params)
    if view == "version":  # to the chosen version's own page, by uid only
        uid = params.get("uid", "")
        if not re.fullmatch(r"[0-9A-Za-z]{1,32}", uid):
            raise InvalidArgument(f"uid={uid!r} is not a uid: choose a version from the list.")
        registry_by_name(args["name"])  # an unknown registry is a 404 here too
        return "303 See Other", [("Location", f"/record/{args['name']}/{uid}"), *extra], b""
    if view == "home":
        data = pages.home()
    elif view == "table":
        data = pages.table(args["name"], params)
    else:
        data = pages.record(args["name"], args["uid"], params)
    if as_json:
        body = json.dumps(data, default=str).encode()
        return "200 OK", [("Content-Type", "application/json"), *_SECURITY_HEADERS, *extra], body
    html = render(view, data)
    return (
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), *_SECURITY_HEADERS, *extra],
        html,
    )


def render(view: str, data: dict[str, Any]) -> bytes:
    """A page's HTML from its data (Django's template engine, autoescaped).

    Example:
        >>> render("home", pages.home())[:15]
        b'<!DOCTYPE html>'
    """
    from django.template import Context, Engine

    engine = _engine(Engine)
    template = engine.get_template(f"{view}.html")
    return template.render(Context({"page": data, "view": view})).encode()


_ENGINES: dict[str, Any] = {}


def _engine(engine_class: Any) -> Any:
    if "engine" not in _ENGINES:
        _ENGINES["engine"] = engine_class(dirs=[str(TEMPLATES)], autoescape=True)
    return _ENGINES["engine"]


def _bytes(uid: str, view: str, params: dict[str, str]) -> Response:
    """An artifact's bytes, by uid only; a folder has none to give."""
    from lineagedb.models import Artifact

    artifact = Artifact.objects.filter(uid=uid).first()
    if artifact is None:
        raise NotFound(f"No artifact has uid {uid!r}.")
    if artifact.n_objects and artifact.n_objects > 1:
        raise InvalidArgument(f"Artifact {uid} is a folder: download its files with the CLI.")
    path = Path(str(artifact.cache(is_run_input=False)))  # no run's input
    body = _chunks(path)  # streamed: a 1 GB artifact is not read into memory
    kind = mimetypes.guess_type(f"x{artifact.suffix or ''}")[0] or "application/octet-stream"
    headers = [("Content-Type", kind), ("Content-Length", str(path.stat().st_size))]
    if view == "report":
        # The report's scripts run, in an opaque origin: never as the UI. Only the UI's
        # own pages may frame it.
        headers += [
            ("Content-Security-Policy", "sandbox allow-scripts; frame-ancestors 'self'"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return "200 OK", headers, body
    name = (artifact.key or f"{artifact.uid}{artifact.suffix}").rsplit("/", 1)[-1]
    inline = params.get("inline") == "1" and kind.startswith("image/") and kind != "image/svg+xml"
    disposition = "inline" if inline else f'attachment; filename="{name}"'
    headers += [("Content-Disposition", disposition), *_SECURITY_HEADERS]
    return "200 OK", headers, body


def _chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def _text(
    status: str, message: str, extra: list[Any] | None = None
) -> tuple[str, list[tuple[str, str]], bytes]:
    return (
        status,
        [("Content-Type", "text/plain; charset=utf-8"), *_SECURITY_HEADERS, *(extra or [])],
        message.encode(),
    )


def _error(status: str, message: str, as_json: bool) -> Response:
    if as_json:
        body = json.dumps({"error": message}).encode()
        return status, [("Content-Type", "application/json"), *_SECURITY_HEADERS], body
    html = render("error", {"status": status, "message": message})
    return status, [("Content-Type", _HTML), *_SECURITY_HEADERS], html


def call(
    app: Callable[..., Iterable[bytes]], url: str, method: str = "GET"
) -> tuple[str, dict[str, str], bytes]:
    """Call the app in process (tests, doctests): status, headers, body.

    Example:
        >>> call(make_app(), "/api/registry/user")[0]
        '200 OK'
    """
    path, _, query = url.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body
