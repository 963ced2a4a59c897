"""The shipped playbook catalog with verification timings a test can wait for."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from kaizen.catalog.playbooks import DEFAULT_DIR

# The shipped playbooks with verification timings a test can wait for. The timeout
# leaves room for kwok to mark new pods Ready on a loaded CI machine.
FAST_VERIFICATION = {
    "timeout_seconds": 45,
    "interval_seconds": 1,
    "settle_seconds": 0,
    "passes_required": 1,
}


def fast_catalog(target: Path, **timings: int) -> Path:
    """A copy of the shipped catalog whose verification settles in seconds."""
    shutil.copytree(DEFAULT_DIR, target)
    values = {**FAST_VERIFICATION, **timings}
    for path in target.glob("*.toml"):
        text = path.read_text()
        for key, value in values.items():
            text = re.sub(rf"(?m)^{key} = \d+$", f"{key} = {value}", text)
        path.write_text(text)
    return target
