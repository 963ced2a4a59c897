"""Secrets-looking values taken out of text before it leaves for a model.

Evidence is what the cluster said: log lines and events carry whatever a program printed,
connection strings and tokens included. The model is someone else's server, so a value
that looks like a credential is replaced before the prompt is built, and only the count
is recorded (never what was removed).
"""

from __future__ import annotations

import re
from typing import Final

MARK: Final = "[REDACTED]"
# A name that says its value is a secret: DB_PASSWORD, AWS_SECRET_ACCESS_KEY, api-key,
# GITHUB_TOKEN, REDIS_PASS ("passed" or "author" are not).
_SECRET_NAME: Final = (
    r"[A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|"
    r"access[_-]?key|private[_-]?key|credentials?|authorization|_pass(?![a-z]))[A-Za-z0-9_.-]*"
)
_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # "Bearer …" anywhere; "Basic …" after an Authorization name (elsewhere it is prose).
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MARK}"),
    (re.compile(r"(?i)\b(authorization\s*[=:]\s*basic)\s+[A-Za-z0-9+/=]{4,}"), rf"\1 {MARK}"),
    # KEY=value / key: value pairs whose name says it is a secret (env dumps, configs, URLs'
    # query strings); quoted values as a whole.
    (
        re.compile(
            rf"(?i)\b({_SECRET_NAME})(\s*[=:]\s*)(?!\[REDACTED\]|(?:bearer|basic)\s)"
            rf"(\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)"
        ),
        rf"\1\2{MARK}",
    ),
    # Credentials in a URL: scheme://user:password@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^@\s/]+@"), rf"\1:{MARK}@"),
    # Tokens recognisable by their shape: JWTs, cloud, chat and code-host keys, Kaizen's own.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MARK),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MARK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"), MARK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), MARK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), MARK),
    (re.compile(r"\bkz_[A-Za-z0-9_-]{16,}"), MARK),
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
        ),
        MARK,
    ),  # fmt: skip
)


def redact(text: str) -> tuple[str, int]:
    """``text`` with secrets-looking values replaced by ``[REDACTED]``, and how many."""
    count = 0
    for pattern, replacement in _PATTERNS:
        text, found = pattern.subn(replacement, text)
        count += found
    return text, count
