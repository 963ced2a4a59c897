"""Prometheus metrics the API exports on /metrics."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Histogram

REQUESTS: Final = Counter(
    "kaizen_api_requests_total", "API requests by route and status", ["method", "route", "status"]
)
LATENCY: Final = Histogram("kaizen_api_request_seconds", "API request latency", ["method", "route"])
RUNS_STARTED: Final = Counter(
    "kaizen_runs_started_total", "Runs started or joined through the API", ["kind", "joined"]
)
APPROVAL_VOTES: Final = Counter(
    "kaizen_approval_votes_total", "Approval votes by outcome", ["source", "outcome"]
)
EDGE_REFUSALS: Final = Counter(
    "kaizen_api_refusals_total",
    "Requests the API's edge refused before any route saw them",
    ["reason"],
)
SCHEDULE_CHANGES: Final = Counter(
    "kaizen_schedule_changes_total",
    "Changes made to schedules through the API (created, paused, triggered …)",
    ["action"],
)
FREEZE_CHANGES: Final = Counter(
    "kaizen_freeze_changes_total", "Freezes created, lifted and exemptions made", ["change"]
)
CHANGE_WINDOWS: Final = Counter(
    "kaizen_change_windows_total", "Change windows opened or closed by operators", ["action"]
)


SCHEDULER_DECISIONS: Final = Counter(
    "kaizen_healing_scheduler_decisions_total",
    "What the healing scheduler did with a trigger: proposal, join, backoff, skip",
    ["decision"],
)
SLACK_VOTES: Final = Counter(
    "kaizen_slack_votes_total",
    "Slack reactions and button presses by outcome (accepted, or why they were refused)",
    ["outcome"],
)
