"""``make bench``: start the stack, run every scenario, print RATIO/FIGURE lines,
and write bench/RESULTS.md.

    python -m bench.run                  # everything, as `make bench` runs it
    python -m bench.run --only e2e,policy --scale 0.1 --reps 3   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.context import Bench, Sizes
from bench.report import Report
from bench.results import write_results
from bench.scenarios import (
    approvals,
    end_to_end,
    gasi,
    payloads,
    policy,
    policy_rollout,
    promotions,
    rca,
    runs_list,
    schedules,
    storage,
    throughput,
)
from bench.stack import BenchStack

Scenario = Callable[[Bench], Awaitable[None]]
# Cheap and isolated first; the backlog rounds leave thousands of runs behind, so they
# come after the latency figures, and storage starts servers of its own.
SCENARIOS: dict[str, Scenario] = {
    "payloads": payloads.run,
    "policy": policy.run,
    "policy_rollout": policy_rollout.run,
    "e2e": end_to_end.run,
    "approvals": approvals.run,
    "promotions": promotions.run,
    "runs_list": runs_list.run,
    "schedules": schedules.run,
    "throughput": throughput.run,
    "storage": storage.run,
    "rca": rca.run,
    "gasi": gasi.run,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def say(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace, report: Report) -> None:
    chosen = [name for name in SCENARIOS if name in args.only] if args.only else list(SCENARIOS)
    stack = await asyncio.to_thread(BenchStack.start, say)
    try:
        client = await stack.client()
        base = stack.settings.api_base_url
        async with (
            httpx.AsyncClient(base_url=base, headers=_bearer(stack.admin_key), timeout=60) as api,
            httpx.AsyncClient(
                base_url=base, headers=_bearer(stack.approver_key), timeout=60
            ) as approver,
        ):
            bench = Bench(
                stack, report, client, api, approver, args.reps, Sizes().scaled(args.scale), say
            )
            for name in chosen:
                started = time.monotonic()
                await SCENARIOS[name](bench)
                say(f"{name} took {time.monotonic() - started:.0f} s")
                await stack.stop_workers()
                await stack.stop_raw_worker()
    finally:
        await asyncio.to_thread(stack.stop)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions per figure (>= 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    parser.add_argument(
        "--only", type=lambda text: [t for t in text.split(",") if t], default=[],
        help=f"comma-separated scenarios: {', '.join(SCENARIOS)}",
    )  # fmt: skip
    parser.add_argument(
        "--results", type=Path, default=None,
        help="where to write the results (default bench/RESULTS.md for a full run, none else)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    unknown = [name for name in args.only if name not in SCENARIOS]
    if unknown:
        parser.error(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    if args.reps < 3:
        parser.error("--reps must be at least 3: every figure is a median of repetitions")
    full = not args.only and args.scale == 1.0
    target = args.results or (RESULTS if full else None)
    report = Report()
    started = time.monotonic()
    asyncio.run(run(args, report))
    elapsed = time.monotonic() - started
    print(f"# done in {elapsed / 60:.1f} min", flush=True)
    if target is not None:
        write_results(target, report, argv=sys.argv[1:], elapsed_s=elapsed)
        print(f"# results written to {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
