"""The runs list scenario: both sides ask the same question, and a refused call is counted,
not fatal (the dev server refuses visibility reads when its persistence limit is spent)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

import pytest

from api.run_list import list_query
from bench.context import Bench, Sizes
from bench.run import SCENARIOS
from bench.scenarios import runs_list


def test_the_raw_side_lists_what_the_api_lists_by_default() -> None:
    assert runs_list.QUERY == list_query(kind=None, status=None, service=None)
    assert runs_list.PATH == "/v1/runs?limit=100" and runs_list.PAGE == 100
    assert SCENARIOS["runs_list"] is runs_list.run


def _bench(requests: int) -> Bench:
    stack = SimpleNamespace(usage=lambda: {})
    fake = SimpleNamespace(stack=stack, sizes=Sizes(list_requests=requests), say=lambda _t: None)
    return cast(Bench, fake)


async def test_refused_calls_are_counted_and_every_call_is_made() -> None:
    in_flight = most = calls = 0

    async def call(_bench: Bench) -> None:
        nonlocal in_flight, most, calls
        calls += 1
        number = calls
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        if number % 4 == 0:
            raise RuntimeError("System Persistence Max QPS Reached.")

    measured = await runs_list.measure(_bench(100), call, ())
    assert calls == 100 and measured.failed == 25 and len(measured.latencies_ms) == 75
    assert most == runs_list.IN_FLIGHT
    assert measured.per_second > 0


async def test_a_round_where_every_call_fails_is_an_error() -> None:
    async def refused(_bench: Bench) -> None:
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="every one of 5"):
        await runs_list.measure(_bench(5), refused, ())
