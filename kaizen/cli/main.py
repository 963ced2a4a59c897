"""``kaizen``: run the stack, a worker pool or the API; manage keys, tools and schedules."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kaizen.cli import demo, policy, schedules
from kaizen.settings import Settings
from kaizen.traffic.table import DEFAULT_TABLE


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return 2


def cmd_up(args: argparse.Namespace) -> int:
    from kaizen.stack.launcher import up

    return up(Settings(), _say, kube_mode=args.kube)


def cmd_api(_args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from workers.pool import WorkerPool
    from workers.registry import resolve_queues

    queues = [q for q in args.queues.split(",") if q]
    try:
        resolve_queues(queues)
        pool = WorkerPool(args.processes or Settings().worker_processes, queues)
    except ValueError as error:
        return _fail(str(error))
    return pool.run()


def cmd_keys(args: argparse.Namespace) -> int:
    from kaizen.persistence.api_keys import ApiKeyError, Role, create_key, list_keys, revoke_key
    from kaizen.persistence.db import make_engine, session_scope
    from kaizen.persistence.slack import SlackLinkError, link_user

    engine = make_engine(Settings().database)
    try:
        with session_scope(engine) as session:
            if args.keys_command == "create":
                try:
                    raw_key = create_key(session, name=args.name, role=Role.parse(args.role))
                    if args.slack_user:
                        link_user(session, principal=args.name, slack_user_id=args.slack_user)
                except (ApiKeyError, SlackLinkError, ValueError) as error:
                    return _fail(str(error))  # the session rolls back: no key without its link
                if args.slack_user:
                    _say(f"linked {args.name!r} to Slack user {args.slack_user}")
                _say(f"created key {args.name!r} with role {args.role}; it is shown only once:")
                _say(raw_key)
            elif args.keys_command == "list":
                for key in list_keys(session):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    _say(f"{key.name}\t{key.role}\t{state}\tcreated {key.created_at:%Y-%m-%d}")
            else:
                try:
                    revoke_key(session, args.name)
                except ApiKeyError as error:
                    return _fail(str(error))
                _say(f"revoked key {args.name!r}")
    finally:
        engine.dispose()
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from kaizen.persistence.api_keys import ApiKey
    from kaizen.persistence.db import make_engine, session_scope
    from kaizen.persistence.slack import SlackLinkError, link_user

    engine = make_engine(Settings().database)
    try:
        with session_scope(engine) as session:
            if session.exec(select(ApiKey).where(ApiKey.name == args.name)).first() is None:
                return _fail(
                    f"no principal named {args.name!r}; create one with `kaizen keys create`"
                )
            try:
                link_user(session, principal=args.name, slack_user_id=args.slack_user)
            except SlackLinkError as error:
                return _fail(str(error))
        _say(f"linked {args.name!r} to Slack user {args.slack_user}")
    finally:
        engine.dispose()
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    from kaizen.stack import tools

    tools_dir = Settings().resolved_tools_dir
    if args.tools_command == "install":
        for tool in tools.ALL_TOOLS:
            _say(f"{tool.name} {tool.version}: {tools.install(tool, tools_dir)}")
        try:
            for package in tools.DEBIAN_TOOLS:
                for program in package.programs:
                    unpacked = tools.install_debian(package, tools_dir, program)
                    _say(f"{program} {package.version}: {unpacked}")
        except tools.ToolMissing as error:
            return _fail(str(error))
        return 0
    by_name = {tool.name: tool for tool in tools.ALL_TOOLS}
    debian = tools.debian_program(args.tool)
    if debian is not None:
        found = tools.locate_debian(debian, tools_dir, args.tool)
        if found is None:
            return _fail(
                f"{args.tool} {debian.version} is not installed; run `kaizen tools install`"
            )
        binary = found
    elif args.tool in by_name:
        binary = tools.require(by_name[args.tool], tools_dir)
    else:
        known = [*by_name, *(p for d in tools.DEBIAN_TOOLS for p in d.programs)]
        return _fail(f"unknown tool {args.tool!r}; known: {', '.join(known)}")
    if args.tools_command == "path":
        _say(str(binary))
        return 0
    os.execv(binary, [str(binary), *args.arguments])
    return 0  # not reached


def cmd_traffic(args: argparse.Namespace) -> int:
    from kubernetes import config

    from kaizen.traffic.server import run

    new_client: Any = config.new_client_from_config  # untyped upstream
    return run(
        new_client(config_file=args.kubeconfig),
        namespaces=args.namespace or ["demo"],
        host=args.host,
        port=args.port,
        table_path=Path(args.table),
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kaizen", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    up = commands.add_parser(
        "up", help="start Temporal, OPA, workers and the API in the foreground"
    )
    up.add_argument(
        "--kube",
        choices=["local"],
        help="also start a local Kubernetes API server with a demo namespace",
    )
    commands.add_parser("api", help="serve the API only")

    worker = commands.add_parser("worker", help="supervise a pool of worker processes")
    worker.add_argument("--processes", type=int, default=0, help="default: KAIZEN_WORKER_PROCESSES")
    worker.add_argument("--queues", default="", help="comma-separated queues (default: all)")

    keys = commands.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--role", required=True, choices=["viewer", "operator", "approver", "admin"]
    )
    create.add_argument("--slack-user", default="", help="Slack user id (U…) who votes as NAME")
    key_commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = key_commands.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")

    users = commands.add_parser("users", help="link principals to Slack users")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    link = user_commands.add_parser("link", help="let a Slack user vote as an existing principal")
    link.add_argument("--name", required=True)
    link.add_argument("--slack-user", required=True, help="Slack user id, e.g. U024BE7LH")

    tools_parser = commands.add_parser(
        "tools", help="the pinned Temporal CLI, OPA, Prometheus (promtool), Alertmanager (amtool)"
    )
    tool_commands = tools_parser.add_subparsers(dest="tools_command", required=True)
    tool_commands.add_parser(
        "install", help="build missing Go tools, unpack Prometheus and Alertmanager (Debian)"
    )
    path = tool_commands.add_parser("path", help="print a tool's path")
    path.add_argument("tool")
    run = tool_commands.add_parser("exec", help="run a pinned tool")
    run.add_argument("tool")
    run.add_argument("arguments", nargs=argparse.REMAINDER)

    traffic = commands.add_parser(
        "traffic", help="serve simulated per-pod metrics for a namespace (kaizen up --kube local)"
    )
    traffic.add_argument("--kubeconfig", required=True, help="read-only access to the namespace")
    traffic.add_argument(
        "--namespace", action="append", help="a namespace to watch, repeatable (default: demo)"
    )
    traffic.add_argument("--host", default="127.0.0.1")
    traffic.add_argument("--port", type=int, default=Settings().traffic_port)
    traffic.add_argument("--table", default=str(DEFAULT_TABLE), help="what each version does")

    schedules.add_commands(commands)
    demo.add_commands(commands)
    policy.add_commands(commands)
    return root


HANDLERS = {
    "up": cmd_up,
    "api": cmd_api,
    "worker": cmd_worker,
    "keys": cmd_keys,
    "users": cmd_users,
    "tools": cmd_tools,
    "schedules": schedules.run,
    "traffic": cmd_traffic,
    "demo": demo.run,
    "policy": policy.run,
}


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parser().parse_args(argv)
    raise SystemExit(HANDLERS[args.command](args))


if __name__ == "__main__":
    main()
