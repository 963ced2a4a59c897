"""``kaizen policy``: publish a policy directory, preview it, roll it out, watch the fleet.

Everything but key rotation goes through the API (``KAIZEN_API_URL``, ``KAIZEN_API_KEY``
or ``KAIZEN_HOME/admin.key``), so the CLI is refused exactly as any caller is. Exit
codes: 0 done (a rollout that ended activated or previewed), 1 the API refused or the
rollout did not activate, 2 usage or file error.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Final

import httpx

from kaizen.cli.api_client import (
    TIMEOUT,
    ApiKeyMissing,
    ApiRefused,
    ApiUnreachable,
    KaizenApi,
    _refusal,
    default_api_key,
    default_api_url,
)

WAIT_SECONDS: Final = 600.0
POLICY_FILES: Final = (".rego", "data.json", ".manifest")
RUN_COMMANDS: Final = {
    "preview": "replay recorded decisions against VERSION (a dry run)",
    "rollout": "roll VERSION out to the fleet, all-or-nothing",
    "rollback": "roll the fleet back to VERSION (no preview, no canary)",
}
APPROVE: Final = (
    "-H 'Authorization: Bearer <an approver's key>' -H 'Content-Type: application/json' "
    """-d '{"decision": "approve"}'"""
)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def add_commands(commands: Any) -> None:
    policy = commands.add_parser("policy", help="policy versions and rollouts to the OPA fleet")
    sub = policy.add_subparsers(dest="policy_command", required=True)
    publish = sub.add_parser("publish", help="build and sign DIR as a new version")
    publish.add_argument("directory", type=Path)
    publish.add_argument("--root", action="append", default=[],
                         help="the bundle's root (a data path such as fleet/authz); DIR ends "
                         "with it. Not needed when DIR has a .manifest")  # fmt: skip
    publish.add_argument("--bundle", default="authz", help="the bundle's name (default authz)")
    publish.add_argument("--description", default="")
    for name, text in RUN_COMMANDS.items():
        command = sub.add_parser(name, help=text)
        command.add_argument("version")
        command.add_argument("--fleet", default="local")
        command.add_argument("--selector", default=None, help="label selector over the nodes")
        command.add_argument("--no-wait", action="store_true", help="answer once started")
    fleet = sub.add_parser("fleet", help="the fleet's nodes: desired and active revision")
    fleet.add_argument("--fleet", default=None)
    keys = sub.add_parser("keys", help="Kaizen's bundle signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help="make a new signing key; earlier ones stay trusted")
    retire = keys_sub.add_parser(
        "retire", help="stop trusting a rotated-out key, once no node runs what it signed"
    )
    retire.add_argument("key_id")


def run(args: argparse.Namespace) -> int:
    try:
        if args.policy_command == "keys":
            return _retire(args.key_id) if args.keys_command == "retire" else _rotate()
        with KaizenApi(default_api_url(), default_api_key()) as api:
            if args.policy_command == "publish":
                return _publish(api, args)
            if args.policy_command == "fleet":
                return _fleet(api, args.fleet)
            return _rollout(api, args)
    except ApiRefused as refused:
        for line in refused.lines():
            _say(line)
        return 1
    except (ApiKeyMissing, ApiUnreachable, UsageError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2


class UsageError(Exception):
    """The command cannot be run as given (a missing directory, a root it does not end with)."""


def policy_archive(directory: Path, roots: list[str]) -> bytes:
    """DIR as a tar.gz whose paths are data paths: DIR itself when it has a .manifest, else
    DIR under its root (``policies/fleet/authz`` with root ``fleet/authz``)."""
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    base = directory
    if not (directory / ".manifest").is_file():
        if len(roots) != 1:
            raise UsageError(f"{directory} has no .manifest: give its root with --root")
        parts = [p for p in roots[0].strip("/").split("/") if p]
        if list(directory.resolve().parts[-len(parts) :]) != parts:
            raise UsageError(
                f"{directory} does not end with its root {roots[0]}: data paths follow "
                "directories, so publish e.g. policies/fleet/authz with --root fleet/authz"
            )
        base = directory.resolve().parents[len(parts) - 1]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and path.name.endswith(POLICY_FILES):
                tar.add(path, arcname=str(path.resolve().relative_to(base.resolve())))
    return buffer.getvalue()


def _publish(api: KaizenApi, args: argparse.Namespace) -> int:
    archive = policy_archive(args.directory, args.root)
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("bundle", args.bundle),
        ("description", args.description),
    ]
    if not (args.directory / ".manifest").is_file():
        params += [("roots", root) for root in args.root]
    try:
        response = httpx.post(
            f"{api.base_url}/v1/policy-bundles", params=params, content=archive,
            headers={"Authorization": f"Bearer {default_api_key()}",
                     "Content-Type": "application/gzip"},
            timeout=TIMEOUT,
        )  # fmt: skip
    except httpx.TransportError as error:
        raise ApiUnreachable(f"cannot reach the API at {api.base_url}: {error}") from error
    if response.is_error:
        raise _refusal(response)
    version = response.json()
    made = "published" if response.status_code == 201 else "already published:"
    _say(f"{made} {version['id']} ({version['bundle']} #{version['seq']}, roots "
         f"{', '.join(version['roots'])}, signed by {version['signing_key_id']})")  # fmt: skip
    return 0


def _rollout(api: KaizenApi, args: argparse.Namespace) -> int:
    mode = {"preview": "dry_run", "rollout": "rollout", "rollback": "rollback"}
    body: dict[str, Any] = {
        "fleet": args.fleet, "version_id": args.version, "mode": mode[args.policy_command],
    }  # fmt: skip
    if args.selector is not None:
        body["selector"] = args.selector
    started = api.post("/v1/policy-rollouts", body)
    run_id = started["id"]
    _say(f"{'joined' if started.get('joined') else 'started'} {run_id}")
    if args.no_wait:
        return 0
    run = _wait(api, run_id)
    result = run.get("result") or {}
    _show(result)
    return 0 if result.get("outcome") in ("activated", "previewed") else 1


def _wait(api: KaizenApi, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    said: set[str] = set()
    while True:
        run: dict[str, Any] = api.get(f"/v1/runs/{run_id}")
        pending = run.get("pending_approval") or {}
        if run.get("phase") == "awaiting_approval" and "approval" not in said:
            said.add("approval")
            _say(f"waiting for {pending.get('required', 1)} approval(s): "
                 f"{pending.get('summary', '')}")  # fmt: skip
            _say(f"  approve: curl -X POST {api.base_url}/v1/runs/{run_id}/approvals {APPROVE}")
        if run.get("status") != "running" or time.monotonic() > deadline:
            return run
        time.sleep(0.5)


def _show(result: dict[str, Any]) -> None:
    _say(f"outcome: {result.get('outcome')}: {result.get('reason')}")
    preview = result.get("preview") or {}
    if preview:
        count = {k: int(preview.get(k) or 0) for k in
                 ("replayed", "changed", "allow_to_deny", "deny_to_allow")}  # fmt: skip
        _say(f"preview: {count['replayed']} recorded decisions replayed, {count['changed']} "
             f"change: {count['allow_to_deny']} allow -> deny, {count['deny_to_allow']} deny "
             "-> allow")  # fmt: skip
        for path in preview.get("paths") or []:
            for example in path.get("examples") or []:
                _say(f"  {path['path']}: {_json(example['input'])} was "
                     f"{_json(example['before'])}, would be {_json(example['after'])}")  # fmt: skip
    for node in result.get("nodes") or []:
        _say(f"  {node['node']}: {node['revision'] or '(nothing)'}"
             f"{'' if node['verified'] else ' (unverified)'}"
             f"{' ' + node['error'] if node['error'] else ''}")  # fmt: skip


def _json(value: Any) -> str:
    """JSON as OPA wrote it: whole numbers without the ``.0`` protobuf's Value gives them."""

    def plain(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, dict):
            return {k: plain(v) for k, v in item.items()}
        if isinstance(item, list):
            return [plain(v) for v in item]
        return item

    return json.dumps(plain(value), sort_keys=True)


def _fleet(api: KaizenApi, fleet: str | None) -> int:
    view = api.get("/v1/policy-fleet" + (f"?fleet={fleet}" if fleet else ""))
    for node in view["nodes"]:
        state = node["status_code"] or ("drifted" if node["drifted"] else "ok")
        _say(f"{node['fleet']}/{node['name']}\tdesired {node['desired_revision'] or '-'}\t"
             f"active {node['active_revision'] or '-'}\t{state}\t{node['url']}")  # fmt: skip
    return 0


def _rotate() -> int:
    from activities.opa.signing_keys import rotate
    from kaizen.persistence.db import make_engine
    from kaizen.settings import Settings

    settings = Settings()
    engine = make_engine(settings.database)
    try:
        key = rotate(engine, settings.home)
    finally:
        engine.dispose()
    _say(
        f"new signing key {key.id}; earlier keys stay trusted. Give nodes the new key "
        "(register them again: their config lists every trusted key) before publishing."
    )
    return 0


def _retire(key_id: str) -> int:
    from activities.opa.signing_keys import RetirementRefused, retire_checked
    from kaizen.persistence.db import make_engine
    from kaizen.settings import Settings

    settings = Settings()
    engine = make_engine(settings.database)
    try:
        retire_checked(engine, settings.tenant, key_id)
    except RetirementRefused as refused:
        sys.stderr.write(f"refused: {refused}\n")
        return 1
    finally:
        engine.dispose()
    _say(
        f"retired {key_id}: node configs issued from now on no longer list it (register "
        "nodes again, or POST /v1/policy-fleet/nodes/{node}/config, to drop it from theirs)"
    )
    return 0
