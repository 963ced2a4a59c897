# METADATA
# title: Promotion gate
# description: |
#   Whether a build may be promoted into an environment, from its evidence
#   (tests, security scan, performance, carbon), where it runs upstream (verified,
#   and for how long) and the approvals counted so far. Every unmet criterion is
#   a deny reason and a required action in plain words with numbers, e.g.
#   "Reduce P95 latency from 340 ms to below 250 ms" or "Obtain 1 more approval".
#   Thresholds come from data per environment; the environment's own file may
#   override them (input.environment.gate).
package kaizen.promotion

import rego.v1

default allow := false

allow if count(problems) == 0

environment := input.environment.name

# --- thresholds: defaults, then the environment's data, then its file ------------

environment_data := object.get(data.kaizen.promotion.environments, environment, {})

thresholds := object.union(
	object.union(data.kaizen.promotion.defaults, environment_data),
	object.get(input.environment, "gate", {}),
)

evidence_required := object.get(
	data.kaizen.promotion.required_evidence,
	environment,
	object.get(data.kaizen.promotion.required_evidence, "default", ["tests"]),
)

evidence := object.get(input, "evidence", {})

# --- words -----------------------------------------------------------------------

plural(1, singular, _) := sprintf("1 %s", [singular])

plural(n, _, many) := sprintf("%v %s", [n, many]) if n != 1

# Whole minutes, rounded up: "2 h 10 min", "2 h", "10 min".
duration_text(seconds) := text if {
	minutes := ceil(seconds / 60)
	hours := floor(minutes / 60)
	rest := minutes - (hours * 60)
	text := _duration_words(hours, rest)
}

_duration_words(hours, 0) := sprintf("%d h", [hours]) if hours > 0

_duration_words(hours, minutes) := sprintf("%d h %d min", [hours, minutes]) if {
	hours > 0
	minutes > 0
}

_duration_words(0, minutes) := sprintf("%d min", [minutes])

evidence_names := {
	"tests": "test results (passed, failed, coverage)",
	"security": "a security scan (counts by severity)",
	"performance": "performance results (P95 latency, memory, CPU)",
	"carbon": "a carbon measurement (grams per request)",
}

# --- problems: [order, deny reason, required action, is an approval, code] -------

problems contains [0, sprintf("no %s attached", [part]), sprintf("Attach %s", [evidence_names[part]]), false, "missing_evidence"] if {
	some part in evidence_required
	not evidence[part]
}

tests := evidence.tests

problems contains [1, sprintf("%s failed (at most %v allowed)", [plural(tests.failed, "test", "tests"), thresholds.max_failed_tests]), sprintf("Fix %s", [plural(tests.failed - thresholds.max_failed_tests, "failing test", "failing tests")]), false, "failed_tests"] if {
	tests.failed > thresholds.max_failed_tests
}

problems contains [2, sprintf("test coverage %v%% is below %v%%", [tests.coverage_percent, thresholds.min_coverage_percent]), sprintf("Raise test coverage from %v%% to at least %v%%", [tests.coverage_percent, thresholds.min_coverage_percent]), false, "coverage"] if {
	tests.coverage_percent < thresholds.min_coverage_percent
}

security := evidence.security

problems contains [3, sprintf("%s (at most %v allowed)", [plural(security.critical, "critical vulnerability", "critical vulnerabilities"), thresholds.max_critical_vulnerabilities]), sprintf("Fix %s", [plural(security.critical - thresholds.max_critical_vulnerabilities, "critical vulnerability", "critical vulnerabilities")]), false, "critical_vulnerabilities"] if {
	security.critical > thresholds.max_critical_vulnerabilities
}

problems contains [4, sprintf("%s (at most %v allowed)", [plural(security.high, "high vulnerability", "high vulnerabilities"), thresholds.max_high_vulnerabilities]), sprintf("Fix %s", [plural(security.high - thresholds.max_high_vulnerabilities, "high vulnerability", "high vulnerabilities")]), false, "high_vulnerabilities"] if {
	security.high > thresholds.max_high_vulnerabilities
}

performance := evidence.performance

problems contains [5, sprintf("P95 latency %v ms is not below %v ms", [performance.latency_p95_ms, thresholds.max_latency_p95_ms]), sprintf("Reduce P95 latency from %v ms to below %v ms", [performance.latency_p95_ms, thresholds.max_latency_p95_ms]), false, "latency"] if {
	performance.latency_p95_ms >= thresholds.max_latency_p95_ms
}

problems contains [6, sprintf("memory %v MB is not below %v MB", [performance.memory_mb, thresholds.max_memory_mb]), sprintf("Reduce memory from %v MB to below %v MB", [performance.memory_mb, thresholds.max_memory_mb]), false, "memory"] if {
	performance.memory_mb >= thresholds.max_memory_mb
}

problems contains [7, sprintf("CPU %v%% is not below %v%%", [performance.cpu_percent, thresholds.max_cpu_percent]), sprintf("Reduce CPU from %v%% to below %v%%", [performance.cpu_percent, thresholds.max_cpu_percent]), false, "cpu"] if {
	performance.cpu_percent >= thresholds.max_cpu_percent
}

carbon := evidence.carbon

problems contains [8, sprintf("carbon %v g per request is not below %v g", [carbon.grams_per_request, thresholds.max_carbon_g_per_request]), sprintf("Reduce carbon from %v g to below %v g per request", [carbon.grams_per_request, thresholds.max_carbon_g_per_request]), false, "carbon"] if {
	carbon.grams_per_request >= thresholds.max_carbon_g_per_request
}

# --- upstream: verified there, and soaked long enough ------------------------------

upstream_name := object.get(input.environment, "upstream", "")

upstream := object.get(input, "upstream", {})

problems contains [9, sprintf("the build has not run in %s", [upstream_name]), sprintf("Promote it to %s and let it pass verification there first", [upstream_name]), false, "not_upstream"] if {
	upstream_name != ""
	not upstream.released
}

problems contains [10, sprintf("the build is not verified in %s yet", [upstream_name]), sprintf("Let it finish verification in %s", [upstream_name]), false, "unverified_upstream"] if {
	upstream_name != ""
	upstream.released
	not upstream.verified
}

soak_required := object.get(input.environment, "upstream_soak_seconds", 0)

soak_left := soak_required - upstream.live_seconds

problems contains [11, sprintf("the build has soaked %s of %s in %s", [duration_text(upstream.live_seconds), duration_text(soak_required), upstream_name]), sprintf("Let it soak %s more in %s", [duration_text(soak_left), upstream_name]), false, "soak"] if {
	upstream_name != ""
	upstream.verified
	soak_left > 0
}

# --- approvals: counted by the run's approval gate --------------------------------

approvals_required := object.get(object.get(input.environment, "approvals", {}), "required", 0)

approvals_counted := object.get(object.get(input, "approvals", {}), "count", 0)

default approvals_missing := 0

approvals_missing := approvals_required - approvals_counted if approvals_required > approvals_counted

problems contains [12, sprintf("%s of %v", [plural(approvals_counted, "approval", "approvals"), approvals_required]), sprintf("Obtain %s", [plural(approvals_missing, "more approval", "more approvals")]), true, "approvals"] if {
	approvals_missing > 0
}

# --- the decision ------------------------------------------------------------------

ordered := sort(problems)

deny := [p[1] | some p in ordered]

required_actions := [p[2] | some p in ordered]

# Stable names of the unmet criteria (for metrics: no numbers, bounded).
deny_codes := sort({p[4] | some p in problems})

default evidence_ready := false

evidence_ready if count([p | some p in problems; not p[3]]) == 0

decision := {
	"allow": allow,
	"deny": deny,
	"required_actions": required_actions,
	"deny_codes": deny_codes,
	"approvals_required": approvals_required,
	"approvals_missing": approvals_missing,
	"evidence_ready": evidence_ready,
	"thresholds": thresholds,
}
