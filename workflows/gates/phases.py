"""Phase names shared by every run kind (what the status query and search attribute show)."""

from typing import Final

STARTING: Final = "starting"
AWAITING_CHANGE_WINDOW: Final = "awaiting_change_window"
AWAITING_APPROVAL: Final = "awaiting_approval"
COMPLETED: Final = "completed"
ABORTED: Final = "aborted"
CANCELLED: Final = "cancelled"
