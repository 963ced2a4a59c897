"""Publishing a policy directory as a version: build it with ``opa build``, sign it, keep it.

The same content published again is the same version (answered, not rebuilt); a
new content gets the next sequence number of its bundle and a revision equal to its
version id, which the signature covers, so what a node reports as active names
exactly one version.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Final

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from activities.opa.bundle_source import PolicySource
from activities.opa.cli import OpaCli, trim
from activities.opa.signing_keys import SigningKey, ensure_signing_key
from kaizen.catalog.playbooks import ParameterError
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_versions import (
    PolicyVersionRow,
    find_by_content,
    next_seq,
    version_id_for,
)
from kaizen.v1.policy_rollout_pb2 import PolicyVersion

BUNDLE_NAME: Final = re.compile(r"^[a-z0-9]([-a-z0-9_]{0,61}[a-z0-9])?$")


async def build_artifact(
    cli: OpaCli, source: PolicySource, *, revision: str, key: SigningKey, field: str = "body"
) -> bytes:
    """The signed bundle for ``source`` (tests left out); a build error is a 422 on ``field``."""
    with tempfile.TemporaryDirectory(prefix="kaizen-publish-") as tmp:
        directory = Path(tmp) / "src"
        directory.mkdir()
        source.write(directory)
        claims = Path(tmp) / "claims.json"
        # The key id travels in the signature, so nodes trusting several keys pick this one.
        claims.write_text(json.dumps({"keyid": key.id}))
        output = Path(tmp) / "bundle.tar.gz"
        built = await cli.build(
            directory, output, revision=revision, signing_key=key.private_path,
            claims_file=claims,
        )  # fmt: skip
        if not built.ok:
            raise ParameterError(field, f"opa build refused the policy: {trim(built.output)}")
        return output.read_bytes()


async def publish(
    engine: Engine,
    cli: OpaCli,
    home: Path,
    *,
    tenant: str,
    bundle: str,
    source: PolicySource,
    description: str,
    by: str,
) -> tuple[PolicyVersion, bool]:
    """The version for ``source``, and whether it was made now."""
    content = source.content_sha256(bundle)
    existing = await asyncio.to_thread(_existing, engine, tenant, bundle, content)
    if existing is not None:
        return existing, False
    key = await asyncio.to_thread(ensure_signing_key, engine, home)
    version_id = version_id_for(content)
    artifact = await build_artifact(cli, source, revision=version_id, key=key)
    for _attempt in range(5):
        try:
            return await asyncio.to_thread(
                _insert, engine, tenant, bundle, source, content, artifact, key, description, by
            )
        except IntegrityError:
            # Another publish took the sequence number (or published the same content).
            found = await asyncio.to_thread(_existing, engine, tenant, bundle, content)
            if found is not None:
                return found, False
    raise RuntimeError("could not number the version: too many concurrent publishes")


def _existing(engine: Engine, tenant: str, bundle: str, content: str) -> PolicyVersion | None:
    with session_scope(engine) as session:
        row = find_by_content(session, tenant, bundle, content)
        return row.to_message() if row is not None else None


def _insert(
    engine: Engine,
    tenant: str,
    bundle: str,
    source: PolicySource,
    content: str,
    artifact: bytes,
    key: SigningKey,
    description: str,
    by: str,
) -> tuple[PolicyVersion, bool]:
    version_id = version_id_for(content)
    with session_scope(engine) as session:
        row = PolicyVersionRow(
            id=version_id, tenant=tenant, bundle=bundle, seq=next_seq(session, tenant, bundle),
            revision=version_id, roots_json=json.dumps(source.roots), content_sha256=content,
            files_json=json.dumps(source.describe_files()), source=source.archive(),
            artifact=artifact, artifact_sha256=hashlib.sha256(artifact).hexdigest(),
            artifact_size=len(artifact),
            signing_key_id=key.id, description=description, created_by=by,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.to_message(), True
