"""OPA as a server with Kaizen's policies loaded, its API open only to Kaizen's token."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from kaizen.stack.processes import ManagedProcess, StackError, http_ok

TOKEN_ENV: Final = "KAIZEN_OPA_TOKEN"
"""OPA's environment variable that ``policies/system/authz.rego`` compares bearer tokens to.
The environment, unlike the command line, is readable only by the process's own user."""
AUTHZ_POLICY: Final = Path("system") / "authz.rego"
"""OPA's authorization policy, relative to the policies directory."""


def opa_command(
    binary: Path, *, port: int, policies_dir: Path, token_auth: bool = False
) -> list[str]:
    command = [
        str(binary), "run", "--server",
        "--addr", f"127.0.0.1:{port}",
        "--log-level", "error",
        # Decision ids make every governance decision traceable to OPA's log.
        "--set", "decision_logs.console=true",
        # Only .rego and data files; *_test.rego files are tests, not policy.
        "--ignore", "*_test.rego",
    ]  # fmt: skip
    if token_auth:
        # Every request is put to data.system.authz.allow first, with the bearer token as
        # input.identity: without the token only GET /health is answered (401 otherwise).
        command += ["--authentication=token", "--authorization=basic"]
    return [*command, str(policies_dir)]


class OpaServer:
    """The embedded OPA. With a ``token``, any local process can reach its port, but only
    the token's holders may read or write data and policies or ask for decisions."""

    def __init__(
        self,
        binary: Path,
        *,
        port: int,
        policies_dir: Path,
        log_path: Path,
        token: str | None = None,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.token = token
        self._policies_dir = policies_dir
        command = opa_command(
            binary, port=port, policies_dir=policies_dir, token_auth=token is not None
        )
        env = None if token is None else {**os.environ, TOKEN_ENV: token}
        self.process = ManagedProcess("opa", command, log_path, env=env)

    def start(self, timeout: float = 30.0) -> None:
        if self.token is not None and not (self._policies_dir / AUTHZ_POLICY).is_file():
            raise StackError(
                f"{self._policies_dir} has no {AUTHZ_POLICY}, the policy that lets Kaizen's "
                f"token use OPA; copy it from Kaizen's policies/ directory"
            )
        self.process.start()
        self.process.wait_until(
            lambda: http_ok(f"{self.url}/health?bundles=true"), timeout=timeout, what="healthy"
        )

    def stop(self) -> None:
        self.process.stop()
