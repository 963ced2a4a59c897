"""Generating a generation's blue candidates: cheap, so it runs beside the workflow."""

from __future__ import annotations

import random

from temporalio import activity

from activities.gasi.evaluation import played_arena
from kaizen.v1.gasi_pb2 import GasiCandidatePool, GasiGenerateRequest


class GasiPoolActivities:
    @activity.defn
    async def generate_gasi_candidates(self, request: GasiGenerateRequest) -> GasiCandidatePool:
        """The champion's mutations and a few fresh candidates (the champion is not among them)."""
        played = played_arena(request.arena)
        rng = random.Random(f"{request.seed}:generate:{request.generation}")
        return GasiCandidatePool(
            candidates=played.generate_candidates(request.champion, max(0, request.count), rng)
        )
