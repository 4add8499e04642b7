"""The README's shell session runs as shown: its commands, in a fresh folder, print its output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a dozen processes: `make test-fast` skips it

README = Path(__file__).parent.parent / "README.md"
ROOT = "/home/me/analysis"  # where the README's session ran


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    return text[start : text.index("\n## ", start + 1)]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", text, flags=re.DOTALL)


def normalized(lines: list[str]) -> list[str]:
    """Uids (random) and times become placeholders; the same uid the same placeholder."""
    stems: dict[str, str] = {}

    def stem(match: re.Match[str]) -> str:
        uid = match.group(0)
        versioned = len(uid) == 20 and uid[16:19] == "000"  # a stem and its version suffix
        head, tail = (uid[:16], uid[16:]) if versioned else (uid, "")
        stems.setdefault(head, f"<uid{len(stems)}>")
        return stems[head] + tail

    # A uid has 12, 16 or 20 base62 characters, with a digit or both cases (a random
    # one may lack digits: 3 % of 20-character uids do); plain words have neither.
    uid = re.compile(
        r"(?<![\w-])(?=[0-9A-Za-z]*(?:[0-9]|[A-Z][0-9A-Za-z]*[a-z]|[a-z][0-9A-Za-z]*[A-Z]))"
        r"(?:[0-9A-Za-z]{20}|[0-9A-Za-z]{16}|[0-9A-Za-z]{12})(?![\w-])"
    )
    time = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( UTC)?")
    return [uid.sub(stem, time.sub("<time>", line)).rstrip() for line in lines]


def test_living_with_changes_session_runs_as_shown(tmp_path: Path) -> None:
    text = section("Living with changes")
    for script in blocks(text, "python"):
        name = script.splitlines()[0].removeprefix("# ").strip()
        (tmp_path / name).write_text(script + "\n")
    (console,) = blocks(text, "console")
    env = dict(os.environ)
    env.update(
        LINEAGEDB_HOME=str(tmp_path / ".home"),
        PYTHONUNBUFFERED="1",  # stdout and stderr interleave as in a terminal
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="200",
    )
    expected: list[str] = []
    produced: list[str] = []
    for line in console.splitlines():
        if not line.startswith("$ "):
            expected.append(line)
            continue
        command = line[2:]
        expected.append(line)
        produced.append(line)
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        produced += result.stdout.replace(str(tmp_path), ROOT).splitlines()
    assert normalized(produced) == normalized(expected)
