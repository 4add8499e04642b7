"""`lineagedb ui` in a real browser (#31): Playwright driving Debian's chromium against a
server on 127.0.0.1 — pages load without console errors, search forgives a typo,
versions and lineage nodes lead to their pages, previews render, nothing leaves
127.0.0.1. Writes the README's screenshot when LINEAGEDB_WRITE_SCREENSHOT=1."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lineagedb.ui.server import make_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOT = Path(__file__).parents[2] / "docs" / "ui-artifact.png"


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium, headless, from the system (`playwright install` cannot download here)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("chromium is not installed: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def site(filled: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The filled instance served on 127.0.0.1 (a free port), stopped after the test."""
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.url.rstrip("/"), filled
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def page(browser: Any, site: tuple[str, dict[str, Any]]) -> Iterator[Any]:
    """A page that records console errors and every request's URL."""
    base, _ = site
    opened = browser.new_page()
    opened.errors, opened.requests = [], []
    opened.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))
    opened.on("request", lambda r: opened.requests.append(r.url))
    yield opened
    outside = [url for url in opened.requests if not url.startswith(base + "/")]
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    opened.close()


def test_every_page_loads_without_console_errors(page: Any, site: tuple[str, Any]) -> None:
    base, filled = site
    urls = ["/", *(f"/registry/{name}" for name in ("artifact", "collection", "run", "transform"))]
    urls += ["/registry/ulabel", "/registry/feature", "/registry/user", "/registry/storage"]
    urls += [f"/record/artifact/{filled[key].uid}" for key in ("table", "text", "image", "cells")]
    urls += [
        f"/record/collection/{filled['collection'].uid}",
        f"/record/transform/{filled['transform'].uid}",
        f"/record/run/{filled['table'].run.uid}",
    ]
    for url in urls:
        response = page.goto(base + url)
        assert response.status == 200, url
        assert page.errors == [], (url, page.errors)


def test_search_forgives_a_typo_as_you_type(page: Any, site: tuple[str, Any]) -> None:
    base, _ = site
    page.goto(base + "/registry/artifact")
    assert page.locator("tr.record").count() == 5
    page.type("input[name=q]", "notez", delay=30)  # "notes.txt", one letter off; no Enter
    page.locator("table.records[data-query='notez']").wait_for()  # the page's CSP forbids eval
    assert page.locator("tr.record td", has_text="notes.txt").count() == 1
    page.press("input[name=q]", "Enter")  # without the script, the form does the same
    page.wait_for_url("**q=notez**")
    assert page.locator("td", has_text="notes.txt").count() == 1


def test_versions_and_lineage_nodes_lead_to_their_pages(
    page: Any, site: tuple[str, Any], tmp_path: Path
) -> None:
    base, filled = site
    ln, first = filled["ln"], filled["text"]
    changed = tmp_path / "elsewhere" / "notes.txt"
    changed.parent.mkdir()
    changed.write_text(Path(first.path).read_text() + "line three\n")
    second = ln.Artifact(changed, key="notes.txt").save()  # its next version
    page.goto(f"{base}/record/artifact/{first.uid}")
    page.click(f"a[href='/record/artifact/{second.uid}']")
    page.wait_for_url(f"**/record/artifact/{second.uid}")
    assert "line three" in page.inner_text("pre.preview")
    page.select_option("form.versions select", first.uid)  # the switcher, back to the first
    page.wait_for_url(f"**/record/artifact/{first.uid}")
    assert "line three" not in page.inner_text("pre.preview")
    assert page.eval_on_selector("form.versions select", "s => s.value") == first.uid
    page.goto(f"{base}/record/artifact/{filled['table'].uid}")
    run_uid = filled["table"].run.uid
    page.click(f"svg a[href='/record/Run/{run_uid}']")
    page.wait_for_url(f"**/record/Run/{run_uid}")
    assert "t.parquet" in page.inner_text("main")


def test_previews_render(page: Any, site: tuple[str, Any]) -> None:
    base, filled = site
    page.goto(f"{base}/record/artifact/{filled['table'].uid}")
    assert page.locator("table.preview td", has_text="CD3E").count() == 1
    if os.environ.get("LINEAGEDB_WRITE_SCREENSHOT") == "1":
        page.set_viewport_size({"width": 1100, "height": 900})
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.goto(f"{base}/record/artifact/{filled['image'].uid}")
    image = page.locator("img.preview")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    page.goto(f"{base}/record/artifact/{filled['cells'].uid}")
    assert page.inner_text("dd.shape") == "12 × 4"


def test_a_runs_report_shows_inline_in_its_sandbox(
    page: Any, site: tuple[str, Any], tmp_path: Path
) -> None:
    base, filled = site
    ln, run = filled["ln"], filled["table"].run
    report = tmp_path / "report.html"
    script = "document.body.dataset.ran = String(window.origin);"
    report.write_text(f"<html><body><h1>Clustering</h1><script>{script}</script></body></html>")
    run.report = ln.Artifact(report, description="report").save()
    run.save()
    page.goto(f"{base}/record/run/{run.uid}")
    frame = page.frame_locator("iframe.report")
    assert frame.locator("h1").inner_text() == "Clustering"
    # Its script ran, in an opaque origin ("null"): never as the UI.
    assert frame.locator("body").get_attribute("data-ran") == "null"
    assert page.errors == []
