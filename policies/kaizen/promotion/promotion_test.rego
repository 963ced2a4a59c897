package kaizen.promotion_test

import data.kaizen.promotion

good_evidence := {
	"tests": {"passed": 120, "failed": 0, "coverage_percent": 85},
	"security": {"critical": 0, "high": 0, "medium": 3, "low": 9},
	"performance": {"latency_p95_ms": 180, "memory_mb": 300, "cpu_percent": 40},
	"carbon": {"grams_per_request": 0.2},
}

prod := {
	"name": "prod",
	"upstream": "staging",
	"upstream_soak_seconds": 7200,
	"approvals": {"required": 2},
}

soaked := {"released": true, "verified": true, "live_seconds": 9000}

base := {
	"environment": prod,
	"evidence": good_evidence,
	"upstream": soaked,
	"approvals": {"count": 2},
}

# Each key of overrides replaces the base's whole value.
decide(overrides) := d if {
	facts := object.union(object.remove(base, object.keys(overrides)), overrides)
	d := promotion.decision with input as facts
}

test_everything_met_allows if {
	d := decide({})
	d.allow
	d.deny == []
	d.required_actions == []
	d.evidence_ready
	d.approvals_missing == 0
}

test_latency_says_from_and_to if {
	slow := object.union(good_evidence, {"performance": {"latency_p95_ms": 340, "memory_mb": 300, "cpu_percent": 40}})
	d := decide({"evidence": slow})
	not d.allow
	d.required_actions == ["Reduce P95 latency from 340 ms to below 250 ms"]
	d.deny == ["P95 latency 340 ms is not below 250 ms"]
	d.deny_codes == ["latency"]
}

test_missing_approvals_in_words if {
	d := decide({"approvals": {"count": 1}})
	not d.allow
	d.evidence_ready
	d.approvals_missing == 1
	d.required_actions == ["Obtain 1 more approval"]
	d.deny_codes == ["approvals"]
	d2 := decide({"approvals": {"count": 0}})
	d2.required_actions == ["Obtain 2 more approvals"]
}

test_soak_left_in_hours_and_minutes if {
	d := decide({"upstream": {"released": true, "verified": true, "live_seconds": 3000}})
	d.required_actions == ["Let it soak 1 h 10 min more in staging"]
	d.deny == ["the build has soaked 50 min of 2 h in staging"]
}

test_soak_rounds_up_to_whole_minutes if {
	d := decide({"upstream": {"released": true, "verified": true, "live_seconds": 7199}})
	d.required_actions == ["Let it soak 1 min more in staging"]
}

test_not_released_upstream if {
	d := decide({"upstream": {}})
	d.required_actions == ["Promote it to staging and let it pass verification there first"]
}

test_released_but_unverified_upstream if {
	d := decide({"upstream": {"released": true, "verified": false, "live_seconds": 9000}})
	d.required_actions == ["Let it finish verification in staging"]
}

test_missing_evidence_listed_first_in_order if {
	d := decide({"evidence": {"tests": good_evidence.tests}, "approvals": {"count": 0}})
	not d.evidence_ready
	d.required_actions == [
		"Attach a carbon measurement (grams per request)",
		"Attach performance results (P95 latency, memory, CPU)",
		"Attach a security scan (counts by severity)",
		"Obtain 2 more approvals",
	]
}

test_tests_coverage_and_vulnerabilities if {
	bad := object.union(good_evidence, {
		"tests": {"passed": 90, "failed": 3, "coverage_percent": 62},
		"security": {"critical": 2, "high": 1, "medium": 0, "low": 0},
	})
	d := decide({"evidence": bad})
	d.required_actions == [
		"Fix 3 failing tests",
		"Raise test coverage from 62% to at least 80%",
		"Fix 2 critical vulnerabilities",
		"Fix 1 high vulnerability",
	]
}

test_memory_cpu_and_carbon if {
	bad := object.union(good_evidence, {
		"performance": {"latency_p95_ms": 100, "memory_mb": 600, "cpu_percent": 85},
		"carbon": {"grams_per_request": 0.9},
	})
	d := decide({"evidence": bad})
	d.required_actions == [
		"Reduce memory from 600 MB to below 512 MB",
		"Reduce CPU from 85% to below 70%",
		"Reduce carbon from 0.9 g to below 0.5 g per request",
	]
}

test_environment_file_overrides_the_data if {
	relaxed := object.union(prod, {"gate": {"max_latency_p95_ms": 400}})
	slow := object.union(good_evidence, {"performance": {"latency_p95_ms": 340, "memory_mb": 300, "cpu_percent": 40}})
	d := decide({"environment": relaxed, "evidence": slow})
	d.allow
	d.thresholds.max_latency_p95_ms == 400
}

test_first_environment_needs_tests_only if {
	d := promotion.decision with input as {
		"environment": {"name": "dev", "approvals": {"required": 0}},
		"evidence": {"tests": {"passed": 10, "failed": 0, "coverage_percent": 55}},
	}
	d.allow
}

test_unknown_environment_uses_defaults if {
	d := promotion.decision with input as {
		"environment": {"name": "qa"},
		"evidence": {},
	}
	not d.allow
	d.required_actions == ["Attach test results (passed, failed, coverage)"]
}

test_nothing_is_allowed_by_default if {
	not promotion.allow with input as {"environment": {"name": "prod", "upstream": "staging"}}
}
