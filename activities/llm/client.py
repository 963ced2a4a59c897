"""The model client, built from settings: the official ``openai`` client, any base URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from openai import AsyncOpenAI

from kaizen.settings import Settings


@dataclass(frozen=True)
class ModelConfig:
    base_url: str
    model: str
    timeout_seconds: float
    cost_per_1k_tokens: float = 0.0

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


def model_config(settings: Settings | None) -> ModelConfig | None:
    """The configured model, or None (both KAIZEN_LLM_BASE_URL and KAIZEN_LLM_MODEL needed)."""
    if settings is None or not settings.llm_base_url or not settings.llm_model:
        return None
    return ModelConfig(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        timeout_seconds=settings.llm_timeout_seconds,
        cost_per_1k_tokens=settings.llm_cost_per_1k_tokens,
    )


def open_client(config: ModelConfig, api_key: str | None) -> AsyncOpenAI:
    # No retries inside the client: a slow or failing model falls back to the deterministic
    # draft at once, and Temporal owns retries of the activity itself.
    return AsyncOpenAI(
        base_url=config.base_url,
        api_key=api_key or "unused",
        timeout=config.timeout_seconds,
        max_retries=0,
    )
