"""The simulated traffic: per-pod counters that follow the cluster as it changes.

:class:`ClusterView` is what the Kubernetes API says (pods, ReplicaSets, Deployments);
:class:`Simulation` integrates, second by second, what each pod would have served: a
Service's requests (those of one ``app`` label in a namespace, a canary's pods included)
are split evenly over its serving pods, each pod answers them as
its version's behaviour says, and a container's restart starts its counters afresh, as
a restarted process does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from kaizen.traffic.lifecycle import Latency, Lifecycle, lifecycle, memory_ratio, queue_factor
from kaizen.traffic.table import Behaviour, TrafficTable, image_tag

BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))
"""The Prometheus client libraries' default histogram buckets."""
STEP_SECONDS: Final = 1.0
"""Longest stretch integrated at once: a container's state may change between steps."""
MAX_CATCH_UP_SECONDS: Final = 60.0
"""A stalled simulator (a suspended laptop) does not replay more than this."""

PodKey = tuple[str, str]
"""A pod's namespace and name."""


@dataclass(frozen=True)
class PodView:
    namespace: str
    name: str
    workload: str
    """The Deployment owning the pod (through its ReplicaSet), else its ``app`` label."""
    replicaset: str
    app: str
    container: str
    image: str
    annotations: Mapping[str, str]
    started_at: float
    """Unix time the pod started (its creation time until the kubelet reports one)."""
    running: bool
    """Phase Running and not being deleted: it serves its share while its container runs."""
    cpu_limit_cores: float | None
    memory_limit_bytes: float | None
    cpu_request_cores: float | None = None
    memory_request_bytes: float | None = None

    @property
    def version(self) -> str:
        return image_tag(self.image)

    @property
    def key(self) -> PodKey:
        """Namespace and name: pod names repeat across the namespaces the simulator watches."""
        return (self.namespace, self.name)

    @property
    def service(self) -> tuple[str, str]:
        """The Service that sends it traffic: its namespace and ``app`` label (a canary's pods
        carry the stable Deployment's, so they take their share of the same traffic)."""
        return (self.namespace, self.app or self.workload)


@dataclass(frozen=True)
class ReplicaSetView:
    namespace: str
    name: str
    deployment: str
    created_at: float
    replicas: int


@dataclass(frozen=True)
class DeploymentView:
    namespace: str
    name: str
    replicas: int
    available_replicas: int
    updated_replicas: int
    generation: int
    observed_generation: int


@dataclass(frozen=True)
class ClusterView:
    pods: tuple[PodView, ...] = ()
    replicasets: tuple[ReplicaSetView, ...] = ()
    deployments: tuple[DeploymentView, ...] = ()


@dataclass
class PodCounters:
    """One container's counters since it (re)started."""

    restarts: int
    requests: dict[str, float] = field(default_factory=lambda: {"200": 0.0, "500": 0.0})
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS))
    duration_sum: float = 0.0
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class PodNow:
    """A pod at the latest step: its behaviour, container state and load."""

    pod: PodView
    behaviour: Behaviour
    state: Lifecycle
    serving: bool
    requests_per_second: float
    cpu_cores: float
    cpu_limit_cores: float
    memory_limit_bytes: float
    memory_bytes: float
    latency: Latency


class Simulation:
    """Counters per pod, advanced by :meth:`advance` over the latest :class:`ClusterView`."""

    def __init__(self, table: TrafficTable, *, now: float) -> None:
        self.table = table
        self.cluster = ClusterView()
        self.counters: dict[PodKey, PodCounters] = {}
        self.pods_now: dict[PodKey, PodNow] = {}
        self._time = now

    def observe(self, cluster: ClusterView) -> None:
        """Take the cluster as it is now; pods that are gone lose their counters."""
        self.cluster = cluster
        keys = {pod.key for pod in cluster.pods}
        for gone in set(self.counters) - keys:
            del self.counters[gone]
        self.pods_now = self._at(self._time)

    def advance(self, now: float) -> None:
        """Integrate every pod's traffic from the last call up to ``now``."""
        start = max(self._time, now - MAX_CATCH_UP_SECONDS)
        while start < now:
            step = min(STEP_SECONDS, now - start)
            self._step(start + step / 2, step)  # the pods as they are mid-step
            start += step
        self._time = max(self._time, now)
        self.pods_now = self._at(self._time)

    def _step(self, middle: float, seconds: float) -> None:
        for key, now in self._at(middle).items():
            counters = self.counters.get(key)
            if counters is None or counters.restarts != now.state.restarts:
                # A restarted container is a new process: its counters start from zero.
                counters = self.counters[key] = PodCounters(restarts=now.state.restarts)
            if not now.serving:
                continue
            counters.cpu_seconds += now.cpu_cores * seconds
            served = now.requests_per_second * seconds
            failed = served * now.behaviour.error_ratio
            counters.requests["500"] += failed
            counters.requests["200"] += served - failed
            for index, bound in enumerate(BUCKETS):
                counters.buckets[index] += served * now.latency.share_below(bound)
            counters.duration_sum += served * now.latency.mean

    def _at(self, at: float) -> dict[PodKey, PodNow]:
        """Every pod's state at ``at``, its share of its Service's traffic included."""
        load = self.table.load
        states: dict[PodKey, tuple[PodView, Behaviour, Lifecycle]] = {}
        serving: dict[tuple[str, str], list[PodKey]] = defaultdict(list)
        for pod in self.cluster.pods:
            behaviour = self.table.behaviour_for(pod.version, pod.annotations)
            state = lifecycle(behaviour, at - pod.started_at)
            states[pod.key] = (pod, behaviour, state)
            if pod.running and state.running:
                serving[pod.service].append(pod.key)
        result: dict[PodKey, PodNow] = {}
        for key, (pod, behaviour, state) in states.items():
            is_serving = key in serving[pod.service]
            rps = (
                self.table.requests_per_second(pod.service[1]) / len(serving[pod.service])
                if is_serving
                else 0.0
            )
            cpu_limit = pod.cpu_limit_cores or load.default_cpu_limit_cores
            memory_limit = pod.memory_limit_bytes or float(load.default_memory_limit_bytes)
            cpu = load.idle_cpu_cores + rps * load.cpu_seconds_per_request
            base = Latency(behaviour.latency_median_seconds, behaviour.latency_p95_seconds)
            memory = memory_ratio(behaviour, load.memory_at_rest_ratio, state)
            result[key] = PodNow(
                pod=pod,
                behaviour=behaviour,
                state=state,
                serving=is_serving,
                requests_per_second=rps,
                cpu_cores=cpu if is_serving else 0.0,
                cpu_limit_cores=cpu_limit,
                memory_limit_bytes=memory_limit,
                memory_bytes=memory_limit * memory,
                latency=base.scaled(queue_factor(cpu / cpu_limit, load.saturation_from)),
            )
        return result
