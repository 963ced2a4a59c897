"""The demo's RCA, read from the shared local stack after its bad rollout healed.

The alert's resolution starts the incident's RCA; its draft must name the image change
(1.0.0 -> 2.0-bad, read from the Deployment's ReplicaSet revisions) as the cause, cite
the error ratio Prometheus recorded and say what it could read of the logs.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.local_stack import LocalStack, eventually

BAD_IMAGE = "registry.local/demo/web:2.0-bad"
ERROR_RATIO = 'service:http_error_ratio:rate5m{namespace="demo", service="web"}'


def wait_for_a_healthy_baseline(stack: LocalStack) -> None:
    """A minute of web's error ratio recorded and healthy, as on a stack that has run a while:
    without it the symptom's onset cannot be told from the start of the data."""
    # The rule is evaluated every 5 s: ten samples are most of a minute.
    promql = f"count_over_time({ERROR_RATIO}[1m]) >= 10 and max_over_time({ERROR_RATIO}[1m]) < 0.05"

    def healthy() -> bool:
        reply = httpx.get(f"{stack.prometheus}/api/v1/query", params={"query": promql}, timeout=5)
        return bool(reply.json()["data"]["result"])

    eventually(healthy, timeout=120, every=2, what="a healthy minute of web's error ratio")


def drafted_rca(stack: LocalStack) -> dict[str, Any]:
    """The demo incident's RCA once drafted (in review)."""

    def drafted() -> dict[str, Any] | None:
        listed = stack.get(f"{stack.api}/v1/rcas", service="web")
        ready = [r for r in listed if r["status"] == "in_review"]
        return stack.get(f"{stack.api}/v1/rcas/{ready[0]['id']}") if ready else None

    return eventually(drafted, timeout=90, every=1, what="the demo's RCA is drafted")


def brief(document: dict[str, Any]) -> str:
    """What a failing assertion shows: the ranking and every piece of evidence."""
    lines = [f"{h['category']} {h['score']} {h['confidence']}: {h['statement']} "
             f"supports={h['supports']}" for h in document["hypotheses"][:3]]  # fmt: skip
    lines += [f"{e['id']} {e['kind']} {e['source']}: {e['summary'][:200]}"
              for e in document["evidence"]]  # fmt: skip
    return "\n".join(lines)


def assert_names_the_bad_image(rca: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The leading hypothesis is the bad rollout, its evidence linked; the evidence by id."""
    assert rca["id"].startswith("rca:default:demo:web:alert-"), rca["id"]
    document = rca["document"]
    evidence = {e["id"]: e for e in document["evidence"]}
    top = document["hypotheses"][0]
    assert not document["undetermined"], brief(document)
    assert top["category"] == "deploy_regression", brief(document)
    trigger = evidence[top["trigger_id"]]
    assert trigger["kind"] == "change" and trigger["source"] == "kubernetes", trigger
    assert BAD_IMAGE in trigger["summary"] and trigger["link"].startswith(
        "/apis/apps/v1/namespaces/demo/replicasets/web-"
    ), trigger
    supports = {evidence[i]["kind"] for i in top["supports"]}
    assert {"change", "metric"} <= supports, brief(document)
    metric = next(evidence[i] for i in top["supports"] if evidence[i]["kind"] == "metric")
    assert metric["source"] == "prometheus" and "http_error_ratio" in metric["link"], metric
    # Logs: read and cited, or (a cluster without pod logs) recorded as missing with why.
    logs = [e for e in evidence.values() if e["kind"] in ("log", "log_signature")]
    missing = {m["source"]: m["reason"] for m in document.get("missing", [])}
    assert logs or "logs" in missing, (
        sorted(missing),
        sorted(e["kind"] for e in evidence.values()),
    )
    for section in document["sections"]:
        for claim in section["claims"]:
            assert set(claim["evidence_ids"]) <= set(evidence), claim
    return evidence
