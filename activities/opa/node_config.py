"""The OPA configuration of a fleet node: long-poll Kaizen's bundle server, push status,
send decision logs, verify Kaizen's signature.

Settings follow what was measured (docs/reference: long polling with the exact content
type, ``min_delay_seconds: 1`` and ``max_delay_seconds: 2`` to cap the error backoff,
status pushed on every bundle event, decision logs flushed within two seconds). The
node trusts every key Kaizen has not retired and picks the one a bundle names, so a
key rotation needs no new config until the old key is retired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kaizen.persistence.policy_versions import PolicySigningKeyRow

SERVICE: Final = "kaizen"
BUNDLE_RESOURCE: Final = "bundle.tar.gz"
LOGS_RESOURCE: Final = "logs"


def node_service_url(api_base_url: str, node: str) -> str:
    return f"{api_base_url.rstrip('/')}/v1/policy-fleet/nodes/{node}"


def node_config(
    *,
    node: str,
    fleet: str,
    bundle: str,
    labels: Mapping[str, str],
    api_base_url: str,
    token: str,
    keys: Sequence[PolicySigningKeyRow],
    long_poll_seconds: int,
    persistence_directory: str | None = None,
) -> dict[str, Any]:
    """The node's config (JSON, which OPA reads as YAML); it holds the node's token."""
    bundle_config: dict[str, Any] = {
        "service": SERVICE,
        "resource": BUNDLE_RESOURCE,
        "polling": {
            "long_polling_timeout_seconds": max(long_poll_seconds, 1),
            "min_delay_seconds": 1,
            "max_delay_seconds": 2,
        },
        # No keyid: the node verifies with the key the bundle's signature names, among
        # those below; an unsigned or foreign-signed bundle is refused.
        "signing": {"exclude_files": []},
    }
    config: dict[str, Any] = {
        "labels": {**{str(k): str(v) for k, v in labels.items()}, "node": node, "fleet": fleet},
        "services": {
            SERVICE: {
                "url": node_service_url(api_base_url, node),
                "credentials": {"bearer": {"token": token}},
            }
        },
        "bundles": {bundle: bundle_config},
        "keys": {key.id: {"algorithm": key.algorithm, "key": key.public_pem} for key in keys},
        "status": {"service": SERVICE},
        "decision_logs": {
            "service": SERVICE,
            "resource": LOGS_RESOURCE,
            "reporting": {"min_delay_seconds": 1, "max_delay_seconds": 2},
        },
    }
    if persistence_directory is not None:
        bundle_config["persist"] = True
        config["persistence_directory"] = persistence_directory
    return config
