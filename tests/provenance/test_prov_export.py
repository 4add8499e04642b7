"""Lineage as W3C PROV (#33 item 1, PROV part): PROV-JSON and PROV-N, parsed back with the
prov package; the CLI writes a file."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner
from prov.model import ProvDocument

from lineagedb.cli import main
from lineagedb.exchange.prov import export_prov


def kind(record: dict[str, object]) -> object:
    """A record's prov:type, a qualified name as PROV-JSON writes it ({"$": ..., "type": ...})."""
    value = record.get("prov:type")
    return value.get("$") if isinstance(value, dict) else value


def chain(ln: ModuleType, tmp_path: Path) -> dict[str, object]:
    """raw.csv (made outside any run, then a second version) → Normalize → norm.csv →
    Plot → plot.csv."""
    (tmp_path / "raw.csv").write_text("x\n1\n")
    raw = ln.Artifact(tmp_path / "raw.csv", key="raw.csv").save()
    (tmp_path / "raw.csv").write_text("x\n1\n2\n")
    raw2 = ln.Artifact(tmp_path / "raw.csv", key="raw.csv").save()  # its next version
    made = {"raw": raw, "raw2": raw2}
    source = raw2
    for step, output in (("Normalize", "norm.csv"), ("Plot", "plot.csv")):
        run = ln.track(
            transform=ln.Transform(name=step, type="pipeline").save(), params={"step": step}
        )
        source.cache()  # its input
        (tmp_path / output).write_text(f"{step}\n")
        source = ln.Artifact(tmp_path / output, key=output).save()
        ln.finish()
        made[step] = run
        made[output] = source
    return made


def test_an_artifacts_lineage_as_prov_json_parses_back(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    made = chain(ln, tmp_path)
    plot = made["plot.csv"]
    text = export_prov(plot)
    document = ProvDocument.deserialize(content=text, format="json")
    raw = json.loads(text)
    entities = raw["entity"]
    assert f"ldb:artifact/{plot.uid}" in entities
    assert entities[f"ldb:artifact/{made['raw2'].uid}"]["lineagedb:hash"].startswith("md5:")
    assert f"ldb:artifact/{made['raw'].uid}" in entities  # the version before
    plans = {v["prov:label"] for v in entities.values() if kind(v) == "prov:Plan"}
    assert plans == {"Normalize", "Plot"}
    activities = raw["activity"]
    assert {f"ldb:run/{made['Normalize'].uid}", f"ldb:run/{made['Plot'].uid}"} == set(activities)
    normalize = activities[f"ldb:run/{made['Normalize'].uid}"]
    assert json.loads(normalize["lineagedb:params"]) == {"step": "Normalize"}
    assert "prov:startTime" in normalize and "prov:endTime" in normalize
    used = {(u["prov:activity"], u["prov:entity"]) for u in raw["used"].values()}
    assert (f"ldb:run/{made['Plot'].uid}", f"ldb:artifact/{made['norm.csv'].uid}") in used
    generated = {(g["prov:entity"], g["prov:activity"]) for g in raw["wasGeneratedBy"].values()}
    assert (f"ldb:artifact/{plot.uid}", f"ldb:run/{made['Plot'].uid}") in generated
    revisions = {
        (d["prov:generatedEntity"], d["prov:usedEntity"])
        for d in raw["wasDerivedFrom"].values()
        if kind(d) == "prov:Revision"
    }
    assert revisions == {(f"ldb:artifact/{made['raw2'].uid}", f"ldb:artifact/{made['raw'].uid}")}
    associations = raw["wasAssociatedWith"].values()
    assert any(
        a.get("prov:plan") == f"ldb:transform/{made['Plot'].transform.uid}" for a in associations
    )
    agents = raw["agent"]
    assert kind(agents["ldb:user/anonymous"]) == "prov:Person"
    assert kind(agents["ldb:software/lineagedb"]) == "prov:SoftwareAgent"
    assert len(document.get_records()) == len(
        ProvDocument.deserialize(content=text, format="json").get_records()
    )
    one_hop = json.loads(export_prov(plot, hops=1))
    assert set(one_hop["activity"]) == {f"ldb:run/{made['Plot'].uid}"}
    provn = export_prov(plot, format="provn")
    assert provn.startswith("document") and "wasGeneratedBy(" in provn


def test_the_cli_exports_an_instance_to_a_file(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    made = chain(ln, tmp_path)
    target = tmp_path / "lineage.json"
    result = CliRunner().invoke(main, ["export", "--format", "prov-json", "--output", str(target)])
    assert result.exit_code == 0, result.stderr
    document = json.loads(target.read_text())
    assert len(document["activity"]) == 2 and len(document["entity"]) >= 5
    result = CliRunner().invoke(main, ["export", made["Plot"].uid, "--format", "provn"])
    assert result.exit_code == 0 and "activity(ldb:run/" in result.stdout


def test_the_command_runs_in_a_fresh_shell(instance: ModuleType, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    ln = instance
    made = chain(ln, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "lineagedb", "export", "plot.csv", "--format", "provn"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"wasGeneratedBy(ldb:artifact/{made['plot.csv'].uid}" in result.stdout
