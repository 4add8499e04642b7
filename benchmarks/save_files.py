"""Save 1,000 small files one by one (`ln.Artifact(path).save()` each), and in bulk.

Run: `make bench` or `.venv/bin/python benchmarks/save_files.py`.
Files outside the storage root are copied into it (managed); files inside
it are registered in place. Each figure is the median of several rounds.
"""

from __future__ import annotations

import time

from _common import fresh_home, report

N_FILES = 1000
ROUNDS = 3
FILE_SIZE = 4096


def make_files(folder, round_index: int) -> list:
    folder.mkdir(parents=True)
    paths = []
    for index in range(N_FILES):
        path = folder / f"{index:04}.txt"
        path.write_bytes(f"{round_index}-{index}\n".encode().ljust(FILE_SIZE, b"."))
        paths.append(path)
    return paths


def main() -> None:
    import lineagedb as ln

    one_by_one_copy, one_by_one_in_place, bulk = [], [], []
    for round_index in range(ROUNDS):
        folder = fresh_home()
        ln.settings.verbosity = "error"
        ln.setup.init(storage=folder / "data")
        outside = make_files(folder / "outside", round_index)
        started = time.perf_counter()
        for path in outside:
            ln.Artifact(path, description=path.name).save()
        one_by_one_copy.append(time.perf_counter() - started)

        inside = make_files(folder / "data" / "inside", round_index + 1000)
        started = time.perf_counter()
        for path in inside:
            ln.Artifact(path).save()
        one_by_one_in_place.append(time.perf_counter() - started)

        more = make_files(folder / "outside-bulk", round_index + 2000)
        started = time.perf_counter()
        ln.save([ln.Artifact(path, description=path.name) for path in more])
        bulk.append(time.perf_counter() - started)
        assert ln.Artifact.filter().count() == 3 * N_FILES

    print(f"{N_FILES} files of {FILE_SIZE} bytes, SQLite, local storage")
    report("one by one, copied into storage (per file)", one_by_one_copy, per=N_FILES)
    report("one by one, registered in place (per file)", one_by_one_in_place, per=N_FILES)
    report("ln.save(list), copied (per file)", bulk, per=N_FILES)


if __name__ == "__main__":
    main()
