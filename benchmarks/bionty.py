"""The bionty module's floors: public ontologies offline, from_values, search.

Run: `.venv/bin/python benchmarks/bionty.py` (or `make bench-bionty`); writes
`benchmarks/results/bionty.md`. Each first-use figure comes from a fresh
process (`--child WHAT`) on a new SQLite instance with the bionty module; the
cache folder is empty for "first use" and filled for "later". Medians of 5.

LaminDB 2.12.1 with bionty cannot run these offline (it downloads the
ontologies on first use), so there is no figure beside it.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "bionty.md"
ROUNDS = 5


def child(what: str) -> None:
    """One measurement in this fresh process; prints seconds as JSON."""
    import lineagedb as ln

    ln.settings.verbosity = "error"
    ln.connect("bench")
    from lineagedb import bionty as bt

    if what == "celltype_public":
        started = time.perf_counter()
        public = bt.CellType.public()
        assert public.lookup().t_cell.ontology_id == "CL:0000084"  # loads the table
        public.validate(["T cell", "T-cell", "B cell"], mute=True)
        seconds = time.perf_counter() - started
        print(json.dumps({"s": seconds, "pandas": "pandas" in sys.modules}))
    elif what == "gene_validate":
        started = time.perf_counter()
        public = bt.Gene.public(organism="human")
        ids = public.frame["ensembl_gene_id"].sample(20_000, random_state=0).tolist()
        loaded = time.perf_counter()
        public.validate(ids, field="ensembl_gene_id", mute=True)
        done = time.perf_counter()
        again = time.perf_counter()
        public.validate(ids, field="ensembl_gene_id", mute=True)
        print(
            json.dumps(
                {
                    "s": done - started,
                    "validate_s": done - loaded,
                    "again_s": time.perf_counter() - again,
                }
            )
        )
    elif what == "from_values":
        public = bt.CellType.public()
        frame = public.frame
        rng = random.Random(0)
        with_synonyms = frame[frame["synonyms"].notna()]
        names = rng.sample(frame["name"].tolist(), 800)
        synonyms = [s.split("|")[0] for s in with_synonyms["synonyms"].sample(200, random_state=0)]
        started = time.perf_counter()
        records = bt.CellType.from_values(names + synonyms, field=bt.CellType.name)
        made = time.perf_counter()
        ln.save(records)
        print(
            json.dumps(
                {"s": made - started, "save_s": time.perf_counter() - made, "n": len(records)}
            )
        )
    elif what == "uberon_search":
        public = bt.Tissue.public()
        len(public)  # loads the table
        queries = [
            "liver",
            "lung",
            "heart",
            "kidny",
            "livr",
            "blood vessel",
            "brain",
            "bone marrow",
            "skin of body",
            "UBERON:0002107",
        ]
        first = time.perf_counter()
        public.search(queries[0])
        first_s = time.perf_counter() - first
        times = {}
        for query in queries:
            runs = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                public.search(query)
                runs.append(time.perf_counter() - started)
            times[query] = statistics.median(runs)
        print(json.dumps({"first_s": first_s, "per_query_s": times, "n": len(public)}))


def run(what: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", what],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="lineagedb-bench-bionty-"))
    env = {
        **os.environ,
        "LINEAGEDB_HOME": str(folder / "home"),
        "LINEAGEDB_CACHE_DIR": str(folder / "cache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import lineagedb as ln; ln.settings.verbosity='error'; "
                f"ln.setup.init(storage={str(folder / 'data')!r}, name='bench', schema='bionty')"
            ),
        ],
        env=env,
        check=True,
    )
    import shutil

    first, later = [], []
    for _ in range(ROUNDS):
        shutil.rmtree(folder / "cache" / "ontologies", ignore_errors=True)
        first.append(run("celltype_public", env)["s"])
        measured = run("celltype_public", env)
        assert not measured["pandas"], "the cached table should load without pandas"
        later.append(measured["s"])
    genes = [run("gene_validate", env) for _ in range(ROUNDS)]
    values = []
    for index in range(ROUNDS):  # each round on a fresh instance: nothing saved yet
        name = f"bench{index}"
        subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import lineagedb as ln; ln.settings.verbosity='error'; "
                    f"ln.setup.init(storage={str(folder / name)!r}, name='bench', schema='bionty')"
                ),
            ],
            env={**env, "LINEAGEDB_HOME": str(folder / f"home{index}")},
            check=True,
        )
        values.append(run("from_values", {**env, "LINEAGEDB_HOME": str(folder / f"home{index}")}))
    search = run("uberon_search", env)
    med = statistics.median
    cached = (folder / "cache" / "ontologies").glob("*.json.zst")
    sizes = {p.name: p.stat().st_size for p in cached}
    per_query = search["per_query_s"]
    lines = [
        "# bionty: public ontologies offline",
        "",
        "`.venv/bin/python benchmarks/bionty.py` on this repository's 2-core machine; SQLite;",
        f"medians of {ROUNDS} fresh processes unless said. Floors from issue 18.",
        "",
        "| what | figure | floor |",
        "| --- | --- | --- |",
        f"| `bt.CellType.public()` first use: convert CL, then `lookup().t_cell` and "
        f"`validate(3 names)` | "
        f"{med(first) * 1000:.0f} ms | ≤ 2 s |",
        f"| the same later, in a fresh process (from the cache; pandas not imported) | "
        f"{med(later) * 1000:.0f} ms | ≤ 0.3 s |",
        f"| `bt.Gene.public(organism='human').validate(20,000 Ensembl ids)`, table load included | "
        f"{med(g['s'] for g in genes) * 1000:.0f} ms | ≤ 0.5 s |",
        f"| … of which `validate()` itself (first / second call) | "
        f"{med(g['validate_s'] for g in genes) * 1000:.1f} / "
        f"{med(g['again_s'] for g in genes) * 1000:.1f} ms | |",
        f"| `bt.CellType.from_values(1,000 names, 200 of them synonyms)` on an empty registry | "
        f"{med(v['s'] for v in values) * 1000:.0f} ms | ≤ 1 s |",
        f"| … then `ln.save()` of the {values[0]['n']} records (ancestors included) | "
        f"{med(v['save_s'] for v in values) * 1000:.0f} ms | |",
        f"| search over UBERON ({search['n']:,} terms), median over 10 queries | "
        f"{med(per_query.values()) * 1000:.1f} ms | ≤ 30 ms |",
        f"| … first search in a process (imports pandas for the result, ~300 ms here) | "
        f"{search['first_s'] * 1000:.1f} ms | |",
        "",
        "Search per query (ms): "
        + ", ".join(f"`{q}` {s * 1000:.1f}" for q, s in per_query.items())
        + ".",
        "",
        "Converted tables in the cache: "
        + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sorted(sizes.items()))
        + ".",
        "",
        "LaminDB 2.12.1 with bionty cannot run these offline: `.public()`, `from_values` of",
        "values not in the database and `inspect` with non-validated values download the",
        "ontology first (see `../shared/reference/lamindb-0.70-part2-spec.md`, section 6.1).",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
