"""A restart of the local control plane on the same state keeps the cluster as it was: the
same apiserver address and tokens (kubeconfigs handed out stay valid) and etcd's objects."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries


def test_a_restart_keeps_address_tokens_and_objects(tmp_path: Path) -> None:
    state = tmp_path / "kube"
    first = LocalKubeControlPlane(ensure_kube_binaries(), state)
    with first:
        server, kubeconfig = first.server, first.admin_kubeconfig.read_text()
        first.request("POST", "/api/v1/namespaces", {"metadata": {"name": "kept"}})
        first.request(
            "POST", "/api/v1/namespaces/kept/configmaps",
            {"metadata": {"name": "scale"}, "data": {"replicas": "3"}},
        )  # fmt: skip
    again = LocalKubeControlPlane(ensure_kube_binaries(), state)
    with again:
        assert again.server == server
        assert again.admin_kubeconfig.read_text() == kubeconfig
        kept = again.request("GET", "/api/v1/namespaces/kept/configmaps/scale")
        assert kept["data"] == {"replicas": "3"}
    assert (state / "identity.json").stat().st_mode & 0o777 == 0o600

    # The recorded port taken by someone else: a clear error, not a silent new address.
    port = int(server.rsplit(":", 1)[1])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        taken = LocalKubeControlPlane(ensure_kube_binaries(), state)
        with pytest.raises(RuntimeError, match=f"port {port}.*is taken"):
            taken.start()
        taken.stop()
