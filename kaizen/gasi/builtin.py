"""The arenas Kaizen ships, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from kaizen.gasi.alert_rule.arena import NAME as ALERT_RULE
from kaizen.gasi.alert_rule.arena import AlertRuleArena
from kaizen.gasi.opa_threshold.arena import NAME as OPA_THRESHOLD
from kaizen.gasi.opa_threshold.arena import OpaThresholdArena

if TYPE_CHECKING:
    from kaizen.gasi.arena import Arena

ARENAS: Final[dict[str, Callable[[], Arena]]] = {
    ALERT_RULE: AlertRuleArena,
    OPA_THRESHOLD: OpaThresholdArena,
}
