"""The healing control surface: modes, what learning has learned, scheduler counts, focus."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

import aiohttp
from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from opa_client.errors import RegoParseError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from activities.opa.client import PolicyClient
from activities.opa.modes import MODES_DATA_PATH, push_modes
from api.alertmanager import SOURCE as ALERTMANAGER
from api.deps import Admin, ClientDep, EngineDep, SessionDep, SettingsDep, Viewer
from api.run_views import web_ui_url
from api.schemas import (
    K8S_NAME,
    FocusItemView,
    FocusView,
    HealingModeChange,
    HealingModesView,
    HealingModeView,
    LearningView,
    SchedulerCountersView,
    SchedulerCountsView,
    SuccessRateView,
)
from kaizen.persistence.db import session_scope
from kaizen.persistence.healing_modes import (
    DEFAULT_MODE,
    HealingMode,
    all_modes,
    as_policy_data,
    mode_key,
    set_mode,
)
from kaizen.persistence.learning import success_rates
from kaizen.persistence.scheduler import SchedulerEvent, latest_alert_states, totals
from kaizen.settings import Settings
from kaizen.temporal.search_attributes import KAIZEN_PHASE, KAIZEN_RISK, KAIZEN_SERVICE
from workflows.healing.workflow import KIND

log = logging.getLogger("kaizen.api")

router = APIRouter(prefix="/v1/healing", tags=["healing"])

# What a refused or unreachable OPA raises through opa-python-client.
OPA_FAILURES: Final = (aiohttp.ClientError, TimeoutError, RegoParseError)
PERIODS: Final = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}
SEVERITY_RANK: Final = {"critical": 4, "high": 3, "medium": 2, "low": 1}
# Running healing runs are bounded by workloads x symptoms; more than this is an incident
# of its own, and the view then shows the newest.
FOCUS_LIMIT: Final = 500

NamespaceName = Annotated[str, Path(pattern=K8S_NAME, description="Kubernetes namespace")]
ServiceName = Annotated[str, Path(pattern=K8S_NAME, description="Deployment (workload) name")]


def get_policy(request: Request) -> PolicyClient:
    policy: PolicyClient = request.app.state.policy
    return policy


PolicyDep = Annotated[PolicyClient, Depends(get_policy)]


@router.put("/modes/{namespace}/{service}")
async def set_healing_mode(
    namespace: NamespaceName,
    service: ServiceName,
    body: HealingModeChange,
    principal: Admin,
    settings: SettingsDep,
    engine: EngineDep,
    policy: PolicyDep,
    request: Request,
) -> HealingModeView:
    """Set a service's healing mode; OPA takes it in the same call or nothing changes (503)."""
    # Read, push, write under one lock, so two changes cannot push stale maps over each other.
    async with request.app.state.modes_lock:
        stored = await asyncio.to_thread(_policy_data, engine)
        wanted = {**stored, mode_key(namespace, service): body.mode}
        # OPA first: a refused push leaves the database untouched, so nothing is half-written.
        try:
            await policy.put_data(MODES_DATA_PATH, wanted)
        except OPA_FAILURES as error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"OPA at {settings.opa_base_url} did not take the mode, so nothing changed: "
                f"{type(error).__name__}: {error}",
            ) from error
        try:
            return await asyncio.to_thread(
                _store_mode, engine, namespace, service, body.mode, principal.name
            )
        except Exception:
            # OPA must not keep a mode the database (the durable record) does not have.
            await push_modes_or_warn(policy, engine)
            raise


@router.get("/modes")
def list_healing_modes(_principal: Viewer, session: SessionDep) -> HealingModesView:
    """Every service's mode that an admin set; all others are in the default mode."""
    return HealingModesView(default=DEFAULT_MODE, modes=[_mode_view(m) for m in all_modes(session)])


@router.get("/learning")
def learning(_principal: Viewer, session: SessionDep, settings: SettingsDep) -> LearningView:
    """Success rates (verified against rolled back) by playbook and by service, 24h and 7d."""
    now = datetime.now(UTC)

    def rates(by: str) -> dict[str, list[SuccessRateView]]:
        return {
            period: [
                SuccessRateView(
                    name=row.key,
                    runs=row.runs,
                    successes=row.successes,
                    failures=row.failures,
                    success_rate=row.success_rate,
                )
                for row in success_rates(session, tenant=settings.tenant, since=now - span, by=by)
            ]
            for period, span in PERIODS.items()
        }

    return LearningView(by_playbook=rates("playbook"), by_service=rates("service"))


@router.get("/scheduler-counters")
def scheduler_counters(
    _principal: Viewer, session: SessionDep, settings: SettingsDep
) -> SchedulerCountersView:
    """What the scheduler did with triggers: proposals, joins, backoffs, skips."""

    def counts(since: datetime | None) -> SchedulerCountsView:
        found = totals(session, tenant=settings.tenant, since=since)
        return SchedulerCountsView(
            proposals=found["proposal"],
            joins=found["join"],
            backoffs=found["backoff"],
            skips=found["skip"],
        )

    return SchedulerCountersView(
        total=counts(None), last_24h=counts(datetime.now(UTC) - PERIODS["24h"])
    )


@router.get("/focus")
async def focus(
    _principal: Viewer, client: ClientDep, settings: SettingsDep, engine: EngineDep
) -> FocusView:
    """Services in distress now: running healing runs and alerts firing without one."""
    running = await _running(client, settings)
    waiting = await asyncio.to_thread(
        _firing_without_run, engine, settings, {item.id for item in running}
    )
    latest = datetime.max.replace(tzinfo=UTC)
    ordered = sorted(
        running + waiting,
        key=lambda item: (-SEVERITY_RANK.get(item.severity, 0), item.started_at or latest),
    )
    return FocusView(services=ordered)


async def push_modes_or_warn(policy: PolicyClient, engine: Engine) -> None:
    """Push the stored modes; an OPA that is down now gets them from the next policy decision."""
    try:
        await push_modes(policy, engine)
    except OPA_FAILURES as error:
        log.warning("could not push healing modes to OPA (%s: %s)", type(error).__name__, error)


async def _running(client: Client, settings: Settings) -> list[FocusItemView]:
    query = (
        f'KaizenKind = "{KIND}" AND ExecutionStatus = "Running"'
        f' AND KaizenTenant = "{settings.tenant}"'
    )
    items: list[FocusItemView] = []
    async for execution in client.list_workflows(query, limit=FOCUS_LIMIT):
        memo = await execution.memo()
        attributes = execution.typed_search_attributes
        items.append(
            FocusItemView(
                state="running",
                id=execution.id,
                run_id=execution.run_id,
                namespace=str(memo.get("namespace", "")),
                service=attributes.get(KAIZEN_SERVICE) or "",
                symptom=str(memo.get("symptom", "")),
                severity=str(memo.get("severity", "")),
                phase=attributes.get(KAIZEN_PHASE) or "",
                risk=attributes.get(KAIZEN_RISK) or "",
                started_at=execution.start_time,
                web_ui_url=web_ui_url(settings, execution.id, execution.run_id),
            )
        )
    return items


def _firing_without_run(
    engine: Engine, settings: Settings, running: set[str]
) -> list[FocusItemView]:
    """Keys whose Alertmanager alert still fires while no run works on them (e.g. backoff).

    Only Alertmanager's alerts count: an API trigger has no resolution that would
    ever clear it.
    """
    since = datetime.now(UTC) - PERIODS["24h"]
    prefix = f"{KIND}:{settings.tenant}:"
    with Session(engine) as session:
        states = latest_alert_states(session, tenant=settings.tenant, since=since)
        keys = [
            key
            for key, state in states.items()
            if state == "firing" and key.startswith(prefix) and key not in running
        ]
        if not keys:
            return []
        events = session.exec(
            select(SchedulerEvent)
            .where(
                SchedulerEvent.tenant == settings.tenant,
                SchedulerEvent.at >= since,
                SchedulerEvent.source == ALERTMANAGER,
                col(SchedulerEvent.business_key).in_(keys),
                col(SchedulerEvent.alert_status).in_(["firing", "resolved"]),
            )
            .order_by(col(SchedulerEvent.id))
        ).all()
    # The current firing streak of each key: its first event and its latest.
    streaks: dict[str, tuple[SchedulerEvent, SchedulerEvent]] = {}
    for event in events:
        if event.alert_status == "resolved":
            streaks.pop(event.business_key, None)
        else:
            first = streaks.get(event.business_key, (event, event))[0]
            streaks[event.business_key] = (first, event)
    items: list[FocusItemView] = []
    for key, (first, last) in streaks.items():
        # Keys are per workload (namespace:service); older ones also named the symptom.
        namespace, service, *symptom = key.removeprefix(prefix).split(":", 2)
        items.append(
            FocusItemView(
                state="firing_without_run",
                id=key,
                run_id="",
                namespace=namespace,
                service=service,
                symptom=symptom[0] if symptom else "",
                severity=last.severity,
                phase="",
                risk="",
                started_at=_utc(first.at),
                reason=last.reason,
                web_ui_url=web_ui_url(settings, key, None),
            )
        )
    return items


def _policy_data(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return as_policy_data(all_modes(session))


def _store_mode(
    engine: Engine, namespace: str, service: str, mode: str, by: str
) -> HealingModeView:
    with session_scope(engine) as session:
        row = set_mode(session, namespace=namespace, service=service, mode=mode, by=by)
        session.flush()
        return _mode_view(row)


def _mode_view(row: HealingMode) -> HealingModeView:
    return HealingModeView(
        namespace=row.namespace,
        service=row.service,
        mode=row.mode,
        set_by=row.set_by,
        set_at=_utc(row.set_at),
    )


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; Kaizen stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
