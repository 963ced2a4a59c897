"""The LLM analyzer behind the real ``openai`` client, against a fake OpenAI-compatible
server on loopback: a valid answer, uncited claims flagged, garbage and a timeout falling
back to the deterministic draft, tokens and cost recorded; and in a run, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from temporalio.client import Client

from activities.llm.client import ModelConfig, model_config, open_client
from activities.llm.rca_draft import LlmRcaDrafter
from activities.rca.analyzer import analyze
from activities.rca.evaluate import DEFAULT_DIR, load_fixture
from kaizen.settings import Settings
from kaizen.v1.rca_pb2 import AnalysisRequest
from tests.conftest import Keys, run_worker
from tests.fake_llm import FakeLlm
from tests.rca.conftest import api_for, fixture_body


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with FakeLlm() as fake:
        yield fake


def asked() -> AnalysisRequest:
    f = load_fixture(DEFAULT_DIR / "F01-bad-deploy-5xx.json")
    return AnalysisRequest(
        request=f.request, bundle=f.evidence, baseline=analyze(f.request, f.evidence)
    )


def drafter(fake: FakeLlm, timeout: float = 5.0) -> LlmRcaDrafter:
    config = ModelConfig(base_url=fake.base_url, model="fake-1", timeout_seconds=timeout,
                         cost_per_1k_tokens=0.002)  # fmt: skip
    return LlmRcaDrafter(open_client(config, api_key=None), config)


async def test_a_valid_answer_is_the_draft(fake_llm: FakeLlm) -> None:
    document = await drafter(fake_llm).draft(asked())
    assert document.analyzer == "llm" and document.llm.verdict == "valid"
    assert document.llm.total_tokens == 1500 and document.llm.cost_usd == pytest.approx(0.003)
    summary = next(s for s in document.sections if s.key == "summary")
    assert [c.text for c in summary.claims][0] == "The image change preceded the errors."
    assert document.unsupported_claims == 0
    sent = fake_llm.requests[0]
    assert sent["temperature"] == 0 and sent["response_format"]["type"] == "json_schema"
    assert sent["model"] == "fake-1"


async def test_uncited_and_unknown_claims_are_flagged(fake_llm: FakeLlm) -> None:
    fake_llm.mode = "uncited"
    document = await drafter(fake_llm).draft(asked())
    assert document.llm.verdict == "flagged"
    flags = {c.text: c.flag for c in document.llm.rejected}
    assert flags["It was caused by a bad cache."] == "cites no evidence"
    assert flags["The database was slow."] == "cites unknown id ev-made-up"
    assert document.unsupported_claims == 2
    summary = next(s for s in document.sections if s.key == "summary")
    assert [c.unsupported for c in summary.claims] == [False, False, True, True]


async def test_garbage_falls_back_to_the_deterministic_draft(fake_llm: FakeLlm) -> None:
    fake_llm.mode = "garbage"
    request = asked()
    document = await drafter(fake_llm).draft(request)
    assert document.analyzer == "deterministic" and document.llm.verdict == "fallback"
    assert document.llm.fallback_reason.startswith("invalid output: not JSON")
    assert document.llm.total_tokens == 1500  # what it cost is recorded anyway
    assert list(document.sections) == list(request.baseline.sections)


async def test_a_timeout_falls_back(fake_llm: FakeLlm) -> None:
    fake_llm.mode, fake_llm.delay = "slow", 3.0
    document = await drafter(fake_llm, timeout=0.5).draft(asked())
    assert document.analyzer == "deterministic" and document.llm.verdict == "fallback"
    assert document.llm.fallback_reason == "timeout after 0.5s"


def test_the_model_is_used_only_when_configured() -> None:
    assert model_config(Settings(llm_base_url="http://x/v1")) is None
    assert model_config(Settings(llm_model="m")) is None
    assert model_config(Settings(llm_base_url="http://x/v1", llm_model="m")) is not None


async def test_a_run_drafts_with_the_model(
    settings: Settings, fake_llm: FakeLlm, keys: Keys, client: Client
) -> None:
    with_model = settings.model_copy(
        update={"llm_base_url": fake_llm.base_url, "llm_model": "fake-1"}
    )
    async with run_worker(with_model), api_for(with_model) as api:
        body = fixture_body("F01-bad-deploy-5xx", inline_only=True, incident_key="llm")
        reply = await api.post("/v1/rca-runs", json=body, headers=Keys.header(keys.operator))
        assert reply.status_code == 202, reply.text
        rca_id = reply.json()["id"]
        shown: dict[str, object] = {}
        for _ in range(100):
            got = await api.get(f"/v1/rcas/{rca_id}", headers=Keys.header(keys.viewer))
            if got.status_code == 200 and got.json()["status"] == "in_review":
                shown = got.json()
                break
            await asyncio.sleep(0.3)
        document = shown["document"]
        assert isinstance(document, dict)
        assert document["analyzer"] == "llm" and document["llm"]["total_tokens"] == 1500
        markdown = await api.get(
            f"/v1/rcas/{rca_id}", headers={**Keys.header(keys.viewer), "Accept": "text/markdown"}
        )
        assert "LLM: valid" in markdown.text
        await client.get_workflow_handle(rca_id).terminate("test over")
