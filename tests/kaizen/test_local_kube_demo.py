"""The local cluster's demo is made once: a restart of the control plane and `create_demo`
(what `kaizen up --kube local` does at every start) keeps what happened to it since, and
`kaizen demo reset` restores it. The bot's rights in the demo and environment namespaces."""

from __future__ import annotations

import urllib.error
from pathlib import Path
from typing import Any

import pytest

from activities.kubernetes.canary import CANARY_OF
from kaizen.catalog.environments import load_environments
from kaizen.stack.kube import BOT_USER, LocalKubeControlPlane, ensure_kube_binaries
from kaizen.stack.kube_demo import (
    DEMO_DEPLOYMENTS,
    PROMOTER_ROLE,
    RBAC,
    create_demo,
    demo_placement,
    deployment_body,
)
from kaizen.traffic.table import BEHAVIOUR_ANNOTATION
from tests.stack_process import kaizen, kaizen_env

ENVIRONMENTS = sorted(e.namespace for e in load_environments().values())
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
BOT_SUBJECT = [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": BOT_USER}]
DEV_BINDING = f"{RBAC}/namespaces/dev/rolebindings/{BOT_USER}"
PROD_PROMOTER = f"{RBAC}/namespaces/prod/rolebindings/{PROMOTER_ROLE}"


def cli(home: Path, *args: str) -> tuple[int, str]:
    process = kaizen(*args, env=kaizen_env(home))
    output, _ = process.communicate(timeout=150)
    return process.returncode, output


def deployment(plane: LocalKubeControlPlane, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = plane.request(
        "GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
    )
    return found


def shape(found: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
    """Replicas, image and pod-template annotations."""
    template = found["spec"]["template"]
    annotations = template["metadata"].get("annotations") or {}
    return found["spec"]["replicas"], template["spec"]["containers"][0]["image"], annotations


def canary(namespace: str) -> dict[str, Any]:
    """web's canary as a promotion leaves it (activities/kubernetes/canary.py's labels)."""
    body = deployment_body(namespace, "web-canary", 1)
    labels = {"app": "web", "kaizen.dev/track": "canary"}
    body["spec"]["selector"]["matchLabels"] = labels
    body["spec"]["template"]["metadata"]["labels"] = labels
    body["metadata"]["labels"] = {
        **labels,
        CANARY_OF: "web",
        "app.kubernetes.io/managed-by": "kaizen",
    }
    return body


@pytest.mark.timeout(300)
def test_a_restart_keeps_the_demo_and_reset_restores_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = LocalKubeControlPlane(ensure_kube_binaries(), home / "kube")
    with first:
        assert demo_placement() == first.pod_placement()
        create_demo(first)
        port = first.apiserver_port
        assert ENVIRONMENTS == ["dev", "prod", "staging"]
        for namespace in ENVIRONMENTS:
            assert shape(deployment(first, namespace, "web")) == (
                2, "registry.local/demo/web:1.0.0", {}
            )  # fmt: skip
        # Healing scaled web out; then it was broken (a new image, an annotated template).
        first.request(
            "PATCH", "/apis/apps/v1/namespaces/demo/deployments/web",
            {"spec": {"replicas": 4, "template": {
                "metadata": {"annotations": {BEHAVIOUR_ANNOTATION: "errors"}},
                "spec": {"containers": [
                    {"name": "web", "image": "registry.local/demo/web:2.0-bad"}
                ]},
            }}},
            content_type=STRATEGIC,
        )  # fmt: skip
        # A promotion shipped 2.0.0 to staging and left its canary; someone else's Deployment.
        first.request(
            "PATCH", "/apis/apps/v1/namespaces/staging/deployments/web",
            {"spec": {"template": {"spec": {"containers": [
                {"name": "web", "image": "registry.local/demo/web:2.0.0"}
            ]}}}},
            content_type=STRATEGIC,
        )  # fmt: skip
        staging = "/apis/apps/v1/namespaces/staging/deployments"
        first.request("POST", staging, canary("staging"), token=first.bot_token)
        first.request("POST", staging, deployment_body("staging", "other", 1))
        # An operator let someone else act as the bot in dev, and removed a binding in prod.
        first.request(
            "PATCH", DEV_BINDING,
            {"subjects": [*BOT_SUBJECT, {**BOT_SUBJECT[0], "name": "alice"}]},
            content_type=MERGE,
        )  # fmt: skip
        first.request("DELETE", PROD_PROMOTER)

    again = LocalKubeControlPlane(ensure_kube_binaries(), home / "kube")
    with again:
        assert again.apiserver_port == port
        create_demo(again)  # as every `kaizen up --kube local` does
        broken = (4, "registry.local/demo/web:2.0-bad", {BEHAVIOUR_ANNOTATION: "errors"})
        assert shape(deployment(again, "demo", "web")) == broken
        assert deployment(again, "demo", "web")["status"]["availableReplicas"] == 4
        assert shape(deployment(again, "staging", "web"))[1] == "registry.local/demo/web:2.0.0"
        assert deployment(again, "staging", "web-canary")
        assert len(again.request("GET", DEV_BINDING)["subjects"]) == 2, "left as it was"
        assert again.request("GET", PROD_PROMOTER)["roleRef"]["name"] == PROMOTER_ROLE, "missing"

        code, output = cli(home, "demo", "reset")
        assert code == 0, output
        assert (
            "demo/web: registry.local/demo/web:2.0-bad x4 -> registry.local/demo/web:1.0.0 x2"
            in output
        )
        assert "staging/web-canary: removed" in output
        for name, replicas in DEMO_DEPLOYMENTS.items():
            found = deployment(again, "demo", name)
            assert shape(found) == (replicas, f"registry.local/demo/{name}:1.0.0", {})
            assert found["status"]["availableReplicas"] == found["status"]["replicas"] == replicas
        assert shape(deployment(again, "staging", "web"))[1] == "registry.local/demo/web:1.0.0"
        assert deployment(again, "staging", "other"), "not Kaizen's: left alone"
        try:
            gone = deployment(again, "staging", "web-canary")
            assert gone["metadata"].get("deletionTimestamp"), "the canary was not removed"
        except urllib.error.HTTPError as error:
            assert error.code == 404
        assert again.request("GET", DEV_BINDING)["subjects"] == BOT_SUBJECT

    # Nothing running, or nothing ever made: a clear error, not a traceback.
    code, output = cli(home, "demo", "reset")
    assert code == 1
    assert f"no local cluster running at https://127.0.0.1:{port}" in output
    code, output = cli(tmp_path / "elsewhere", "demo", "reset")
    assert code == 1
    assert "no local cluster under" in output and "kaizen up --kube local" in output


def allowed(
    plane: LocalKubeControlPlane, namespace: str, verb: str, resource: str, group: str = ""
) -> bool:
    """The apiserver's own RBAC answer for the bot (a SelfSubjectAccessReview)."""
    name, _, subresource = resource.partition("/")
    attributes = {"namespace": namespace, "verb": verb, "group": group, "resource": name}
    if subresource:
        attributes["subresource"] = subresource
    review = plane.request(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        {"spec": {"resourceAttributes": attributes}},
        token=plane.bot_token,
    )
    return bool(review["status"].get("allowed"))


@pytest.mark.timeout(240)
def test_the_bot_makes_canaries_only_in_environments_and_reads_logs_and_events(
    tmp_path: Path,
) -> None:
    with LocalKubeControlPlane(ensure_kube_binaries(), tmp_path / "kube") as plane:
        create_demo(plane)
        bot = plane.bot_token
        staging = "/apis/apps/v1/namespaces/staging/deployments"
        plane.request("POST", staging, canary("staging"), token=bot)
        plane.request("DELETE", f"{staging}/web-canary", token=bot)
        for namespace in ("demo", "kube-system"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                plane.request(
                    "POST", f"/apis/apps/v1/namespaces/{namespace}/deployments",
                    canary(namespace), token=bot,
                )  # fmt: skip
            assert refused.value.code == 403, namespace
            assert not allowed(plane, namespace, "delete", "deployments", "apps")
        with pytest.raises(urllib.error.HTTPError) as refused:
            plane.request("DELETE", "/apis/apps/v1/namespaces/demo/deployments/web", token=bot)
        assert refused.value.code == 403

        # What the RCA collector reads, in the demo namespace (and not where it is not bound).
        assert allowed(plane, "demo", "get", "pods/log")
        for group in ("", "events.k8s.io"):
            for verb in ("get", "list", "watch"):
                assert allowed(plane, "demo", verb, "events", group), (verb, group)
        assert not allowed(plane, "kube-system", "get", "pods/log")
        assert not allowed(plane, "demo", "get", "secrets")
        plane.request("GET", "/api/v1/namespaces/demo/events", token=bot)
        plane.request("GET", "/apis/events.k8s.io/v1/namespaces/demo/events", token=bot)
