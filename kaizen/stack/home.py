"""KAIZEN_HOME, private to the user who runs the stack: directories 0700, files 0600.

It holds the databases (every run's history, hashed API keys), the admin key, the
kubeconfig the workers act with, the logs and the token of the embedded OPA.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Final

PRIVATE_UMASK: Final = 0o077
"""Set by ``kaizen up`` before it creates anything, so that everything it and its children
create (the Temporal and Kaizen databases with their -wal and -shm files, logs, the local
control plane's state) is 0600, and every directory 0700."""
OPA_TOKEN_FILE: Final = "opa.token"


def make_private(home: Path, say: Callable[[str], None]) -> Path:
    """Create ``home`` 0700, or tighten one that other users may read or enter (and say so)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(home.stat().st_mode)
    if mode & 0o077:
        home.chmod(0o700)
        say(f"KAIZEN_HOME {home} was open to other users (mode {mode:04o}); it is now 0700")
    return home


def write_private(path: Path, text: str) -> None:
    """Write ``path`` readable and writable by its owner only, whatever mode it had."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(descriptor, 0o600)
        handle.write(text)


def ensure_opa_token(home: Path) -> str:
    """The embedded OPA's bearer token: made on first start, kept in ``opa.token`` (0600)."""
    path = home / OPA_TOKEN_FILE
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    if token:
        path.chmod(0o600)
        return token
    token = secrets.token_urlsafe(32)
    write_private(path, token + "\n")
    return token
