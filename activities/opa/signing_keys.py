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
from kaizen.persistence.policy_versions import PolicySigningKeyRow, signing_key, trusted_keys

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
