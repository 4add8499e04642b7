"""`lineagedb ui` at 100,000 artifacts with labels: server time per page, and search as you type.

Run: `.venv/bin/python benchmarks/ui.py [--artifacts 100000] [--databases sqlite,postgresql]`
(or `make bench-ui`); writes `benchmarks/results/ui.md`. The registry is filled as
`benchmarks/scale.py` fills it (bulk SQL: N artifacts, five label links each, one
feature value each). Each page is rendered by the UI's WSGI app in this process (server
time, no network): p50 and p99 over 20 rounds after a warm-up, pages drawn at random
(an artifact page of a random artifact, a table page deep into the registry, ...).
Search as you type: the prefixes of a label name, one per keystroke. Floors (#31):
every page ≤ 150 ms, search ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _common import fresh_home, on_databases

RESULTS = Path(__file__).parent / "results" / "ui.md"
ROUNDS = 20


def pages(n: int) -> dict[str, Callable[[random.Random], str]]:
    """URL makers per page, with random parameters."""
    import lineagedb as ln

    first = ln.Artifact.objects.order_by("id").values_list("id", flat=True).first()

    def artifact_uid(generator: random.Random) -> str:
        pk = first + generator.randrange(n)
        return str(ln.Artifact.objects.filter(pk=pk).values_list("uid", flat=True).get())

    return {
        "home": lambda g: "/",
        "artifact table, first page": lambda g: "/registry/artifact",
        "artifact table, deep page": lambda g: (
            f"/registry/artifact?before={first + g.randrange(n)}"
        ),
        "artifact table, by label": lambda g: (
            f"/registry/artifact?ulabels__name=label_{g.randrange(10_000):05}"
        ),
        "artifact table, by feature": lambda g: (
            f"/registry/artifact?temperature__gt={30 + g.randrange(10)}"
        ),
        "artifact page": lambda g: f"/record/artifact/{artifact_uid(g)}",
        "artifact JSON twin": lambda g: f"/api/record/artifact/{artifact_uid(g)}",
        "label table": lambda g: "/registry/ulabel",
        "label page": lambda g: (
            "/record/ulabel/"
            + str(
                ln.ULabel.objects.filter(name=f"label_{g.randrange(10_000):05}")
                .values_list("uid", flat=True)
                .get()
            )
        ),
    }


def timed(app: object, url: str) -> float:
    from lineagedb.ui.app import call

    started = time.perf_counter()
    status = call(app, url)[0]  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert status == "200 OK", (url, status)
    return elapsed


def measure(n: int, database: str | None, folder: Path) -> list[tuple[str, float, float]]:
    from scale import fill

    import lineagedb as ln

    ln.settings.verbosity = "error"
    vendor = "postgresql" if database else "sqlite"
    ln.setup.init(storage=folder / f"ui-{vendor}-{n}", db=database)
    fill(n)
    from lineagedb.ui.app import make_app  # once connected: the pages read the registries

    app = make_app()
    generator = random.Random(7)
    results = []
    for name, url_of in pages(n).items():
        timed(app, url_of(generator))  # warm-up
        times = sorted(timed(app, url_of(generator)) for _ in range(ROUNDS))
        results.append((f"{vendor}: {name}", statistics.median(times), times[-1]))
    from scale import ASSAYS, TISSUES

    typed = {  # what a user types, one request per keystroke from the third letter
        "artifacts": ("artifact", [f"{t} {a}" for t in TISSUES for a in ASSAYS]),
        "labels": ("ulabel", [f"label_{generator.randrange(10_000):05}" for _ in range(20)]),
    }
    for what, (registry, phrases) in typed.items():
        keystrokes = []
        for phrase in generator.sample(phrases, min(len(phrases), 10)):
            for end in range(3, len(phrase) + 1):
                query = phrase[:end].replace(" ", "+")
                keystrokes.append(timed(app, f"/api/registry/{registry}?q={query}"))
        keystrokes.sort()
        p99 = keystrokes[int(len(keystrokes) * 0.99) - 1]
        results.append((f"{vendor}: search {what} as you type", statistics.median(keystrokes), p99))
    for row in results:
        print(
            f"  {row[0]:<44} p50 {row[1] * 1000:8.1f} ms  p99 {row[2] * 1000:8.1f} ms", flush=True
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite")
    arguments = parser.parse_args()
    rows: list[tuple[str, float, float]] = []

    def run(url: str | None, folder: Path) -> None:
        rows.extend(measure(arguments.artifacts, url, folder))

    on_databases(run, arguments.databases, fresh_home())
    lines = [
        "# lineagedb ui at scale",
        "",
        f"`.venv/bin/python benchmarks/ui.py --artifacts {arguments.artifacts} --databases "
        f"{arguments.databases}`, {time.strftime('%Y-%m-%d')}: server time per page (the WSGI "
        f"app in process), {ROUNDS} rounds after a warm-up. Floors: page ≤ 150 ms, "
        "search ≤ 100 ms.",
        "",
        "| page | p50 | p99 | floor met (p50) |",
        "|---|---|---|---|",
    ]
    for name, p50, p99 in rows:
        floor = 0.100 if "search" in name else 0.150
        met = "yes" if p50 <= floor else "no"
        lines.append(f"| {name} | {p50 * 1000:.1f} ms | {p99 * 1000:.1f} ms | {met} |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
