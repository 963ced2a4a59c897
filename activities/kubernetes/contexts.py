"""The kubeconfig contexts an environment may name (``kube_context`` in its file).

An environment whose Deployments live in another cluster names that cluster's context of
the workers' kubeconfig (KAIZEN_KUBECONFIG, else $KUBECONFIG); its rollout's activities
act there, everything else keeps the workers' current context. A context the kubeconfig
does not have is a refusal naming it and the ones it has: retrying cannot make it appear.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Final

from kubernetes import config
from kubernetes.client import ApiClient
from temporalio.exceptions import ApplicationError

from activities.refusals import refusal
from kaizen.settings import Settings

UNKNOWN_CONTEXT: Final = "UnknownKubeContext"


def kubeconfig_path(settings: Settings) -> Path | None:
    """The kubeconfig the workers read: KAIZEN_KUBECONFIG, then $KUBECONFIG (a file)."""
    for candidate in (settings.kubeconfig, os.environ.get("KUBECONFIG")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class KubeContexts:
    """An ``ApiClient`` per named context of one kubeconfig, made on first use and kept."""

    def __init__(self, kubeconfig: Path | None) -> None:
        self._kubeconfig = kubeconfig
        self._clients: dict[str, ApiClient] = {}
        self._lock = threading.Lock()  # activities call from worker threads

    def client(self, context: str) -> ApiClient:
        with self._lock:
            if context not in self._clients:
                self._clients[context] = self._connect(context)
            return self._clients[context]

    def _connect(self, context: str) -> ApiClient:
        if self._kubeconfig is None:
            raise _unknown(
                f"kube_context {context!r}: the workers have no kubeconfig "
                "(KAIZEN_KUBECONFIG or KUBECONFIG) to find it in"
            )
        listing: Any = config.list_kube_config_contexts  # untyped upstream
        contexts, _current = listing(config_file=str(self._kubeconfig))
        names = sorted(c["name"] for c in contexts or [])
        if context not in names:
            raise _unknown(
                f"kube_context {context!r} is not a context of the workers' kubeconfig "
                f"{self._kubeconfig}; it has: {', '.join(names) or 'none'}"
            )
        new_client: Any = config.new_client_from_config  # untyped upstream
        made: ApiClient = new_client(config_file=str(self._kubeconfig), context=context)
        return made


def _unknown(message: str) -> ApplicationError:
    return refusal(message, type=UNKNOWN_CONTEXT)
