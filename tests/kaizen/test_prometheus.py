"""The pinned Prometheus scrapes a test target; PrometheusClient reads it and sorts failures."""

from __future__ import annotations

import math
import socket
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from activities.prometheus.client import PrometheusClient, PrometheusQueryError, Sample
from kaizen.stack.processes import free_port

if TYPE_CHECKING:
    from tests.prometheus_fixtures import ScrapedPrometheus

# A plugin, not an import: its session fixture is then one server for every module using it.
pytest_plugins = ["tests.prometheus_fixtures"]


def values(samples: list[Sample]) -> list[float]:
    return [sample.value for sample in samples]


@pytest.fixture
async def metrics(prometheus: ScrapedPrometheus) -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient(prometheus.url)
    yield client
    await client.close()


async def test_query_follows_the_value_the_target_serves(
    prometheus: ScrapedPrometheus,
    metrics: PrometheusClient,
) -> None:
    promql = 'kaizen_test_error_ratio{namespace="demo", service="web"}'
    prometheus.target.set("kaizen_test_error_ratio", 0.4, namespace="demo", service="web")
    (sample,) = await prometheus.wait_for_samples(metrics, promql, lambda s: values(s) == [0.4])
    assert sample.labels == {
        "__name__": "kaizen_test_error_ratio",
        "namespace": "demo",
        "service": "web",
        "job": "kaizen-test",
        "instance": prometheus.target.address,
    }

    prometheus.target.set("kaizen_test_error_ratio", 0.9, namespace="demo", service="web")
    await prometheus.wait_for_samples(metrics, promql, lambda s: values(s) == [0.9])


async def test_a_removed_series_goes_stale(
    prometheus: ScrapedPrometheus,
    metrics: PrometheusClient,
) -> None:
    prometheus.target.set("kaizen_test_replicas", 3, service="web")
    await prometheus.wait_for_samples(metrics, "kaizen_test_replicas", lambda s: values(s) == [3.0])

    prometheus.target.remove("kaizen_test_replicas", service="web")
    assert await prometheus.wait_for_samples(metrics, "kaizen_test_replicas", lambda s: not s) == []


async def test_nan_and_infinities_arrive_as_floats(
    prometheus: ScrapedPrometheus,
    metrics: PrometheusClient,
) -> None:
    prometheus.target.set("kaizen_test_special", math.nan, kind="nan")
    prometheus.target.set("kaizen_test_special", math.inf, kind="inf")
    samples = await prometheus.wait_for_samples(
        metrics, "kaizen_test_special", lambda s: len(s) == 2
    )
    by_kind = {sample.labels["kind"]: sample.value for sample in samples}
    assert math.isnan(by_kind["nan"]) and by_kind["inf"] == math.inf
    assert await metrics.query("-1/0") == [Sample(labels={}, value=-math.inf)]


async def test_a_scalar_is_one_sample_without_labels(metrics: PrometheusClient) -> None:
    assert await metrics.query("scalar(vector(2.5))") == [Sample(labels={}, value=2.5)]


@pytest.mark.parametrize(
    ("promql", "error_type"),
    [
        ("rate(kaizen_test_error_ratio)", "bad_data"),  # parses, but the types do not fit
        ("kaizen_test_error_ratio{", "bad_data"),  # does not parse
        ("kaizen_test_error_ratio[1m]", "unsupported_result"),  # a range: not an instant query
    ],
)
async def test_a_bad_query_is_final(
    metrics: PrometheusClient, promql: str, error_type: str
) -> None:
    with pytest.raises(PrometheusQueryError) as raised:
        await metrics.query(promql)
    assert raised.value.retryable is False
    assert raised.value.error_type == error_type


async def test_a_closed_port_is_transient() -> None:
    client = PrometheusClient(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(PrometheusQueryError) as raised:
            await client.query("up")
    finally:
        await client.close()
    assert raised.value.retryable is True
    assert raised.value.error_type == "unavailable"


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """Accepts connections (the kernel's backlog does) but never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        host, port = listener.getsockname()
        yield f"http://{host}:{port}"


async def test_no_answer_in_time_is_transient(silent_listener: str) -> None:
    client = PrometheusClient(silent_listener, timeout_seconds=0.3)
    try:
        with pytest.raises(PrometheusQueryError) as raised:
            await client.query("up")
    finally:
        await client.close()
    assert raised.value.retryable is True
    assert raised.value.error_type == "timeout"
