"""Saved sources have their secrets masked (#32 item 8); the file itself is untouched."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType

from test_script import run_script

from lineagedb.tracking.secrets import redact

SECRETS = '''
    """Query the lab database."""
    import lineagedb as ln

    ln.track()
    db = "postgresql://analyst:hunter2@db.lab.org:5432/lab"
    password = "hunter2"
    config = {"api_key": "sk-live-1234567890", "token": 'tok-abcdef'}
    AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
    aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    headers = {"X-Api": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"}
    # shell: export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789
    # mytool --password=s3cr3t --user analyst
    tokenizer = "bert-base"
    connect(password=os.environ["PW"]) if False else None
    ln.finish()
'''
HIDDEN = [
    "hunter2",
    "sk-live-1234567890",
    "tok-abcdef",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI",
    "eyJhbGciOiJIUzI1NiJ9",
    "ghp_abcdefghij",
    "s3cr3t",
]


def test_each_pattern_is_masked_and_the_rest_kept() -> None:
    source = textwrap.dedent(SECRETS).encode()
    masked, count = redact(source)
    text = masked.decode()
    assert [secret for secret in HIDDEN if secret in text] == []
    assert count == 9  # URL, password, api_key, token, two AWS keys, bearer, GitHub, --password
    assert 'db = "postgresql://analyst:***@db.lab.org:5432/lab"' in text
    assert 'tokenizer = "bert-base"' in text  # not a secret's name
    assert 'connect(password=os.environ["PW"])' in text  # a variable, not a value
    assert redact(masked) == (masked, 0)  # masked once is masked
    assert redact(b"caf\xe9 token='x1'") == (b"caf\xe9 token='***'", 1)  # not UTF-8: kept


def test_a_tracked_scripts_saved_source_has_no_secrets(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    script = tmp_path / "query_lab.py"
    script.write_text(
        textwrap.dedent(SECRETS)
        .replace("connect(", "print(")
        .replace('["PW"]', '.get("PW")')
        .replace("import lineagedb as ln", "import os\n\nimport lineagedb as ln")
    )
    result = run_script(script)
    assert result.returncode == 0, result.stderr
    assert "secrets replaced by ***" in result.stderr
    transform = ln.Transform.get(key="query_lab.py")
    saved = transform.source_code.path.read_text()
    assert [secret for secret in HIDDEN if secret in saved] == []
    assert "ln.track()" in saved and 'password = "***"' in saved
    assert transform.source_code.description.endswith("(9 secrets redacted)")
    assert "hunter2" in script.read_text()  # the file on disk is untouched
    again = run_script(script)  # the same source: the same transform, not a new version
    assert again.returncode == 0, again.stderr
    assert ln.Transform.filter(key="query_lab.py").count() == 1
    assert transform.runs.count() == 2
