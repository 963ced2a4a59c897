"""A healing run that ends starts its incident's RCA, once (workflows/healing calls this).

Activities never start workflows, except through an explicit, named child or signal.
This is that exception, and it is named: a Signal-With-Start of the RCA's ``trigger``
signal through the run-kind registry's shared join-or-start. The incident is the one an
alert's resolution would name (``rca:<tenant>:<ns>:<service>:alert-<fingerprint>-<start>``,
the window from Kaizen's records of the alert that started the run), so whichever comes
first starts the RCA and the other joins it; an ended RCA holds every later trigger back.
A run no alert started is its own incident (``…:healing-<digest>-<start>``), as
``POST /v1/rca-runs {"healing_run"}`` names it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from kaizen.kinds.base import StartContext
from kaizen.kinds.join import join_or_start
from kaizen.kinds.rca import RCA
from kaizen.kinds.start import run_trigger
from kaizen.persistence.rca import AROUND, alert_window
from kaizen.settings import Settings
from kaizen.v1.common_pb2 import Severity
from kaizen.v1.rca_pb2 import RcaRequest, RcaStarted

SOURCE: Final = "healing"
MAX_RUN_WINDOW: Final = timedelta(hours=22)


class RcaTriggerActivities:
    """Receives the database (Kaizen's alert records) and settings (tenant, limits, the
    switch); the Temporal client is the worker's own."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    @activity.defn
    async def start_incident_rca(self, asked: RcaRequest) -> RcaStarted:
        """Start or join the RCA of the incident a healing run answered.

        ``asked`` names the service, the run and the fingerprint of the alert that started
        it (if any); the window and the incident key are derived here. A retry after a
        lost answer reaches the same RCA as a second trigger, never a second RCA.
        """
        if not self._settings.rca_on_healing_end:
            return RcaStarted(decision="off")
        fields: dict[str, object] = {
            "service": asked.service,
            "namespace": asked.namespace,
            "healing_run": asked.healing_run,
            "title": asked.title or f"healing run on {asked.service} ended",
            "severity": Severity.Name(asked.severity).removeprefix("SEVERITY_").lower()
            if asked.severity
            else "medium",
        }
        window = None
        if asked.alert_fingerprint:
            window = await asyncio.to_thread(self._alert_window, asked.alert_fingerprint)
        if window is not None:
            fields["alert_fingerprint"] = asked.alert_fingerprint
        else:
            window = await self._run_window(asked.healing_run)
        fields["window_start"], fields["window_end"] = (at.isoformat() for at in window)
        context = StartContext(settings=self._settings, requested_by="kaizen", source=SOURCE)
        request = RCA.build_input(fields, context)
        scheduled = await join_or_start(
            activity.client(),
            run_trigger(RCA, request, RCA.notice(request, context), context),
            payload_limit=self._settings.max_payload_bytes,
            holds_back=RCA.holds_back,
        )
        return RcaStarted(rca_id=scheduled.workflow_id, decision=scheduled.decision)

    def _alert_window(self, fingerprint: str) -> tuple[datetime, datetime] | None:
        with Session(self._engine) as session:
            return alert_window(session, self._settings.tenant, fingerprint)

    async def _run_window(self, healing_run: str) -> tuple[datetime, datetime]:
        """The run's own start (an hour before it) to now, as the API derives it."""
        described = await activity.client().get_workflow_handle(healing_run).describe()
        started = described.start_time or datetime.now(UTC)
        return started - AROUND, min(datetime.now(UTC), started + MAX_RUN_WINDOW)
