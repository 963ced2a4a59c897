"""OPA as a server with Kaizen's policies loaded."""

from __future__ import annotations

from pathlib import Path

from kaizen.stack.processes import ManagedProcess, http_ok


def opa_command(binary: Path, *, port: int, policies_dir: Path) -> list[str]:
    return [
        str(binary), "run", "--server",
        "--addr", f"127.0.0.1:{port}",
        "--log-level", "error",
        # Decision ids make every governance decision traceable to OPA's log.
        "--set", "decision_logs.console=true",
        # Only .rego and data files; *_test.rego files are tests, not policy.
        "--ignore", "*_test.rego",
        str(policies_dir),
    ]  # fmt: skip


class OpaServer:
    def __init__(self, binary: Path, *, port: int, policies_dir: Path, log_path: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = ManagedProcess(
            "opa", opa_command(binary, port=port, policies_dir=policies_dir), log_path
        )

    def start(self, timeout: float = 30.0) -> None:
        self.process.start()
        self.process.wait_until(
            lambda: http_ok(f"{self.url}/health?bundles=true"), timeout=timeout, what="healthy"
        )

    def stop(self) -> None:
        self.process.stop()
