"""The analyzers as activities: the deterministic one always, the LLM one when configured."""

from __future__ import annotations

import asyncio
from typing import Protocol

from temporalio import activity

from activities.llm.client import model_config, open_client
from activities.llm.rca_draft import LlmRcaDrafter
from activities.rca.analyzer import analyze
from kaizen.settings import Settings
from kaizen.v1.rca_pb2 import AnalysisRequest, LlmUsage, RcaDocument


class DraftModel(Protocol):
    """An analyzer that drafts from evidence and the deterministic baseline (activities/llm)."""

    async def draft(self, asked: AnalysisRequest) -> RcaDocument: ...


class RcaAnalysisActivities:
    """``llm`` is None when no model is configured: the deterministic draft stands."""

    def __init__(self, llm: DraftModel | None = None) -> None:
        self._llm = llm

    @classmethod
    def from_settings(cls, settings: Settings | None) -> RcaAnalysisActivities:
        """With the LLM analyzer when KAIZEN_LLM_BASE_URL and KAIZEN_LLM_MODEL are set."""
        config = model_config(settings)
        if config is None or settings is None:
            return cls()
        return cls(LlmRcaDrafter(open_client(config, settings.llm_api_key), config))

    @activity.defn
    async def analyze_incident(self, asked: AnalysisRequest) -> RcaDocument:
        """Rank causes and draft the postmortem from the evidence, deterministically."""
        # Pure CPU work, off the event loop so heartbeats and other activities go on.
        return await asyncio.to_thread(analyze, asked.request, asked.bundle)

    @activity.defn
    async def draft_with_llm(self, asked: AnalysisRequest) -> RcaDocument:
        """The LLM's draft, checked claim by claim; the baseline when there is no model or its
        answer cannot be used (the fallback is recorded on the document)."""
        if self._llm is None:
            document = RcaDocument()
            document.CopyFrom(asked.baseline)
            document.llm.CopyFrom(LlmUsage(verdict="off"))
            return document
        return await self._llm.draft(asked)
