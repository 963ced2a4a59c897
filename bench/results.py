"""bench/RESULTS.md: the latest run's lines, the machine it ran on, how it was run."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.report import Report
from kaizen.stack import tools


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; memory {mem_kib / 2**20:.0f} GiB",
        f"- OS: {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"- temporalio {version('temporalio')}; Temporal CLI {tools.TEMPORAL.version} "
        f"(dev server, SQLite); OPA {tools.OPA.version}; kube-apiserver from tools/kube",
        f"- Kaizen commit {_commit()}",
    ]


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent,
        )  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def write_results(path: Path, report: Report, *, argv: list[str], elapsed_s: float) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(
        ["make bench", *(["(python -m bench.run " + " ".join(argv) + ")"] if argv else [])]
    )
    text = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {when}; the whole run took {elapsed_s / 60:.1f} minutes.",
        "Do not edit by hand: the next `make bench` replaces this file.",
        "",
        "RATIO is Kaizen over its reference, measured side by side in the same run on the "
        "same dev server: for throughput 1.0 means no overhead and lower is slower; for "
        "latency higher is slower. Every value is the median of the repetitions.",
        "",
        "## Machine",
        "",
        *machine(),
    ]
    for section in report.sections:
        text += ["", f"## {section.title}", ""]
        text += [*section.notes, ""] if section.notes else []
        text += ["```", *(line.render() for line in section.lines), "```"]
    path.write_text("\n".join(text) + "\n")
