"""The LLM analyzer behind the real ``openai`` client, against a fake OpenAI-compatible
server on loopback: a valid answer, uncited claims flagged, an invalid answer retried once
with the validator's errors, garbage and a timeout falling back to the deterministic
draft, secrets redacted before they are sent, tokens and cost of every attempt recorded;
and in a run, end to end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from temporalio.client import Client

from activities.llm.client import ModelConfig, model_config, open_client
from activities.llm.rca_draft import LlmRcaDrafter
from activities.rca.analyzer import analyze
from activities.rca.evaluate import DEFAULT_DIR, load_fixture
from kaizen.settings import Settings
from kaizen.v1.rca_pb2 import AnalysisRequest, LogLine
from tests.conftest import Keys, run_worker
from tests.fake_llm import FakeLlm
from tests.rca.conftest import api_for, fixture_body


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with FakeLlm() as fake:
        yield fake


SECRETS = (
    "db connect failed DB_PASSWORD=hunter2-prod retrying",
    "upstream 401 with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3ZWIifQ.c2ln",
    "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG' api_key: sk-live-0123456789abcdefghij",
    "fetching postgres://app:s3cr3t-pw@db.shop:5432/orders",
)


def asked(*extra_logs: str) -> AnalysisRequest:
    f = load_fixture(DEFAULT_DIR / "F01-bad-deploy-5xx.json")
    if extra_logs:
        last = max(line.at.ToDatetime() for line in f.evidence.logs)
        for n, text in enumerate(extra_logs):
            line = LogLine(pod="checkout-7f9c-x", line=text, source="kubernetes")
            line.at.FromDatetime(last - timedelta(seconds=n))
            f.evidence.logs.append(line)
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
    assert document.llm.fallback_reason.endswith("(after a retry)")
    assert document.llm.total_tokens == 3000  # both attempts' cost is recorded anyway
    assert [a.total_tokens for a in document.llm.attempts] == [1500, 1500]
    assert list(document.sections) == list(request.baseline.sections)


async def test_an_answer_outside_the_schema_is_retried_once_with_the_error(
    fake_llm: FakeLlm,
) -> None:
    fake_llm.mode = "garbage_once"
    document = await drafter(fake_llm).draft(asked())
    assert document.analyzer == "llm" and document.llm.verdict == "valid"
    first, second = document.llm.attempts
    assert first.problem.startswith("invalid output: not JSON") and second.problem == ""
    assert document.llm.total_tokens == 3000 and document.llm.prompt_tokens == 2400
    assert document.llm.cost_usd == pytest.approx(0.006)
    retry = fake_llm.requests[1]["messages"]
    assert retry[:2] == fake_llm.requests[0]["messages"]
    assert retry[2] == {"role": "assistant", "content": "I think it was probably DNS."}
    assert retry[3]["role"] == "user" and "not JSON" in retry[3]["content"]


async def test_a_claim_citing_an_unknown_id_is_sent_back_once(fake_llm: FakeLlm) -> None:
    fake_llm.mode = "unknown_once"
    document = await drafter(fake_llm).draft(asked())
    assert document.llm.verdict == "valid" and document.unsupported_claims == 0
    assert document.llm.attempts[0].problem == (
        "claim 'The image change preceded the errors.' cites unknown id chg-made-up"
    )
    assert "cites unknown id chg-made-up" in fake_llm.requests[1]["messages"][3]["content"]
    assert len(fake_llm.requests) == 2


async def test_a_second_invalid_answer_is_judged_as_it_is(fake_llm: FakeLlm) -> None:
    fake_llm.mode = "uncited"
    document = await drafter(fake_llm).draft(asked())
    assert len(fake_llm.requests) == 2  # one retry, never more
    assert document.llm.verdict == "flagged" and len(document.llm.attempts) == 2
    assert "cites no evidence" in document.llm.attempts[1].problem


async def test_secrets_in_the_evidence_are_redacted_before_they_are_sent(
    fake_llm: FakeLlm,
) -> None:
    request = asked(*SECRETS)
    shown = " ".join(e.summary for e in request.baseline.evidence)
    assert "hunter2-prod" in shown  # the analyzer saw them: the model must not
    document = await drafter(fake_llm).draft(request)
    sent = json.dumps(fake_llm.requests[0])
    for secret in ("hunter2-prod", "eyJhbGciOiJIUzI1NiJ9", "wJalrXUtnFEMI", "sk-live-0123",
                   "s3cr3t-pw"):  # fmt: skip
        assert secret not in sent, secret
    assert "DB_PASSWORD=[REDACTED]" in sent and "Bearer [REDACTED]" in sent
    assert "postgres://app:[REDACTED]@db.shop" in sent
    assert "checkout" in sent and "registry.local" in sent  # the rest goes as it was
    assert document.llm.redacted >= 5


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
