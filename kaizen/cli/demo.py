"""``kaizen demo``: break a demo service and watch Kaizen heal it (``kaizen up --kube local``).

``break`` changes a demo Deployment as its admin would, through the Kubernetes API: it
deploys the image tag the traffic table gives the chosen behaviour (or, with ``--via
annotation``, annotates the pod template). The traffic simulator makes the new pods
misbehave, Prometheus' rules notice, Alertmanager tells Kaizen. ``heal-status`` shows the
demo's Deployments, the alerts firing in Prometheus and the healing runs, in one place.
``reset`` puts the demo back as the first ``kaizen up --kube local`` made it (a restart keeps
it as it is): see :mod:`kaizen.stack.demo_reset` for what it restores and removes.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx

from kaizen.cli.api_client import (
    ApiKeyMissing,
    ApiRefused,
    ApiUnreachable,
    KaizenApi,
    default_api_key,
    default_api_url,
)
from kaizen.settings import Settings
from kaizen.stack.kube_demo import DEMO_NAMESPACE
from kaizen.traffic.table import BEHAVIOUR_ANNOTATION, Behaviour, TrafficTable, load_table

MODES: Final = ("errors", "latency", "crashloop", "memory")
USAGE: Final = 2


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def describe(behaviour: Behaviour) -> str:
    """What a behaviour does, in a few words."""
    said = []
    if behaviour.crash_after_seconds:
        said.append(f"crashes after {behaviour.crash_after_seconds:g} s, then CrashLoopBackOff")
    if behaviour.memory_climb_seconds:
        said.append(
            f"memory climbs to its limit in {behaviour.memory_climb_seconds:g} s, then OOMKilled"
        )
    if behaviour.error_ratio >= 0.01:
        said.append(f"{behaviour.error_ratio:.0%} of requests fail")
    said.append(f"p95 latency {behaviour.latency_p95_seconds * 1000:.0f} ms")
    return ", ".join(said)


def with_tag(image: str, tag: str) -> str:
    """``registry.local/demo/web:1.0.0`` with another tag."""
    head, _, last = image.rpartition("/")
    name = last.split("@", 1)[0].split(":", 1)[0]
    return f"{head}/{name}:{tag}" if head else f"{name}:{tag}"


def _apps(kubeconfig: Path) -> Any:
    from kubernetes import config
    from kubernetes.client import AppsV1Api

    new_client: Any = config.new_client_from_config  # untyped upstream
    return AppsV1Api(new_client(config_file=str(kubeconfig)))


def break_service(args: argparse.Namespace, settings: Settings, table: TrafficTable) -> int:
    from kubernetes.client.exceptions import ApiException

    behaviour = table.behaviours[args.mode]
    apps = _apps(Path(args.kubeconfig or settings.home / "kube" / "admin.kubeconfig"))
    try:
        deployment = apps.read_namespaced_deployment(args.service, DEMO_NAMESPACE)
        container = deployment.spec.template.spec.containers[0]
        if args.via == "image":
            image = with_tag(container.image, behaviour.release)
            change = f"image {container.image} -> {image}"
            patch: dict[str, Any] = {
                "spec": {"template": {"spec": {"containers": [
                    {"name": container.name, "image": image}
                ]}}}
            }  # fmt: skip
        else:
            change = f"pod template annotated {BEHAVIOUR_ANNOTATION}={args.mode}"
            patch = {"spec": {"template": {"metadata": {"annotations": {
                BEHAVIOUR_ANNOTATION: args.mode
            }}}}}  # fmt: skip
        apps.patch_namespaced_deployment(args.service, DEMO_NAMESPACE, patch)
    except ApiException as error:
        sys.stderr.write(f"error: {DEMO_NAMESPACE}/{args.service}: {error.status} {error.reason}\n")
        return 1
    prometheus = f"http://127.0.0.1:{settings.prometheus_port}"
    _say(f"{DEMO_NAMESPACE}/{args.service}: {change} ({args.mode}: {describe(behaviour)})")
    _say(f"Its alert fires in Prometheus within about a minute: {prometheus}/classic/alerts")
    _say("Then Alertmanager calls Kaizen; follow it with `kaizen demo heal-status`.")
    return 0


def heal_status(args: argparse.Namespace, settings: Settings, table: TrafficTable) -> int:
    _deployments(args, settings, table)
    _alerts(f"http://127.0.0.1:{settings.prometheus_port}")
    _runs(settings)
    return 0


def _deployments(args: argparse.Namespace, settings: Settings, table: TrafficTable) -> None:
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from kaizen.traffic.table import image_tag

    _say(f"Deployments in {DEMO_NAMESPACE}:")
    try:
        apps = _apps(Path(args.kubeconfig or settings.home / "kube" / "admin.kubeconfig"))
        listing = apps.list_namespaced_deployment(DEMO_NAMESPACE)
    except (ApiException, HTTPError, OSError) as error:
        _say(f"  (Kubernetes not reachable: {error})")
        return
    for deployment in sorted(listing.items, key=lambda d: d.metadata.name):
        template = deployment.spec.template
        tag = image_tag(template.spec.containers[0].image or "")
        behaviour = table.behaviour_for(tag, template.metadata.annotations or {})
        ready = deployment.status.available_replicas or 0
        _say(
            f"  {deployment.metadata.name:<10} {ready}/{deployment.spec.replicas} available"
            f"  version {tag} ({behaviour.name})"
        )


def _alerts(prometheus: str) -> None:
    _say(f"Alerts in Prometheus ({prometheus}/classic/alerts):")
    try:
        reply = httpx.get(f"{prometheus}/api/v1/alerts", timeout=5)
        reply.raise_for_status()
        alerts = reply.json()["data"]["alerts"]
    except (httpx.HTTPError, ValueError, KeyError) as error:
        _say(f"  (Prometheus not reachable: {error})")
        return
    demo = [a for a in alerts if a["labels"].get("namespace") == DEMO_NAMESPACE]
    if not demo:
        _say("  none")
    for alert in sorted(demo, key=lambda a: (a["labels"].get("service", ""), a["activeAt"])):
        labels = alert["labels"]
        since = _clock(alert["activeAt"])
        _say(
            f"  {labels['alertname']:<20} {labels.get('service', '?'):<10} {alert['state']}"
            f" since {since}"
        )


def _runs(settings: Settings) -> None:
    _say("Healing runs:")
    try:
        with KaizenApi(default_api_url(), default_api_key()) as api:
            listed = api.get("/v1/runs?kind=healing")
            prefix = f"healing:{settings.tenant}:{DEMO_NAMESPACE}:"
            # The newest execution of each workload's run (a workload's runs share an id).
            newest: dict[str, dict[str, Any]] = {}
            for listed_run in listed:
                run_id = str(listed_run.get("id", ""))
                if run_id.startswith(prefix):
                    newest.setdefault(run_id, listed_run)
            ours = list(newest.values())
            if not ours:
                _say("  none yet")
            for summary in ours:
                _say("  " + _run_line(api.get(f"/v1/runs/{summary['id']}")))
    except (ApiKeyMissing, ApiRefused, ApiUnreachable) as error:
        _say(f"  (Kaizen API: {error})")


def _run_line(run: dict[str, Any]) -> str:
    line = f"{run['id']}  {run.get('status', '?')}"
    result = run.get("result") or {}
    if result.get("outcome"):
        line += f"  outcome {result['outcome']}"
    elif run.get("phase"):
        line += f"  {run['phase']}"
    pending = run.get("pending_approval") or {}
    if pending.get("status") == "pending":
        wanted = pending.get("summary", "an action")
        line += f"  ({wanted}; approve: POST /v1/runs/{run['id']}/approvals)"
    return line


def _clock(timestamp: str) -> str:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).strftime("%H:%M:%S")
    except ValueError:
        return timestamp


def reset(args: argparse.Namespace, settings: Settings, _table: TrafficTable) -> int:
    from kaizen.stack.demo_reset import KubeconfigRest, reset_demo

    kubeconfig = settings.home / "kube" / "admin.kubeconfig"
    start = "start it with `kaizen up --kube local`"
    if not kubeconfig.exists():
        sys.stderr.write(f"error: no local cluster under {kubeconfig.parent} ({start})\n")
        return 1
    kube = KubeconfigRest(kubeconfig)
    try:
        said = reset_demo(kube, timeout=args.timeout)
    except urllib.error.HTTPError as error:
        sys.stderr.write(f"error: the local cluster refused: {error.code} {error.reason}\n")
        return 1
    except urllib.error.URLError as error:
        sys.stderr.write(f"error: no local cluster running at {kube.server} ({start}): {error}\n")
        return 1
    except TimeoutError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    for line in said:
        _say(line)
    _say("The demo is as `kaizen up --kube local` first made it.")
    return 0


COMMANDS: Final = {"break": break_service, "heal-status": heal_status, "reset": reset}


def run(args: argparse.Namespace) -> int:
    """Run a ``kaizen demo`` command; the exit code."""
    return COMMANDS[args.demo_command](args, Settings(), load_table())


def add_commands(commands: Any) -> None:
    """``kaizen demo …`` on the root parser's subcommands."""
    demo = commands.add_parser(
        "demo",
        help="break a demo service and follow its healing (kaizen up --kube local)",
        description=(
            "The local cluster's demo namespace and one namespace per environment file are "
            "made once, by the first `kaizen up --kube local`; a restart keeps them as they "
            "are (a healed scale-out, a promoted image). `kaizen demo reset` restores them."
        ),
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--kubeconfig",
        default="",
        help="whose kubeconfig (default: the local cluster's admin, KAIZEN_HOME/kube/)",
    )
    sub = demo.add_subparsers(dest="demo_command", required=True)
    breaking = sub.add_parser(
        "break", parents=[common], help="make a demo Deployment's pods misbehave"
    )
    breaking.add_argument("service", help="a Deployment of the demo namespace, e.g. web")
    breaking.add_argument("--mode", choices=MODES, required=True)
    breaking.add_argument(
        "--via",
        choices=["image", "annotation"],
        default="image",
        help="deploy the mode's release tag (default) or annotate the pod template",
    )
    sub.add_parser(
        "heal-status", parents=[common], help="the demo's Deployments, alerts and healing runs"
    )
    resetting = sub.add_parser(
        "reset",
        help="restore the demo's and environments' Deployments and the bot's rights",
        description=(
            "Through the local cluster's admin kubeconfig (KAIZEN_HOME/kube/): every demo "
            "and environment Deployment back to its first image and replicas with no "
            "pod-template annotations, the bot's RoleBindings and the kaizen-promoter role "
            "restored, and a promotion's leftover <service>-canary Deployment (Kaizen's "
            "canary labels only) removed. Nothing else is touched."
        ),
    )
    resetting.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for the rollout (90)"
    )
