"""``kaizen up --kube local``: a real local cluster the workers act on."""

from __future__ import annotations

import signal
import stat
import time
from pathlib import Path

import pytest
from kubernetes import config
from kubernetes.client import AppsV1Api

from kaizen.stack.kube_demo import DEMO_DEPLOYMENTS, DEMO_NAMESPACE
from tests.kaizen.test_up import stack_env, stop
from tests.local_stack import LocalStack
from tests.stack_process import kaizen, read_until


@pytest.mark.timeout(360)  # the shared stack may start here
def test_up_with_local_kube_gives_a_working_demo_cluster(local_stack: LocalStack) -> None:
    # The session's shared `kaizen up --kube local` (tests/local_stack.py); its Ctrl-C and
    # restart are tested in test_local_stack.py.
    home = local_stack.home
    printed = local_stack.printed
    kubeconfig = home / "kubeconfig"
    assert f"kubeconfig {kubeconfig.resolve()}" in printed
    assert stat.S_IMODE(kubeconfig.stat().st_mode) == 0o600
    expected = f"Kubernetes: kubeconfig {kubeconfig.resolve()}"
    log = home / "logs" / "workers.log"
    deadline = time.monotonic() + 60
    while expected not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert expected in log.read_text()

    # The workers' identity (the bot) can read and change the demo Deployments.
    apps = AppsV1Api(config.new_client_from_config(config_file=str(kubeconfig)))
    for name, replicas in DEMO_DEPLOYMENTS.items():
        deployment = apps.read_namespaced_deployment(name, DEMO_NAMESPACE)
        assert deployment.status.available_replicas == replicas
    apps.patch_namespaced_deployment_scale("web", DEMO_NAMESPACE, {"spec": {"replicas": 3}})
    assert apps.read_namespaced_deployment("web", DEMO_NAMESPACE).spec.replicas == 3
    apps.patch_namespaced_deployment_scale("web", DEMO_NAMESPACE, {"spec": {"replicas": 2}})


def test_up_without_kube_says_observe_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = stack_env(home)
    env.pop("KUBECONFIG", None)
    process = kaizen("up", env=env)
    try:
        printed = "\n".join(read_until(process, "Ready.", timeout=120))
    finally:
        stop(process, signal.SIGTERM)
    assert "Kubernetes    none: observe-only" in printed
