"""`lineagedb ui` on the server side (#31): every page and its JSON twin, previews, and the
safety rules, in process and through a real server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from lineagedb.ui.app import call, make_app
from lineagedb.ui.server import make_server


def get(url: str, app: Any = None) -> tuple[str, dict[str, str], bytes]:
    return call(app or make_app(), url)


def test_every_registry_and_record_has_a_page_and_a_json_twin(filled: dict[str, Any]) -> None:
    ln = filled["ln"]
    assert get("/")[0] == "200 OK"
    home = json.loads(get("/api/")[2])
    assert home["counts"]["Artifact"] == 5  # the trashed one is not counted
    assert home["instance"]["storage"] == ln.settings.storage.as_posix()
    for name in ("artifact", "collection", "run", "storage", "transform", "user"):
        status, headers, _ = get(f"/registry/{name}")
        assert status == "200 OK" and headers["Content-Type"].startswith("text/html"), name
        twin = json.loads(get(f"/api/registry/{name}")[2])
        assert twin["rows"], name
        for row in twin["rows"][:3]:  # every record of it has its page and twin
            uid = row["uid"]
            assert get(f"/record/{name}/{uid}")[0] == "200 OK", (name, uid)
            assert json.loads(get(f"/record/{name}/{uid}?format=json")[2])["uid"] == uid
    for name in ("ulabel", "feature", "featureset"):
        assert get(f"/registry/{name}")[0] == "200 OK"


def test_tables_search_filter_sort_and_page(filled: dict[str, Any]) -> None:
    found = json.loads(get("/api/registry/artifact?q=notes")[2])["rows"]
    assert found[0]["key"] == "notes.txt"
    typo = json.loads(get("/api/registry/artifact?q=notez")[2])["rows"]
    assert typo and typo[0]["key"] == "notes.txt"  # one letter off
    by_suffix = json.loads(get("/api/registry/artifact?suffix=.png")[2])["rows"]
    assert [row["key"] for row in by_suffix] == ["cell.png"]
    by_label = json.loads(get("/api/registry/artifact?ulabels__name=study0")[2])["rows"]
    assert [row["key"] for row in by_label] == ["t.parquet"]
    first = json.loads(get("/api/registry/artifact?limit=2")[2])
    second = json.loads(get(f"/api/registry/artifact?limit=2&before={first['next_before']}")[2])
    keys = [r["key"] for r in first["rows"] + second["rows"]]
    assert len(set(keys)) == 4  # no row twice across pages
    largest = json.loads(get("/api/registry/artifact?order=-size&limit=1")[2])["rows"][0]
    assert largest["size"] == max(
        r["size"] for r in json.loads(get("/api/registry/artifact")[2])["rows"]
    )
    trashed = json.loads(get("/api/registry/artifact?trash=1")[2])["rows"]
    assert "gone.parquet" in [r["key"] for r in trashed]
    assert get("/api/registry/artifact?nosuchfield=1")[0] == "400 Bad Request"
    assert get("/api/registry/artifact?limit=x")[0] == "400 Bad Request"
    assert get("/api/registry/artifact?size=abc")[0] == "400 Bad Request"
    assert get("/api/registry/artifact?created_at=yesterday")[0] == "400 Bad Request"


def test_artifact_pages_preview_their_bytes(filled: dict[str, Any]) -> None:
    def preview(key: str) -> dict[str, Any]:
        uid = filled[key].uid
        return json.loads(get(f"/api/record/artifact/{uid}")[2])["preview"]

    table = preview("table")
    assert table["kind"] == "table" and table["rows"] == [["CD3E", 3], ["MS4A1", 5]]
    assert preview("text") == {"kind": "text", "lines": ["line one", "line two"]}
    assert preview("cells")["shape"] == [12, 4]
    assert preview("study") == {"kind": "tree", "files": ["a.csv", "b.csv"], "n_files": 2}
    image = preview("image")
    status, headers, body = get(image["src"])
    assert status == "200 OK" and headers["Content-Type"] == "image/png" and body == filled["png"]
    assert headers["Content-Disposition"] == "inline"
    page = get(f"/record/artifact/{filled['table'].uid}")[2].decode()
    assert "<td>CD3E</td>" in page and "bundle" in page  # the preview and its collection
    text = get(f"/record/artifact/{filled['text'].uid}")[2].decode()
    assert "line one\nline two" in text  # the text preview, line by line
    run = json.loads(get(f"/api/record/run/{filled['table'].run.uid}")[2])
    assert "t.parquet" in [row["name"] for row in run["links"]["output_artifacts"]]


def test_only_registered_bytes_and_reports_sandboxed(filled: dict[str, Any]) -> None:
    ln = filled["ln"]
    headers, body = get(f"/download/{filled['text'].uid}")[1:]
    assert body == b"line one\nline two\n" and "attachment" in headers["Content-Disposition"]
    for probe in ("/download/../../etc/passwd", "/download/%2e%2e%2fetc", "/record/artifact/../x"):
        assert get(probe)[0] == "404 Not Found", probe
    assert get(f"/download/{filled['study'].uid}")[0] == "400 Bad Request"  # a folder
    report = ln.Artifact.filter(key="notes.txt").one()
    headers = get(f"/report/{report.uid}")[1]
    assert headers["Content-Security-Policy"] == "sandbox allow-scripts; frame-ancestors 'self'"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert call(make_app(), "/", method)[0] == "405 Method Not Allowed"
    assert get("/")[1]["X-Frame-Options"] == "DENY"


@pytest.fixture
def served(instance: ModuleType) -> Iterator[Any]:
    """A real server on 127.0.0.1 (any free port), stopped after the test."""
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_real_server_on_loopback_needs_no_token(served: Any) -> None:
    assert served.token is None and served.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(served.url + "api/registry/user") as response:
        assert json.loads(response.read())["rows"][0]["handle"] == "anonymous"
    request = urllib.request.Request(served.url, method="POST", data=b"x")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 405
    refused.value.close()


def test_off_loopback_every_request_needs_the_token(instance: ModuleType) -> None:
    app = make_app(token="s3cret")
    assert call(app, "/api/")[0] == "403 Forbidden"
    assert call(app, "/api/?token=wrong")[0] == "403 Forbidden"
    status, headers, _ = call(app, "/api/?token=s3cret")
    assert status == "200 OK" and "lineagedb_token=s3cret" in headers["Set-Cookie"]
    server = make_server("0.0.0.0", 0)  # another host: a token is made and printed
    try:
        assert server.token and f"?token={server.token}" in server.url
    finally:
        server.server_close()


def test_lineage_is_a_picture_with_links_without_graphviz(
    filled: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = filled["table"]
    page = json.loads(get(f"/api/record/artifact/{table.uid}")[2])
    svg = page["lineage_svg"]
    assert svg.startswith("<svg") and "t.parquet" in svg
    assert f'href="/record/Artifact/{table.uid}"' in svg and f"/record/Run/{table.run.uid}" in svg
    transform = json.loads(get(f"/api/record/transform/{filled['transform'].uid}")[2])
    assert "Preprocess" in transform["lineage_svg"]
    # In Jupyter without Graphviz's dot, view_lineage() renders this SVG, not DOT text.
    monkeypatch.setattr("shutil.which", lambda name: None)
    bundle = table.view_lineage()._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")


def test_a_wide_layer_is_grouped() -> None:
    from lineagedb.display.layout import layout_svg

    nodes = {"run": ("run", "ellipse", True, None)}
    nodes.update({f"o{i}": (f"out {i}", "box", False, None) for i in range(10_000)})
    svg = layout_svg(nodes, [("run", f"o{i}") for i in range(10_000)])
    assert "… 9988 more" in svg and svg.count("<rect") == 14  # run, 12 outputs, the group


def test_transform_and_run_pages_show_source_and_report(
    filled: dict[str, Any], tmp_path: Path
) -> None:
    ln = filled["ln"]
    transform, run = filled["transform"], filled["table"].run
    script = tmp_path / "preprocess.py"
    script.write_text("import lineagedb as ln\nln.track()\n")
    transform.source_code = ln.Artifact(script, description="source of Preprocess").save()
    transform.save()
    (tmp_path / "report.html").write_text("<html><script>alert(1)</script></html>")
    run.report = ln.Artifact(tmp_path / "report.html", description="report").save()
    (tmp_path / "environment.txt").write_text("pandas==2.2.3\nanndata==0.12.0\n")
    run.environment = ln.Artifact(tmp_path / "environment.txt", description="env").save()
    run.save()
    page = json.loads(get(f"/api/record/transform/{transform.uid}")[2])
    assert page["source_code"] == ["import lineagedb as ln", "ln.track()"]
    assert "ln.track()" in get(f"/record/transform/{transform.uid}")[2].decode()
    links = json.loads(get(f"/api/record/run/{run.uid}")[2])["artifacts"]
    html = get(f"/record/run/{run.uid}")[2].decode()
    assert f'href="/report/{links["report"]}"' in html
    # Inline too, framed in a sandbox: its scripts run, but never as the UI.
    assert f'<iframe class="report" sandbox="allow-scripts" src="/report/{links["report"]}"' in html
    policy = get(f"/report/{links['report']}")[1]["Content-Security-Policy"]
    assert policy == "sandbox allow-scripts; frame-ancestors 'self'"
    assert '<pre class="environment">pandas==2.2.3\nanndata==0.12.0' in html
    latest = json.loads(get(f"/api/record/transform/{transform.uid}")[2])
    assert latest.get("report_uid") in (None, links["report"])  # a transform's latest report


def test_lineage_shows_what_used_the_record_too(filled: dict[str, Any], tmp_path: Path) -> None:
    ln, table = filled["ln"], filled["table"]
    run = ln.track(transform=ln.Transform(name="Cluster", type="pipeline").save())
    table.load()  # an input of the tracked run
    (tmp_path / "clusters.csv").write_text("cluster\n1\n")
    made = ln.Artifact(tmp_path / "clusters.csv", key="clusters.csv").save()
    ln.finish()
    svg = json.loads(get(f"/api/record/artifact/{table.uid}")[2])["lineage_svg"]
    assert f"/record/Run/{run.uid}" in svg and f"/record/Artifact/{made.uid}" in svg
    run_page = json.loads(get(f"/api/record/run/{run.uid}")[2])["lineage_svg"]
    assert f"/record/Artifact/{made.uid}" in run_page  # a run's page shows its outputs


def test_lineage_goes_as_many_hops_as_asked(filled: dict[str, Any], tmp_path: Path) -> None:
    ln, table = filled["ln"], filled["table"]
    made = []
    source = table
    for step in ("Cluster", "Plot"):  # table → Cluster → clusters.csv → Plot → plot.csv
        run = ln.track(transform=ln.Transform(name=step, type="pipeline").save())
        source.cache()  # an input of the tracked run
        ln.Run.get(id=run.id).input_artifacts.add(source)
        (tmp_path / f"{step}.csv").write_text(f"{step}\n1\n")  # bytes of its own
        source = ln.Artifact(tmp_path / f"{step}.csv", key=f"{step}.csv").save()
        made.append(source)
        ln.finish()
    clusters, plot = made

    def svg(record: Any, query: str = "") -> str:
        return str(json.loads(get(f"/api/record/artifact/{record.uid}{query}")[2])["lineage_svg"])

    assert f"/record/Artifact/{clusters.uid}" in svg(table)
    assert f"/record/Artifact/{plot.uid}" not in svg(table)  # one hop forward by default
    assert f"/record/Artifact/{plot.uid}" in svg(table, "?down=2")
    assert f"/record/Artifact/{table.uid}" in svg(plot)  # back to the start by default
    back_one = svg(plot, "?up=1")
    assert f"/record/Artifact/{clusters.uid}" in back_one
    assert f"/record/Artifact/{table.uid}" not in back_one
    assert svg(plot, "?up=0&down=0").count("/record/") == 1  # the record alone
    assert get(f"/record/artifact/{plot.uid}?down=99")[0] == "400 Bad Request"
    assert "?down=2" in get(f"/record/artifact/{table.uid}")[2].decode()  # one more forward


def test_the_version_switcher_opens_the_chosen_version(
    filled: dict[str, Any], tmp_path: Path
) -> None:
    ln, first = filled["ln"], filled["text"]
    changed = tmp_path / "v2" / "notes.txt"
    changed.parent.mkdir()
    changed.write_text("line one\nline two\nline three\n")
    second = ln.Artifact(changed, key="notes.txt").save()
    html = get(f"/record/artifact/{first.uid}")[2].decode()
    assert '<form class="versions" method="get" action="/record/artifact/">' in html
    assert f'<option value="{first.uid}" selected>' in html
    assert f'<option value="{second.uid}">' in html
    status, headers, _ = get(f"/record/artifact/?uid={second.uid}")
    assert (status, headers["Location"]) == ("303 See Other", f"/record/artifact/{second.uid}")
    assert get("/record/artifact/?uid=../../etc")[0] == "400 Bad Request"
    assert get(f"/record/nothing/?uid={second.uid}")[0] == "404 Not Found"
    versions = json.loads(get(f"/api/record/artifact/{second.uid}")[2])["versions"]
    assert [v["uid"] for v in versions] == [second.uid, first.uid]  # the latest first
    collection = filled["collection"]
    page = json.loads(get(f"/api/record/collection/{collection.uid}")[2])
    assert [v["uid"] for v in page["versions"]] == [collection.uid]
    assert [row["name"] for row in page["links"]["artifacts"]] == ["t.parquet", "notes.txt"]


def test_a_feature_page_lists_its_values_and_links_to_their_artifacts(
    filled: dict[str, Any],
) -> None:
    ln = filled["ln"]
    temperature = ln.Feature(name="temperature", dtype="float").save()
    filled["table"].features.add_values({"temperature": 37.5})
    filled["text"].features.add_values({"temperature": 37.5})
    filled["image"].features.add_values({"temperature": 20.0})
    page = json.loads(get(f"/api/record/feature/{temperature.uid}")[2])
    assert page["values"] == [
        {"value": 37.5, "text": "37.5", "n": 2},
        {"value": 20.0, "text": "20.0", "n": 1},
    ]
    html = get(f"/record/feature/{temperature.uid}")[2].decode()
    assert '<a href="/registry/artifact?temperature=37.5">2</a>' in html
    found = json.loads(get("/api/registry/artifact?temperature=37.5")[2])["rows"]
    assert sorted(row["key"] for row in found) == ["notes.txt", "t.parquet"]


def test_what_the_ui_reads_is_no_input_of_the_tracked_run(filled: dict[str, Any]) -> None:
    ln = filled["ln"]
    run = ln.track(transform=ln.Transform(name="Notebook", type="notebook").save())
    for key in ("table", "text", "cells"):  # ln.ui() in a tracked notebook: previews
        assert get(f"/record/artifact/{filled[key].uid}")[0] == "200 OK"
    assert get(f"/download/{filled['text'].uid}")[2] == b"line one\nline two\n"
    assert ln.Run.get(id=run.id).input_artifacts.count() == 0
    filled["text"].cache()  # the notebook's own read is one
    assert list(ln.Run.get(id=run.id).input_artifacts.all()) == [filled["text"]]
    ln.finish()


@pytest.mark.parametrize("storage_instance", ["s3"], indirect=True)
def test_a_bucket_instance_pages_previews_and_downloads(
    storage_instance: ModuleType, tmp_path: Path, png: bytes
) -> None:
    ln = storage_instance
    table = ln.Artifact.from_df(pd.DataFrame({"gene": ["CD3E"], "n": [3]}), key="t.parquet")
    table = table.save()
    (tmp_path / "cell.png").write_bytes(png)
    image = ln.Artifact(tmp_path / "cell.png", key="cell.png").save()
    cells = ln.Artifact.from_anndata(ln.datasets.anndata_counts(n_obs=6, n_vars=3), key="c.h5ad")
    cells = cells.save()
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "a.csv").write_text("x\n1\n")
    study = ln.Artifact(tmp_path / "study", key="study").save()
    home = json.loads(get("/api/")[2])
    assert home["instance"]["storage"].startswith("s3://") and home["counts"]["Artifact"] == 4
    preview = json.loads(get(f"/api/record/artifact/{table.uid}")[2])["preview"]
    assert preview["rows"] == [["CD3E", 3]]
    assert json.loads(get(f"/api/record/artifact/{cells.uid}")[2])["preview"]["shape"] == [6, 3]
    assert json.loads(get(f"/api/record/artifact/{study.uid}")[2])["preview"]["files"] == ["a.csv"]
    status, headers, body = get(f"/download/{image.uid}?inline=1")
    assert (status, headers["Content-Type"], body) == ("200 OK", "image/png", png)
    assert get(f"/record/artifact/{image.uid}")[0] == "200 OK"


def test_a_run_with_many_outputs_is_drawn_grouped(filled: dict[str, Any], tmp_path: Path) -> None:
    ln = filled["ln"]
    run = ln.track(transform=ln.Transform(name="Split", type="pipeline").save())
    for i in range(30):
        (tmp_path / f"part{i}.csv").write_text(f"part\n{i}\n")
    ln.save([ln.Artifact(tmp_path / f"part{i}.csv", key=f"parts/{i}.csv") for i in range(30)])
    ln.finish()
    svg = json.loads(get(f"/api/record/run/{run.uid}")[2])["lineage_svg"]
    assert "… 18 more" in svg  # 12 outputs drawn, the rest one node
    assert svg.count("/record/Artifact/") == 12


def test_module_registries_have_tables_pages_and_hierarchies(
    database: str | None, tmp_path: Path
) -> None:
    import lineagedb as ln
    from lineagedb import bionty as bt
    from lineagedb.setup._django import disconnect

    ln.setup.init(storage=tmp_path / "data", db=database, schema="bionty")
    try:
        t_cell = bt.CellType.from_source(name="T cell").save()
        cd8 = bt.CellType.from_source(name="CD8-positive, alpha-beta T cell").save()
        cd8.parents.add(t_cell)
        home = json.loads(get("/api/")[2])
        assert home["counts"]["bionty.CellType"] == bt.CellType.filter().count() >= 2
        assert home["instance"]["modules"] == ["bionty"]
        table = json.loads(get("/api/registry/bionty.CellType?q=t cel")[2])
        assert table["rows"][0]["name"] == "T cell"
        page = json.loads(get(f"/api/record/bionty.CellType/{cd8.uid}")[2])
        parent = {"registry": "bionty.CellType", "uid": t_cell.uid, "name": "T cell"}
        assert parent in page["links"]["parents"]
        assert f"/record/bionty.CellType/{t_cell.uid}" in page["lineage_svg"]  # its hierarchy
        html = get(f"/record/bionty.CellType/{t_cell.uid}")[2].decode()
        assert "CD8-positive, alpha-beta T cell" in html
    finally:
        disconnect()
