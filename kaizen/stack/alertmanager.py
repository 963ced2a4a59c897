"""Alertmanager of the local stack: Debian's pinned build, routing every alert to Kaizen.

Its configuration is ``deploy/local/alertmanager.yml`` with this stack's addresses filled
in; it authenticates to Kaizen's webhook with an operator key of its own, made once per
KAIZEN_HOME and kept in ``KAIZEN_HOME/alertmanager.key`` (0600). Silences and the
notification log live in ``KAIZEN_HOME/alertmanager/data``, so they survive a restart.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

import yaml  # type: ignore[import-untyped]

from kaizen.persistence.api_keys import Role, authenticate, create_key, list_keys
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.home import write_private
from kaizen.stack.processes import ManagedProcess, http_ok

LOCAL_CONFIG: Final = Path(__file__).resolve().parents[2] / "deploy" / "local" / "alertmanager.yml"
KEY_FILE: Final = "alertmanager.key"
KEY_NAME: Final = "alertmanager"
RECEIVER: Final = "kaizen"
WEBHOOK_PATH: Final = "/v1/alerts/alertmanager"
# Debian's build reads its default templates here and will not start without them.
_SYSTEM_SHARE: Final = Path("/usr/share/prometheus/alertmanager")
_SHARE_IN_PACKAGE: Final = Path("usr/share/prometheus/alertmanager")
_SYSTEM_DIR: Final = str(_SYSTEM_SHARE).encode()
_RELATIVE_DIR: Final = str(_SHARE_IN_PACKAGE).encode() + b"/"
"""As long as the absolute path (a Go string's length is compiled in), relative to the
working directory."""


def ensure_alertmanager_key(settings: Settings, home: Path) -> Path:
    """The operator key Alertmanager sends to Kaizen: made once, kept 0600 in ``home``.

    A key file that no longer authenticates (revoked, or a new database) is replaced by a
    new key under the first free name (``alertmanager``, ``alertmanager-2``, ...).
    """
    path = home / KEY_FILE
    engine = make_engine(settings.database)
    try:
        with session_scope(engine) as session:
            try:
                raw = path.read_text().strip()
            except FileNotFoundError:
                raw = ""
            known = authenticate(session, raw) if raw else None
            if known is not None and known.role == Role.operator.name:
                path.chmod(0o600)
                return path
            taken = {key.name for key in list_keys(session)}
            name = next(
                n for n in (KEY_NAME, *(f"{KEY_NAME}-{i}" for i in range(2, 1000)))
                if n not in taken
            )  # fmt: skip
            write_private(path, create_key(session, name=name, role=Role.operator) + "\n")
            return path
    finally:
        engine.dispose()


def relocated_binary(binary: Path) -> tuple[Path, Path | None]:
    """The Alertmanager to run, and the directory to run it in.

    Debian's build reads its notification templates (``default.tmpl``, ``email.tmpl``)
    from /usr/share/prometheus/alertmanager, fixed at build time: no flag or setting moves
    it, and without them it refuses its configuration. A binary installed on the system
    has them there and runs as it is. For the package unpacked into the tools cache, a
    copy whose path reads the same 34 bytes relative to the working directory (the
    unpacked root, which holds ``usr/share/prometheus/alertmanager/``) is made once,
    beside the original.
    """
    root = binary.parent.parent.parent
    if (_SYSTEM_SHARE / "default.tmpl").is_file() or not (root / _SHARE_IN_PACKAGE).is_dir():
        return binary, None
    relocated = binary.with_name(binary.name + ".relocated")
    if not relocated.is_file():
        data = binary.read_bytes()
        found = [i for i in _occurrences(data, _SYSTEM_DIR) if data[i + len(_SYSTEM_DIR)] != 0x2F]
        if len(found) != 1:
            raise tools.ToolMissing(
                f"{binary} does not name {_SYSTEM_DIR.decode()} once as Debian's 0.25.0 does; "
                "cannot run it from the tools cache"
            )
        (at,) = found
        patched = data[:at] + _RELATIVE_DIR + data[at + len(_SYSTEM_DIR) :]
        partial = relocated.with_name(f"{relocated.name}.{os.getpid()}.partial")
        partial.write_bytes(patched)
        partial.chmod(0o755)
        partial.rename(relocated)  # last, so a half-written copy is never run
    return relocated, root


def _occurrences(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


def local_config(
    *, webhook_url: str, key_file: Path, source: Path = LOCAL_CONFIG
) -> dict[str, Any]:
    """``deploy/local/alertmanager.yml`` with this stack's webhook and key."""
    config: dict[str, Any] = yaml.safe_load(source.read_text())
    for receiver in config["receivers"]:
        if receiver["name"] != RECEIVER:
            continue
        for webhook in receiver["webhook_configs"]:
            webhook["url"] = webhook_url
            webhook["http_config"]["authorization"]["credentials_file"] = str(key_file)
    return config


class AlertmanagerServer:
    """Alertmanager on loopback, its config and state under ``state_dir``."""

    def __init__(
        self, binary: Path, *, port: int, state_dir: Path, log_path: Path, config: dict[str, Any]
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.config = config
        self._state_dir = state_dir
        self.config_path = state_dir / "alertmanager.yml"
        runnable, cwd = relocated_binary(binary)
        command = [
            str(runnable),
            f"--config.file={self.config_path}",
            f"--storage.path={state_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.external-url={self.url}",
            # One Alertmanager, no gossip: nothing listens on the cluster port.
            "--cluster.listen-address=",
        ]
        no_ui = binary.parent.parent.parent / _SHARE_IN_PACKAGE / "no-ui"
        if no_ui.is_dir():
            command.append(f"--web.ui-path={no_ui}/")
        self.process = ManagedProcess("alertmanager", command, log_path, cwd=cwd)

    def launch(self) -> None:
        """Write the config and start the process, without waiting for it."""
        self._state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(self.config_path, yaml.safe_dump(self.config, sort_keys=False))
        self.process.start()

    def wait_ready(self, timeout: float = 30.0) -> None:
        self.process.wait_until(
            lambda: http_ok(f"{self.url}/-/ready"), timeout=timeout, what="ready"
        )

    def stop(self) -> None:
        # SIGTERM lets it write its last snapshot of silences and the notification log.
        self.process.stop()


def locate_alertmanager(tools_dir: Path) -> Path | None:
    return tools.locate_debian(tools.ALERTMANAGER, tools_dir, "alertmanager")
