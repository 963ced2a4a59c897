"""The benchmark's arithmetic and output format: what `make bench` prints must parse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.report import Report, format_number
from bench.results import write_results
from bench.stats import p50, p99, percentile

LINE = re.compile(r"^(RATIO \S+ -?[\d.]+|FIGURE \S+ -?[\d.]+ \S+|NOTE \S+ .+)$")


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert p50(values) == 50.0
    assert p99(values) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert p99([1.0, 2.0, 3.0]) == 3.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_lines_are_the_median_of_repetitions_in_the_promised_form() -> None:
    printed: list[str] = []
    report = Report(out=printed.append)
    report.section("1. Start throughput")
    assert report.ratio("start_throughput_api_vs_raw", [0.9, 0.5, 0.95]) == 0.9
    assert report.figure("start_throughput_api", [412.4, 400.0, 430.0], "runs/s") == 412.4
    report.note("policy_cached_decision", "none: decisions are not cached")
    assert printed == [
        "# 1. Start throughput",
        "RATIO start_throughput_api_vs_raw 0.9",
        "FIGURE start_throughput_api 412 runs/s",
        "NOTE policy_cached_decision none: decisions are not cached",
    ]
    assert all(LINE.match(line.render()) for line in report.lines())


def test_numbers_keep_three_significant_figures_without_exponents() -> None:
    assert format_number(0.000123) == "0.000123"
    assert format_number(1.08) == "1.08"
    assert format_number(12.34) == "12.3"
    assert format_number(1234.5) == "1234"
    assert "e" not in format_number(123456789.0)


def test_results_file_holds_every_line_and_the_machine(tmp_path: Path) -> None:
    report = Report(out=lambda _text: None)
    report.section("2. End to end")
    report.prose("300 runs one at a time.")
    report.ratio("e2e_p50_latency_api_vs_raw", [1.5, 1.4, 1.6])
    target = tmp_path / "RESULTS.md"
    write_results(target, report, argv=[], elapsed_s=600)
    text = target.read_text()
    assert "## Machine" in text and "logical cores" in text
    assert "## 2. End to end" in text and "300 runs one at a time." in text
    assert "RATIO e2e_p50_latency_api_vs_raw 1.5" in text
    assert "took 10.0 minutes" in text
