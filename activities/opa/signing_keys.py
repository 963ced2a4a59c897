"""Kaizen's bundle signing keys: ECDSA P-256 (ES256), made on first use.

The private half stays in ``KAIZEN_HOME/policy-signing/<key id>.pem`` (directory 0700,
file 0600) of the process that publishes; the public half goes into the database,
where workers (validation) and node configs read it. A rotation makes a new signing
key and keeps the old one trusted, so nodes given both keys verify what they run now
and what they will be served next; retiring the old key drops it from node configs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_fleet import list_nodes
from kaizen.persistence.policy_versions import (
    PolicySigningKeyRow,
    get_version,
    signing_key,
    trusted_keys,
)

KEY_DIRECTORY: Final = "policy-signing"
ALGORITHM: Final = "ES256"


class SigningKeyUnavailable(RuntimeError):
    """The database names a signing key whose private half is not on this host."""


@dataclass(frozen=True)
class SigningKey:
    id: str
    private_path: Path
    public_pem: str


def key_directory(home: Path) -> Path:
    directory = home.resolve() / KEY_DIRECTORY
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    return directory


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One key is made at a time, across the processes sharing KAIZEN_HOME."""
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_signing_key(engine: Engine, home: Path) -> SigningKey:
    """The current signing key, made (and recorded) if there is none yet."""
    directory = key_directory(home)
    with _locked(directory), session_scope(engine) as session:
        current = signing_key(session)
        if current is None:
            return _create(session, directory)
        private = directory / f"{current.id}.pem"
        if not private.is_file():
            raise SigningKeyUnavailable(
                f"signing key {current.id} was made on another host: its private half is "
                f"not in {directory}; publish there, or rotate to make a key here"
            )
        return SigningKey(current.id, private, current.public_pem)


def rotate(engine: Engine, home: Path) -> SigningKey:
    """Make a new signing key; earlier keys stay trusted until retired."""
    directory = key_directory(home)
    with _locked(directory), session_scope(engine) as session:
        for key in trusted_keys(session):
            key.signing = False
            session.add(key)
        return _create(session, directory)


class RetirementRefused(ValueError):
    """The key must stay trusted (the message says why, naming the nodes that need it)."""


def retire_checked(engine: Engine, tenant: str, key_id: str) -> None:
    """Stop trusting ``key_id`` once no node needs it: it is not the signing key, and every
    registered node is served and runs a version signed by another key. A node that has
    not reported what it runs may still run one signed by it, so it blocks too."""
    with session_scope(engine) as session:
        key = session.get(PolicySigningKeyRow, key_id)
        if key is None:
            raise RetirementRefused(f"no signing key {key_id!r}")
        if key.retired_at is not None:
            raise RetirementRefused(f"{key_id} was retired already ({key.retired_at:%Y-%m-%d})")
        if key.signing:
            raise RetirementRefused(
                f"{key_id} is the signing key: rotate first (kaizen policy keys rotate), roll "
                "the fleets out to versions signed by the new key, then retire it"
            )
        blockers = retirement_blockers(session, tenant, key_id)
        if blockers:
            raise RetirementRefused(
                f"{key_id} is still needed: " + "; ".join(blockers) + ". Roll these nodes "
                "out to a version signed by the current key first"
            )
        key.retired_at = datetime.now(UTC)
        session.add(key)


def retirement_blockers(session: Session, tenant: str, key_id: str) -> list[str]:
    """Why each node still needs ``key_id`` (empty when none does)."""
    signed: dict[str, str] = {}

    def signer(version_id: str) -> str:
        if version_id not in signed:
            row = get_version(session, tenant, version_id)
            signed[version_id] = row.signing_key_id if row is not None else ""
        return signed[version_id]

    blockers: list[str] = []
    for node in list_nodes(session, tenant):
        if node.desired_version and signer(node.desired_version) == key_id:
            blockers.append(f"{node.fleet}/{node.name} is served {node.desired_version}, "
                            f"signed by {key_id}")  # fmt: skip
        elif node.active_revision and signer(node.active_revision) == key_id:
            blockers.append(f"{node.fleet}/{node.name} runs {node.active_revision}, signed by "
                            f"{key_id}")  # fmt: skip
        elif node.desired_version and node.active_revision != node.desired_revision:
            blockers.append(f"{node.fleet}/{node.name} has not reported running "
                            f"{node.desired_version} yet")  # fmt: skip
    return blockers


def retire(engine: Engine, key_id: str) -> bool:
    """Stop trusting ``key_id`` (never the signing key); False if it was not trusted."""
    with session_scope(engine) as session:
        key = session.get(PolicySigningKeyRow, key_id)
        if key is None or key.retired_at is not None or key.signing:
            return False
        key.retired_at = datetime.now(UTC)
        session.add(key)
        return True


def _create(session: Session, directory: Path) -> SigningKey:
    private_pem = _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    public_pem = _openssl("pkey", "-pubout", stdin=private_pem)
    key_id = "kaizen-" + hashlib.sha256(public_pem.encode()).hexdigest()[:10]
    private = directory / f"{key_id}.pem"
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(descriptor, 0o600)
        handle.write(private_pem)
    row = PolicySigningKeyRow(id=key_id, algorithm=ALGORITHM, public_pem=public_pem)
    session.add(row)
    session.flush()
    return SigningKey(key_id, private, public_pem)


def _openssl(*args: str, stdin: str = "") -> str:
    done = subprocess.run(
        ["openssl", *args], input=stdin, capture_output=True, text=True, timeout=30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()}")
    return done.stdout
