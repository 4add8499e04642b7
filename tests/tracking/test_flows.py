"""Functions as runs (#32 item 4): @ln.flow() and @ln.step(), nested runs, errors, params
checked against the annotations, sources saved and versioned."""

from __future__ import annotations

import linecache
from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.errors import TrackingError, WrongType


def test_a_flow_and_its_steps_are_nested_runs(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance

    @ln.step()
    def write_counts(n_rows: int, label: str = "counts") -> str:
        """Write the counts table."""
        path = tmp_path / f"{label}.csv"
        path.write_text("n\n" + "\n".join(map(str, range(n_rows))) + "\n")
        return ln.Artifact(path, key=f"{label}.csv").save().uid

    @ln.step()
    def summarize(uid: str) -> float:
        return float(ln.Artifact.get(uid).load()["n"].mean())

    @ln.flow()
    def pipeline(n_rows: int, scale: float = 1.0) -> float:
        """A two-step pipeline."""
        return summarize(write_counts(n_rows)) * scale

    assert pipeline(5, scale=2.0) == 4.0
    flow_run = ln.Run.get(transform__name="A two-step pipeline.")
    assert (flow_run.status, flow_run.params) == ("completed", {"n_rows": 5, "scale": 2.0})
    assert flow_run.transform.type == "function"
    assert flow_run.transform.key.endswith("_are_nested_runs.<locals>.pipeline")
    assert "Django==" in flow_run.environment.path.read_text()  # its environment, as track()'s
    steps = list(flow_run.initiated_runs.order_by("id"))
    assert [s.transform.name for s in steps] == ["Write the counts table.", "summarize"]
    assert all(s.status == "completed" and s.initiated_by_run == flow_run for s in steps)
    assert steps[0].params == {"n_rows": 5, "label": "counts"}
    counts = ln.Artifact.get(key="counts.csv")
    assert counts.run == steps[0]  # what a step saves is its run's output
    assert list(steps[1].input_artifacts.all()) == [counts]  # what it loads, its input
    source = flow_run.transform.source_code.path.read_text()
    assert source.lstrip().startswith("@ln.flow()") and "def pipeline" in source
    from lineagedb.models.annotations.summary import describe_text

    assert f"📎 initiated_by_run: Run(uid='{flow_run.uid}'" in describe_text(steps[0])
    assert ln.Run.filter(initiated_by_run=flow_run).count() == 2
    pipeline(3)  # a second call: a second run of the same transform
    assert flow_run.transform.runs.count() == 2
    assert ln.Transform.filter(type="function").count() == 3


def test_errors_mark_the_run_and_bad_arguments_write_nothing(instance: ModuleType) -> None:
    ln = instance

    @ln.flow()
    def fails(n: int) -> None:
        raise ValueError(f"bad input {n}")

    with pytest.raises(ValueError, match="bad input 3"):
        fails(3)
    run = ln.Run.get(transform__key__endswith="fails")
    assert run.status == "errored" and run.finished_at is not None
    with pytest.raises(WrongType, match=r"fails\(n=...\) takes int, got str '3'"):
        fails("3")
    with pytest.raises(WrongType, match="missing a required argument: 'n'"):
        fails()
    assert ln.Run.filter(transform__key__endswith="fails").count() == 1  # nothing more

    @ln.step()
    def alone() -> None:
        pass

    with pytest.raises(TrackingError, match=r"alone\(\) is a step"):
        alone()
    ln.track(transform=ln.Transform(name="Script", type="pipeline").save())
    alone()  # inside a tracked script: its run is the step's initiator
    assert ln.Run.get(transform__key__endswith="alone").initiated_by_run.transform.name == "Script"
    with pytest.raises(TrackingError, match=r"is a flow, and run .* is tracked already"):
        fails(1)
    ln.finish()


def test_a_changed_function_is_a_new_version(instance: ModuleType) -> None:
    ln = instance
    for number, body in enumerate(("return 1", "return 2", "return 2")):
        # A notebook cell run three times, edited after the first: Jupyter keeps each
        # cell's text in linecache under a name of its own, where getsource finds it.
        code = f"@ln.flow()\ndef cell() -> int:\n    {body}\n"
        name = f"<cell-{number}>"
        linecache.cache[name] = (len(code), None, code.splitlines(True), name)
        namespace: dict[str, object] = {"ln": ln, "__name__": "__main__"}
        exec(compile(code, name, "exec"), namespace)
        assert namespace["cell"]() == int(body[-1])  # type: ignore[operator]
    family = list(ln.Transform.filter(key="__main__.cell").order_by("created_at"))
    assert len(family) == 2 and family[1].stem_uid == family[0].stem_uid  # one family
    assert [t.runs.count() for t in family] == [1, 2]
    assert "return 2" in family[1].source_code.path.read_text()


def test_a_step_records_its_input_even_when_its_flow_read_it_first(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    (tmp_path / "t.csv").write_text("n\n1\n")
    table = ln.Artifact(tmp_path / "t.csv", key="t.csv").save()

    @ln.step()
    def count() -> int:
        return len(table.load())

    @ln.flow()
    def report() -> int:
        table.cache()  # the flow reads it
        return count()  # and so does its step

    assert report() == 1
    flow_run = ln.Run.get(transform__key__endswith="report")
    step_run = flow_run.initiated_runs.get()
    assert list(flow_run.input_artifacts.all()) == [table]
    assert list(step_run.input_artifacts.all()) == [table]
