"""The traffic table in deploy/local/traffic.toml: what each version of a demo pod does."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaizen.cli.demo import MODES, with_tag
from kaizen.traffic.table import (
    BEHAVIOUR_ANNOTATION,
    DEFAULT_TABLE,
    TrafficTableError,
    image_tag,
    load_table,
)


def test_every_demo_mode_is_a_behaviour_whose_release_tag_maps_back_to_it() -> None:
    table = load_table()
    for mode in MODES:
        behaviour = table.behaviours[mode]
        assert table.behaviour_for(behaviour.release, {}) == behaviour
    assert table.behaviour_for(table.behaviours["healthy"].release, {}).name == "healthy"


def test_tags_map_by_pattern_first_match_wins_and_unknown_tags_are_the_default() -> None:
    table = load_table()
    assert table.behaviour_for("2.0-bad", {}).error_ratio == 0.2
    assert table.behaviour_for("3.1-slow", {}).latency_p95_seconds == 0.9
    assert table.behaviour_for("1.4-oom", {}).memory_climb_seconds == 60
    assert table.behaviour_for("9-crash", {}).crash_after_seconds == 6
    assert table.behaviour_for("1.0.1", {}).name == "healthy"
    assert table.behaviour_for("latest", {}).name == "healthy"


def test_the_pod_annotation_overrides_the_tag_when_it_names_a_behaviour() -> None:
    table = load_table()
    assert table.behaviour_for("1.0.0", {BEHAVIOUR_ANNOTATION: "latency"}).name == "latency"
    assert table.behaviour_for("2.0-bad", {BEHAVIOUR_ANNOTATION: "healthy"}).name == "healthy"
    assert table.behaviour_for("2.0-bad", {BEHAVIOUR_ANNOTATION: "nonsense"}).name == "errors"


def test_traffic_per_deployment_comes_from_the_table() -> None:
    table = load_table()
    assert table.requests_per_second("web") == 30
    assert table.requests_per_second("unlisted") == table.load.default_requests_per_second


def test_a_mistake_names_the_file_and_the_field(tmp_path: Path) -> None:
    broken = tmp_path / "traffic.toml"
    text = DEFAULT_TABLE.read_text()
    broken.write_text(text.replace('behaviour = "latency"', 'behaviour = "slowish"'))
    with pytest.raises(
        TrafficTableError, match=r"traffic\.toml: .*versions\.1\.behaviour.*'slowish'"
    ):
        load_table(broken)
    broken.write_text(text.replace("error_ratio = 0.2", "error_ratio = 1.2"))
    with pytest.raises(TrafficTableError, match=r"behaviours\.errors\.error_ratio"):
        load_table(broken)


def test_image_tags_are_read_and_replaced_like_a_registry_does() -> None:
    assert image_tag("registry.local/demo/web:1.0.0") == "1.0.0"
    assert image_tag("registry.local:5000/demo/web:2.0-bad") == "2.0-bad"
    assert image_tag("registry.local:5000/demo/web") == "latest"
    assert with_tag("registry.local:5000/demo/web:1.0.0", "2.0-bad") == (
        "registry.local:5000/demo/web:2.0-bad"
    )
    assert with_tag("web", "2.0-bad") == "web:2.0-bad"
