"""Lineage as a Process Run Crate, validated by roc-validator (the RO-Crate validator).

roc-validator reads the crate's JSON-LD context from w3id.org; no test reaches the
internet, so its HTTP session is served the RO-Crate context that ro-crate-py's wheel
ships (``rocrate/data/ro-crate.jsonld``, the 1.3 context: RO-Crate's contexts only add
terms from release to release) and answers 404 for anything else.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _exchange_runs import instance_at, normalize_run
from click.testing import CliRunner

import lineagedb as ln
from lineagedb.errors import InvalidArgument
from lineagedb.exchange.ro_crate import export_ro_crate

pytest.importorskip("rocrate_validator")
# The validator's own use of rdflib (not lineagedb's).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# What the profile recommends that a registry cannot know: a URL for each transform and
# an absolute URI as its id, the publisher organization and the author's affiliation.
_UNKNOWABLE = {
    "Application url",
    "SoftwareApplication id",
    "Root Data Entity: `publisher` property",
    "CreativeWork Author: RECOMMENDED affiliation property",
    "CreativeWork Author: RECOMMENDED Contextual Entity linked for the organizational "
    "`affiliation` property",
}


@pytest.fixture
def offline_contexts(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests
    import rocrate
    from requests.adapters import BaseAdapter

    context = (Path(rocrate.__file__).parent / "data" / "ro-crate.jsonld").read_bytes()

    class Shipped(BaseAdapter):
        def send(self, request: Any, **kwargs: Any) -> requests.Response:
            response = requests.Response()
            response.url, response.request = request.url, request
            response.encoding, response.elapsed = "utf-8", datetime.timedelta(0)
            known = request.url.startswith("https://w3id.org/ro/crate/")
            response.status_code = 200 if known else 404
            response._content = context if known else b""
            response.raw = io.BytesIO(response._content)
            response.headers["Content-Type"] = "application/ld+json"
            return response

        def close(self) -> None:
            pass

    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: Shipped())


def validate(folder: Path, severity: str) -> list[tuple[str, str]]:
    from rocrate_validator import models, services

    settings = services.ValidationSettings(
        rocrate_uri=str(folder),
        profile_identifier="process-run-crate-0.5",
        requirement_severity=getattr(models.Severity, severity),
        no_cache=True,
    )
    result = services.validate(settings)
    return [(issue.check.name, issue.message) for issue in result.get_issues()]


@pytest.fixture
def instance(database: str | None, tmp_path: Path) -> Iterator[Path]:
    yield from instance_at(tmp_path, database)


def test_the_crate_of_a_run_validates_and_says_what_ran(
    instance: Path, offline_contexts: None
) -> None:
    source, output, run = normalize_run(instance)
    path = export_ro_crate(output, instance / "crate")
    assert validate(path.parent, "REQUIRED") == []
    left = {name for name, _ in validate(path.parent, "RECOMMENDED")}
    assert left <= _UNKNOWABLE, left - _UNKNOWABLE
    graph = {e["@id"]: e for e in json.loads(path.read_text())["@graph"]}
    action = graph[f"#run-{run.uid}"]
    assert action["@type"] == "CreateAction"
    assert graph[action["instrument"]["@id"]]["name"] == "normalize"
    objects = [graph[o["@id"]] for o in action["object"]]
    assert [o["identifier"] for o in objects if o["@type"] == "File"] == [source.uid]
    (param,) = [o for o in objects if o["@type"] == "PropertyValue"]
    assert (param["name"], param["value"]) == ("k", "2")
    result = graph[action["result"]["@id"]]
    assert result["identifier"] == output.uid
    assert action["result"]["@id"] == output.path.as_uri()
    assert action["actionStatus"] == "http://schema.org/CompletedActionStatus"
    assert action["startTime"].endswith("+00:00")
    assert graph["./"]["mentions"] == {"@id": action["@id"]}


def test_with_include_data_the_files_are_in_the_crate(
    instance: Path, offline_contexts: None
) -> None:
    source, output, _ = normalize_run(instance)
    result = CliRunner().invoke(
        _main(),
        [
            "export",
            output.uid,
            "--format",
            "ro-crate",
            "--output",
            str(instance / "crate"),
            "--include-data",
            "--license",
            "https://creativecommons.org/licenses/by/4.0/",
        ],
    )
    assert result.exit_code == 0, result.output
    crate = instance / "crate"
    assert validate(crate, "REQUIRED") == []
    graph = {
        e["@id"]: e for e in json.loads((crate / "ro-crate-metadata.json").read_text())["@graph"]
    }
    copied = f"data/{output.uid}.parquet"
    assert (crate / copied).read_bytes() == output.path.read_bytes()
    assert graph[copied]["url"] == output.path.as_uri()
    assert graph["./"]["license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/"}
    assert {"@id": copied} in graph["./"]["hasPart"]
    assert source.uid in (crate / "ro-crate-metadata.json").read_text()


def test_a_folder_that_is_not_empty_is_refused(instance: Path) -> None:
    _, output, _ = normalize_run(instance)
    (instance / "crate").mkdir()
    (instance / "crate" / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgument, match="is not empty"):
        export_ro_crate(output, instance / "crate")
    result = CliRunner().invoke(_main(), ["export", output.uid, "--format", "ro-crate"])
    assert result.exit_code == 2 and "--output DIR" in result.output


def _main() -> Any:
    from lineagedb.cli import main

    return main


def test_a_crate_imports_into_another_instance(instance: Path, tmp_path: Path) -> None:
    from lineagedb.exchange.crate_import import import_ro_crate

    source, output, run = normalize_run(instance)
    export_ro_crate(output, instance / "crate", include_data=True)
    expected = output.load()
    ln.setup.init(storage=tmp_path / "other")  # a second instance, on SQLite
    result = CliRunner().invoke(_main(), ["import", "ro-crate", str(instance / "crate")])
    assert result.exit_code == 0, result.output
    (imported,) = ln.Run.filter()
    assert imported.transform.name == "normalize" and imported.status == "completed"
    assert imported.params == {"k": "2"}
    assert imported.started_at == run.started_at.replace(
        microsecond=run.started_at.microsecond // 1000 * 1000
    )
    (read,) = imported.input_artifacts.all()
    assert (read.hash, read.key) == (source.hash, "raw.csv")
    written = ln.Artifact.get(run=imported)
    assert written.hash == output.hash and written.load().equals(expected)
    print(list(ln.Run.filter().values_list("reference", "reference_type")))
    with pytest.raises(InvalidArgument, match="imported already"):
        import_ro_crate(instance / "crate")


def test_the_crate_in_the_readme_validates(offline_contexts: None, tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("### Workflow Run RO-Crate") :]
    crate = section.split("```json\n", 1)[1].split("\n```", 1)[0]
    (tmp_path / "ro-crate-metadata.json").write_text(crate)
    assert json.loads(crate)["@graph"][1]["conformsTo"] == {
        "@id": "https://w3id.org/ro/wfrun/process/0.5"
    }
    assert validate(tmp_path, "REQUIRED") == []
    left = {name for name, _ in validate(tmp_path, "RECOMMENDED")} - _UNKNOWABLE
    assert left <= {"Data Entity: RECOMMENDED resource availability"}  # another machine's
