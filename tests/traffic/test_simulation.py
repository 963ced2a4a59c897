"""The traffic simulator's model: per-pod series follow scaling, versions and crashes."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from kubernetes.client import (
    V1Container,
    V1ObjectMeta,
    V1OwnerReference,
    V1Pod,
    V1PodSpec,
    V1PodStatus,
    V1ResourceRequirements,
)
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kaizen.traffic.cluster import pod_view
from kaizen.traffic.exposition import AppMetrics, ClusterMetrics
from kaizen.traffic.lifecycle import Latency, lifecycle
from kaizen.traffic.server import merged
from kaizen.traffic.simulation import BUCKETS, ClusterView, PodView, Simulation
from kaizen.traffic.table import load_table

T0 = 1_800_000_000.0
MiB = 1024 * 1024
TABLE = load_table()


def pod(
    name: str,
    tag: str = "1.0.0",
    *,
    started: float = T0,
    running: bool = True,
    namespace: str = "demo",
    workload: str = "",
) -> PodView:
    app = name.split("-")[0]
    return PodView(
        namespace=namespace,
        name=name,
        workload=workload or app,
        replicaset=name.rsplit("-", 1)[0],
        app=app,
        container=app,
        image=f"registry.local/demo/{app}:{tag}",
        annotations={},
        started_at=started,
        running=running,
        cpu_limit_cores=0.5,
        memory_limit_bytes=128 * MiB,
    )


def served(sim: Simulation, name: str) -> float:
    return sum(sim.counters["demo", name].requests.values())


def error_ratio(sim: Simulation, name: str) -> float:
    requests = sim.counters["demo", name].requests
    return requests["500"] / sum(requests.values())


def metrics(sim: Simulation) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample both scrape paths serve, by sample name."""
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for collector in (AppMetrics(sim), ClusterMetrics(sim)):
        registry = CollectorRegistry()
        registry.register(collector)
        for family in text_string_to_metric_families(generate_latest(registry).decode()):
            for sample in family.samples:
                found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_a_deployments_traffic_is_split_over_its_pods_and_scaling_lowers_each_share() -> None:
    sim = Simulation(TABLE, now=T0)
    sim.observe(ClusterView(pods=(pod("web-a1-x"), pod("web-a1-y"))))
    sim.advance(T0 + 10)
    assert math.isclose(served(sim, "web-a1-x"), 150)  # 30 req/s over 2 pods, 10 s
    assert math.isclose(sim.pods_now["demo", "web-a1-x"].requests_per_second, 15)

    sim.observe(ClusterView(pods=(pod("web-a1-x"), pod("web-a1-y"), pod("web-a1-z"))))
    sim.advance(T0 + 20)
    assert math.isclose(served(sim, "web-a1-x"), 250)  # then 30 over 3
    assert math.isclose(served(sim, "web-a1-z"), 100)
    busy = sim.pods_now["demo", "web-a1-x"].cpu_cores
    sim.observe(ClusterView(pods=(pod("web-a1-x"),)))
    sim.advance(T0 + 30)
    assert sim.pods_now["demo", "web-a1-x"].cpu_cores > busy  # one pod takes it all
    assert set(sim.counters) == {("demo", "web-a1-x")}  # a pod that is gone has no series


def test_namespaces_are_apart_and_a_canary_takes_its_share_of_its_services_traffic() -> None:
    sim = Simulation(TABLE, now=T0)
    staging = [
        pod("web-a1-x", namespace="staging"),
        pod("web-a1-y", namespace="staging"),
        pod("web-canary-b2-x", "2.0-bad", namespace="staging", workload="web-canary"),
    ]
    # Same pod name in two namespaces: two pods, each with its own counters.
    sim.observe(merged([ClusterView(pods=(pod("web-a1-x"),)), ClusterView(pods=tuple(staging))]))
    sim.advance(T0 + 10)
    assert math.isclose(served(sim, "web-a1-x"), 300)  # demo's web: 30 req/s, one pod
    staged = {name: sum(c.requests.values()) for (ns, name), c in sim.counters.items()
              if ns == "staging"}  # fmt: skip
    # Staging's web Service sends its 30 req/s over stable and canary pods alike.
    assert all(math.isclose(n, 100) for n in staged.values()) and len(staged) == 3
    canary = sim.counters["staging", "web-canary-b2-x"].requests
    assert math.isclose(canary["500"] / sum(canary.values()), 0.2)
    pods = {
        (labels["namespace"], labels["pod"]) for labels, _ in metrics(sim)["http_requests_total"]
    }
    assert ("staging", "web-canary-b2-x") in pods and ("demo", "web-a1-x") in pods


def test_a_new_version_brings_its_behaviour_and_a_rollback_takes_it_away() -> None:
    sim = Simulation(TABLE, now=T0)
    sim.observe(ClusterView(pods=(pod("web-a1-x"), pod("web-b2-x", "2.0-bad"))))
    sim.advance(T0 + 20)
    assert math.isclose(error_ratio(sim, "web-b2-x"), 0.2)
    assert math.isclose(error_ratio(sim, "web-a1-x"), 0.002)
    versions = {
        labels["pod"]: labels["version"] for labels, _ in metrics(sim)["http_requests_total"]
    }
    assert versions == {"web-a1-x": "1.0.0", "web-b2-x": "2.0-bad"}

    sim.observe(ClusterView(pods=(pod("web-a1-x"), pod("web-a1-y"))))  # rolled back
    sim.advance(T0 + 40)
    assert all(now.behaviour.name == "healthy" for now in sim.pods_now.values())


def test_a_crash_looping_container_restarts_after_the_kubelets_back_off() -> None:
    crashloop = TABLE.behaviours["crashloop"]  # runs 6 s, then back-off 10 s, 20 s, 40 s ...
    assert lifecycle(crashloop, 3) == lifecycle(crashloop, 3.0)
    assert lifecycle(crashloop, 3).running and lifecycle(crashloop, 3).restarts == 0
    waiting = lifecycle(crashloop, 10)
    assert not waiting.running and waiting.last_terminated == "Error" and waiting.restarts == 0
    assert lifecycle(crashloop, 17).running and lifecycle(crashloop, 17).restarts == 1
    assert not lifecycle(crashloop, 30).running  # 22 + 20 s of back-off
    assert lifecycle(crashloop, 43).restarts == 2
    assert lifecycle(crashloop, 3600).restarts > 10  # the back-off stops growing at 5 minutes

    sim = Simulation(TABLE, now=T0)
    sim.observe(ClusterView(pods=(pod("web-c3-x", "2.0-crash"), pod("web-a1-y"))))
    sim.advance(T0 + 10)  # the crashing pod waits in CrashLoopBackOff: the other serves all
    assert sim.pods_now["demo", "web-a1-y"].requests_per_second == 30
    seen = metrics(sim)
    assert {labels["pod"] for labels, _ in seen["http_requests_total"]} == {"web-a1-y"}
    assert seen["kube_pod_container_status_waiting_reason"] == [
        ({"namespace": "demo", "pod": "web-c3-x", "container": "web", "reason": "CrashLoopBackOff"},
         1.0)
    ]  # fmt: skip
    sim.advance(T0 + 20)  # restarted: a new process, counting from zero
    assert sim.counters["demo", "web-c3-x"].restarts == 1
    assert math.isclose(served(sim, "web-c3-x"), 15 * 4)  # 4 s since its restart at 16 s
    restarts = metrics(sim)["kube_pod_container_status_restarts_total"]
    assert {labels["pod"]: value for labels, value in restarts} == {
        "web-c3-x": 1.0,
        "web-a1-y": 0.0,
    }


def test_a_leak_climbs_to_the_memory_limit_then_is_oomkilled() -> None:
    sim = Simulation(TABLE, now=T0)
    sim.observe(ClusterView(pods=(pod("web-d4-x", "2.0-leak"),)))
    sim.advance(T0 + 30)
    half = sim.pods_now["demo", "web-d4-x"].memory_bytes / (128 * MiB)
    assert math.isclose(half, 0.45 + 0.55 / 2)
    sim.advance(T0 + 59)
    assert sim.pods_now["demo", "web-d4-x"].memory_bytes / (128 * MiB) > 0.95
    sim.advance(T0 + 61)
    seen = metrics(sim)
    assert seen["kube_pod_container_status_last_terminated_reason"][0][0]["reason"] == "OOMKilled"
    assert "container_memory_working_set_bytes" not in seen  # no container while it waits


def test_latency_histograms_give_the_behaviours_percentiles() -> None:
    healthy = Latency(0.04, 0.12)
    assert math.isclose(healthy.share_below(0.12), 0.95, abs_tol=1e-9)
    assert math.isclose(healthy.quantile(0.95), 0.12, rel_tol=1e-9)
    sim = Simulation(TABLE, now=T0)
    sim.observe(ClusterView(pods=(pod("web-e5-x", "2.0-slow"),)))
    sim.advance(T0 + 10)
    buckets = sim.counters["demo", "web-e5-x"].buckets
    total = buckets[-1]
    assert math.isclose(total, served(sim, "web-e5-x"))
    below_1s = buckets[BUCKETS.index(1.0)] / total
    below_half = buckets[BUCKETS.index(0.5)] / total
    assert below_half < 0.95 < below_1s  # p95 is 0.9 s


def test_pods_seen_through_the_api_carry_their_deployment_limits_and_state() -> None:
    created = datetime(2027, 1, 1, tzinfo=UTC)
    v1 = V1Pod(
        metadata=V1ObjectMeta(
            name="web-a1b2-xyz",
            namespace="demo",
            labels={"app": "web"},
            creation_timestamp=created,
            owner_references=[
                V1OwnerReference(api_version="apps/v1", kind="ReplicaSet", name="web-a1b2", uid="1")
            ],
        ),
        spec=V1PodSpec(
            containers=[
                V1Container(
                    name="web",
                    image="registry.local/demo/web:2.0-bad",
                    resources=V1ResourceRequirements(
                        limits={"cpu": "500m", "memory": "128Mi"}, requests={"cpu": "100m"}
                    ),
                )
            ]
        ),
        status=V1PodStatus(phase="Running"),
    )
    seen = pod_view(v1, {"web-a1b2": "web"})
    assert (seen.workload, seen.replicaset, seen.version) == ("web", "web-a1b2", "2.0-bad")
    assert (seen.cpu_limit_cores, seen.memory_limit_bytes) == (0.5, 128 * MiB)
    assert seen.cpu_request_cores == 0.1 and seen.memory_request_bytes is None
    assert seen.started_at == created.timestamp() and seen.running
    v1.metadata.deletion_timestamp = created
    assert not pod_view(v1, {}).running  # terminating: no more traffic
    assert pod_view(v1, {}).workload == "web"  # its app label, without the ReplicaSet
