"""Business refusals raised by activities: final, and expected.

Retrying cannot change a refusal (a Deployment that does not exist, a parameter
out of bounds, a policy that is undefined), so it is non-retryable. It is also
an answer, not a fault: marked benign, the worker logs it at DEBUG instead of
as a warning with a full traceback, and the run records it as an event.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError, ApplicationErrorCategory


def refusal(message: str, *, type: str) -> ApplicationError:
    return ApplicationError(
        message, type=type, non_retryable=True, category=ApplicationErrorCategory.BENIGN
    )
