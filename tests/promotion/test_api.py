"""Bad input never starts anything: 422 naming the field, 409 for a changed build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from kaizen.settings import Settings
from tests.conftest import Keys
from tests.promotion.stack import (
    DIGEST,
    PromotionStack,
    environment_toml,
    promotion_stack,
    write_environments,
)


def problem_fields(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 422, reply.text
    return [p["field"] for p in reply.json()["problems"]]


@pytest.fixture
async def stack(settings: Settings, keys: Keys, tmp_path: Path) -> Any:
    files = {
        "staging": environment_toml("staging", "shop"),
        "prod": environment_toml(
            "prod", "shop", order=2, upstream="staging", extra="require_digest = true"
        ),
    }
    async with promotion_stack(
        settings, None, keys, write_environments(tmp_path / "e", files), prometheus_url=None
    ) as running:
        yield running


async def test_promotions_refuse_unknown_environments_builds_and_missing_digests(
    stack: PromotionStack,
) -> None:
    build = await stack.register("web", tests={"passed": 1, "failed": 0, "coverage_percent": 90})

    async def promote(body: dict[str, Any]) -> httpx.Response:
        return await stack.api.post("/v1/promotions", json=body, headers=stack.headers())

    reply = await promote({"build_id": build, "environment": "qa"})
    assert problem_fields(reply) == ["environment"]
    assert "declared: staging, prod" in reply.json()["error"]
    assert problem_fields(
        await promote({"build_id": "bld-" + "0" * 12, "environment": "prod"})
    ) == ["build_id"]
    assert problem_fields(await promote({"build_id": "web:2", "environment": "prod"})) == [
        "build_id"
    ]
    assert problem_fields(await promote({"build_id": build, "environment": "prod", "x": 1})) == [
        "x"
    ]
    unpinned = await promote({"build_id": build, "environment": "prod"})
    assert problem_fields(unpinned) == ["build_id"]
    assert "has no digest; prod only takes images pinned by digest" in unpinned.json()["error"]
    pinned = await stack.register("web", image=f"registry.local/web@{DIGEST}")
    accepted = await promote({"build_id": pinned, "environment": "prod"})
    assert accepted.status_code == 202, accepted.text


async def test_evidence_of_the_wrong_shape_is_refused_naming_the_field(
    stack: PromotionStack,
) -> None:
    build = await stack.register("web")

    async def add(body: Any) -> httpx.Response:
        return await stack.api.post(
            f"/v1/builds/{build}/evidence", json=body, headers=stack.headers()
        )

    assert problem_fields(await add({"tests": {"passed": "many"}})) == ["tests.passed"]
    assert problem_fields(await add({"tests": {"passed": -1}})) == ["tests.passed"]
    assert problem_fields(await add({"security": {"critical": 2**31}})) == ["security.critical"]
    assert problem_fields(await add({"tests": {"coverage_percent": 140}})) == [
        "tests.coverage_percent"
    ]
    assert problem_fields(await add({"security": {"criticals": 1}})) == ["security.criticals"]
    assert problem_fields(await add({"carbon": 0.3})) == ["carbon"]
    assert problem_fields(await add({"links": [{"title": "CI"}]})) == ["links.0.url"]
    assert problem_fields(await add({})) == ["body"]
    unknown = await stack.api.post(
        "/v1/builds/bld-000000000000/evidence", json={"carbon": {"grams_per_request": 1}},
        headers=stack.headers(),
    )  # fmt: skip
    assert unknown.status_code == 404
    viewer = await stack.api.post(
        f"/v1/builds/{build}/evidence", json={"carbon": {"grams_per_request": 1}},
        headers=stack.headers("viewer"),
    )  # fmt: skip
    assert viewer.status_code == 403
    shown = await stack.api.get(f"/v1/builds/{build}", headers=stack.headers("viewer"))
    assert shown.json()["evidence"] == []  # nothing refused was kept


async def test_builds_are_immutable(stack: PromotionStack) -> None:
    body = {"service": "web", "image": "registry.local/web:7", "version": "7.0.0"}
    first = await stack.api.post("/v1/builds", json=body, headers=stack.headers())
    assert first.status_code == 201, first.text
    same = await stack.api.post("/v1/builds", json=body, headers=stack.headers())
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    changed = await stack.api.post(
        "/v1/builds", json={**body, "image": "registry.local/web:8"}, headers=stack.headers()
    )
    assert changed.status_code == 409, changed.text
    wrong = await stack.api.post(
        "/v1/builds",
        json={**body, "version": "7.0.1", "evidence": {"performance": {"latency_p95_ms": "fast"}}},
        headers=stack.headers(),
    )
    assert problem_fields(wrong) == ["evidence.performance.latency_p95_ms"]
