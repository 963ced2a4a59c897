"""A real, local Kubernetes control plane for tests and the local stack.

:class:`LocalKubeControlPlane` runs etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (which fakes one node and makes pods on it "run") as child
processes on free loopback ports. Binaries come from ``tools/kube/build.sh``
(see :func:`ensure_kube_binaries`); nothing here needs containers or root.

Usage::

    with LocalKubeControlPlane(ensure_kube_binaries(), tmp_path / "kube") as kube:
        kube.admin_kubeconfig  # system:masters
        kube.bot_kubeconfig    # user "kaizen-bot", limited by BOT_RULES
        pod_template_spec.update(kube.pod_placement())  # land pods on the kwok node

Children are :class:`~kaizen.stack.processes.ManagedProcess`es, like the rest of the stack;
the ``kubernetes`` client is imported lazily by :meth:`LocalKubeControlPlane.api_client`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from kaizen.stack.processes import ManagedProcess, free_port, port_is_free

log = logging.getLogger(__name__)

BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")

#: Name, labels and taint of the fake node kwok manages.
FAKE_NODE_NAME = "kwok-node-0"
FAKE_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
FAKE_NODE_LABELS: dict[str, str] = {
    "type": "kwok",
    "kwok.x-k8s.io/node": "fake",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/os": "linux",
    "kubernetes.io/role": "agent",
    "node-role.kubernetes.io/agent": "",
}
FAKE_NODE_TAINT: dict[str, str] = {
    "key": "kwok.x-k8s.io/node",
    "value": "fake",
    "effect": "NoSchedule",
}

BOT_USER = "kaizen-bot"
#: RBAC granted to the bot user cluster-wide: no delete anywhere, nothing on secrets.
BOT_RULES: list[dict[str, list[str]]] = [
    {
        "apiGroups": ["apps"],
        "resources": ["deployments", "deployments/scale", "replicasets"],
        "verbs": ["get", "list", "watch", "patch", "update"],
    },
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
    # What the RCA collector reads: the pods' logs and the namespace's events.
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    {
        "apiGroups": ["", "events.k8s.io"],
        "resources": ["events"],
        "verbs": ["create", "get", "list", "watch"],
    },
]

_REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = _REPO_ROOT / "tools" / "kube" / "build.sh"


class KubeStartError(RuntimeError):
    """The control plane did not come up; the message carries the failing log's tail."""


def ensure_kube_binaries(bin_dir: str | Path | None = None, *, timeout: float = 3600) -> Path:
    """Return a directory holding every binary in :data:`BINARIES`.

    ``$KAIZEN_KUBE_BIN_DIR`` (if set and complete) wins; otherwise ``tools/kube/build.sh``
    runs, which is a no-op when its cache for the current ``go.sum`` is already complete
    and a full build (~minutes) when it is not.
    """
    env_dir = os.environ.get("KAIZEN_KUBE_BIN_DIR")
    if bin_dir is None and env_dir and all((Path(env_dir) / b).exists() for b in BINARIES):
        return Path(env_dir)
    if not BUILD_SCRIPT.exists():
        raise FileNotFoundError(f"{BUILD_SCRIPT} not found; set KAIZEN_KUBE_BIN_DIR")
    args = [str(BUILD_SCRIPT)] + ([str(bin_dir)] if bin_dir is not None else [])
    out = subprocess.run(
        args, check=True, stdout=subprocess.PIPE, text=True, timeout=timeout
    ).stdout
    return Path(out.strip().splitlines()[-1])


def _alive(pid: int) -> bool:
    """True unless ``pid`` is gone or a zombie (an orphan not yet reaped by init)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _failure(process: ManagedProcess, what: str) -> KubeStartError:
    code = process.process.poll() if process.process else None
    state = "still running" if code is None else f"exited with code {code}"
    return KubeStartError(
        f"{process.name} {what} ({state}); last lines of {process.log_path}:\n"
        + process.log_tail(40, separator="\n")
    )


def _stop_all(procs: list[ManagedProcess], timeout: float) -> None:
    while procs:
        procs.pop().stop(timeout)


class LocalKubeControlPlane:
    """etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok, on loopback.

    Args:
        bin_dir: directory with the binaries in :data:`BINARIES` (see
            :func:`ensure_kube_binaries`).
        state_dir: where etcd data, keys, certificates, kubeconfigs and logs go. Reusing a
            state dir keeps etcd's data (objects survive a restart).
        host: loopback address to bind every component to.
        startup_timeout: seconds :meth:`start` may take before it gives up.
        stop_timeout: seconds each process gets between SIGTERM and SIGKILL.
        fsync: let etcd fsync (off by default: faster, and this is throw-away state).
        node_name: name of the fake node kwok manages.
        extra_apiserver_args: appended to kube-apiserver's command line.
        apiserver_port: fixed port for kube-apiserver (default: a free one). Every other
            component always gets a free port.

    After :meth:`start`: ``server`` (https URL), ``ca_file``, ``admin_kubeconfig``,
    ``bot_kubeconfig``, ``admin_token``, ``bot_token``, ``etcd_url``, ``log_dir``.
    """

    def __init__(
        self,
        bin_dir: str | Path,
        state_dir: str | Path,
        *,
        host: str = "127.0.0.1",
        startup_timeout: float = 90.0,
        stop_timeout: float = 10.0,
        fsync: bool = False,
        node_name: str = FAKE_NODE_NAME,
        extra_apiserver_args: Sequence[str] = (),
        apiserver_port: int | None = None,
    ) -> None:
        self.bin_dir = Path(bin_dir).resolve()
        self.state_dir = Path(state_dir).resolve()
        self.host = host
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.fsync = fsync
        self.node_name = node_name
        self.extra_apiserver_args = list(extra_apiserver_args)
        self._fixed_apiserver_port = apiserver_port

        self.log_dir = self.state_dir / "logs"
        self.pki_dir = self.state_dir / "pki"
        self.ca_file = self.pki_dir / "apiserver.crt"  # self-signed by kube-apiserver
        self.admin_kubeconfig = self.state_dir / "admin.kubeconfig"
        self.bot_kubeconfig = self.state_dir / "bot.kubeconfig"
        self.admin_token = ""
        self.bot_token = ""
        self.bot_user = BOT_USER
        self.apiserver_port = 0
        self.etcd_port = 0
        self.server = ""
        self.etcd_url = ""
        self.startup_seconds: float | None = None

        self._procs: list[ManagedProcess] = []
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalKubeControlPlane:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self._procs) and all(p.running for p in self._procs)

    @property
    def pids(self) -> dict[str, int]:
        return {p.name: p.pid for p in self._procs}

    def start(self) -> LocalKubeControlPlane:
        """Start everything and block until the cluster can schedule and "run" pods."""
        with self._lock:
            if self._procs:
                raise RuntimeError("already started")
            for b in BINARIES:
                if not os.access(self.bin_dir / b, os.X_OK):
                    raise FileNotFoundError(f"{self.bin_dir / b} missing; run tools/kube/build.sh")
            t0 = time.monotonic()
            deadline = t0 + self.startup_timeout
            # Stop children even if the owner forgets to (interpreter exit, GC).
            self._finalizer = weakref.finalize(self, _stop_all, self._procs, self.stop_timeout)
            try:
                self._start(deadline)
            except BaseException:
                _stop_all(self._procs, self.stop_timeout)
                raise
            self.startup_seconds = time.monotonic() - t0
            log.info(
                "local kube control plane up at %s in %.1fs", self.server, self.startup_seconds
            )
            return self

    def stop(self) -> None:
        """SIGTERM every child (reverse start order), SIGKILL after ``stop_timeout``."""
        with self._lock:
            _stop_all(self._procs, self.stop_timeout)
            self._pid_file.unlink(missing_ok=True)
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None

    # ------------------------------------------------------------------ helpers for users

    def grant_bot(self, namespace: str) -> None:
        """Bind the bot's ClusterRole in ``namespace`` (a RoleBinding: that namespace only)."""
        self.apply(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": self.bot_user, "namespace": namespace},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": self.bot_user,
                },
                "subjects": [
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": self.bot_user}
                ],
            },
            f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{self.bot_user}",
        )

    def pod_placement(self) -> dict[str, Any]:
        """nodeSelector + tolerations for a pod spec so it lands on the kwok node."""
        return {
            "nodeSelector": {"type": "kwok"},
            "tolerations": [{**FAKE_NODE_TAINT, "operator": "Equal"}],
        }

    def api_client(self, who: str = "admin") -> Any:
        """A ``kubernetes.client.ApiClient`` for ``"admin"`` or ``"bot"``."""
        from kubernetes import config  # lazy: heavy import, only needed here

        path = self.admin_kubeconfig if who == "admin" else self.bot_kubeconfig
        new_client: Any = config.new_client_from_config  # untyped upstream
        return new_client(config_file=str(path))

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        content_type: str = "application/json",
        timeout: float = 10.0,
    ) -> Any:
        """Tiny JSON REST call against the apiserver (admin token unless given)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token or self.admin_token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def apply(self, obj: dict[str, Any], path: str) -> Any:
        """Server-side apply ``obj`` at ``path`` (the object's URL) as field manager kaizen."""
        return self.request(
            "PATCH",
            f"{path}?fieldManager=kaizen&force=true",
            obj,
            content_type="application/apply-patch+yaml",
        )

    # ------------------------------------------------------------------ internals

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _spawn(self, name: str, args: Sequence[str]) -> ManagedProcess:
        p = ManagedProcess(name, [self._bin(name), *args], self.log_dir / f"{name}.log")
        p.start()
        self._procs.append(p)
        log.debug("started %s pid %d", name, p.pid)
        self.record_pids()
        return p

    @property
    def processes(self) -> list[ManagedProcess]:
        """The control plane's processes in start order (``kaizen up`` supervises them)."""
        return list(self._procs)

    def record_pids(self) -> None:
        """Write the pid file _reap_stale reads; again after a supervisor restarted one."""
        self._pid_file.write_text(
            json.dumps({q.name: {"pid": q.pid, "exe": q.command[0]} for q in self._procs})
        )

    @property
    def _pid_file(self) -> Path:
        return self.state_dir / "pids.json"

    def _reap_stale(self) -> None:
        """Stop children a previous owner of this state dir left running (it was killed).

        Only processes whose command line still starts with the recorded binary are
        signalled, so a recycled pid is never hit.
        """
        try:
            recorded = json.loads(self._pid_file.read_text())
        except (OSError, ValueError):
            return
        # One at a time, kwok first and etcd last: an apiserver whose etcd is already gone
        # (or an etcd with clients still attached) takes many seconds to exit.
        for name, info in reversed(list(recorded.items())):
            pid, exe = int(info["pid"]), str(info["exe"])
            try:
                argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
            except OSError:
                continue
            if not _alive(pid) or argv0.decode(errors="replace") != exe:
                continue
            log.warning("stopping stale %s (pid %d) left over in %s", name, pid, self.state_dir)
            for sig, wait in ((signal.SIGTERM, self.stop_timeout), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                until = time.monotonic() + wait
                while _alive(pid) and time.monotonic() < until:
                    time.sleep(0.05)
                if not _alive(pid):
                    break
        self._pid_file.unlink(missing_ok=True)

    def _wait(
        self,
        what: str,
        proc: ManagedProcess,
        check: Callable[[], bool],
        deadline: float,
        watch: Sequence[ManagedProcess] = (),
    ) -> None:
        delay = 0.05
        while True:
            for p in (proc, *watch):
                if not p.running:
                    raise _failure(p, f"exited while waiting for {what}")
            try:
                if check():
                    return
            except (OSError, ValueError, urllib.error.URLError, ssl.SSLError):
                pass
            if time.monotonic() > deadline:
                raise _failure(proc, f"not ready: timed out waiting for {what}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    def _prepare_state(self) -> None:
        for d in (self.state_dir, self.log_dir, self.pki_dir):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.pki_dir, 0o700)
        sa_key, sa_pub = self.pki_dir / "sa.key", self.pki_dir / "sa.pub"
        if not (sa_key.exists() and sa_pub.exists()):
            # openssl CLI: the stdlib has no key generation and `cryptography` is optional.
            subprocess.run(
                [
                    "openssl",
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    str(sa_key),
                ],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                ["openssl", "pkey", "-in", str(sa_key), "-pubout", "-out", str(sa_pub)],
                check=True,
                capture_output=True,
            )
        identity = self._identity()
        self.admin_token = identity["admin_token"]
        self.bot_token = identity["bot_token"]
        self._component_tokens = {c: identity[f"{c}_token"] for c in ("kcm", "scheduler", "kwok")}
        rows = [
            (self.admin_token, "kaizen-admin", "system:masters"),
            (self.bot_token, self.bot_user, ""),
            (self._component_tokens["kcm"], "system:kube-controller-manager", "system:masters"),
            (self._component_tokens["scheduler"], "system:kube-scheduler", ""),
            (self._component_tokens["kwok"], "kwok-controller", "system:masters"),
        ]
        tokens = self.pki_dir / "tokens.csv"
        # token,user,uid,"group1,group2"
        tokens.write_text("".join(f'{t},{u},{u},"{g}"\n' for t, u, g in rows))
        os.chmod(tokens, 0o600)

    def _identity(self) -> dict[str, Any]:
        """Tokens and the apiserver's port, chosen on the first start and kept (0600): a
        restart on the same state keeps every kubeconfig that was handed out valid."""
        path = self.state_dir / "identity.json"
        found: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        wanted = ("admin_token", "bot_token", "kcm_token", "scheduler_token", "kwok_token")
        if all(found.get(key) for key in wanted):
            return found
        identity: dict[str, Any] = {key: secrets.token_hex(16) for key in wanted}
        identity["apiserver_port"] = found.get("apiserver_port") or 0
        self._write_identity(identity)
        return identity

    def _write_identity(self, identity: dict[str, Any]) -> None:
        path = self.state_dir / "identity.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(identity, indent=2) + "\n")
        os.chmod(tmp, 0o600)
        tmp.replace(path)

    def _apiserver_port(self) -> int:
        """The port given, else the one this state recorded, else a free one (recorded)."""
        if self._fixed_apiserver_port:
            return self._fixed_apiserver_port
        identity = self._identity()
        recorded = int(identity.get("apiserver_port") or 0)
        if recorded:
            if not port_is_free(self.host, recorded):
                raise RuntimeError(
                    f"the local kube-apiserver's port {recorded} (kept in "
                    f"{self.state_dir / 'identity.json'} so kubeconfigs stay valid) is taken; "
                    "stop what holds it, or delete that file to choose a new port"
                )
            return recorded
        port = free_port(self.host)
        self._write_identity({**identity, "apiserver_port": port})
        return port

    def _kubeconfig(self, path: Path, user: str, token: str) -> Path:
        cfg = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "kaizen-local",
                    "cluster": {"server": self.server, "certificate-authority": str(self.ca_file)},
                }
            ],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [
                {
                    "name": f"{user}@kaizen-local",
                    "context": {"cluster": "kaizen-local", "user": user, "namespace": "default"},
                }
            ],
            "current-context": f"{user}@kaizen-local",
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(cfg, indent=2) + "\n")  # JSON is valid kubeconfig YAML
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        return path

    def _start(self, deadline: float) -> None:
        self._prepare_state()
        self._reap_stale()
        h = self.host

        # --- etcd
        self.etcd_port, peer_port = free_port(h), free_port(h)
        self.etcd_url = f"http://{h}:{self.etcd_port}"
        etcd_args = [
            "--name=kaizen",
            f"--data-dir={self.state_dir / 'etcd'}",
            f"--listen-client-urls={self.etcd_url}",
            f"--advertise-client-urls={self.etcd_url}",
            f"--listen-peer-urls=http://{h}:{peer_port}",
            f"--initial-advertise-peer-urls=http://{h}:{peer_port}",
            f"--initial-cluster=kaizen=http://{h}:{peer_port}",
            "--log-level=warn",
        ]
        if not self.fsync:
            etcd_args.append("--unsafe-no-fsync")
        etcd = self._spawn("etcd", etcd_args)

        def etcd_ok() -> bool:
            with urllib.request.urlopen(self.etcd_url + "/health", timeout=2) as r:
                return bool(json.loads(r.read()).get("health") == "true")

        self._wait("etcd /health", etcd, etcd_ok, deadline)

        # --- kube-apiserver
        self.apiserver_port = self._apiserver_port()
        self.server = f"https://{h}:{self.apiserver_port}"
        apiserver = self._spawn(
            "kube-apiserver",
            [
                f"--etcd-servers={self.etcd_url}",
                f"--bind-address={h}",
                f"--advertise-address={h}",
                f"--secure-port={self.apiserver_port}",
                f"--cert-dir={self.pki_dir}",
                f"--token-auth-file={self.pki_dir / 'tokens.csv'}",
                "--authorization-mode=Node,RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={self.pki_dir / 'sa.pub'}",
                f"--service-account-signing-key-file={self.pki_dir / 'sa.key'}",
                "--service-cluster-ip-range=10.96.0.0/16",
                # Endpoints may not point at loopback; nothing in-cluster needs them here.
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
                "--profiling=false",
                *self.extra_apiserver_args,
            ],
        )
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE

        def readyz() -> bool:
            req = urllib.request.Request(self.server + "/readyz")
            req.add_header("Authorization", f"Bearer {self.admin_token}")
            with urllib.request.urlopen(req, timeout=2, context=unverified) as r:
                return bool(r.status == 200 and r.read().strip() == b"ok")

        self._wait("kube-apiserver /readyz", apiserver, readyz, deadline, [etcd])
        self.request("GET", "/version", timeout=5)  # check: the self-signed cert verifies

        # --- kubeconfigs
        self._kubeconfig(self.admin_kubeconfig, "kaizen-admin", self.admin_token)
        self._kubeconfig(self.bot_kubeconfig, self.bot_user, self.bot_token)
        kcm_kc = self._kubeconfig(
            self.state_dir / "kcm.kubeconfig",
            "system:kube-controller-manager",
            self._component_tokens["kcm"],
        )
        sched_kc = self._kubeconfig(
            self.state_dir / "scheduler.kubeconfig",
            "system:kube-scheduler",
            self._component_tokens["scheduler"],
        )
        kwok_kc = self._kubeconfig(
            self.state_dir / "kwok.kubeconfig", "kwok-controller", self._component_tokens["kwok"]
        )

        # --- controller manager, scheduler, kwok (in parallel with the API calls below)
        kcm_port, sched_port, kwok_port = free_port(h), free_port(h), free_port(h)
        kcm = self._spawn(
            "kube-controller-manager",
            [
                f"--kubeconfig={kcm_kc}",
                "--leader-elect=false",
                f"--bind-address={h}",
                f"--secure-port={kcm_port}",
                f"--service-account-private-key-file={self.pki_dir / 'sa.key'}",
                f"--root-ca-file={self.ca_file}",
                "--use-service-account-credentials=false",
                "--cluster-name=kaizen-local",
                "--profiling=false",
            ],
        )
        sched_cfg = self.state_dir / "scheduler-config.json"
        sched_cfg.write_text(
            json.dumps(
                {
                    "apiVersion": "kubescheduler.config.k8s.io/v1",
                    "kind": "KubeSchedulerConfiguration",
                    "clientConnection": {"kubeconfig": str(sched_kc)},
                    "leaderElection": {"leaderElect": False},
                }
            )
        )
        sched = self._spawn(
            "kube-scheduler",
            [
                f"--config={sched_cfg}",
                f"--bind-address={h}",
                f"--secure-port={sched_port}",
                "--profiling=false",
            ],
        )
        ann_key, ann_val = FAKE_NODE_ANNOTATION
        kwok = self._spawn(
            "kwok",
            [
                f"--kubeconfig={kwok_kc}",
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={ann_key}={ann_val}",
                f"--server-address={h}:{kwok_port}",
                "--cidr=10.0.0.1/24",
                f"--node-ip={h}",
                # Heartbeat through a Lease. Without one kwok refreshes the node's status
                # only every minute, past the controller manager's 50 s grace: the node went
                # NotReady for ~5 s every 55 s and its pods were marked unready and evicted.
                "--node-lease-duration-seconds=40",
            ],
        )
        everyone = [etcd, apiserver, kcm, sched, kwok]

        # --- RBAC for the bot, and the fake node
        self.apply(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": self.bot_user},
                "rules": BOT_RULES,
            },
            f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{self.bot_user}",
        )
        # No cluster-wide binding: like a real deployment of Kaizen, the bot acts only in
        # the namespaces it is granted (grant_bot), so elsewhere it gets a 403.
        self.apply(self._fake_node(), f"/api/v1/nodes/{self.node_name}")

        def healthz(port: int) -> Callable[[], bool]:
            def check() -> bool:
                url = f"https://{h}:{port}/healthz"
                with urllib.request.urlopen(url, timeout=2, context=unverified) as r:
                    return bool(r.status == 200)

            return check

        def node_ready() -> bool:
            node = self.request("GET", f"/api/v1/nodes/{self.node_name}")
            conds = node.get("status", {}).get("conditions") or []
            return any(c["type"] == "Ready" and c["status"] == "True" for c in conds)

        def default_sa() -> bool:  # the SA controller runs: pods can be admitted
            self.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")
            return True

        self._wait("kube-controller-manager /healthz", kcm, healthz(kcm_port), deadline, everyone)
        self._wait("kube-scheduler /healthz", sched, healthz(sched_port), deadline, everyone)
        self._wait(
            f"kwok to mark node {self.node_name} Ready", kwok, node_ready, deadline, everyone
        )
        self._wait("the default ServiceAccount", kcm, default_sa, deadline, everyone)

    def _fake_node(self) -> dict[str, Any]:
        ann_key, ann_val = FAKE_NODE_ANNOTATION
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.node_name,
                "annotations": {ann_key: ann_val, "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {**FAKE_NODE_LABELS, "kubernetes.io/hostname": self.node_name},
            },
            "spec": {"taints": [FAKE_NODE_TAINT]},
            "status": {
                # Room for a whole test session's workloads on the one fake node: at the
                # kubelet default of 110 pods, late tests' pods stayed Pending.
                "allocatable": {"cpu": "256", "memory": "1Ti", "pods": "1000"},
                "capacity": {"cpu": "256", "memory": "1Ti", "pods": "1000"},
                "nodeInfo": {
                    "architecture": "amd64",
                    "operatingSystem": "linux",
                    "kubeletVersion": "fake",
                    "kubeProxyVersion": "fake",
                    "containerRuntimeVersion": "",
                    "kernelVersion": "",
                    "osImage": "",
                    "bootID": "",
                    "machineID": "",
                    "systemUUID": "",
                },
                "phase": "Running",
            },
        }
