"""The combined bundle of a cutover, built and evaluated by the pinned OPA (no fleet).

Before the instant every original path answers as the old version did, after it as the
new one does; nothing of one version leaks into the other (same package names, same
data paths, rules only one of them has, functions).
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from activities.opa.bundle_source import PolicySource, read_source
from activities.opa.cli import OpaCli
from activities.opa.cutover_bundle import CutoverBuildError, combine
from kaizen.settings import Settings
from kaizen.stack import tools
from tests.policy_rollout.policies import archive, shop_policy

OLD, NEW = "pv-aaaaaaaaaaaa", "pv-bbbbbbbbbbbb"
EXTRA = """package shop.authz

# Only the new version has it.
discount(amount) := amount / 10 if amount > 100

reasons contains "big" if input.amount > data.shop.authz.limit
"""


@pytest.fixture(scope="module")
def opa() -> Path:
    return tools.require(tools.OPA, Settings().resolved_tools_dir)


def evaluate(opa: Path, source: PolicySource, tmp: Path, query: str, given: Any) -> Any:
    directory = tmp / "src"
    source.write(directory)
    bundle = tmp / "bundle.tar.gz"
    built = subprocess.run(
        [opa, "build", "-b", ".", "--ignore", "*_test.rego", "-o", str(bundle)],
        cwd=directory, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    done = subprocess.run(
        [opa, "eval", "-b", str(bundle), "-f", "json", "-I", query],
        input=json.dumps(given), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(done.stdout).get("result") or []
    return found[0]["expressions"][0]["value"] if found else None


@pytest.mark.parametrize(("seconds", "side"), [(3600, "old"), (-1, "new")])
async def test_each_path_answers_from_one_side_of_the_instant(
    opa: Path, tmp_path: Path, seconds: int, side: str
) -> None:
    old = read_source(archive(shop_policy(100, marker="old")))
    new = read_source(
        archive(shop_policy(300, marker="new", extra={"./shop/authz/extra.rego": EXTRA}))
    )
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    combined = await combine(OpaCli(opa), old=old, old_id=OLD, new=new, new_id=NEW, at=at)
    assert combined.roots == ["shop/authz", "kaizen_cutover"]

    def ask(query: str, amount: int = 200) -> Any:
        return evaluate(opa, combined, tmp_path, query, {"amount": amount})

    expected = {
        "old": {"side": "old", "seen": "old", "allow": False, "limit": 100, "discount": None,
                "reasons": None},
        "new": {"side": "new", "seen": "new", "allow": True, "limit": 300, "discount": 20,
                "reasons": []},
    }[side]  # fmt: skip
    answers = {
        "side": ask("data.kaizen_cutover.side"),
        "seen": ask("data.shop.authz.revision_seen"),
        "allow": ask("data.shop.authz.allow"),
        "limit": ask("data.shop.authz.limit"),
        "discount": ask("data.shop.authz.discount(200)"),
        "reasons": ask("data.shop.authz.reasons", amount=50),
    }
    if side == "new":
        answers["reasons"] = sorted(answers["reasons"])
    assert answers == expected
    # The vendored tests ran against the vendored copies: the rewriting kept them passing.
    directory = tmp_path / "src"
    tested = subprocess.run(
        [opa, "test", "."], cwd=directory, capture_output=True, text=True, check=False
    )
    assert tested.returncode == 0 and "PASS: 4/4" in tested.stdout, tested.stdout
    strict = subprocess.run(
        [opa, "check", "--strict", "."], cwd=directory, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert strict.returncode == 0, strict.stdout + strict.stderr


async def test_the_same_version_on_both_sides_is_refused(opa: Path) -> None:
    source = read_source(archive(shop_policy(100)))
    with pytest.raises(CutoverBuildError, match="nothing to cut over"):
        await combine(OpaCli(opa), old=source, old_id=OLD, new=source, new_id=OLD,
                      at=datetime.now(UTC))  # fmt: skip
