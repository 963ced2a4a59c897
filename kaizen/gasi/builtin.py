"""The arenas Kaizen ships, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from kaizen.gasi.alert_rule.arena import NAME as ALERT_RULE
from kaizen.gasi.alert_rule.arena import AlertRuleArena

if TYPE_CHECKING:
    from kaizen.gasi.arena import Arena

ARENAS: Final[dict[str, Callable[[], Arena]]] = {ALERT_RULE: AlertRuleArena}
