"""Time `ln.track()` and `view_lineage()` of one output of a run with 10,000 outputs.

Run: `make bench` or `.venv/bin/python benchmarks/tracking.py`.
LaminDB's own figure for the lineage case is about 27 s.
"""

from __future__ import annotations

import time

from _common import fresh_home, report

N_OUTPUTS = 10_000
ROUNDS = 5


def main() -> None:
    import lineagedb as ln

    folder = fresh_home()
    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / "data")
    track_times = []
    for index in range(ROUNDS):
        started = time.perf_counter()
        ln.track(ln.Transform(name=f"pipeline {index}"))
        track_times.append(time.perf_counter() - started)

    upstream = folder / "upstream.txt"
    upstream.write_text("input")
    source = ln.Artifact(upstream).save()
    ln.track(ln.Transform(name="many outputs"))
    source.load()
    outputs = folder / "outputs"
    outputs.mkdir()
    for index in range(N_OUTPUTS):
        (outputs / f"{index}.txt").write_text(f"output {index}")
    artifacts = ln.save([ln.Artifact(path) for path in sorted(outputs.iterdir())])
    lineage_times = []
    for index in range(ROUNDS):
        started = time.perf_counter()
        graph = artifacts[index * 100].view_lineage()
        lineage_times.append(time.perf_counter() - started)
    assert graph.source.count("->") == 3  # upstream run -> input -> run -> output

    print(f"SQLite, local storage; {N_OUTPUTS} outputs of one run")
    report("ln.track(Transform) incl. environment artifact", track_times)
    report("view_lineage() of one of 10,000 outputs", lineage_times)


if __name__ == "__main__":
    main()
