"""The status file ``kaizen up`` keeps under KAIZEN_HOME: each child's state, for ``/readyz``.

``kaizen up`` rewrites it (atomically, mode 0600) whenever a child changes state and
removes it on a clean stop. The API reads it on every ``/readyz``: one small file, so
the probe stays cheap. A file whose writer is gone (``kaizen up`` was killed) is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final, Literal

STATUS_FILE: Final = "stack-status.json"
RUNNING: Final = "running"
RESTARTING: Final = "restarting"
GIVEN_UP: Final = "given up"
State = Literal["running", "restarting", "given up"]


def status_path(home: Path) -> Path:
    return home / STATUS_FILE


def write_status(path: Path, children: dict[str, dict[str, Any]]) -> None:
    """Replace the file in one rename, so a reader never sees half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(descriptor, 0o600)
        json.dump({"pid": os.getpid(), "children": children}, handle, indent=2)
    os.replace(temporary, path)


def children_down(path: Path) -> list[str] | None:
    """One line per child that is not running, or None without a live ``kaizen up``."""
    try:
        status = json.loads(path.read_text())
        os.kill(int(status["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no file, a torn or foreign one, or its writer is gone
    down = []
    for name, child in sorted(status.get("children", {}).items()):
        if child.get("state") != RUNNING:
            exit_text = f", last exit {child['last_exit']}" if child.get("last_exit") else ""
            down.append(
                f"{name} {child.get('state')} (restarts {child.get('restarts')}{exit_text})"
            )
    return down
