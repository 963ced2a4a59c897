"""The LLM forge: the configured OpenAI-compatible model proposes adversaries aimed at the
champion, as JSON in the arena's own schema; the arena validates every proposal (its
bounds and its oracle's fairness rule) and only what it accepts joins the tournament.

Same client path as the RCA drafter (activities/llm/client.py): the official ``openai``
client, no retries inside it (Temporal owns retries of the activity). Tokens are what the
server reports in ``usage``; they are spent whether or not anything was kept. The model
never sees a secret: it is sent the arena's description, the champion's genome and a few
archived adversaries, all synthetic.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import openai
from openai import AsyncOpenAI
from temporalio import activity

from activities.llm.client import ModelConfig, model_config, open_client
from kaizen.gasi.arena import Arena, InvalidAdversary, TakesProposals
from kaizen.settings import Settings
from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate

PROMPT_VERSION: Final = "gasi-forge-1"
EXAMPLES: Final = 6
"""Archived adversaries shown to the model (the newest: they beat the champion's ancestors)."""
MAX_PROPOSALS_READ: Final = 64
SYSTEM: Final = (
    "You design adversarial test cases for a tournament. A blue candidate is judged against "
    "red adversaries by a real engine, and an independent oracle labels every adversary. "
    "Propose adversaries the champion is likely to get wrong, that the oracle still judges "
    "fair (clearly an incident or clearly noise, never borderline). Answer only in the JSON "
    "schema given: an object with an 'adversaries' list."
)


@dataclass
class LlmProposal:
    """What one call to the model gave: the valid adversaries and the accounting."""

    adversaries: list[GasiAdversary] = field(default_factory=list)
    tokens: int = 0
    proposed: int = 0
    invalid: int = 0
    problems: list[str] = field(default_factory=list)


def answer_schema(item: Mapping[str, Any], count: int) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["adversaries"],
        "properties": {"adversaries": {"type": "array", "items": item, "maxItems": count}},
    }


def prompt(played: Arena, champion: GasiCandidate, archive: Sequence[GasiAdversary],
           count: int) -> str:  # fmt: skip
    described = played.describe()
    return json.dumps(
        {
            "arena": {"name": described.name, "blue": described.blue, "red": described.red,
                      "oracle": described.oracle},
            "champion": {"summary": champion.summary, "genome": json.loads(champion.genome_json)},
            "archived_adversaries": [
                {"summary": a.summary, "genome": json.loads(a.genome_json)}
                for a in archive[-EXAMPLES:]
            ],
            "count": count,
        },
        separators=(",", ":"),
    )  # fmt: skip


class LlmAdversaryForge:
    def __init__(self, client: AsyncOpenAI, config: ModelConfig) -> None:
        self._client = client
        self._config = config

    @classmethod
    def from_settings(cls, settings: Settings | None) -> LlmAdversaryForge | None:
        """The forge when KAIZEN_LLM_BASE_URL and KAIZEN_LLM_MODEL are set, else None."""
        config = model_config(settings)
        if config is None or settings is None:
            return None
        return cls(open_client(config, settings.llm_api_key), config)

    async def propose(
        self,
        played: Arena,
        champion: GasiCandidate,
        archive: Sequence[GasiAdversary],
        count: int,
        seed: int,
    ) -> LlmProposal:
        """Up to ``count`` adversaries the arena accepts, not already archived."""
        if not isinstance(played, TakesProposals):
            raise InvalidAdversary(f"arena {played.name} takes no proposed adversaries")
        found = LlmProposal()
        try:
            response = await self._client.chat.completions.create(
                model=self._config.model,
                temperature=1,
                seed=seed,
                messages=[
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": prompt(played, champion, archive, count)},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": "gasi_adversaries",
                        "strict": True,
                        "schema": answer_schema(played.adversary_schema(), count),
                    },
                },  # fmt: skip
                timeout=self._config.timeout_seconds,
            )
        except openai.APIError as error:
            # The generation goes on with the arena's own forge; the reason is logged.
            found.problems.append(f"model error: {type(error).__name__}: {error}")
            activity.logger.warning("LLM forge: %s", found.problems[-1])
            return found
        if response.usage is not None:
            found.tokens = response.usage.total_tokens
        content = (response.choices[0].message.content if response.choices else None) or ""
        try:
            answer = json.loads(content)
            proposals = answer["adversaries"]
            if not isinstance(proposals, list):
                raise TypeError("adversaries is not a list")
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            # The whole answer is one proposal the arena could not read.
            found.proposed, found.invalid = 1, 1
            found.problems.append(f"answer is not the schema: {error}")
            return found
        known = {a.id for a in archive}
        for raw in proposals[:MAX_PROPOSALS_READ]:
            found.proposed += 1
            try:
                made = played.adversary_from_genome(raw)
            except (InvalidAdversary, KeyError, TypeError, ValueError) as error:
                found.invalid += 1
                found.problems.append(str(error))
                continue
            if made.id not in known and len(found.adversaries) < count:
                known.add(made.id)
                found.adversaries.append(made)
        if found.problems:
            activity.logger.info(
                "LLM forge: %d of %d proposals dropped: %s", found.invalid, found.proposed,
                "; ".join(found.problems[:5]),
            )  # fmt: skip
        return found


def shuffled_seed(seed: int, generation: int) -> int:
    """A per-generation seed for the model (servers that honour it repeat themselves)."""
    return random.Random(f"{seed}:llm:{generation}").randrange(2**31)
