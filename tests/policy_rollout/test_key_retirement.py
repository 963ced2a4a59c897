"""``kaizen policy keys retire``: a rotated-out key is dropped only once no node needs it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from activities.opa.signing_keys import ensure_signing_key, rotate
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_fleet import (
    BundleStatus,
    PolicyNodeRow,
    record_status,
    register_node,
    set_desired,
)
from kaizen.persistence.policy_versions import PolicyVersionRow, trusted_keys
from kaizen.settings import Settings
from kaizen.v1.policy_rollout_pb2 import PolicyNodeTarget
from tests.stack_process import kaizen, kaizen_env


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = kaizen("policy", "keys", *args, env=env)
    output, _ = process.communicate(timeout=60)
    return process.returncode, output


def version(engine: Engine, version_id: str, key_id: str, seq: int) -> None:
    """A version as publishing records it (the bytes do not matter to retirement)."""
    with session_scope(engine) as session:
        session.add(
            PolicyVersionRow(
                id=version_id, tenant="default", bundle="shop", seq=seq, revision=version_id,
                roots_json='["shop"]', content_sha256=version_id * 2, files_json="[]",
                source=b"", artifact=b"", artifact_sha256="", signing_key_id=key_id,
                created_by="olivia",
            )
        )  # fmt: skip


def runs(engine: Engine, nodes: list[str], version_id: str, *, reported: bool = True) -> None:
    """Serve ``nodes`` the version; with ``reported``, each says it runs it."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        targets = [PolicyNodeTarget(node=n, version_id=version_id, revision=version_id)
                   for n in nodes]  # fmt: skip
        set_desired(session, "default", targets, now)
        for name in nodes if reported else []:
            row = session.get_one(PolicyNodeRow, ("default", name))
            record_status(session, row, BundleStatus(version_id, "", "", [], now, now), now)


async def test_a_key_is_retired_only_once_every_node_runs_the_new_key(
    settings: Settings, engine: Engine
) -> None:
    env = kaizen_env(settings.home, KAIZEN_DATABASE_URL=settings.database)
    old = ensure_signing_key(engine, settings.home)
    with session_scope(engine) as session:
        for name in ("n1", "n2"):
            register_node(session, tenant="default", name=name, fleet="edge", bundle="shop",
                          url="", labels={}, principal="")  # fmt: skip
    version(engine, "pv-000000000001", old.id, 1)
    runs(engine, ["n1", "n2"], "pv-000000000001")
    new = rotate(engine, settings.home)

    code, output = run(env, "retire", new.id)
    assert code == 1 and f"{new.id} is the signing key: rotate first" in output, output

    code, output = run(env, "retire", old.id)
    assert code == 1, output
    assert f"edge/n1 is served pv-000000000001, signed by {old.id}" in output
    assert "edge/n2 is served" in output and "signed by the current key first" in output

    # n1 runs a version signed by the new key; n2 is served it but has not said so.
    version(engine, "pv-000000000002", new.id, 2)
    runs(engine, ["n1"], "pv-000000000002")
    runs(engine, ["n2"], "pv-000000000002", reported=False)
    code, output = run(env, "retire", old.id)
    assert code == 1 and "edge/n1" not in output, output
    assert f"edge/n2 runs pv-000000000001, signed by {old.id}" in output

    runs(engine, ["n2"], "pv-000000000002")
    code, output = run(env, "retire", old.id)
    assert code == 0 and f"retired {old.id}" in output, output
    with session_scope(engine) as session:
        assert [k.id for k in trusted_keys(session)] == [new.id]

    code, output = run(env, "retire", old.id)
    assert code == 1 and "retired already" in output, output
    code, output = run(env, "retire", "kaizen-nothing")
    assert code == 1 and "no signing key 'kaizen-nothing'" in output, output
