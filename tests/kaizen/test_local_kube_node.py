"""The local control plane's fake node stays Ready for the whole session.

kwok without a node Lease refreshed the node's status once a minute, past the
controller manager's 50 s grace: every 55 s the node went NotReady for ~5 s and
the pods of whatever test was running were marked unready and evicted.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from kaizen.stack.kube import LocalKubeControlPlane


def test_the_fake_node_heartbeats_through_a_fresh_lease(kube: LocalKubeControlPlane) -> None:
    path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{kube.node_name}"
    deadline = time.monotonic() + 30
    lease = kube.request("GET", path)
    while not lease.get("spec", {}).get("renewTime") and time.monotonic() < deadline:
        time.sleep(0.5)
        lease = kube.request("GET", path)
    spec = lease["spec"]
    renewed = datetime.fromisoformat(spec["renewTime"].replace("Z", "+00:00"))
    # Renewed well within the controller manager's 50 s grace period.
    assert (datetime.now(UTC) - renewed).total_seconds() < 40, spec
    assert spec["leaseDurationSeconds"] == 40
    node = kube.request("GET", f"/api/v1/nodes/{kube.node_name}")
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "True"
