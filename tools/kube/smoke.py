"""Manual end-to-end check of kaizen.stack.kube (not a pytest test).

    .venv/bin/python tools/kube/smoke.py [BIN_DIR]

Starts the local control plane, runs a 2-replica Deployment onto the kwok node, waits
for it to become available, then shows the bot user may patch but not delete it.
"""
# ruff: noqa: T201

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kubernetes import client  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries  # noqa: E402

T0 = time.monotonic()


def step(msg: str) -> None:
    print(f"[{time.monotonic() - T0:6.2f}s] {msg}", flush=True)


def wait_for(what: str, fn: Any, timeout: float = 60.0) -> Any:
    t = time.monotonic()
    while True:
        v = fn()
        if v:
            step(f"{what} (+{time.monotonic() - t:.2f}s)")
            return v
        if time.monotonic() - t > timeout:
            raise TimeoutError(what)
        time.sleep(0.1)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    bin_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ensure_kube_binaries()
    step(f"binaries: {bin_dir}")
    with tempfile.TemporaryDirectory(prefix="kaizen-kube-") as tmp:
        plane = LocalKubeControlPlane(bin_dir, Path(tmp) / "kube")
        with plane:
            step(
                f"control plane up in {plane.startup_seconds:.2f}s at {plane.server}; "
                f"pids {plane.pids}"
            )
            admin = plane.api_client("admin")
            bot = plane.api_client("bot")
            core, apps = client.CoreV1Api(admin), client.AppsV1Api(admin)
            ver = client.VersionApi(admin).get_code()
            step(f"server version {ver.git_version}")

            ns = "smoke"
            core.create_namespace({"metadata": {"name": ns}})
            plane.grant_bot(ns)  # the bot acts only where it is granted
            deployment = {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": ns},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {
                            **plane.pod_placement(),
                            "containers": [{"name": "web", "image": "nginx:fake"}],
                        },
                    },
                },
            }
            apps.create_namespaced_deployment(ns, deployment)
            step("deployment web (2 replicas) created")

            rs = wait_for(
                "ReplicaSet created by the controller manager",
                lambda: apps.list_namespaced_replica_set(ns).items,
            )
            step(f"  replicaset {rs[0].metadata.name}")

            def pods(pred: Any) -> Any:
                items = core.list_namespaced_pod(ns, label_selector="app=web").items
                return items if len(items) == 2 and all(pred(p) for p in items) else None

            scheduled = wait_for("2 pods scheduled", lambda: pods(lambda p: p.spec.node_name))
            step(f"  on nodes {[p.spec.node_name for p in scheduled]}")

            def ready(p: Any) -> bool:
                return any(
                    c.type == "Ready" and c.status == "True" for c in (p.status.conditions or [])
                )

            running = wait_for("2 pods Ready (kwok)", lambda: pods(ready))
            step(
                f"  phases {[p.status.phase for p in running]}, "
                f"IPs {[p.status.pod_ip for p in running]}"
            )
            wait_for(
                "deployment availableReplicas == 2",
                lambda: apps.read_namespaced_deployment("web", ns).status.available_replicas == 2,
            )

            bot_apps, bot_core = client.AppsV1Api(bot), client.CoreV1Api(bot)
            bot_apps.patch_namespaced_deployment(
                "web", ns, {"metadata": {"annotations": {"kaizen/touched": "yes"}}}
            )
            step("bot: patch deployment annotation -> OK")
            bot_apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
            wait_for(
                "bot: scale to 3 via deployments/scale -> 3 available",
                lambda: apps.read_namespaced_deployment("web", ns).status.available_replicas == 3,
            )
            for what, call in [
                ("delete deployment", lambda: bot_apps.delete_namespaced_deployment("web", ns)),
                ("list secrets", lambda: bot_core.list_namespaced_secret(ns)),
                (
                    "delete pod",
                    lambda: bot_core.delete_namespaced_pod(running[0].metadata.name, ns),
                ),
            ]:
                try:
                    call()
                except ApiException as e:
                    step(f"bot: {what} -> {e.status} {e.reason}")
                    assert e.status == 403, e
                else:
                    raise AssertionError(f"bot could {what}")
            assert apps.read_namespaced_deployment("web", ns).metadata.name == "web"
            pids = list(plane.pids.values())
            t_stop = time.monotonic()
        step(f"stopped in {time.monotonic() - t_stop:.2f}s")
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        assert not alive, f"left behind: {alive}"
        step("no processes left behind")
    step("SMOKE OK")


if __name__ == "__main__":
    main()
