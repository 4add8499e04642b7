"""Secrets out of saved source code: what a script holds in plain text should not become
a record everyone with the instance can read.

A transform's saved source (script, notebook, function) has the common patterns
replaced by ``***`` before it is stored: a value assigned to a name that says password,
secret, token or key; AWS access key ids; bearer tokens; the password of a URL
(``postgresql://user:pw@host``); GitHub and Slack tokens. The file on disk is untouched.

Example:
    >>> redact(b'db = "postgresql://me:hunter2@db/lab"\\npassword = "hunter2"\\n')
    (b'db = "postgresql://me:***@db/lab"\\npassword = "***"\\n', 2)
"""

from __future__ import annotations

import re

MASK = "***"
# A name that ends in a secret word: password, DB_PASSWORD, api_key, GITHUB_TOKEN, auth.
_WORD = r"(?:passw(?:or)?d|pwd|secret|token|api_?key|access_?key|private_?key|auth)"
_SECRET_NAME = r"[\w.-]*" + _WORD
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # password = "…", TOKEN: '…', "api_key": "…", connect(password="…")
    (
        re.compile(
            rf"""(?P<name>\b{_SECRET_NAME}["']?\s*[:=]\s*)"""
            r"""(?P<quote>["'])(?P<value>[^"'\n]+)(?P=quote)""",
            re.IGNORECASE,
        ),
        r"\g<name>\g<quote>" + MASK + r"\g<quote>",
    ),
    # Shell lines, unquoted: export DB_PASSWORD=…, --password=… (not f(password=variable))
    (
        re.compile(
            rf"(?P<name>(?:(?i:--{_SECRET_NAME})|\b[A-Z_]*{_WORD.upper()})=)"
            r"(?P<value>[^\s\"'`;&|]+)"
        ),
        r"\g<name>" + MASK,
    ),
    # postgresql://user:pw@host, https://user:token@host
    (
        re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@\"']+):(?P<value>[^\s@/\"']+)@"),
        r"\g<head>:" + MASK + "@",
    ),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key ids
    (
        re.compile(r"(?P<head>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/-]{8,}=*)", re.IGNORECASE),
        r"\g<head>" + MASK,
    ),
    (re.compile(r"\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}\b"), MASK),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), MASK),  # Slack
]


def redact(source: bytes) -> tuple[bytes, int]:
    """``source`` with its secrets masked, and how many were.

    Bytes that are not UTF-8 pass through as they are (surrogate escapes); a
    source redacted once is unchanged by a second pass.

    Example:
        >>> redact(b"headers = {'Authorization': 'Bearer abc.def.ghi'}")[1]
        1
    """
    text = source.decode("utf-8", "surrogateescape")
    masked = 0

    def mask(match: re.Match[str], replacement: str) -> str:
        nonlocal masked
        if match.groupdict().get("value") == MASK:  # masked already
            return match.group(0)
        masked += 1
        return match.expand(replacement)

    for pattern, replacement in _PATTERNS:
        text = pattern.sub(lambda m, r=replacement: mask(m, r), text)  # type: ignore[misc]
    return text.encode("utf-8", "surrogateescape"), masked
