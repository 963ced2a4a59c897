"""``kaizen schedules``: apply a directory of TOML files, and each schedule by hand.

The CLI runs in-process (``kaizen.cli.main.main``) against the real API served over HTTP
by uvicorn, on the real Temporal dev server. Each test has a tenant of its own, so its
schedules (and what ``--prune`` may delete) are its own. No worker polls the runs'
queue: a run a schedule starts stays running, which is all these tests look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from kaizen.cli.api_client import KaizenApi
from kaizen.cli.main import main
from kaizen.settings import Settings
from tests.conftest import Keys
from tests.http_server import served
from tests.servers import REPO

DATA = Path(__file__).parent.parent / "data" / "schedules"


@contextmanager
def serve(settings: Settings, keys: Keys, **overrides: Any) -> Iterator[str]:
    """The API on a tenant of its own over HTTP; its schedules are deleted afterwards."""
    tenant = f"cli-{uuid.uuid4().hex[:8]}"
    with served(create_app(settings.model_copy(update={"tenant": tenant, **overrides}))) as url:
        yield url
        with KaizenApi(url, keys.admin) as api:
            for view in api.get("/v1/schedules"):
                api.delete(f"/v1/schedules/{view['id']}")


@pytest.fixture
def api_url(settings: Settings, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The API for one test; the CLI holds the admin key (KAIZEN_API_KEY)."""
    monkeypatch.setenv("KAIZEN_API_KEY", keys.admin)
    monkeypatch.delenv("KAIZEN_API_URL", raising=False)
    with serve(settings, keys) as url:
        yield url


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A user's repository with the two example files under ``schedules/``."""
    directory = tmp_path / "repo" / "schedules"
    directory.mkdir(parents=True)
    for example in DATA.glob("*.toml"):
        shutil.copy(example, directory)
    return directory


def kaizen(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    """``kaizen schedules ARGS --api URL``: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exited:
        main(["schedules", *args, "--api", url])
    out, err = capsys.readouterr()
    code = exited.value.code
    assert isinstance(code, int)
    return code, out, err


def describe(capsys: pytest.CaptureFixture[str], url: str, name: str) -> dict[str, Any]:
    code, out, err = kaizen(capsys, url, "describe", name, "--json")
    assert code == 0, err
    view: dict[str, Any] = json.loads(out)
    return view


def live_names(url: str, keys: Keys) -> list[str]:
    with httpx.Client(base_url=url, headers=Keys.header(keys.viewer)) as http:
        return [view["id"] for view in http.get("/v1/schedules").json()]


def test_apply_creates_and_a_second_apply_changes_nothing(
    api_url: str, repo: Path, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = kaizen(capsys, api_url, "apply", str(repo.parent), "--dry-run")
    assert code == 0, err
    assert "+ create     nightly-checkout" in out and "+ create     weekly-web" in out
    assert 'spec.cron: ["0 3 * * *"]' in out and "Plan: 2 to create; 0 unchanged." in out
    assert "Dry run: nothing was changed." in out
    assert live_names(api_url, keys) == []

    # The repository's root works as well as its schedules/ directory.
    code, out, err = kaizen(capsys, api_url, "apply", str(repo.parent))
    assert code == 0, err
    assert "created nightly-checkout" in out and "created weekly-web" in out
    nightly = describe(capsys, api_url, "nightly-checkout")
    assert nightly["kind"] == "healing" and nightly["created_by"] == "root"
    assert nightly["input"] == {"service": "checkout", "namespace": "shop",
                                "symptom": "NightlyCheck", "severity": "low"}  # fmt: skip
    assert nightly["spec"]["cron"] == ["0 3 * * *"] and nightly["catchup_window_seconds"] == 3600
    assert datetime.fromisoformat(nightly["next_action_times"][0]).hour == 3
    assert nightly["paused"] is False
    weekly = describe(capsys, api_url, "weekly-web")
    assert weekly["paused"] is True and weekly["note"] == "enabled after the migration"
    assert weekly["spec"]["intervals"] == [{"every_seconds": 604800, "offset_seconds": 3600}]
    assert weekly["input"]["dry_run"] is True

    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 0, err
    assert "Nothing to change: 2 schedule(s) match their files." in out
    assert "= unchanged  nightly-checkout" in out and "Applied" not in out
    for name in ("nightly-checkout", "weekly-web"):
        changes = [c["action"] for c in describe(capsys, api_url, name)["changes"]]
        assert changes == ["created"], (name, changes)  # nothing was sent the second time


def test_a_changed_file_updates_and_the_diff_shows_the_change(
    api_url: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kaizen(capsys, api_url, "apply", str(repo))[0] == 0
    nightly = repo / "nightly-checkout.toml"
    nightly.write_text(
        'paused = true\nnote = "on hold"\n'
        + nightly.read_text()
        .replace('overlap = "skip"', 'overlap = "buffer_one"')
        .replace('cron = ["0 3 * * *"]', 'cron = ["30 4 * * *"]')
        .replace('severity = "low"', 'severity = "high"')
    )
    code, out, err = kaizen(capsys, api_url, "apply", str(repo), "--dry-run")
    assert code == 0, err
    assert "~ update     nightly-checkout" in out
    assert 'spec.cron: ["0 3 * * *"] -> ["30 4 * * *"]' in out
    assert 'overlap: "skip" -> "buffer_one"' in out
    assert 'input.severity: "low" -> "high"' in out
    assert "paused: false -> true" in out and 'note: "" -> "on hold"' in out
    assert "= unchanged  weekly-web" in out and "Plan: 1 to update; 1 unchanged." in out
    assert describe(capsys, api_url, "nightly-checkout")["overlap"] == "skip"  # dry run

    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 0, err
    assert "updated nightly-checkout (input, overlap, spec; paused)" in out
    after = describe(capsys, api_url, "nightly-checkout")
    moved = datetime.fromisoformat(after["next_action_times"][0])
    assert (moved.hour, moved.minute) == (4, 30)
    assert after["overlap"] == "buffer_one" and after["input"]["severity"] == "high"
    assert after["paused"] is True and after["note"] == "on hold"
    assert [c["action"] for c in after["changes"]] == ["paused", "updated", "created"]
    assert all(c["by"] == "root" for c in after["changes"])

    # A key dropped from the file goes back to the API's default.
    nightly.write_text(nightly.read_text().replace('overlap = "buffer_one"\n', ""))
    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 0, err
    assert 'overlap: "buffer_one" -> "skip"' in out
    assert describe(capsys, api_url, "nightly-checkout")["overlap"] == "skip"
    code, out, _ = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 0 and "Nothing to change" in out

    # Another kind under the same name is a conflict: refused before anything is sent.
    nightly.write_text(nightly.read_text().replace('kind = "healing"', 'kind = "healing_sweep"'))
    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 2, out
    assert "! conflict   nightly-checkout" in out and "a kind cannot change in place" in err
    assert "Plan: 1 in conflict; 1 unchanged." in out and "nothing was changed" in err
    assert [c["action"] for c in describe(capsys, api_url, "nightly-checkout")["changes"]] == [
        "updated",
        "paused",
        "updated",
        "created",
    ]


def test_prune_deletes_what_is_not_declared_and_only_with_prune(
    api_url: str, repo: Path, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = {"id": "stray", "kind": "healing", "spec": {"cron": ["0 1 * * *"]},
             "input": {"service": "old", "namespace": "shop", "symptom": "Old",
                       "severity": "low"}}  # fmt: skip
    with httpx.Client(base_url=api_url, headers=Keys.header(keys.operator)) as http:
        assert http.post("/v1/schedules", json=stray).status_code == 201
    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 0, err
    assert "not declared here, kept (--prune deletes them): stray" in out
    code, out, err = kaizen(capsys, api_url, "apply", str(repo), "--prune", "--dry-run")
    assert code == 0, err
    assert "- delete     stray  (healing; not declared, --prune)" in out
    assert "Plan: 1 to delete; 2 unchanged." in out
    assert "stray" in live_names(api_url, keys)

    code, out, err = kaizen(capsys, api_url, "apply", str(repo), "--prune")
    assert code == 0, err
    assert "deleted stray" in out
    assert live_names(api_url, keys) == ["nightly-checkout", "weekly-web"]
    code, out, _ = kaizen(capsys, api_url, "apply", str(repo), "--prune")
    assert code == 0 and "Nothing to change" in out


def test_a_bad_file_is_exit_2_naming_file_and_field_and_nothing_is_sent(
    api_url: str, repo: Path, keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = repo / "bad.toml"
    bad.write_text(
        'kind = "healing"\noverlapp = "skip"\ninput = {}\n'
        "[spec]\nintervals = [{ every_seconds = 0 }]\n"
    )
    (repo / "Not A Name.toml").write_text((repo / "weekly-web.toml").read_text())
    (repo / "broken.toml").write_text("kind = \n")
    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 2, out
    assert "nothing was sent" in err
    assert (
        f"{bad}: spec.intervals.0.every_seconds: Input should be greater than or equal to 1" in err
    )
    assert f"{bad}: overlapp: Extra inputs are not permitted" in err
    assert f"{repo / 'Not A Name.toml'}: id: " in err and "rename the file or give `id`" in err
    assert f"{repo / 'broken.toml'}: not TOML" in err
    assert live_names(api_url, keys) == []  # the good files were not applied either

    (repo / "twin.toml").write_text('id = "weekly-web"\n' + (repo / "weekly-web.toml").read_text())
    for extra in (bad, repo / "Not A Name.toml", repo / "broken.toml"):
        extra.unlink()
    code, _, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 2 and "weekly-web.toml: id: 'weekly-web' is declared in" in err
    assert "twin.toml too" in err
    code, _, err = kaizen(capsys, api_url, "apply", str(repo / "missing"))
    assert code == 2 and "not a directory" in err


def test_without_a_key_is_exit_2_saying_where_one_comes_from(
    api_url: str, repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("KAIZEN_API_KEY")
    monkeypatch.setenv("KAIZEN_HOME", str(tmp_path / "no-home"))
    code, _, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 2
    assert "no API key: set KAIZEN_API_KEY or run `kaizen up` once" in err
    assert str(tmp_path / "no-home" / "admin.key") in err


def test_an_input_the_api_refuses_is_exit_1_with_the_field(
    api_url: str, repo: Path, keys: Keys, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    nightly = repo / "nightly-checkout.toml"
    nightly.write_text(nightly.read_text().replace('"checkout"', '"Check_Out"'))
    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 1, out
    assert "+ create     nightly-checkout" in out  # the plan was printed first
    assert f"error: create nightly-checkout ({nightly}):" in err
    assert "API refused (422)" in err and "  input.service: " in err
    assert "stopped: 0 of 2 change(s) applied" in err
    assert live_names(api_url, keys) == []

    # A role that may not change schedules: the API's 403, exit 1.
    nightly.write_text(nightly.read_text().replace('"Check_Out"', '"checkout"'))
    monkeypatch.setenv("KAIZEN_API_KEY", keys.viewer)
    code, out, err = kaizen(capsys, api_url, "apply", str(repo))
    assert code == 1 and "API refused (403)" in err
    code, _, err = kaizen(capsys, "http://127.0.0.1:9", "list")
    assert code == 1 and "cannot reach the API at http://127.0.0.1:9" in err


def wait_for_actions(
    capsys: pytest.CaptureFixture[str], url: str, name: str, count: int
) -> list[dict[str, Any]]:
    """The schedule's recent actions once there are ``count`` (and a moment for more)."""
    deadline = time.monotonic() + 30
    actions: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        actions = describe(capsys, url, name)["recent_actions"]
        if len(actions) >= count:
            time.sleep(1.0)
            return describe(capsys, url, name)["recent_actions"]
        time.sleep(0.2)
    return actions


def test_list_describe_pause_unpause_trigger_backfill_delete(
    api_url: str, tmp_path: Path, keys: Keys, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    (tmp_path / "every-10m.toml").write_text(
        'kind = "healing"\n'
        'input = { service = "api", namespace = "shop", symptom = "Sweep", severity = "low" }\n'
        "spec = { intervals = [{ every_seconds = 600 }] }\n"
    )
    assert kaizen(capsys, api_url, "apply", str(tmp_path))[0] == 0

    code, out, err = kaizen(capsys, api_url, "list")
    assert code == 0, err
    [header, row] = out.splitlines()
    assert header.split()[:3] == ["NAME", "KIND", "STATE"]
    assert row.split()[:3] == ["every-10m", "healing", "active"] and "every 10m in UTC" in row

    code, out, err = kaizen(capsys, api_url, "pause", "every-10m", "--note", "audit week")
    assert code == 0 and out.strip() == "paused every-10m: audit week", err
    code, out, _ = kaizen(capsys, api_url, "list", "--kind", "healing")
    assert "paused: audit week" in out
    # Paused by hand and the file says nothing of it: apply leaves the state alone.
    code, out, _ = kaizen(capsys, api_url, "apply", str(tmp_path))
    assert code == 0 and "Nothing to change" in out
    code, out, _ = kaizen(capsys, api_url, "unpause", "every-10m")
    assert code == 0 and out.startswith("unpaused every-10m; next fire ")
    assert describe(capsys, api_url, "every-10m")["paused"] is False
    assert kaizen(capsys, api_url, "pause", "every-10m")[0] == 0

    code, out, err = kaizen(capsys, api_url, "trigger", "every-10m", "--overlap", "allow_all")
    assert code == 0 and "triggered every-10m once (overlap allow_all)" in out, err
    [triggered] = wait_for_actions(capsys, api_url, "every-10m", 1)
    assert triggered["workflow_id"].startswith("healing:cli-")

    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    code, out, err = kaizen(
        capsys, api_url, "backfill", "every-10m",
        "--start", (hour - timedelta(seconds=1)).isoformat(),
        "--end", (hour + timedelta(minutes=59, seconds=59)).isoformat(),
    )  # fmt: skip
    assert code == 0 and "backfilling every-10m" in out, err
    actions = wait_for_actions(capsys, api_url, "every-10m", 7)
    backfilled = sorted(datetime.fromisoformat(a["scheduled_at"]) for a in actions)[:6]
    assert backfilled == [hour + timedelta(minutes=10 * i) for i in range(6)], actions
    assert len(actions) == 7
    code, _, err = kaizen(capsys, api_url, "backfill", "every-10m", "--last", "1x")
    assert code == 2 and "not a duration" in err

    code, out, err = kaizen(capsys, api_url, "describe", "every-10m")
    assert code == 0, err
    assert out.startswith("every-10m  (healing)")
    assert "state:         paused: paused by root" in out
    assert "spec:          every 10m in UTC" in out
    assert triggered["workflow_id"] in out and "triggered by root: overlap allow_all" in out

    # The defaults a user has after `kaizen up`: KAIZEN_API_URL, KAIZEN_HOME/admin.key.
    home = tmp_path / "home"
    home.mkdir()
    (home / "admin.key").write_text(keys.admin + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIZEN_")}
    env.update(KAIZEN_HOME=str(home), KAIZEN_API_URL=api_url)
    listed = subprocess.run(
        [sys.executable, "-m", "kaizen.cli.main", "schedules", "list", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert [view["id"] for view in json.loads(listed.stdout)] == ["every-10m"]

    monkeypatch.setenv("KAIZEN_API_KEY", keys.operator)
    code, _, err = kaizen(capsys, api_url, "delete", "every-10m")
    assert code == 1 and "API refused (403)" in err  # deleting is an admin's
    monkeypatch.setenv("KAIZEN_API_KEY", keys.admin)
    code, out, err = kaizen(capsys, api_url, "delete", "every-10m")
    assert code == 0 and "deleted every-10m" in out, err
    code, _, err = kaizen(capsys, api_url, "describe", "every-10m")
    assert code == 1 and "API refused (404): no schedule 'every-10m'" in err


def test_the_rate_limit_is_waited_out_not_reported(
    settings: Settings, keys: Keys, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """One request a second per key (bursts of two): a directory of three files outruns it,
    and the API's 429s are waited out (Retry-After) rather than ending the apply."""
    monkeypatch.setenv("KAIZEN_API_KEY", keys.admin)
    for hour in range(3):
        (tmp_path / f"at-{hour}.toml").write_text(
            f'kind = "healing"\nspec = {{ cron = ["0 {hour} * * *"] }}\n[input]\n'
            f'service = "s{hour}"\nnamespace = "shop"\nsymptom = "S"\nseverity = "low"\n'
        )
    with serve(settings, keys, rate_limit_per_key=1.0) as url:
        code, out, err = kaizen(capsys, url, "apply", str(tmp_path))
        assert code == 0, err
        assert "Applied 3 change(s)." in out


def test_the_readme_example_applies_as_written(
    api_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's sweep of the demo namespace, file for file, against the real kind."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Declarative schedules") :]
    example = section[section.index("```toml\n") + len("```toml\n") :]
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "sweep-demo.toml").write_text(example[: example.index("```")])
    code, out, err = kaizen(capsys, api_url, "apply", str(tmp_path))
    assert code == 0, err
    assert "created sweep-demo" in out
    view = describe(capsys, api_url, "sweep-demo")
    assert (view["kind"], view["input"]) == ("healing_sweep", {"namespace": "demo"})
    assert view["spec"]["cron"] == ["*/5 * * * *"] and view["overlap"] == "skip"
    code, out, _ = kaizen(capsys, api_url, "apply", str(tmp_path))
    assert code == 0 and "Nothing to change" in out
