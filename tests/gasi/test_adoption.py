"""Adopting a champion goes through the shared approval gate and writes a file and a diff,
never the user's rules file itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from temporalio.client import Client

from kaizen.gasi.alert_rule.promtool import locate_promtool
from kaizen.settings import Settings
from tests.conftest import Keys, run_worker
from tests.gasi.conftest import start_gasi
from tests.polling import ended, in_phase, wait_for_run


async def test_a_champion_is_adopted_only_after_approval_as_a_file_and_a_diff(
    api: httpx.AsyncClient, keys: Keys, client: Client, settings: Settings, tmp_path: Path
) -> None:
    rules = tmp_path / "my-rules.yml"
    rules.write_text(
        "groups:\n  - name: mine\n    rules:\n      - record: up:sum\n        expr: sum(up)\n"
    )
    settings = settings.model_copy(update={"gasi_rules_file": rules})
    operator, approver = Keys.header(keys.operator), Keys.header(keys.approver)
    async with run_worker(settings):
        tournament = await start_gasi(client, settings, "adopt", generations=1)
        await tournament.result()
        asked = await api.post(
            f"/v1/gasi-runs/{tournament.id}/champion/adopt", json={"reason": "fewer pages"},
            headers=operator,
        )  # fmt: skip
        assert asked.status_code == 202, asked.text
        adoption = asked.json()
        assert adoption["kind"] == "gasi_adoption"
        waiting = await wait_for_run(api, adoption["id"], operator, in_phase("awaiting_approval"))
        assert waiting["pending_approval"]["required"] == 1
        assert not (settings.home / "gasi").exists()  # nothing written before the decision
        self_vote = await api.post(
            f"/v1/runs/{adoption['id']}/approvals", json={"decision": "approve"},
            headers=operator,
        )  # fmt: skip
        assert self_vote.status_code == 403  # the requester is no approver
        vote = await api.post(
            f"/v1/runs/{adoption['id']}/approvals", json={"decision": "approve"},
            headers=approver,
        )  # fmt: skip
        assert vote.status_code == 200, vote.text
        done = await wait_for_run(api, adoption["id"], operator, ended, timeout=60)
    result = done["result"]
    assert result["outcome"] == "adopted", result
    output = result["output"]
    assert rules.read_text().count("kaizen-gasi") == 0  # the user's file is untouched
    proposal = Path(output["file"])
    assert proposal.name == "my-rules.yml" and Path(output["diff_file"]).is_file()
    assert (
        "+  - name: kaizen-gasi" in output["diff"]
        and "+      - alert: HighErrorRate" in output["diff"]
    )
    assert "  - name: mine" in proposal.read_text()
    checked = subprocess.run(
        [str(locate_promtool(Settings().resolved_tools_dir)), "check", "rules", str(proposal)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_a_rejected_adoption_writes_nothing(
    api: httpx.AsyncClient, keys: Keys, client: Client, settings: Settings
) -> None:
    operator, approver = Keys.header(keys.operator), Keys.header(keys.approver)
    async with run_worker(settings):
        tournament = await start_gasi(client, settings, "reject", generations=1)
        await tournament.result()
        adoption = (
            await api.post(f"/v1/gasi-runs/{tournament.id}/champion/adopt", json={},
                           headers=operator)
        ).json()  # fmt: skip
        await wait_for_run(api, adoption["id"], operator, in_phase("awaiting_approval"))
        await api.post(
            f"/v1/runs/{adoption['id']}/approvals",
            json={"decision": "reject", "comment": "not yet"}, headers=approver,
        )  # fmt: skip
        done = await wait_for_run(api, adoption["id"], operator, ended, timeout=60)
    assert done["result"]["outcome"] == "rejected"
    assert "rejected by alice" in done["result"]["reason"]
    assert not (settings.home / "gasi").exists()


async def test_adopting_from_an_unknown_tournament_is_422(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    reply = await api.post(
        "/v1/gasi-runs/gasi:default:alert_rule:ghost/champion/adopt", json={},
        headers=Keys.header(keys.operator),
    )  # fmt: skip
    assert reply.status_code == 422 and reply.json()["problems"][0]["field"] == "tournament"
