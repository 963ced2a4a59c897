"""The simulator watches several namespaces of a real API server as the bot, and a
namespace it may not read yet neither blocks it nor hides the others."""

from __future__ import annotations

import time
from pathlib import Path

from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.traffic.server import TrafficSimulator
from kaizen.traffic.table import DEFAULT_TABLE


def _namespace(kube: LocalKubeControlPlane, name: str, *, granted: bool) -> None:
    kube.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        f"/api/v1/namespaces/{name}",
    )
    if granted:
        kube.grant_bot(name)
    labels = {"app": "web"}
    kube.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": name, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        **kube.pod_placement(),
                        "containers": [{"name": "web", "image": "registry.local/web:1.0.0"}],
                    },
                },
            },
        },
        f"/apis/apps/v1/namespaces/{name}/deployments/web",
    )


def test_every_namespace_it_may_read_is_simulated_and_a_forbidden_one_is_empty(
    kube: LocalKubeControlPlane,
) -> None:
    _namespace(kube, "traffic-seen", granted=True)
    _namespace(kube, "traffic-hidden", granted=False)
    simulator = TrafficSimulator(
        kube.api_client("bot"), ["traffic-seen", "traffic-hidden"], Path(DEFAULT_TABLE)
    )
    simulator.start()
    try:
        deadline = time.monotonic() + 30
        seen: set[tuple[str, str]] = set()
        while time.monotonic() < deadline:
            simulator.tick()
            seen = {(d.namespace, d.name) for d in simulator.simulation.cluster.deployments}
            if simulator.synced and seen:
                break
            time.sleep(0.2)
        assert simulator.synced  # the 403 counts as an answer: `kaizen up` is not held up
        assert seen == {("traffic-seen", "web")}
        body = simulator.render("/metrics/kube-state") or b""
        assert b'deployment="web",namespace="traffic-seen"' in body
        assert b"traffic-hidden" not in body
    finally:
        simulator.stop()
