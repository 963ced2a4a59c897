"""Which Deployment an alert is about: its pod or ReplicaSet resolved through Kubernetes.

kube-state-metrics names the pod (``api-7d9f8-xk2lp``), not the Deployment that
a healing run acts on; the pod's controller owner is a ReplicaSet whose owner is
the Deployment. The API reads these read-only, with the identity the workers act
with (the same kubeconfig), off the event loop, with a short timeout, and keeps
each answer briefly: a burst of alerts for one Deployment's pods costs one walk.

An alert for an object that does not exist, or that no Deployment owns, has no
workload: it is skipped with that reason. When the API has no Kubernetes (none
configured, or it cannot be asked right now), the mapping goes by labels only,
using the names Deployments give their ReplicaSets and pods, and says so.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import urllib3
from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException

from activities.kubernetes.client import connect_kubernetes
from api.alertmanager import Subject
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api.alerts")

LOOKUP_TIMEOUT_SECONDS: Final = 2.0
ANSWER_TTL_SECONDS: Final = 30.0
MAX_ANSWERS: Final = 4096
# Lookups get threads of their own: a hung apiserver then slows only lookups (which time
# out), never the database writes that share the default executor.
LOOKUP_THREADS: Final = 4
# Deployments name their ReplicaSets <deployment>-<pod-template-hash> and those their pods
# <replicaset>-<5 characters>, both from Kubernetes' safe alphabet (no vowels, no 0 1 3).
_SAFE: Final = "[bcdfghjklmnpqrstvwxz2456789]"
_BY_NAME: Final = {
    "ReplicaSet": re.compile(rf"(?P<deployment>.+)-{_SAFE}{{1,10}}"),
    "Pod": re.compile(rf"(?P<deployment>.+)-{_SAFE}{{1,10}}-{_SAFE}{{5}}"),
}
_NOT_CONFIGURED: Final = "no Kubernetes configured for the API"


@dataclass(frozen=True)
class Workload:
    """The Deployment an alert is about."""

    name: str
    how: str
    """How it was found, e.g. ``pod shop/x → ReplicaSet x-1 → Deployment x``."""


@dataclass(frozen=True)
class NoWorkload:
    """The alert is about nothing Kaizen can heal."""

    reason: str


Answer = Workload | NoWorkload


class Unavailable(Exception):
    """Kubernetes could not be asked (timeout, refused, unreachable): not an answer."""


class WorkloadResolver:
    """Resolves an alert's subject to its Deployment; one per API process (the lifespan's)."""

    def __init__(
        self,
        api_client: ApiClient | None,
        *,
        source: str = "",
        timeout: float = LOOKUP_TIMEOUT_SECONDS,
        ttl: float = ANSWER_TTL_SECONDS,
    ) -> None:
        self._api = api_client
        self.source = source if api_client is not None else f"by labels only: {_NOT_CONFIGURED}"
        """Where the Kubernetes configuration came from, for the start-up log."""
        self._apps = AppsV1Api(api_client) if api_client is not None else None
        self._core = CoreV1Api(api_client) if api_client is not None else None
        self._timeout = timeout
        self._ttl = ttl
        self._answers: OrderedDict[tuple[str, str, str], tuple[float, Answer]] = OrderedDict()
        self._threads = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="kaizen-workloads")

    @classmethod
    def connect(cls, settings: Settings) -> WorkloadResolver:
        """With the workers' cluster configuration (KAIZEN_KUBECONFIG, $KUBECONFIG,
        in-cluster); without one, by labels only."""
        connection = connect_kubernetes(settings)
        return cls(connection.client, source=connection.source)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._api is not None:
            close: Any = self._api.close  # untyped upstream
            close()

    async def resolve(self, namespace: str, subject: Subject) -> Answer:
        """The Deployment ``subject`` belongs to, or why there is none."""
        if subject.kind not in ("Deployment", "ReplicaSet", "Pod"):
            return NoWorkload(
                f"the alert is about {subject.kind} {namespace}/{subject.name} (label "
                f"{subject.label}); Kaizen heals Deployments only"
            )
        if self._apps is None:
            return _by_labels(namespace, subject, _NOT_CONFIGURED)
        key = (subject.kind, namespace, subject.name)
        cached = self._answers.get(key)
        if cached is not None and cached[0] > time.monotonic():
            answer = cached[1]
        else:
            try:
                walk = asyncio.get_running_loop().run_in_executor(self._threads, self._walk, *key)
                answer = await asyncio.wait_for(walk, self._timeout)
            except (Unavailable, TimeoutError) as error:
                why = str(error) or f"Kubernetes did not answer within {self._timeout:g}s"
                log.warning("%s %s/%s mapped by labels only: %s", subject.kind.lower(),
                            namespace, subject.name, why)  # fmt: skip
                return _by_labels(namespace, subject, why)
            self._remember(key, answer)
        if isinstance(answer, Workload):
            return Workload(answer.name, f"{answer.how} (label {subject.label})")
        return answer

    def _remember(self, key: tuple[str, str, str], answer: Answer) -> None:
        self._answers[key] = (time.monotonic() + self._ttl, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > MAX_ANSWERS:
            self._answers.popitem(last=False)

    def _walk(self, kind: str, namespace: str, name: str) -> Answer:
        """Follow controller owners from ``kind``/``name`` up to a Deployment (a thread)."""
        steps: list[str] = []
        # Pod → ReplicaSet → Deployment at most; the bound keeps a cycle from spinning.
        for _ in range(3):
            found = self._read(kind, namespace, name)
            if found is None:
                what = f"{kind.lower()} {namespace}/{name} does not exist"
                return NoWorkload(f"{' → '.join(steps)}: {what}" if steps else what)
            steps.append(f"{kind} {name}" if steps else f"{kind.lower()} {namespace}/{name}")
            if kind == "Deployment":
                return Workload(name, " → ".join(steps))
            owner = _controller(found)
            if owner is None:
                return NoWorkload(f"{' → '.join(steps)} has no owner: no Deployment to heal")
            kind, name = owner
            if kind not in ("ReplicaSet", "Deployment"):
                return NoWorkload(
                    f"{' → '.join(steps)} is owned by {kind} {name}; Kaizen heals Deployments only"
                )
        return NoWorkload(f"{' → '.join(steps)}: no Deployment among its owners")

    def _read(self, kind: str, namespace: str, name: str) -> Any:
        assert self._apps is not None and self._core is not None
        read = {
            "Deployment": self._apps.read_namespaced_deployment,
            "ReplicaSet": self._apps.read_namespaced_replica_set,
            "Pod": self._core.read_namespaced_pod,
        }[kind]
        try:
            return read(name, namespace, _request_timeout=self._timeout)
        except ApiException as error:
            if error.status == 404:
                return None
            raise Unavailable(
                f"Kubernetes refused to read {kind.lower()} {namespace}/{name} "
                f"(HTTP {error.status} {error.reason})"
            ) from error
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise Unavailable(f"Kubernetes is unreachable ({type(error).__name__})") from error


def _controller(obj: Any) -> tuple[str, str] | None:
    for reference in obj.metadata.owner_references or []:
        if reference.controller:
            return str(reference.kind), str(reference.name)
    return None


def _by_labels(namespace: str, subject: Subject, why: str) -> Answer:
    """The Deployment by the names Kubernetes gives its objects, when it cannot be asked."""
    only = f"by labels only: {why}"
    if subject.kind == "Deployment":
        return Workload(subject.name, f"label {subject.label} ({only})")
    match = _BY_NAME[subject.kind].fullmatch(subject.name)
    what = f"{subject.kind.lower()} {namespace}/{subject.name}"
    if match is None:
        return NoWorkload(f"{what} is not named like a Deployment's ({only})")
    return Workload(
        match["deployment"], f"{what} → Deployment {match['deployment']} by name ({only})"
    )
