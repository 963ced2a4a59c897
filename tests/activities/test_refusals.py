"""Refusals are final and benign: the worker logs them at DEBUG, not as warnings with a
traceback (a run for a Deployment that does not exist is an answer, not a fault)."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException
from temporalio.exceptions import ApplicationErrorCategory

from activities.kubernetes.bounds import refuse
from activities.kubernetes.errors import translate


def test_kubernetes_refusals_are_benign_and_transient_faults_are_not() -> None:
    not_found = translate(ApiException(status=404, reason="Not Found"), "read web")
    assert not_found.non_retryable and not_found.category == ApplicationErrorCategory.BENIGN
    throttled = translate(ApiException(status=429, reason="Too Many"), "read web")
    assert not throttled.non_retryable
    assert throttled.category != ApplicationErrorCategory.BENIGN
    out_of_bounds = refuse("replicas 500 is over 50")
    assert out_of_bounds.category == ApplicationErrorCategory.BENIGN
