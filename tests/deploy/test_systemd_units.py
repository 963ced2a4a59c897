"""deploy/systemd/ agrees with Kaizen's CLI, settings and embedded OPA, and every unit
restarts on failure, within a start limit, as a dedicated user, hardened.

No systemd runs here: the files are parsed (``systemd-analyze verify`` is a manual check,
see the README) and checked against the code they start.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kaizen.cli.main import parser
from kaizen.stack.opa_server import opa_command
from tests.deploy.test_docker_compose import settings_env_names
from workers.process import DRAIN_TIMEOUT

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
ENV_FILE = "/etc/kaizen/kaizen.env"
KAIZEN_UNITS = ("kaizen-api.service", "kaizen-worker@.service")
ALL_UNITS = (*KAIZEN_UNITS, "kaizen-opa.service")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "CapabilityBoundingSet": "",
    "RestrictSUIDSGID": "yes",
}

Unit = dict[str, dict[str, list[str]]]


def read_unit(name: str) -> Unit:
    """Section -> key -> every value given (systemd keys may repeat)."""
    unit: Unit = {}
    section: dict[str, list[str]] | None = None
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = unit.setdefault(line.strip("[]"), {})
            continue
        assert section is not None, f"{name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{name}: {line!r} is not key=value"
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def one(unit: Unit, section: str, key: str) -> str:
    values = unit.get(section, {}).get(key, [])
    assert len(values) == 1, f"[{section}] {key}: {values}"
    return values[0]


def words(unit: Unit, section: str, key: str) -> list[str]:
    return [w for value in unit.get(section, {}).get(key, []) for w in value.split()]


def env_file() -> dict[str, str]:
    pairs = (
        line.partition("=")
        for line in (UNITS / "kaizen.env").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {name.strip(): value.strip() for name, _, value in pairs}


@pytest.mark.parametrize("name", ALL_UNITS)
def test_every_unit_restarts_on_failure_within_a_limit(name: str) -> None:
    unit = read_unit(name)
    assert one(unit, "Service", "Restart") in ("on-failure", "always")
    assert one(unit, "Service", "RestartSec").rstrip("s").isdigit()
    # Start limits live in [Unit] (systemd ignores them in [Service] since v230).
    assert int(one(unit, "Unit", "StartLimitIntervalSec")) > 0
    assert int(one(unit, "Unit", "StartLimitBurst")) >= 1
    assert "network-online.target" in words(unit, "Unit", "After")
    assert "network-online.target" in words(unit, "Unit", "Wants")
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", ALL_UNITS)
def test_every_unit_runs_as_the_kaizen_user_hardened(name: str) -> None:
    unit = read_unit(name)
    assert one(unit, "Service", "User") == one(unit, "Service", "Group") == "kaizen"
    for key, value in HARDENING.items():
        assert one(unit, "Service", key) == value, key
    assert one(unit, "Service", "UMask") == "0077"


@pytest.mark.parametrize(
    ("name", "command"), [(KAIZEN_UNITS[0], "api"), (KAIZEN_UNITS[1], "worker")]
)
def test_kaizen_units_run_the_cli_with_the_environment_file(name: str, command: str) -> None:
    unit = read_unit(name)
    assert one(unit, "Service", "EnvironmentFile") == ENV_FILE
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert Path(argv[0]).name == "kaizen"
    assert parser().parse_args(argv[1:]).command == command
    # State under KAIZEN_HOME, which systemd creates for the unit's user.
    state = one(unit, "Service", "StateDirectory")
    assert f"/var/lib/{state}" == env_file()["KAIZEN_HOME"]
    assert one(unit, "Service", "WorkingDirectory") == env_file()["KAIZEN_HOME"]
    for dependency in ("temporal.service", "kaizen-opa.service"):
        assert dependency in words(unit, "Unit", "After"), dependency


def test_workers_start_after_a_healthy_api_and_drain_before_they_are_killed() -> None:
    api, worker = read_unit("kaizen-api.service"), read_unit("kaizen-worker@.service")
    probe = one(api, "Service", "ExecStartPost")
    assert "/healthz" in probe and "${KAIZEN_API_PORT}" in probe and "--fail" in probe
    assert "kaizen-api.service" in words(worker, "Unit", "After")
    assert one(worker, "Service", "KillMode") == "mixed", "SIGTERM to the pool, which drains"
    stop = int(one(worker, "Service", "TimeoutStopSec").rstrip("s"))
    assert stop > DRAIN_TIMEOUT.total_seconds()


def test_environment_file_sets_only_real_settings() -> None:
    env = env_file()
    known = settings_env_names()
    for name in env:
        assert name.upper() in known, f"{name} is not a Kaizen setting"
    assert {"KAIZEN_DATABASE_URL", "KAIZEN_TEMPORAL_ADDRESS", "KAIZEN_OPA_URL"} <= set(env)
    assert env["KAIZEN_ENVIRONMENTS_DIR"] and env["KAIZEN_POLICIES_DIR"]


def test_opa_unit_runs_like_the_embedded_server() -> None:
    unit, env = read_unit("kaizen-opa.service"), env_file()
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    port = urlsplit(env["KAIZEN_OPA_URL"]).port
    assert port is not None
    expected = opa_command(Path(argv[0]), port=port, policies_dir=Path(env["KAIZEN_POLICIES_DIR"]))
    assert argv == expected
