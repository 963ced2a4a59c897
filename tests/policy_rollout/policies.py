"""Policy directories the policy rollout tests publish, as tar.gz archives."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Final

ROOT: Final = "shop/authz"
PATH: Final = "shop/authz/allow"

POLICY: Final = """package shop.authz

default allow := false

# Orders up to the limit are allowed; the limit is data, so a rollout can change it.
allow if input.amount <= data.shop.authz.limit

revision_seen := "{marker}"
"""

TESTS: Final = """package shop.authz_test

import data.shop.authz

test_small_orders_are_allowed if authz.allow with input as {{"amount": 1}}

test_huge_orders_are_denied if not authz.allow with input as {{"amount": {huge}}}
"""


def archive(files: dict[str, str | bytes]) -> bytes:
    """A tar.gz of ``files`` (path -> content), as ``tar czf`` of a directory makes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def shop_policy(
    limit: int = 100,
    *,
    marker: str = "a",
    huge: int = 1_000_000,
    extra: dict[str, str] | None = None,
) -> dict[str, str | bytes]:
    """The shop's order policy with its limit, tests and manifest."""
    return {
        "./.manifest": json.dumps({"roots": [ROOT]}),
        "./shop/authz/policy.rego": POLICY.format(marker=marker),
        "./shop/authz/policy_test.rego": TESTS.format(huge=huge),
        "./shop/authz/data.json": json.dumps({"limit": limit}),
        **(extra or {}),
    }
