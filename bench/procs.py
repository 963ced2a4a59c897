"""CPU time and memory of a process group, read from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class GroupUsage:
    cpu_seconds: float
    """User plus system time of every live process in the group."""
    rss_bytes: int
    """Resident memory now, summed over the group."""
    peak_rss_bytes: int
    """Each process's high-water mark (VmHWM), summed: an upper bound on the group's peak."""
    processes: int
    largest_rss_bytes: int
    """The biggest single process now."""


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces; everything after its closing paren is fixed.
    return text[text.rindex(")") + 2 :].split()


def group_pids(group: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            # fields[2] is the process group id (field 5 of stat, after pid and comm).
            if fields is not None and int(fields[2]) == group:
                pids.append(int(entry))
    return pids


def _peak_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def group_usage(group: int) -> GroupUsage:
    cpu_ticks = 0
    rss_pages = 0
    peak = 0
    largest = 0
    pids = group_pids(group)
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is None:
            continue
        # utime, stime are stat fields 14 and 15; rss (pages) is field 24.
        cpu_ticks += int(fields[11]) + int(fields[12])
        rss_pages += int(fields[21])
        largest = max(largest, int(fields[21]) * PAGE)
        peak += _peak_rss(pid)
    return GroupUsage(cpu_ticks / CLOCK_TICKS, rss_pages * PAGE, peak, len(pids), largest)


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system
