"""Validating a policy version before any node sees it.

``opa check --strict`` and ``opa test`` on its source, ``opa build`` against the
fleet's OPA capabilities, and the signed bundle loaded into a scratch ``opa run`` with
signature verification on, as a node loads it. OPA's activation is deterministic for a
bundle and a version, so what passes here fails on a node only for reasons of its own
(a different key, a different OPA, the node itself). A failed check is a result (the
run ends saying which check and why), not an error to retry.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import tarfile
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio import activity

from activities.opa.cli import CliResult, OpaCli, trim
from activities.refusals import refusal
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_versions import get_version, public_key
from kaizen.stack import tools
from kaizen.v1.policy_rollout_pb2 import (
    PolicyValidationCheck,
    PolicyValidationReport,
    PolicyValidationRequest,
)


class PolicyValidationActivities:
    def __init__(self, engine: Engine, cli: OpaCli) -> None:
        self._engine = engine
        self._cli = cli

    @activity.defn
    async def validate_policy_version(
        self, request: PolicyValidationRequest
    ) -> PolicyValidationReport:
        """Check, test, build and load the version; the report says what failed and why."""
        source, artifact, key_id, key_pem = await asyncio.to_thread(self._read, request)
        report = PolicyValidationReport(ok=True)
        with tempfile.TemporaryDirectory(prefix="kaizen-validate-") as tmp:
            root = Path(tmp)
            directory = root / "src"
            _unpack(source, directory)
            bundle = root / "bundle.tar.gz"
            bundle.write_bytes(artifact)
            key = root / "key.pem"
            key.write_text(key_pem)
            steps: tuple[tuple[str, Callable[[], Awaitable[CliResult]]], ...] = (
                ("opa check --strict", lambda: self._cli.check_strict(directory)),
                ("opa test", lambda: self._cli.test(directory)),
                (
                    f"opa build --capabilities {tools.OPA.version}",
                    lambda: self._cli.build(
                        directory,
                        root / "rebuilt.tar.gz",
                        revision=request.version_id,
                        capabilities=tools.OPA.version,
                    ),
                ),  # fmt: skip
                (
                    "load in a scratch OPA, signature verified",
                    lambda: self._cli.scratch_load(bundle, public_key=key, key_id=key_id),
                ),
            )
            for name, step in steps:
                activity.heartbeat(name)
                result: CliResult = await step()
                report.checks.append(
                    PolicyValidationCheck(
                        name=name,
                        ok=result.ok,
                        output=trim(result.output),
                        seconds=result.seconds,
                    )  # fmt: skip
                )
                if not result.ok:
                    report.ok = False
                    first_line = next((ln for ln in result.output.splitlines() if ln), "")
                    report.summary = f"{name} failed: {first_line}"
                    return report
        report.summary = "valid: " + "; ".join(c.name for c in report.checks)
        return report

    def _read(self, request: PolicyValidationRequest) -> tuple[bytes, bytes, str, str]:
        with session_scope(self._engine) as session:
            row = get_version(session, request.tenant, request.version_id)
            if row is None:
                raise refusal(f"policy version {request.version_id} does not exist",
                              type="UnknownPolicyVersion")  # fmt: skip
            key = public_key(session, row.signing_key_id)
            if key is None:
                raise refusal(f"signing key {row.signing_key_id} is unknown",
                              type="UnknownSigningKey")  # fmt: skip
            return row.source, row.artifact, key.id, key.public_pem


def _unpack(source: bytes, directory: Path) -> None:
    directory.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(source)), mode="r") as tar:
        tar.extractall(directory, filter="data")
