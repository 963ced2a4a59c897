"""The GASI API: start (config validated, 422 naming the field), steer, and read the hall
of fame, the champion as Prometheus YAML and the progress (JSON and SVG)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from kaizen.gasi.alert_rule.promtool import locate_promtool
from kaizen.settings import Settings
from tests.conftest import Keys, run_worker
from tests.gasi.conftest import TINY
from tests.polling import ended, wait_for_run

BAD_CONFIGS = [
    ({"arena": "chess"}, "arena"),
    ({"arena": "alert_rule", "config": {"pool_size": 1}}, "config.pool_size"),
    ({"arena": "alert_rule", "config": {"budgets": {"evaluations": -5}}},
     "config.budgets.evaluations"),
    ({"arena": "alert_rule", "config": {"budgets": {"llm_tokens": -1}}},
     "config.budgets.llm_tokens"),
    ({"arena": "alert_rule", "config": {"llm_forge": True}}, "config.llm_forge"),
    ({"arena": "alert_rule", "config": {"on_budget_exhausted": "sleep"}},
     "config.on_budget_exhausted"),
    ({"arena": "alert_rule", "config": {"pool_size": 4, "poolsize": 4}}, "config.poolsize"),
    ({"arena": "alert_rule", "config": {"adversaries_per_generation": 8, "forge_attempts": 3}},
     "config.forge_attempts"),
    ({"arena": "alert_rule", "name": "Not A Name"}, "name"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD_CONFIGS, ids=[f for _, f in BAD_CONFIGS])
async def test_a_bad_config_is_refused_naming_the_field(
    api: httpx.AsyncClient, keys: Keys, body: dict[str, Any], field: str
) -> None:
    reply = await api.post("/v1/gasi-runs", json=body, headers=Keys.header(keys.operator))
    assert reply.status_code == 422, reply.text
    assert field in [p["field"] for p in reply.json()["problems"]], reply.json()


async def test_a_tournament_through_the_api(
    api: httpx.AsyncClient, keys: Keys, client: Client, settings: Settings, tmp_path: Path
) -> None:
    operator, viewer = Keys.header(keys.operator), Keys.header(keys.viewer)
    body = {"arena": "alert_rule", "name": "demo", "config": {**TINY, "generations": 2}}
    async with run_worker(settings):
        started = await api.post("/v1/gasi-runs", json=body, headers=operator)
        assert started.status_code == 202, started.text
        run = started.json()
        assert run["id"] == "gasi:default:alert_rule:demo" and run["kind"] == "gasi"
        again = await api.post("/v1/gasi-runs", json=body, headers=operator)
        assert again.json()["joined"] is True and again.json()["id"] == run["id"]
        record = await wait_for_run(api, run["id"], operator, ended, timeout=120)
    assert record["status"] == "completed"
    result = record["result"]
    assert result["outcome"] == "generations_done"
    # The last run of the chain: it continued from the one before and finished.
    assert [e["type"] for e in record["events"]][0] == "run.continued"
    assert record["events"][0]["data"]["progress_svg"] == f"/v1/gasi-runs/{run['id']}/progress.svg"

    fame = (await api.get(f"/v1/gasi-runs/{run['id']}/hall-of-fame", headers=viewer)).json()
    assert fame["arena"] == "alert_rule"
    assert fame["champions"][0]["candidate"]["origin"] == "seed"
    assert all(c["benchmark"]["score"] is not None for c in fame["champions"])
    assert len(fame["adversaries"]) == TINY["initial_adversaries"] + 2 * 3
    assert all(0.0 <= a["difficulty"] <= 1.0 for a in fame["adversaries"])

    champion = await api.get(f"/v1/gasi-runs/{run['id']}/champion", headers=viewer)
    assert champion.status_code == 200
    assert champion.headers["content-type"].startswith("application/yaml")
    assert champion.headers["x-kaizen-champion"] == result["champion"]["candidate"]["id"]
    rules = tmp_path / "champion.yml"
    rules.write_text(champion.text)
    checked = subprocess.run(
        [str(locate_promtool(Settings().resolved_tools_dir)), "check", "rules", str(rules)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr

    progress = (await api.get(f"/v1/gasi-runs/{run['id']}/progress", headers=viewer)).json()
    assert [p["generation"] for p in progress["points"]] == [0, 1, 2]
    assert progress["live"] is None  # the run has ended
    assert all(p["evaluations_spent"] > 0 for p in progress["points"])

    svg = await api.get(progress["svg"], headers=viewer)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)
    lines = {el.get("id"): el for el in root.iter("{http://www.w3.org/2000/svg}polyline")}
    assert set(lines) == {"benchmark", "hall-of-fame", "difficulty"}
    assert len(lines["benchmark"].get("points", "").split()) == 3

    # The CIAO matrix: champions by generation against adversaries by generation, linked
    # from the run's first event like the progress picture.
    assert record["events"][0]["data"]["ciao"] == f"/v1/gasi-runs/{run['id']}/ciao"
    ciao = (await api.get(f"/v1/gasi-runs/{run['id']}/ciao", headers=viewer)).json()
    assert [c["generation"] for c in ciao["columns"]] == [0, 1, 2]
    assert [c["adversaries"] for c in ciao["columns"]] == [TINY["initial_adversaries"], 3, 3]
    assert [r["champion"]["generation"] for r in ciao["rows"]] == [
        c["generation"] for c in fame["champions"]
    ]
    seed = ciao["rows"][0]
    assert seed["champion"]["candidate_id"] == fame["champions"][0]["candidate"]["id"]
    # The seed met all its opening adversaries, and lost to exactly those the hall of fame
    # says it lost to.
    opening = seed["cells"][0]
    assert opening["met"] == TINY["initial_adversaries"]
    opened = {a["adversary"]["id"] for a in fame["adversaries"] if a["generation"] == 0}
    lost = len(opened & set(fame["champions"][0]["lost_to"]))
    assert opening["wins"] == opening["met"] - lost
    assert opening["win_rate"] == pytest.approx(opening["wins"] / opening["met"])
    reigning = next(
        r
        for r in ciao["rows"]
        if r["champion"]["candidate_id"] == result["champion"]["candidate"]["id"]
    )
    # Hardened against the whole archive: it met every adversary of every generation.
    met = [cell["met"] for cell in reigning["cells"]]
    assert met == [column["adversaries"] for column in ciao["columns"]]
    heat = await api.get(ciao["svg"], headers=viewer)
    assert heat.headers["content-type"].startswith("image/svg+xml")
    cells = [el for el in ET.fromstring(heat.text).iter("{http://www.w3.org/2000/svg}rect")
             if el.get("class") == "cell"]  # fmt: skip
    assert len(cells) == len(ciao["rows"]) * len(ciao["columns"])
    missing = await api.get("/v1/gasi-runs/gasi:default:alert_rule:nobody/ciao", headers=viewer)
    assert missing.status_code == 404


async def test_steering_through_the_api(
    api: httpx.AsyncClient, keys: Keys, client: Client, settings: Settings
) -> None:
    from tests.gasi import numbers_arena

    numbers_arena.register()
    operator = Keys.header(keys.operator)
    body = {"arena": "numbers", "name": "steer",
            "config": {"pool_size": 2, "adversaries_per_generation": 1,
                       "initial_adversaries": 2, "forge_attempts": 1,
                       "budgets": {"evaluations": 100_000}}}  # fmt: skip
    async with run_worker(settings):
        run = (await api.post("/v1/gasi-runs", json=body, headers=operator)).json()
        path = f"/v1/gasi-runs/{run['id']}"
        paused = await api.post(f"{path}/pause", json={"reason": "look"}, headers=operator)
        assert paused.status_code == 202
        await wait_for_run(api, run["id"], operator, lambda r: r["phase"] == "paused")
        refused = await api.post(
            f"{path}/budgets", json={"budgets": {"evaluations": 1}}, headers=operator
        )
        assert refused.status_code == 422 and "already spent" in refused.json()["error"]
        changed = await api.post(
            f"{path}/budgets", json={"budgets": {"evaluations": 200_000}, "generations": 3},
            headers=operator,
        )  # fmt: skip
        assert changed.status_code == 200 and changed.json()["generations"] == 3
        live = (await api.get(f"{path}/progress", headers=operator)).json()["live"]
        assert live["paused"] is True and live["budgets"]["evaluations"] == 200_000
        assert (await api.post(f"{path}/resume", json={}, headers=operator)).status_code == 202
        record = await wait_for_run(api, run["id"], operator, ended, timeout=60)
    assert record["result"]["outcome"] == "generations_done"
    assert record["result"]["counters"]["generations_done"] == 3
    late = await api.post(f"{path}/pause", json={}, headers=operator)
    assert late.status_code == 409


async def test_an_unknown_tournament_is_404(api: httpx.AsyncClient, keys: Keys) -> None:
    reply = await api.get(
        "/v1/gasi-runs/gasi:default:alert_rule:nobody/hall-of-fame",
        headers=Keys.header(keys.viewer),
    )
    assert reply.status_code == 404
