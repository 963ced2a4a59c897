"""Slack's Web API client as Kaizen configures it, and Slack failures as Temporal failures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Final, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.exceptions import ApplicationError

from kaizen.settings import Settings

# 429 means Slack did not act on the call, so repeating it cannot post twice. Connection errors
# are not retried here: the post may have landed, and the activity's retry checks for that.
RATE_LIMIT_RETRIES: Final = 3
REQUEST_TIMEOUT_SECONDS: Final = 10

# Slack error codes that the same call will meet again: configuration or a bad message.
FINAL_ERRORS: Final = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_metadata_format",
        "is_archived",
        "message_not_found",
        "cant_update_message",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "thread_not_found",
        "token_expired",
        "token_revoked",
    }
)

T = TypeVar("T")


def build_client(settings: Settings) -> AsyncWebClient | None:
    """The client activities post with; None when no bot token is configured (no Slack)."""
    if not settings.slack_bot_token:
        return None
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=REQUEST_TIMEOUT_SECONDS,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def approval_channel(settings: Settings, *, namespace: str, service: str, risk: str) -> str | None:
    """Where this run's approval request goes: the first override present, else the default."""
    overrides: Mapping[str, str] = settings.slack_channel_overrides
    for key in (f"{namespace}/{service}", service, f"risk:{risk}"):
        if key in overrides:
            return overrides[key]
    return settings.slack_approval_channel


async def call_slack(doing: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run one Web API call; any failure leaves as an ApplicationError that says whether a
    retry can help (``doing`` completes "Slack refused to ...")."""
    try:
        return await call()
    except SlackApiError as error:
        raise slack_failure(error, doing) from error
    except (TimeoutError, aiohttp.ClientError) as error:
        raise ApplicationError(
            f"Slack did not answer while trying to {doing}: {error!r}", type="SlackUnavailable"
        ) from error


def slack_failure(error: SlackApiError, doing: str) -> ApplicationError:
    """Final for configuration and message errors; retryable (after Retry-After) otherwise."""
    # Usually an AsyncSlackResponse; a raw aiohttp response when the body was not JSON.
    response: Any = error.response
    data = getattr(response, "data", None)
    status = int(getattr(response, "status_code", None) or getattr(response, "status", None) or 0)
    code = str((data if isinstance(data, dict) else {}).get("error") or f"http_{status}")
    error_type = "Slack" + "".join(part.capitalize() for part in code.split("_"))
    delay: timedelta | None = None
    if status == 429:
        # The client's own retries ran out; Temporal waits as long as Slack asked.
        delay = timedelta(seconds=_retry_after(getattr(response, "headers", {})))
    return ApplicationError(
        f"Slack refused to {doing}: {code}",
        type=error_type,
        non_retryable=code in FINAL_ERRORS,
        next_retry_delay=delay,
    )


def _retry_after(headers: Mapping[str, Any]) -> int:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            # aiohttp hands slack_sdk a multidict; its values arrive as lists.
            first = value[0] if isinstance(value, list) else value
            try:
                return max(int(first), 1)
            except ValueError:
                break
    return 1
