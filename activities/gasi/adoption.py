"""Writing an adopted champion as a pull request would carry it: the rules file as it would
be with the champion in it, and the unified diff against the file as it is. The user's
rules file itself is never touched."""

from __future__ import annotations

import asyncio
import difflib
import re
from pathlib import Path
from typing import Final

from temporalio import activity

from activities.gasi.evaluation import played_arena
from kaizen.v1.gasi_pb2 import GasiAdoptionOutput, GasiAdoptionWrite

GROUP: Final = "kaizen-gasi"
DEFAULT_RULES_FILE: Final = (
    Path(__file__).resolve().parents[2] / "deploy/prometheus/kaizen-rules.yml"
)
"""The rules file a proposal is diffed against unless ``KAIZEN_GASI_RULES_FILE`` names yours."""
MARKER: Final = "# kaizen-gasi:"
"""Opens the block an adoption adds, so a later adoption replaces it instead of adding twice."""


def _without_adopted(text: str) -> str:
    """``text`` without the block an earlier adoption added (its marker line, then the
    group, up to the next group at its indentation or the next top-level key)."""
    kept: list[str] = []
    indent: int | None = None
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if indent is None and stripped.startswith(MARKER):
            indent = depth
            continue
        if indent is not None and stripped:
            ends = depth < indent or (depth == indent and stripped.startswith("- name:")
                                      and GROUP not in stripped)  # fmt: skip
            if not ends:
                continue
            indent = None
        if indent is None:
            kept.append(line)
    return "".join(kept)


def proposed_rules(current: str, exported: str) -> str:
    """``current`` with the exported champion's group appended under ``groups:`` (an earlier
    adoption's group replaced); the exported file itself when there is no current one."""
    note, _, group = exported.partition("groups:\n")
    lines = [line.removeprefix("#").strip() for line in note.splitlines() if line.strip()]
    marker = f"  {MARKER} {' '.join(lines)}\n"
    if not current.strip():
        return f"groups:\n{marker}{group}"
    return f"{_without_adopted(current).rstrip()}\n\n{marker}{group}"


class GasiAdoptionActivities:
    def __init__(self, adoptions_dir: Path, rules_file: Path) -> None:
        self._adoptions_dir = adoptions_dir
        self._rules_file = rules_file

    @activity.defn
    async def write_gasi_adoption(self, write: GasiAdoptionWrite) -> GasiAdoptionOutput:
        """Write the proposal and its diff (the same bytes on a retry)."""
        return await asyncio.to_thread(self._write, write)

    def _write(self, write: GasiAdoptionWrite) -> GasiAdoptionOutput:
        request = write.request
        exported = played_arena(request.arena).export(request.champion)
        target = self._rules_file
        current = target.read_text() if target.is_file() else ""
        proposal = proposed_rules(current, exported.content)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", write.adoption_id)
        directory = self._adoptions_dir / safe
        directory.mkdir(parents=True, exist_ok=True)
        file = directory / target.name
        file.write_text(proposal)
        diff = "".join(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                proposal.splitlines(keepends=True),
                fromfile=f"a/{target.name}",
                tofile=f"b/{target.name}",
            )
        )
        diff_file = directory / f"{target.name}.diff"
        diff_file.write_text(diff)
        (directory / exported.filename).write_text(exported.content)
        return GasiAdoptionOutput(
            directory=str(directory), file=str(file), diff_file=str(diff_file), diff=diff,
            target=str(target),
        )  # fmt: skip
