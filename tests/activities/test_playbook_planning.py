"""The catalog, the ranking and playbook resolution, without servers."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from google.protobuf.json_format import MessageToDict
from temporalio.exceptions import ApplicationError

from activities.healing.ranking import rank
from activities.healing.resolve import resolve_steps
from kaizen.catalog.playbooks import DEFAULT_DIR, CatalogError, ParameterError, load_catalog
from kaizen.persistence.learning import Outcomes
from kaizen.v1.kubernetes_pb2 import WorkloadRef

CATALOG = load_catalog(DEFAULT_DIR)
REF = WorkloadRef(namespace="shop", name="web")


def deployment(replicas: int = 2, requests: dict[str, str] | None = None) -> SimpleNamespace:
    resources = SimpleNamespace(requests=requests or {"cpu": "100m", "memory": "64Mi"}, limits={})
    container = SimpleNamespace(name="web", resources=resources)
    spec = SimpleNamespace(
        replicas=replicas,
        template=SimpleNamespace(spec=SimpleNamespace(containers=[container])),
    )
    return SimpleNamespace(spec=spec)


def test_shipped_catalog_covers_every_diagnosis_and_each_playbook_has_a_signal_route() -> None:
    for diagnosis in ("crash_loop", "error_rate", "latency", "unknown", "bad_rollout"):
        assert CATALOG.candidates(diagnosis)
    assert CATALOG.candidates("never-heard-of-it") == CATALOG.candidates("unknown")
    assert {p.risk for p in CATALOG.playbooks.values()} <= {"low", "medium", "high", "critical"}
    signal = CATALOG.signal("error_rate")
    assert signal is not None
    assert 'namespace="shop"' in signal.for_workload("shop", "web")


def test_a_broken_catalog_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text((DEFAULT_DIR / "catalog.toml").read_text())
    (tmp_path / "restart.toml").write_text('name = "restart"\nversion = 0\n')
    with pytest.raises(CatalogError, match="restart.toml"):
        load_catalog(tmp_path)


def test_parameters_are_checked_against_schema_and_bounds() -> None:
    scale_out = CATALOG.playbook("scale_out")
    assert scale_out.resolve_parameters({}) == {"replicas_delta": 1}
    for given, field in (
        ({"replicas_delta": 9}, "parameters.replicas_delta"),
        ({"replicas_delta": 1.5}, "parameters.replicas_delta"),
        ({"replicas_delta": True}, "parameters.replicas_delta"),
        ({"replicas": 2}, "parameters.replicas"),
    ):
        with pytest.raises(ParameterError) as error:
            scale_out.resolve_parameters(given)
        assert error.value.field == field
    with pytest.raises(ParameterError) as unknown:
        CATALOG.playbook("reboot_the_datacenter")
    assert unknown.value.field == "playbook"


def test_static_order_until_enough_history() -> None:
    candidates = CATALOG.candidates("error_rate")
    outcomes = {p.name: Outcomes(0, 0) for p in candidates}
    outcomes["rollback"] = Outcomes(successes=2, failures=0)
    ranking = rank(candidates, outcomes, min_history=5, rng=random.Random(1))
    assert ranking.strategy == "static"
    assert ranking.chosen == candidates[0].name
    assert "2 outcome(s) so far" in ranking.reason


def test_thompson_sampling_prefers_what_worked_and_still_explores() -> None:
    candidates = CATALOG.candidates("error_rate")
    outcomes = {p.name: Outcomes(0, 0) for p in candidates}
    outcomes["restart"] = Outcomes(successes=1, failures=9)
    outcomes["rollback"] = Outcomes(successes=9, failures=1)
    rng = random.Random(7)
    chosen = [rank(candidates, outcomes, min_history=5, rng=rng).chosen for _ in range(400)]
    assert chosen.count("rollback") > 250  # the proven playbook wins most draws...
    assert {"scale_out", "observe"} & set(chosen)  # ...while untried ones still get tried
    assert chosen.count("restart") < 20
    ranking = rank(candidates, outcomes, min_history=5, rng=random.Random(3))
    assert ranking.strategy == "thompson"
    samples = [c.sample for c in ranking.candidates]
    assert samples == sorted(samples, reverse=True)
    rollback = next(c for c in ranking.candidates if c.playbook == "rollback")
    assert rollback.mean == pytest.approx(10 / 12)


def test_scale_out_resolves_from_the_live_replica_count_with_its_undo() -> None:
    playbook = CATALOG.playbook("scale_out")
    steps, undo, summary = resolve_steps(playbook, {"replicas_delta": 2}, REF, deployment(3))
    assert [MessageToDict(s.parameters) for s in steps] == [{"replicas": 5.0}]
    assert [MessageToDict(s.parameters) for s in undo] == [{"replicas": 3.0}]
    assert summary == "scale 3 -> 5 replicas"


def test_raise_resources_multiplies_what_is_set_and_restores_it_exactly() -> None:
    playbook = CATALOG.playbook("raise_resources")
    steps, undo, _ = resolve_steps(playbook, {"factor": 1.5, "container": ""}, REF, deployment())
    assert MessageToDict(steps[0].parameters) == {
        "container": "web", "requests": {"cpu": "150m", "memory": "96Mi"},
    }  # fmt: skip
    assert MessageToDict(undo[0].parameters) == {
        "container": "web", "requests": {"cpu": "100m", "memory": "64Mi"},
    }  # fmt: skip
    with pytest.raises(ApplicationError, match="no container 'db'"):
        resolve_steps(playbook, {"factor": 1.5, "container": "db"}, REF, deployment())


def test_restart_rolls_back_to_the_previous_revision_and_observe_does_nothing() -> None:
    steps, undo, _ = resolve_steps(CATALOG.playbook("restart"), {}, REF, deployment())
    assert [s.action for s in steps] == ["rollout_restart"]
    assert [u.action for u in undo] == ["rollback"]
    steps, undo, summary = resolve_steps(CATALOG.playbook("observe"), {}, REF, deployment())
    assert steps == [] and undo == [] and "observe" in summary
