"""`lineagedb load` (#32 item 9): a transform's saved source and environment back into a
folder, by uid, key or name and version; never overwriting other work silently."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner
from test_script import run_script

from lineagedb.cli import main

SCRIPT = '''
    """Count cells."""
    import lineagedb as ln

    ln.settings.transform.stem_uid = "Cc7yX0aTQm3B"
    ln.settings.transform.version = "{version}"
    ln.track()
    print("{greeting}")
    ln.finish()
'''


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_load_writes_each_version_and_its_environment(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    script = tmp_path / "count_cells.py"
    sources = {}
    for version, greeting in (("1", "hello"), ("2", "hello again")):
        sources[version] = textwrap.dedent(SCRIPT.format(version=version, greeting=greeting))
        script.write_text(sources[version])
        result = run_script(script)
        assert result.returncode == 0, result.stderr
    work = tmp_path / "work"
    code, out, err = cli("load", "count_cells.py", "--to", str(work))  # by key: the latest
    assert code == 0, err
    assert out.split() == [str(work / "count_cells.py")]
    assert (work / "count_cells.py").read_text() == sources["2"]
    code, _, err = cli("load", "Count cells.", "--version", "1", "--to", str(work))  # by name
    assert code == 1 and "exists with other content" in err and "--force" in err
    assert (work / "count_cells.py").read_text() == sources["2"]  # untouched
    first = ln.Transform.get(version="1")
    code, out, err = cli("load", first.uid, "--to", str(work), "--force", "--with-env")
    assert code == 0, err
    written = [Path(line) for line in out.split()]
    run = first.runs.get()
    assert written == [work / "count_cells.py", work / f"run_env_pip_{run.uid}.txt"]
    assert written[0].read_text() == sources["1"]
    assert "Django==" in written[1].read_text()
    assert cli("load", first.uid, "--to", str(work))[0] == 0  # the same content: fine
    code, _, err = cli("load", "count_cells.py", "--version", "7")
    assert code == 1 and "has no version '7'; it has 1, 2" in err
    code, _, err = cli("load", "nothing-like-it")
    assert code == 1 and "No transform has uid, key or name 'nothing-like-it'" in err
    pipeline = ln.Transform(name="Count cells.").save()  # another family, the same name
    code, _, err = cli("load", "Count cells.")
    assert code == 1 and "2 transforms are named 'Count cells.'" in err
    code, _, err = cli("load", pipeline.uid)
    assert code == 1 and "has no saved source" in err
    assert ln.Run.filter(input_artifacts__isnull=False).count() == 0  # loading is no input
