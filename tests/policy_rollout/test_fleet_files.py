"""Fleets declared in files: loaded when the API starts, validated naming file and field,
reconciled into the registry (added, updated, removed nodes marked, never deleted)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from kaizen.catalog.playbooks import ParameterError
from kaizen.catalog.policy_fleets import FleetFileError, load_fleets
from kaizen.kinds.base import StartContext
from kaizen.kinds.policy_rollout import policy_rollout_request
from kaizen.settings import Settings
from tests.conftest import Keys
from tests.policy_rollout.policies import archive, shop_policy

EDGE = """bundle = "shop"

[nodes.e1]
url = "http://127.0.0.1:9001"
labels = { canary = "true", region = "eu" }

[nodes.e2]
url = "http://127.0.0.1:9002"
"""


@asynccontextmanager
async def api_with(settings: Settings, fleets: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"policy_fleets_dir": fleets}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as api:
            yield api


async def nodes(api: httpx.AsyncClient, keys: Keys) -> dict[str, dict[str, Any]]:
    reply = await api.get("/v1/policy-fleet", headers=Keys.header(keys.viewer))
    assert reply.status_code == 200, reply.text
    return {n["name"]: n for n in reply.json()["nodes"]}


async def test_declared_nodes_are_registered_updated_and_marked_when_removed(
    settings: Settings, keys: Keys, engine: Engine, tmp_path: Path
) -> None:
    fleets = tmp_path / "fleets"
    fleets.mkdir()
    (fleets / "edge.toml").write_text(EDGE)
    async with api_with(settings, fleets) as api:
        found = await nodes(api, keys)
        assert set(found) == {"e1", "e2"}
        assert found["e1"]["fleet"] == "edge" and found["e1"]["bundle"] == "shop"
        assert found["e1"]["url"] == "http://127.0.0.1:9001"
        assert {(x["key"], x["value"]) for x in found["e1"]["labels"]} == {
            ("canary", "true"), ("region", "eu"),
        }  # fmt: skip
        assert found["e1"]["declared_in"] == "edge.toml"
        assert not found["e2"].get("removed_from_file")
        # A declared node gets its OPA config, with a token of its own, from the API.
        config = await api.post("/v1/policy-fleet/nodes/e2/config", headers=Keys.header(keys.admin))
        assert config.status_code == 200, config.text
        assert config.json()["config"]["labels"]["fleet"] == "edge"
        version = await api.post(
            "/v1/policy-bundles", content=archive(shop_policy(100, marker="files")),
            params={"bundle": "shop"},
            headers={**Keys.header(keys.operator), "Content-Type": "application/gzip"},
        )  # fmt: skip
        assert version.status_code in (200, 201), version.text

    # e2 leaves the file, e1 changes, e3 arrives.
    (fleets / "edge.toml").write_text(
        EDGE.replace('labels = { canary = "true", region = "eu" }', 'labels = { region = "us" }')
        .replace("[nodes.e2]", "[nodes.e3]")
        .replace("9002", "9003")
    )
    async with api_with(settings, fleets) as api:
        found = await nodes(api, keys)
        assert set(found) == {"e1", "e2", "e3"}, "a node removed from its file is not deleted"
        assert found["e2"]["removed_from_file"] and found["e2"]["declared_in"] == "edge.toml"
        assert [(x["key"], x["value"]) for x in found["e1"]["labels"]] == [("region", "us")]
        assert not found["e3"].get("removed_from_file")
        events = await api.get(
            "/v1/policy-fleet/events", params={"fleet": "edge"}, headers=Keys.header(keys.viewer)
        )
        kinds = [(e["node"], e["kind"]) for e in events.json()]
        assert ("e2", "removed_from_file") in kinds and ("e1", "updated_from_file") in kinds
        assert ("e3", "registered") in kinds

    # New rollouts leave the removed node out.
    context = StartContext(settings=settings, requested_by="olivia", source="api")
    with Session(engine) as session:
        request = policy_rollout_request(
            session, {"fleet": "edge", "version_id": version.json()["id"]}, context
        )
        assert list(request.nodes) == ["e1", "e3"]
        with pytest.raises(ParameterError) as refused:
            policy_rollout_request(
                session, {"fleet": "edge", "version_id": version.json()["id"],
                          "selector": "region=eu"}, context,
            )  # fmt: skip
        assert refused.value.field == "selector"

    # Declared again, it is back.
    (fleets / "edge.toml").write_text(EDGE)
    async with api_with(settings, fleets) as api:
        found = await nodes(api, keys)
        assert not found["e2"].get("removed_from_file")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"edge.toml": EDGE.replace("http://127.0.0.1:9001", "ftp://x")},
         "edge.toml: nodes.e1.url: String should match pattern"),
        ({"edge.toml": EDGE + "\n[nodes.e4]\nport = 1\n"},
         "edge.toml: nodes.e4.port: Extra inputs are not permitted"),
        ({"edge.toml": EDGE.replace("[nodes.e2]", "[nodes.E_2]")}, "edge.toml: nodes.E_2"),
        ({"edge.toml": 'bundle = "shop"\n'}, "edge.toml: nodes: Field required"),
        ({"edge.toml": EDGE, "core.toml": '[nodes.e1]\nurl = ""\n'},
         "edge.toml: nodes.e1: already declared in core.toml"),
        ({"Edge.toml": EDGE}, "Edge.toml: the file's name is the fleet's"),
        ({"edge.toml": "bundle = "}, "edge.toml: "),
    ],
)  # fmt: skip
def test_a_wrong_fleet_file_names_the_file_and_field(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(FleetFileError) as error:
        load_fleets(tmp_path)
    assert message in str(error.value)


async def test_a_file_that_changes_a_fleets_bundle_stops_the_api(
    settings: Settings, tmp_path: Path
) -> None:
    fleets = tmp_path / "fleets"
    fleets.mkdir()
    (fleets / "edge.toml").write_text(EDGE)
    async with api_with(settings, fleets):
        pass
    # The same fleet, now serving another bundle: its registered nodes serve "shop".
    (fleets / "edge.toml").write_text(
        EDGE.replace('bundle = "shop"', 'bundle = "other"').replace("[nodes.e2]", "[nodes.e9]")
    )
    with pytest.raises(FleetFileError, match=r"edge.toml: bundle: fleet 'edge' serves bundle"):
        async with api_with(settings, fleets):
            pass
