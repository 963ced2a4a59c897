"""The deterministic analyzer: evidence in, a cited draft out; no network, no clock."""

from __future__ import annotations

from typing import Final

from activities.rca.draft import check_claims, draft
from activities.rca.evidence import bundle_hash, normalize
from activities.rca.rules import RULES_VERSION, rank
from activities.rca.signals import extract
from kaizen.v1.rca_pb2 import EvidenceBundle, RcaDocument, RcaRequest

ANALYZER_VERSION: Final = f"deterministic-{RULES_VERSION}"


def analyze(request: RcaRequest, bundle: EvidenceBundle) -> RcaDocument:
    """Rank the causes the evidence supports and draft the postmortem; the same request and
    bundle give a byte-identical document."""
    normalized = normalize(bundle)
    facts = extract(request, normalized)
    ranking = rank(facts)
    document = draft(request, facts, ranking)
    document.missing.extend(normalized.missing)
    document.analyzer = "deterministic"
    document.analyzer_version = ANALYZER_VERSION
    document.bundle_hash = bundle_hash(normalized)
    check_claims(document)
    return document
