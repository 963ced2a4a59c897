"""Loki as the RCA's log source, against a loopback server speaking Loki's documented
``query_range`` (tests/fake_loki.py): the service's lines in the window, each linked to
the LogQL that found them; a refusing, broken or absent Loki is a missing source."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client

from activities.rca.analyzer import analyze
from activities.rca.collect import RcaEvidenceActivities
from activities.rca.evidence import timestamp
from activities.rca.loki import LokiClient, selector
from kaizen.catalog.playbooks import catalog
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings
from kaizen.v1.rca_pb2 import EvidenceRequest, RcaRequest
from tests.conftest import Keys, run_worker
from tests.fake_loki import FakeLoki
from tests.rca.conftest import api_for
from tests.rca.test_rca_triggers import end

NPE = "java.lang.NullPointerException at PriceService.apply(PriceService.java:88)"


def ns(at: datetime) -> int:
    return int(at.timestamp() * 1e9)


@pytest.fixture
def loki() -> Iterator[FakeLoki]:
    with FakeLoki() as fake:
        yield fake


def incident(service: str, start: datetime, until: datetime) -> RcaRequest:
    return RcaRequest(
        service=service, namespace="shop", window_start=timestamp(start),
        window_end=timestamp(until),
    )  # fmt: skip


def collector(settings: Settings, loki: LokiClient) -> RcaEvidenceActivities:
    return RcaEvidenceActivities(
        make_engine(settings.database), tenant="default", catalog=catalog(settings.catalog_dir),
        prometheus=None, kube=None, loki=loki,
    )  # fmt: skip


def push_incident(loki: FakeLoki, now: datetime) -> None:
    """Healthy lines, then a new exception from a pod that is gone; another service's noise."""
    gone = {"namespace": "shop", "app": "checkout", "pod": "checkout-7f9c-x", "container": "app"}
    live = {**gone, "pod": "checkout-5d4b-y"}
    loki.push(
        live, [(ns(now - timedelta(minutes=m)), "GET /cart 200 12ms") for m in range(40, 5, -5)]
    )
    loki.push(gone, [(ns(now - timedelta(minutes=m, seconds=s)), NPE)
                     for m in (4, 3, 2) for s in (0, 20, 40)])  # fmt: skip
    loki.push({"namespace": "shop", "app": "search", "pod": "search-1"},
              [(ns(now - timedelta(minutes=3)), "search noise")])  # fmt: skip
    loki.push(live, [(ns(now - timedelta(hours=5)), "long before the window")])


async def test_the_services_lines_in_the_window_linked_to_their_logql(
    settings: Settings, loki: FakeLoki
) -> None:
    now = datetime.now(UTC)
    push_incident(loki, now)
    client = LokiClient(loki.url, line_limit=100)
    request = incident("checkout", now - timedelta(hours=1), now + timedelta(hours=1))
    batch = await collector(settings, client).collect_pod_logs(EvidenceRequest(request=request))

    assert not batch.missing
    logql = '{namespace="shop", app="checkout"}'
    assert selector("shop", "checkout", "app") == logql
    [query] = loki.queries
    assert query["query"] == logql and query["limit"] == "100"
    assert int(query["start"]) == ns(now - timedelta(hours=1))
    assert int(query["end"]) <= ns(datetime.now(UTC))  # never asks for the future
    lines = list(batch.bundle.logs)
    assert len(lines) == 7 + 9
    assert {line.link for line in lines} == {logql} and {line.source for line in lines} == {"loki"}
    assert {line.pod for line in lines if line.line == NPE} == {"checkout-7f9c-x"}
    assert not any("noise" in line.line or "long before" in line.line for line in lines)

    # The analyzer's signature of the new exception links to the same query.
    document = analyze(request, batch.bundle)
    [signature] = [
        e for e in document.evidence if e.kind == "log_signature" and "NullPointer" in e.summary
    ]
    assert signature.link == logql and signature.source == "logs"


async def test_the_line_limit_keeps_the_newest(settings: Settings, loki: FakeLoki) -> None:
    now = datetime.now(UTC)
    push_incident(loki, now)
    request = incident("checkout", now - timedelta(hours=1), now)
    batch = await collector(settings, LokiClient(loki.url, line_limit=3)).collect_pod_logs(
        EvidenceRequest(request=request)
    )
    assert [line.line for line in batch.bundle.logs] == [NPE] * 3
    newest = max(line.at.ToDatetime(tzinfo=UTC) for line in batch.bundle.logs)
    assert abs(newest - (now - timedelta(minutes=2))) < timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("error", "Loki answered HTTP 500"), ("garbage", "not a Loki query_range reply")],
)
async def test_a_failing_loki_is_a_missing_source(
    settings: Settings, loki: FakeLoki, mode: str, reason: str
) -> None:
    loki.mode = mode  # type: ignore[assignment]
    now = datetime.now(UTC)
    request = incident("checkout", now - timedelta(hours=1), now)
    batch = await collector(settings, LokiClient(loki.url)).collect_pod_logs(
        EvidenceRequest(request=request)
    )
    assert not batch.bundle.logs
    [missing] = batch.missing
    assert missing.source == "logs:loki" and missing.reason.startswith(reason), missing.reason


async def test_an_unreachable_loki_is_a_missing_source(settings: Settings) -> None:
    with FakeLoki() as gone:
        url = gone.url  # a port that was just closed
    now = datetime.now(UTC)
    batch = await collector(settings, LokiClient(url, timeout_seconds=2)).collect_pod_logs(
        EvidenceRequest(request=incident("checkout", now - timedelta(hours=1), now))
    )
    assert batch.missing[0].reason.startswith("Loki unreachable: ConnectError")


async def test_a_run_reads_its_logs_from_loki(
    settings: Settings, loki: FakeLoki, keys: Keys, client: Client
) -> None:
    service = f"svc-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    loki.push({"namespace": "shop", "app": service, "pod": f"{service}-1"},
              [(ns(now - timedelta(minutes=m)), NPE) for m in (3, 2, 1)])  # fmt: skip
    with_loki = settings.model_copy(update={"loki_url": loki.url})
    async with run_worker(with_loki), api_for(with_loki) as api:
        body = {
            "service": service, "namespace": "shop",
            "window_start": (now - timedelta(minutes=30)).isoformat(),
            "window_end": now.isoformat(),
        }  # fmt: skip
        reply = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
        assert reply.status_code == 202, reply.text
        rca_id = reply.json()["id"]
        document: dict[str, object] = {}
        for _ in range(100):
            got = await api.get(f"/v1/rcas/{rca_id}", headers=Keys.header(keys.viewer))
            if got.status_code == 200 and got.json()["status"] == "in_review":
                document = got.json()["document"]
                break
            await asyncio.sleep(0.3)
        evidence = document["evidence"]
        assert isinstance(evidence, list)
        [signature] = [e for e in evidence if e["kind"] == "log_signature"]
        assert signature["link"] == f'{{namespace="shop", app="{service}"}}'
        missing = {m["source"] for m in document["missing"]}  # type: ignore[union-attr]
        assert "logs" not in missing and "logs:loki" not in missing
        await end(client, rca_id)
