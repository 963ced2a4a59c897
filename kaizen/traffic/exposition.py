"""The simulation as Prometheus metrics, named as the real exporters name them.

Two scrape paths, as two jobs would scrape them in a cluster:

- the apps' own metrics (``/metrics``): ``http_requests_total`` by status code and the
  ``http_request_duration_seconds`` histogram, labelled ``namespace``, ``app``, ``pod``
  and ``version`` (the image tag); a container that is down exposes nothing;
- the cluster's (``/metrics/kube-state``): kube-state-metrics' names for Deployments,
  ReplicaSets, pods and containers (restarts, waiting and last-terminated reasons,
  limits), and the kubelet's cAdvisor names for CPU and memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from kaizen.traffic.lifecycle import CRASH_LOOP_BACK_OFF
from kaizen.traffic.simulation import BUCKETS, Simulation


class AppMetrics(Collector):
    def __init__(self, simulation: Simulation) -> None:
        self._simulation = simulation

    def collect(self) -> Iterator[Metric]:
        labels = ["namespace", "app", "pod", "version"]
        requests = CounterMetricFamily(
            "http_requests", "HTTP requests served, by status code.", labels=[*labels, "code"]
        )
        durations = HistogramMetricFamily(
            "http_request_duration_seconds", "Time to serve an HTTP request.", labels=labels
        )
        sim = self._simulation
        for key, now in sorted(sim.pods_now.items()):
            counters = sim.counters.get(key)
            if not now.serving or counters is None:
                continue
            pod = now.pod
            values = [pod.namespace, pod.app, pod.name, pod.version]
            for code, count in sorted(counters.requests.items()):
                requests.add_metric([*values, code], count)
            durations.add_metric(
                values,
                buckets=[(_le(b), n) for b, n in zip(BUCKETS, counters.buckets, strict=True)],
                sum_value=counters.duration_sum,
            )
        yield requests
        yield durations


class ClusterMetrics(Collector):
    def __init__(self, simulation: Simulation) -> None:
        self._simulation = simulation

    def collect(self) -> Iterator[Metric]:
        yield from _deployments(self._simulation)
        yield from _replicasets(self._simulation)
        yield from _pods(self._simulation)


def _deployments(sim: Simulation) -> Iterable[Metric]:
    labels = ["namespace", "deployment"]
    families = {
        "kube_deployment_spec_replicas": "Desired pods of a deployment.",
        "kube_deployment_status_replicas_available": "Available pods of a deployment.",
        "kube_deployment_status_replicas_updated": "Updated pods of a deployment.",
        "kube_deployment_metadata_generation": "Sequence number of the desired state.",
        "kube_deployment_status_observed_generation": "Generation the controller observed.",
    }
    gauges = {name: GaugeMetricFamily(name, doc, labels=labels) for name, doc in families.items()}
    for d in sim.cluster.deployments:
        values = [d.namespace, d.name]
        gauges["kube_deployment_spec_replicas"].add_metric(values, d.replicas)
        gauges["kube_deployment_status_replicas_available"].add_metric(values, d.available_replicas)
        gauges["kube_deployment_status_replicas_updated"].add_metric(values, d.updated_replicas)
        gauges["kube_deployment_metadata_generation"].add_metric(values, d.generation)
        gauges["kube_deployment_status_observed_generation"].add_metric(
            values, d.observed_generation
        )
    return gauges.values()


def _replicasets(sim: Simulation) -> Iterable[Metric]:
    labels = ["namespace", "replicaset"]
    created = GaugeMetricFamily(
        "kube_replicaset_created", "Unix creation timestamp.", labels=labels
    )
    replicas = GaugeMetricFamily(
        "kube_replicaset_spec_replicas", "Desired pods of a ReplicaSet.", labels=labels
    )
    owner = GaugeMetricFamily(
        "kube_replicaset_owner",
        "Information about the ReplicaSet's owner.",
        labels=[*labels, "owner_kind", "owner_name", "owner_is_controller"],
    )
    for rs in sim.cluster.replicasets:
        created.add_metric([rs.namespace, rs.name], rs.created_at)
        replicas.add_metric([rs.namespace, rs.name], rs.replicas)
        if rs.deployment:
            owner.add_metric([rs.namespace, rs.name, "Deployment", rs.deployment, "true"], 1)
    return created, replicas, owner


def _pods(sim: Simulation) -> Iterable[Metric]:
    pod_labels = ["namespace", "pod"]
    labels = ["namespace", "pod", "container"]
    owner = GaugeMetricFamily(
        "kube_pod_owner",
        "Information about the pod's owner.",
        labels=[*pod_labels, "owner_kind", "owner_name", "owner_is_controller"],
    )
    info = GaugeMetricFamily(
        "kube_pod_container_info", "Information about a container.", labels=[*labels, "image"]
    )
    restarts = CounterMetricFamily(
        "kube_pod_container_status_restarts", "Restarts of a container.", labels=labels
    )
    ready = GaugeMetricFamily(
        "kube_pod_container_status_ready", "Whether the container is ready.", labels=labels
    )
    waiting = GaugeMetricFamily(
        "kube_pod_container_status_waiting_reason",
        "Why the container is waiting.",
        labels=[*labels, "reason"],
    )
    terminated = GaugeMetricFamily(
        "kube_pod_container_status_last_terminated_reason",
        "Why the container's previous run ended.",
        labels=[*labels, "reason"],
    )
    limits = GaugeMetricFamily(
        "kube_pod_container_resource_limits",
        "A container's resource limit.",
        labels=[*labels, "resource", "unit"],
    )
    requests = GaugeMetricFamily(
        "kube_pod_container_resource_requests",
        "A container's resource request.",
        labels=[*labels, "resource", "unit"],
    )
    memory = GaugeMetricFamily(
        "container_memory_working_set_bytes", "Working set of a container.", labels=labels
    )
    cpu = CounterMetricFamily(
        "container_cpu_usage_seconds", "CPU time a container used.", labels=labels
    )
    for key, now in sorted(sim.pods_now.items()):
        pod, state = now.pod, now.state
        values = [pod.namespace, pod.name, pod.container]
        if pod.replicaset:
            owner.add_metric([pod.namespace, pod.name, "ReplicaSet", pod.replicaset, "true"], 1)
        info.add_metric([*values, pod.image], 1)
        restarts.add_metric(values, state.restarts)
        ready.add_metric(values, 1 if now.serving else 0)
        if pod.running and not state.running:
            waiting.add_metric([*values, CRASH_LOOP_BACK_OFF], 1)
        if state.last_terminated:
            terminated.add_metric([*values, state.last_terminated], 1)
        if pod.cpu_limit_cores is not None:
            limits.add_metric([*values, "cpu", "core"], pod.cpu_limit_cores)
        if pod.memory_limit_bytes is not None:
            limits.add_metric([*values, "memory", "byte"], pod.memory_limit_bytes)
        if pod.cpu_request_cores is not None:
            requests.add_metric([*values, "cpu", "core"], pod.cpu_request_cores)
        if pod.memory_request_bytes is not None:
            requests.add_metric([*values, "memory", "byte"], pod.memory_request_bytes)
        counters = sim.counters.get(key)
        if now.serving and counters is not None:
            memory.add_metric(values, now.memory_bytes)
            cpu.add_metric(values, counters.cpu_seconds)
    return owner, info, restarts, ready, waiting, terminated, limits, requests, memory, cpu


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)
