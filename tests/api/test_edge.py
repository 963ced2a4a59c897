"""The API's edge against hostile input: body caps, authentication before parsing, rate
limits, bounded metrics labels, free-form field limits and payload sizes, over the real
Temporal server (and real HTTP where the transport matters)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from kaizen.contract.bounds import MAX_FREE_FORM_DEPTH
from kaizen.settings import Settings
from tests.conftest import Keys
from tests.http_server import served

RUN = {"service": "web", "namespace": "edge", "symptom": "HighErrorRate", "severity": "low"}


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with served(create_app(settings)) as url:
        yield url


def _raw_exchange(base_url: str, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send a request head and part of a body, then read whatever the server answers."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head)
        for part in body_parts:
            try:
                connection.sendall(part)
            except OSError:
                break  # the server answered and closed: exactly what is tested
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # closed on unread bytes; what was answered before is what counts
    return answer


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: kaizen", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_an_oversized_body_is_refused_before_it_is_sent(base_url: str, keys: Keys) -> None:
    # 20 MB declared, 64 KiB sent: an answer can only come if nothing waits for the rest.
    declared = {"Content-Type": "application/json", "Content-Length": str(20 * 1024 * 1024)}
    keyed = _raw_exchange(
        base_url,
        _head("/v1/healing-runs", {**declared, "Authorization": f"Bearer {keys.operator}"}),
        [b"{" + b" " * 65536],
    )
    assert keyed.startswith(b"HTTP/1.1 413"), keyed[:200]
    assert b"larger than 1048576 bytes" in keyed
    stranger = _raw_exchange(base_url, _head("/v1/healing-runs", declared), [b" " * 65536])
    assert stranger.startswith(b"HTTP/1.1 401"), stranger[:200]


def test_a_chunked_body_is_cut_off_at_the_cap(base_url: str, keys: Keys) -> None:
    head = _head(
        "/v1/healing-runs",
        {
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
            "Authorization": f"Bearer {keys.operator}",
        },
    )
    chunk = b" " * 65536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    # Just over 1 MiB of chunks and never the last one: the answer must not wait for it.
    answer = _raw_exchange(base_url, head, [framed] * 17)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


async def test_the_alertmanager_webhook_has_its_own_larger_cap(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    alert = {
        "status": "firing",
        "labels": {"alertname": "Noise", "severity": "info"},  # names no workload
        "annotations": {"description": "x" * 10_000},
    }
    body = {"version": "4", "status": "firing", "alerts": [alert] * 150}
    size = len(json.dumps(body))
    assert 1024 * 1024 < size < 8 * 1024 * 1024
    reply = await api.post("/v1/alerts/alertmanager", json=body, headers=Keys.header(keys.operator))
    assert reply.status_code == 422  # read and validated: no alert names a workload
    too_big = await api.post(
        "/v1/healing-runs", json={**RUN, "evidence": {"x": "y" * size}},
        headers=Keys.header(keys.operator),
    )  # fmt: skip
    assert too_big.status_code == 413


async def test_strangers_are_refused_before_their_body_is_parsed(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    for body in (b"{not json", b"\xff\xfe", b'{"service": 1}'):
        reply = await api.post(
            "/v1/healing-runs", content=body, headers={"content-type": "application/json"}
        )
        assert reply.status_code == 401, body
        assert reply.json() == {
            "error": "missing Authorization header; send `Authorization: Bearer <key>`"
        }
    keyed = await api.post(
        "/v1/healing-runs",
        content=b"{not json",
        headers={"content-type": "application/json", **Keys.header(keys.operator)},
    )
    assert keyed.status_code == 422
    not_ascii = "Bearer \u00e9t\u00e9".encode("latin-1")
    garbage_header = await api.get("/v1/runs", headers={"Authorization": not_ascii})
    assert garbage_header.status_code == 401


async def test_failed_authentications_are_limited_hardest(settings: Settings, keys: Keys) -> None:
    settings.rate_limit_failed_auth = 0.5
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        guesser = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 4000)),
            base_url="http://kaizen",
        )
        other = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.8", 4000)),
            base_url="http://kaizen",
        )
        statuses = [
            (await guesser.get("/v1/runs", headers=Keys.header(f"kz_guess{i}"))).status_code
            for i in range(12)
        ]
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
        # Once spent, even the right key waits: the guesser learns nothing more.
        limited = await guesser.get("/v1/change-windows", headers=Keys.header(keys.viewer))
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "failed authentications" in limited.json()["error"]
        # Another address is not punished for the guesser.
        fine = await other.get("/v1/change-windows", headers=Keys.header(keys.viewer))
        assert fine.status_code == 200


async def test_each_key_has_its_own_request_budget(settings: Settings, keys: Keys) -> None:
    settings.rate_limit_per_key = 1.0  # bursts of 2
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://k")
        viewer = [
            (await http.get("/v1/change-windows", headers=Keys.header(keys.viewer))).status_code
            for _ in range(3)
        ]
        assert viewer == [200, 200, 429]
        other_key = await http.get("/v1/change-windows", headers=Keys.header(keys.operator))
        assert other_key.status_code == 200
        await asyncio.sleep(1.1)
        again = await http.get("/v1/change-windows", headers=Keys.header(keys.viewer))
        assert again.status_code == 200


async def test_unauthenticated_traffic_is_limited_per_address(
    settings: Settings,
) -> None:
    settings.rate_limit_per_client = 2.0  # bursts of 4
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://k")
        statuses = [(await http.get("/healthz")).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]


async def test_metrics_labels_cannot_be_minted_by_strangers(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    await api.request("FUZZA", "/v1/runs/some-run-id")
    await api.get("/no/such/path/3f9c1e")
    await api.get("/v1/runs/healing:a:b:c:d", headers=Keys.header(keys.viewer))
    metrics = (await api.get("/metrics")).text
    assert "FUZZA" not in metrics and "3f9c1e" not in metrics and "healing:a:b" not in metrics
    assert 'method="other",route="/v1/runs/{run_id}",status="401"' in metrics
    assert 'route="unmatched"' in metrics
    assert 'method="GET",route="/v1/runs/{run_id}",status="404"' in metrics


@pytest.mark.parametrize(
    ("evidence", "says"),
    [
        (b'{"score": NaN}', "not a finite number"),
        (b'{"score": Infinity}', "not a finite number"),
        (b'{"score": -Infinity}', "not a finite number"),
        (b'{"score": 1e400}', "not a finite number"),
        (b'{"count": 123456789012345678901234567890}', "too large to keep exactly"),
        (b"[" * 0 + b'{"a":' * (MAX_FREE_FORM_DEPTH + 1) + b"1" + b"}" * (MAX_FREE_FORM_DEPTH + 1),
         "nested deeper"),
        (json.dumps({"blob": "x" * 70_000}).encode(), "over the limit"),
    ],
)  # fmt: skip
async def test_free_form_evidence_that_cannot_be_carried_is_a_422(
    api: httpx.AsyncClient, keys: Keys, evidence: bytes, says: str
) -> None:
    body = json.dumps(RUN).encode()[:-1] + b', "evidence": ' + evidence + b"}"
    reply = await api.post(
        "/v1/healing-runs",
        content=body,
        headers={"content-type": "application/json", **Keys.header(keys.operator)},
    )
    assert reply.status_code == 422, reply.text
    problem = reply.json()["problems"][0]
    assert problem["field"] == "evidence" and says in problem["message"]


async def test_alert_labels_and_annotations_are_bounded(api: httpx.AsyncClient, keys: Keys) -> None:
    alert = {
        "status": "firing",
        "labels": {"alertname": "HighErrorRate", "namespace": "edge", "deployment": "web"},
        "annotations": {"description": "x" * 20_000},
    }
    reply = await api.post(
        "/v1/alerts/alertmanager",
        json={"version": "4", "status": "firing", "alerts": [alert]},
        headers=Keys.header(keys.operator),
    )
    assert reply.status_code == 422
    assert reply.json()["problems"][0]["field"] == "alerts.0.annotations.description"


async def test_a_payload_temporal_would_refuse_is_a_422_and_nothing_starts(
    settings: Settings, keys: Keys, client: Client
) -> None:
    settings.max_payload_bytes = 4096
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://k")
        run = {**RUN, "service": "payload-check", "evidence": {"notes": "n" * 5000}}
        reply = await http.post("/v1/healing-runs", json=run, headers=Keys.header(keys.operator))
    assert reply.status_code == 422, reply.text
    assert reply.json()["problems"][0]["field"] == "evidence"
    with pytest.raises(RPCError) as missing:
        await client.get_workflow_handle(f"healing:{settings.tenant}:edge:payload-check").describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND


async def test_an_unexpected_error_is_json_without_internals(
    settings: Settings, keys: Keys
) -> None:
    app = create_app(settings)

    @app.get("/v1/explode")
    async def explode() -> dict[str, Any]:
        raise RuntimeError("secret internals")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        http = httpx.AsyncClient(transport=transport, base_url="http://k")
        reply = await http.get("/v1/explode", headers=Keys.header(keys.viewer))
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"error": "internal error; the API log has the details"}


async def test_openapi_documents_every_error_and_metrics_as_text(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    assert "ErrorView" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    reference = response["content"]["application/json"]["schema"]["$ref"]
                    assert reference.endswith("/ErrorView"), (method, path, code)
            if path.startswith("/v1/") and not path.startswith("/v1/slack/"):
                assert {"401", "403"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(responses), (method, path)
    assert set(schema["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert "409" in schema["paths"]["/v1/runs/{run_id}/approvals"]["post"]["responses"]
