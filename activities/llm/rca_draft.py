"""The LLM analyzer: the same evidence (ids and summaries) and the deterministic ranking go
to the model, which answers in a JSON schema; code, not the prompt, decides what stands.

Secrets-looking values in the evidence are replaced before anything is sent
(activities/llm/redact.py). The validator marks every claim that cites no evidence, or an
id the evidence does not have, as unsupported. An answer that is not the schema, or that
the validator flags, is sent back once with the errors, and the second answer is judged
as it is: flagged claims are kept, struck through and listed with the reason. The model
may not turn an undetermined analysis into a cause. A timeout, an error, an answer that
is still not the schema, or one with no supported claim falls back to the deterministic
draft, and says why. Tokens, latency and cost of every attempt are recorded either way.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Final

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from activities.llm.client import ModelConfig
from activities.llm.redact import redact
from activities.rca.draft import CAUSAL, SECTION_KEYS, check_claims
from kaizen.v1.rca_pb2 import AnalysisRequest, Claim, LlmAttempt, LlmUsage, RcaDocument

PROMPT_VERSION: Final = "rca-2"
ATTEMPTS: Final = 2
"""The first answer and one retry with the validator's errors; then what stands stands."""
MAX_PROBLEMS: Final = 10
MAX_EVIDENCE: Final = 150
CLAIM_TYPES: Final = ("observation", "inference", "causal")
SYSTEM: Final = (
    "You write the draft of a root-cause analysis for site reliability engineers. "
    "Use only the evidence given, each item with its id. Every claim must cite the ids of "
    "the evidence that supports it; a claim you cannot support with an id is not made. "
    "Say 'undetermined' when the evidence does not single out a cause, and name what is "
    "missing. Never invent owners, numbers or ids. Answer in the JSON schema given."
)
SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["undetermined", "sections"],
    "properties": {
        "undetermined": {"type": "boolean"},
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "claims"],
                "properties": {
                    "key": {"type": "string", "enum": sorted(SECTION_KEYS)},
                    "claims": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["text", "type", "evidence_ids"],
                            "properties": {
                                "text": {"type": "string"},
                                "type": {"type": "string", "enum": list(CLAIM_TYPES)},
                                "evidence_ids": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
}


RETRY: Final = (
    "Your answer was not accepted: {problems}. Answer again in the same JSON schema. "
    "Cite only ids from the evidence given; leave out a claim you cannot cite."
)


class InvalidAnswer(ValueError):
    """The model's answer is not the schema."""


def prompt(asked: AnalysisRequest) -> tuple[str, int]:
    """The user message, and how many secrets-looking values were taken out of it."""
    baseline = asked.baseline
    redactions = 0

    def summary(text: str) -> str:
        nonlocal redactions
        cleaned, found = redact(text[:300])
        redactions += found
        return cleaned

    content = json.dumps(
        {
            "incident": {
                "service": asked.request.service,
                "namespace": asked.request.namespace,
                "onset": baseline.onset.ToJsonString() if baseline.onset.seconds else None,
            },
            "evidence": [
                {"id": e.id, "kind": e.kind, "source": e.source, "summary": summary(e.summary)}
                for e in baseline.evidence[:MAX_EVIDENCE]
            ],
            "deterministic_ranking": [
                {
                    "category": h.category,
                    "subject": h.subject,
                    "confidence": h.confidence,
                    "supports": list(h.supports),
                    "contradicts": list(h.contradicts),
                }
                for h in baseline.hypotheses[:5]
            ],  # fmt: skip
            "undetermined": baseline.undetermined,
            "sections": sorted(SECTION_KEYS),
        },
        separators=(",", ":"),
    )
    return content, redactions


def parse(content: str) -> dict[str, Any]:
    """The answer as the schema says, or InvalidAnswer naming what is wrong."""
    try:
        answer = json.loads(content)
    except (TypeError, json.JSONDecodeError) as error:
        raise InvalidAnswer(f"not JSON: {error}") from error
    if not isinstance(answer, dict) or not isinstance(answer.get("sections"), list):
        raise InvalidAnswer("no sections")
    for section in answer["sections"]:
        if not isinstance(section, dict) or section.get("key") not in SECTION_KEYS:
            raise InvalidAnswer(f"unknown section {section!r:.80}")
        claims = section.get("claims")
        if not isinstance(claims, list):
            raise InvalidAnswer(f"section {section['key']} has no claims list")
        for claim in claims:
            if (
                not isinstance(claim, dict)
                or not isinstance(claim.get("text"), str)
                or claim.get("type") not in CLAIM_TYPES
                or not isinstance(claim.get("evidence_ids", []), list)
            ):
                raise InvalidAnswer(f"malformed claim {claim!r:.80}")
    return answer


def problems(answer: dict[str, Any], asked: AnalysisRequest) -> list[str]:
    """What the validator would flag in ``answer`` (empty: nothing), for the retry prompt."""
    known = {e.id for e in asked.baseline.evidence}
    found: list[str] = []
    for section in answer["sections"]:
        for raw in section["claims"]:
            claim = Claim(
                text=raw["text"], type=raw["type"],
                evidence_ids=[str(i) for i in raw.get("evidence_ids", [])],
            )  # fmt: skip
            validate(claim, known)
            if claim.unsupported:
                found.append(f"claim {claim.text[:80]!r} {claim.flag}")
    if asked.baseline.undetermined and not answer.get("undetermined", True):
        found.append("the evidence does not single out a cause: keep undetermined true")
    return found


def validate(claim: Claim, known: set[str]) -> None:
    """Flag a claim that cites nothing (unless a plain inference), or an unknown id."""
    unknown = [i for i in claim.evidence_ids if i not in known]
    needs_citation = claim.type in ("observation", "causal") or CAUSAL.search(claim.text)
    if unknown:
        claim.unsupported, claim.flag = True, f"cites unknown id {', '.join(unknown)}"
    elif not claim.evidence_ids and needs_citation:
        claim.unsupported, claim.flag = True, "cites no evidence"


@dataclass(frozen=True)
class Failure:
    """The model could not be asked (a timeout, an error): why."""

    reason: str


class LlmRcaDrafter:
    """Drafts through the model and checks the draft; falls back to the baseline."""

    def __init__(self, client: AsyncOpenAI, config: ModelConfig) -> None:
        self._client = client
        self._config = config

    async def draft(self, asked: AnalysisRequest) -> RcaDocument:
        usage = LlmUsage(
            model=self._config.model, base_url_host=self._config.host,
            prompt_version=PROMPT_VERSION,
        )  # fmt: skip
        started = time.monotonic()
        content, usage.redacted = prompt(asked)
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": content},
        ]
        problem = ""
        for _ in range(ATTEMPTS):
            attempt = usage.attempts.add()
            answered = await self._ask(messages, usage, attempt)
            if isinstance(answered, Failure):
                return self._fallback(asked, usage, started, answered.reason)
            try:
                answer = parse(answered)
            except InvalidAnswer as error:
                problem = attempt.problem = f"invalid output: {error}"
            else:
                found = problems(answer, asked)
                if not found or len(usage.attempts) == ATTEMPTS:
                    attempt.problem = "; ".join(found[:MAX_PROBLEMS])
                    return self._document(asked, answer, usage, started)
                problem = attempt.problem = "; ".join(found[:MAX_PROBLEMS])
            # Once more, with what was wrong: the model sees its answer and the errors.
            messages += [
                {"role": "assistant", "content": answered[:20000]},
                {"role": "user", "content": RETRY.format(problems=problem)},
            ]
        return self._fallback(asked, usage, started, f"{problem} (after a retry)")

    async def _ask(
        self, messages: list[ChatCompletionMessageParam], usage: LlmUsage, attempt: LlmAttempt
    ) -> str | Failure:
        """One call: the answer's text, or why there is none. Tokens add to ``usage``."""
        began = time.monotonic()
        try:
            response = await self._client.chat.completions.create(
                model=self._config.model,
                temperature=0,
                messages=messages,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "rca_draft", "strict": True, "schema": SCHEMA},
                },
                timeout=self._config.timeout_seconds,
            )
        except openai.APITimeoutError:
            attempt.problem = f"timeout after {self._config.timeout_seconds:g}s"
            return Failure(attempt.problem)
        except openai.APIError as error:
            attempt.problem = f"error: {type(error).__name__}: {error}"
            return Failure(attempt.problem)
        finally:
            attempt.latency_ms = int((time.monotonic() - began) * 1000)
        if response.usage is not None:
            attempt.prompt_tokens = response.usage.prompt_tokens
            attempt.completion_tokens = response.usage.completion_tokens
            attempt.total_tokens = response.usage.total_tokens
            usage.prompt_tokens += attempt.prompt_tokens
            usage.completion_tokens += attempt.completion_tokens
            usage.total_tokens += attempt.total_tokens
            usage.cost_usd = round(usage.total_tokens / 1000 * self._config.cost_per_1k_tokens, 6)
        return (response.choices[0].message.content if response.choices else None) or ""

    def _document(
        self, asked: AnalysisRequest, answer: dict[str, Any], usage: LlmUsage, started: float
    ) -> RcaDocument:
        document = RcaDocument()
        document.CopyFrom(asked.baseline)
        known = {e.id for e in document.evidence}
        by_key = {s.key: s for s in document.sections}
        supported = 0
        for written in answer["sections"]:
            section = by_key[written["key"]]
            del section.claims[:]
            for raw in written["claims"]:
                claim = Claim(
                    text=raw["text"][:2000], type=raw["type"],
                    evidence_ids=[str(i) for i in raw.get("evidence_ids", [])][:20],
                )  # fmt: skip
                validate(claim, known)
                if claim.unsupported:
                    usage.rejected.append(claim)
                else:
                    supported += 1
                section.claims.append(claim)
        if supported == 0:
            return self._fallback(asked, usage, started, "no supported claim in the answer")
        if asked.baseline.undetermined and not answer.get("undetermined", True):
            # The model may not make a cause out of evidence the analyzer found lacking.
            usage.rejected.append(
                Claim(text="the model named a cause the evidence does not single out",
                      type="causal", unsupported=True, flag="undetermined by the analyzer")
            )  # fmt: skip
        document.undetermined = asked.baseline.undetermined
        usage.verdict = "flagged" if usage.rejected else "valid"
        usage.latency_ms = int((time.monotonic() - started) * 1000)
        document.analyzer = "llm"
        document.analyzer_version = f"llm:{self._config.model}:{PROMPT_VERSION}"
        document.llm.CopyFrom(usage)
        check_claims(document)
        return document

    def _fallback(
        self, asked: AnalysisRequest, usage: LlmUsage, started: float, reason: str
    ) -> RcaDocument:
        document = RcaDocument()
        document.CopyFrom(asked.baseline)
        usage.verdict = "fallback"
        usage.fallback_reason = reason[:500]
        usage.latency_ms = int((time.monotonic() - started) * 1000)
        document.llm.CopyFrom(usage)
        return document
