"""Every Kaizen setting, read once from the environment (prefix ``KAIZEN_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Kaizen's configuration. Each field maps to ``KAIZEN_<FIELD>`` unless noted."""

    model_config = SettingsConfigDict(env_prefix="KAIZEN_", extra="ignore")

    home: Path = Path(".kaizen")
    """Where state lives: the Temporal and Kaizen databases, keys, logs, the kubeconfig."""

    tenant: str = "default"
    """Tenant name stamped on runs started through this deployment."""

    temporal_host: str = "127.0.0.1"
    """Interface the embedded Temporal dev server listens on."""
    temporal_port: int = 7233
    """gRPC port of the Temporal frontend."""
    temporal_ui_port: int = 8233
    """Port of the Temporal Web UI started by ``kaizen up``."""
    temporal_address: str | None = None
    """host:port of an external Temporal frontend; overrides host and port."""
    temporal_namespace: str = "default"
    """Temporal namespace every run lives in."""
    payload_encoding: Literal["json", "binary"] = "json"
    """How protobuf payloads are stored: JSON stays readable in the Web UI."""

    opa_port: int = 8181
    """Port of the embedded OPA server."""
    opa_url: str | None = None
    """Base URL of an external OPA server; overrides the embedded port."""
    policies_dir: Path = Path("policies")
    """Rego policies and data loaded into the embedded OPA."""
    opa_token: str | None = None
    """Bearer token Kaizen sends to OPA. ``kaizen up`` makes one (``KAIZEN_HOME/opa.token``,
    mode 0600) and starts the embedded OPA so that only its holder may use OPA's API."""

    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest request body the API reads; a larger one is answered 413 unread."""
    max_alertmanager_request_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    """Largest body of ``POST /v1/alerts/alertmanager`` (a group may hold many alerts)."""
    max_payload_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest encoded Temporal payload the API sends (a start, signal or update input).
    Below the Temporal server's own 2 MiB blob limit, so a refusal is a 422 naming the
    field, never the server's error."""

    rate_limit_per_key: float = Field(default=50.0, gt=0)
    """Requests per second one API key may make (a token bucket; bursts up to twice this)."""
    rate_limit_per_client: float = Field(default=20.0, gt=0)
    """Requests per second one client address may make without a valid key or signature
    (a token bucket; bursts up to twice this)."""
    rate_limit_failed_auth: float = Field(default=1.0, gt=0)
    """Failed authentications per second one client address may make (bursts of 10):
    limited hardest, so keys cannot be guessed."""

    api_host: str = "127.0.0.1"
    """Interface the API listens on."""
    api_port: int = 8000
    """Port of the API."""
    public_url: str | None = None
    """Base URL used in links to runs (defaults to the API address)."""

    database_url: str | None = None
    """SQLAlchemy URL of Kaizen's own database; defaults to SQLite under home."""

    worker_processes: int = Field(default=2, ge=1, le=64)
    """Worker processes ``kaizen up`` and ``kaizen worker`` supervise."""
    healing_task_queue: str = "kaizen-healing"
    """Task queue healing workflows and their activities run on."""
    promotion_task_queue: str = "kaizen-promotion"
    """Task queue promotion workflows and their activities run on."""
    gasi_task_queue: str = "kaizen-gasi"
    """Task queue GASI tournaments (the workflows and their cheap steps) run on."""
    gasi_evaluation_task_queue: str = "kaizen-gasi-evaluation"
    """Task queue of GASI's CPU-heavy phases (evaluate, forge, harden), so a tournament
    never takes the worker slots other kinds need."""
    gasi_engine_slots: int = Field(default=1, ge=1, le=16)
    """Engine processes (promtool, opa) one worker runs at once for GASI evaluation."""
    gasi_adoptions_dir: Path | None = None
    """Where adopting a GASI champion writes its file and diff (default KAIZEN_HOME/gasi)."""
    gasi_rules_file: Path | None = None
    """The rules file an adopted champion is diffed against (default: the repo's
    deploy/prometheus/kaizen-rules.yml)."""
    environments_dir: Path | None = None
    """Environments promotions move builds through (``*.toml``); defaults to the ones
    shipped in ``environments/``."""

    # -- policy rollouts (a fleet of OPA servers fed by Kaizen's bundle server) --------------
    policy_rollout_task_queue: str = "kaizen-policy-rollout"
    """Task queue policy rollout workflows and their activities run on."""
    policy_long_poll_seconds: int = Field(default=20, ge=0, le=300)
    """The longest the bundle server holds a node's request (OPA's ``Prefer: wait=N``)."""
    policy_fleets_dir: Path | None = None
    """Fleets of OPA nodes declared in files (``<fleet>.toml``), reconciled into the fleet
    registry when the API starts; unset, nodes are registered through the API only."""
    policy_fleet_nodes: int = Field(default=3, ge=0, le=16)
    """OPA nodes ``kaizen up`` starts as the local fleet ``local`` (0: none)."""
    policy_fleet_port: int = 8281
    """Port of the local fleet's first node; the others take the ports after it."""
    policy_decisions_keep: int = Field(default=100_000, ge=100)
    """Decisions recorded from the fleet's decision logs (the inputs previews replay) kept
    at most; the oldest go first."""
    policy_decisions_keep_hours: int = Field(default=48, ge=1)
    """Recorded decisions older than this are pruned."""

    run_timeout_minutes: int = Field(
        default=60,
        ge=1,
        validation_alias=AliasChoices("KAIZEN_RUN_TIMEOUT_MINUTES", "SELF_HEAL_RUN_TIMEOUT_MIN"),
    )
    """Watchdog: a run still going after this long is aborted and says why."""
    approval_timeout_seconds: int = Field(default=3600, ge=1)
    """How long an approval may stay pending before it is recorded as rejected."""
    window_recheck_seconds: int = Field(default=60, ge=1)
    """How often a run waiting for a change window re-checks the calendar."""

    healing_alert_resolution_seconds: int = Field(default=300, ge=1)
    """After a healthy verification, how long a healing run waits for the alerts that
    started or joined it to resolve; still firing after that, the run is not ``fixed``.
    Alertmanager sends a resolution at its next group interval (5 minutes by default)."""
    healing_backoff_seconds: int = Field(default=600, ge=0)
    """After a healing run that acted (or asked someone) ends, triggers for the same
    workload are held back this long instead of starting another (0 turns it off)."""
    learning_min_history: int = Field(default=5, ge=0)
    """Verified or rolled-back runs of a (service, diagnosis) needed before playbook
    choice trusts learning (Thompson sampling) over the catalog's static order."""

    playbooks_dir: Path | None = None
    """Healing playbook catalog; defaults to the one shipped in ``playbooks/healing``."""

    prometheus_url: str | None = None
    """Base URL of Prometheus: diagnosis reads signals from it, verification checks them."""
    prometheus_port: int = 9090
    """Port of the Prometheus ``kaizen up --kube local`` starts (its URL becomes the workers'
    ``KAIZEN_PROMETHEUS_URL``)."""
    alertmanager_port: int = 9093
    """Port of the Alertmanager ``kaizen up --kube local`` starts."""
    traffic_port: int = 9464
    """Port of the demo namespace's traffic simulator (``kaizen up --kube local``)."""

    alert_namespace_label: str = "namespace"
    """Alertmanager label that names the workload's namespace."""
    alert_workload_labels: list[str] = ["deployment", "replicaset", "pod", "service", "app"]
    """Alertmanager labels that may name the workload; the first one present wins
    (as JSON in the environment: KAIZEN_ALERT_WORKLOAD_LABELS='["deployment","app"]').
    ``deployment`` names the Deployment; ``replicaset`` and ``pod`` are resolved to the
    Deployment that owns them through the Kubernetes API; any other label is taken as a
    Deployment's name. ``exported_<label>`` is read before ``<label>`` (for this and the
    namespace label): Prometheus renames the series' own label so when the scrape target
    has one of the same name, and the target's names the exporter, not the workload."""
    alert_exporter_jobs: list[str] = ["kube-state-metrics", "kubelet", "node-exporter"]
    """Scrape jobs (the ``job`` label) of exporters that report on other objects: in their
    alerts ``service`` and ``app`` name the exporter, so only ``deployment``, ``replicaset``
    and ``pod`` may name the workload."""
    alert_default_severity: Literal["critical", "high", "medium", "low"] = "medium"
    """Severity of an alert without a ``severity`` label."""
    alert_deliveries_keep_days: int = Field(default=7, ge=1)
    """Webhook deliveries (``GET /v1/alerts/deliveries``) older than this are pruned."""
    alert_deliveries_keep_alerts: int = Field(default=50_000, ge=1000)
    """At most this many per-alert outcomes are kept; the oldest deliveries go first."""

    kubeconfig: Path | None = None
    """Kubeconfig the workers act with (and the API reads alerts' pods and Deployments with);
    else $KUBECONFIG, else in-cluster, else observe-only (and alerts mapped by labels only)."""

    tools_dir: Path | None = None
    """Cache of the pinned Temporal CLI and OPA binaries."""

    slack_bot_token: str | None = None
    """Bot token (xoxb-…) Kaizen posts approval requests with; unset means no Slack."""
    slack_signing_secret: str | None = None
    """Secret Slack signs event and interaction requests with; requests are verified against it."""
    slack_approval_channel: str | None = None
    """Channel approval requests go to. Prefer the channel id (C…): Slack accepts names for
    posting, but the history lookup that keeps a retried post from posting twice needs the id."""
    slack_api_url: str = "https://slack.com/api/"
    """Base URL of Slack's Web API (tests point it at a fake on loopback)."""
    slack_approve_reaction: str = "white_check_mark"
    """Reaction (emoji name, no colons) that approves a pending run."""
    slack_reject_reaction: str = "x"
    """Reaction (emoji name, no colons) that rejects a pending run."""
    slack_channel_overrides: dict[str, str] = {}
    """Channels by run instead of the approval channel; the first key present wins:
    ``namespace/service``, ``service``, ``risk:<risk>`` (as JSON in the environment:
    KAIZEN_SLACK_CHANNEL_OVERRIDES='{"shop/checkout": "C0SHOP", "risk:high": "C0ONCALL"}')."""

    # -- RCA (root-cause analysis runs) ------------------------------------------------------
    rca_task_queue: str = "kaizen-rca"
    """Task queue RCA workflows and their activities run on."""
    rca_run_timeout_hours: int = Field(default=168, ge=1)
    """Watchdog of an RCA run, review included: unreviewed after this long, it is abandoned
    (after escalating) and says why."""
    rca_review_deadline_seconds: int = Field(default=0, ge=0)
    """A cap on policy's review deadline (0: policy's deadline by severity alone)."""
    rca_on_alert_resolution: bool = True
    """A resolved Alertmanager alert starts the RCA of its incident (once per incident)."""
    rca_on_healing_end: bool = True
    """A healing run that ends starts (or joins) the RCA of its incident, once."""
    loki_url: str | None = None
    """Base URL of Loki: the RCA reads the service's log lines there instead of live pods'."""
    loki_token: str | None = None
    """A bearer token for Loki, if it wants one."""
    loki_line_limit: int = Field(default=500, ge=1, le=5000)
    """The most log lines one RCA reads from Loki (newest first)."""
    loki_service_label: str = Field(default="app", pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    """The Loki stream label naming the service (the namespace is ``namespace``)."""
    llm_base_url: str | None = None
    """An OpenAI-compatible endpoint (``…/v1``) for the LLM analyzer; unset: deterministic only."""
    llm_model: str | None = None
    """The model the LLM analyzer asks; both this and the base URL are needed to use it."""
    llm_api_key: str | None = None
    """Sent as the bearer token to the LLM endpoint (many local servers need none)."""
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    """An answer slower than this falls back to the deterministic draft."""
    llm_cost_per_1k_tokens: float = Field(default=0.0, ge=0)
    """Price used to record a run's LLM cost (USD per 1,000 tokens, prompt and completion)."""

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"{self.temporal_host}:{self.temporal_port}"

    @property
    def opa_base_url(self) -> str:
        return self.opa_url or f"http://127.0.0.1:{self.opa_port}"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home.resolve() / 'kaizen.db'}"

    @property
    def api_base_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def environments_directory(self) -> Path:
        from kaizen.catalog.environments import DEFAULT_DIR

        return self.environments_dir or DEFAULT_DIR

    @property
    def catalog_dir(self) -> Path:
        from kaizen.catalog.playbooks import DEFAULT_DIR

        return self.playbooks_dir or DEFAULT_DIR

    @property
    def admin_key_path(self) -> Path:
        return self.home / "admin.key"

    @cached_property
    def resolved_tools_dir(self) -> Path:
        if self.tools_dir is not None:
            return self.tools_dir
        return Path.home() / ".cache" / "kaizen" / "tools"
