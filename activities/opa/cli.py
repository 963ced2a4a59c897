"""The pinned OPA binary as a command: check, test, build, eval, and a scratch server.

Every call is one process with a timeout; its output comes back trimmed, so a
failure can be shown to a person as OPA said it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx

from kaizen.stack.processes import free_port

MAX_OUTPUT_CHARS: Final = 4000
TEST_FILES: Final = "*_test.rego"


@dataclass(frozen=True)
class CliResult:
    ok: bool
    output: str
    seconds: float


class OpaCli:
    """Runs ``opa`` subcommands; ``binary`` is the pinned OPA (``kaizen.stack.tools.OPA``)."""

    def __init__(self, binary: Path, *, timeout_seconds: float = 120.0) -> None:
        self.binary = binary
        self._timeout = timeout_seconds

    async def run(self, *args: str, cwd: Path | None = None, stdin: bytes = b"") -> CliResult:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            str(self.binary), *args, cwd=cwd,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            out, _ = await asyncio.wait_for(process.communicate(stdin), self._timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return CliResult(False, f"opa {args[0]} took longer than {self._timeout:.0f} s", 0.0)
        text = out.decode(errors="replace").strip()
        return CliResult(process.returncode == 0, text, time.monotonic() - started)

    async def check_strict(self, directory: Path) -> CliResult:
        # Not in bundle mode: tests live in packages of their own, outside the roots.
        return await self.run("check", "--strict", ".", cwd=directory)

    async def test(self, directory: Path) -> CliResult:
        return await self.run("test", ".", cwd=directory)

    async def build(
        self,
        directory: Path,
        output: Path,
        *,
        revision: str,
        signing_key: Path | None = None,
        claims_file: Path | None = None,
        capabilities: str | None = None,
    ) -> CliResult:
        """``opa build -b .`` from inside the directory (so its paths are the bundle's),
        tests left out, ES256-signed when a key is given."""
        args = ["build", "-b", ".", "--revision", revision, "--ignore", TEST_FILES]
        args += ["-o", str(output)]
        if signing_key is not None:
            args += ["--signing-key", str(signing_key), "--signing-alg", "ES256"]
        if claims_file is not None:
            args += ["--claims-file", str(claims_file)]
        if capabilities is not None:
            args += ["--capabilities", capabilities]
        return await self.run(*args, cwd=directory)

    async def eval_json(self, bundle: Path, query: str, input_path: Path) -> Any:
        """Evaluate ``query`` once against ``bundle`` with the input file; the value of its
        single expression (raises OpaEvalError with OPA's output on failure)."""
        result = await self.run("eval", "-b", str(bundle), "-i", str(input_path), "-f", "json",
                                query)  # fmt: skip
        if not result.ok:
            raise OpaEvalError(result.output)
        answer = json.loads(result.output)
        found = answer.get("result") or []
        if not found:
            return None
        return found[0]["expressions"][0]["value"]

    async def scratch_load(
        self, bundle: Path, *, public_key: Path, key_id: str, timeout_seconds: float = 15.0
    ) -> CliResult:
        """Start a throwaway ``opa run --server`` with the bundle and signature verification
        on, as a node would load it; ok once it serves the bundle's revision."""
        started = time.monotonic()
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            str(self.binary), "run", "--server", "--addr", f"127.0.0.1:{port}",
            "--log-level", "error", "-b", str(bundle),
            "--verification-key", str(public_key), "--verification-key-id", key_id,
            "--signing-alg", "ES256",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            async with httpx.AsyncClient(timeout=1.0) as http:
                while time.monotonic() - started < timeout_seconds:
                    if process.returncode is not None:
                        break
                    try:
                        reply = await http.get(f"http://127.0.0.1:{port}/v1/data/system/bundles")
                        if reply.status_code == 200:
                            loaded = reply.json().get("result") or {}
                            revisions = [
                                b.get("manifest", {}).get("revision") for b in loaded.values()
                            ]
                            return CliResult(
                                True, f"loaded revision {', '.join(map(str, revisions))}",
                                time.monotonic() - started,
                            )  # fmt: skip
                    except httpx.HTTPError:
                        pass
                    try:
                        await asyncio.wait_for(process.wait(), 0.05)
                    except TimeoutError:
                        pass
            if process.returncode is None:
                return CliResult(False, f"not serving after {timeout_seconds:.0f} s", 0.0)
            assert process.stdout is not None
            out = (await process.stdout.read()).decode(errors="replace").strip()
            return CliResult(False, trim(out), time.monotonic() - started)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


class OpaEvalError(RuntimeError):
    """``opa eval`` failed; the message is OPA's output."""


def trim(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS] + " …"
