package kaizen.healing_test

import data.kaizen.healing

restart := {"playbook": "restart", "risk": "medium", "steps": [{"action": "rollout_restart"}]}

scale_out := {"playbook": "scale_out", "risk": "low", "steps": [{"action": "scale"}]}

rollback := {"playbook": "rollback", "risk": "high", "steps": [{"action": "rollback"}]}

observe := {"playbook": "observe", "risk": "low", "steps": []}

base := {
	"service": "checkout",
	"namespace": "shop",
	"severity": "high",
	"requested_by": "alice",
	"window_open": true,
	"action": restart,
	"stats": {"successes": 0, "failures": 0},
}

modes(mode) := {"shop/checkout": mode}

decide(overrides, mode) := d if {
	d := healing.decision with input as object.union(base, overrides)
		with data.kaizen.healing_modes as modes(mode)
}

test_unset_service_is_observe_only_and_needs_nothing if {
	d := healing.decision with input as base with data.kaizen.healing_modes as {}
	d.allowed
	d.mode == "observe"
	d.preview_only
	not d.needs_change_window
	d.approvals_required == 0
	d.modes_loaded
}

test_missing_modes_are_reported if {
	d := healing.decision with input as base
	not d.modes_loaded
}

test_approval_mode_needs_one_approval_even_for_low_risk if {
	d := decide({"action": scale_out}, "approval")
	not d.preview_only
	d.risk == "low"
	not d.needs_change_window
	d.approvals_required == 1
	d.approver_roles == ["approver", "admin"]
}

test_medium_in_window_needs_window_and_one_supervised_approval if {
	d := decide({}, "approval")
	d.risk == "medium"
	d.needs_change_window
	d.approvals_required == 1
}

test_medium_outside_window_may_go_with_an_explicit_approval if {
	d := decide({"window_open": false}, "autonomous")
	not d.needs_change_window
	d.approvals_required == 1
}

test_high_outside_window_waits_for_one if {
	d := decide({"window_open": false, "action": rollback}, "approval")
	d.risk == "high"
	d.needs_change_window
	d.approvals_required == 1
}

test_critical_floor_needs_two_approvals if {
	d := healing.decision with input as base
		with data.kaizen.healing_modes as modes("approval")
		with data.kaizen.healing.namespace_risk_floor as {"shop": "critical"}
	d.risk == "critical"
	d.approvals_required == 2
	d.needs_change_window
}

test_autonomy_granted_with_enough_successful_history if {
	d := decide({"stats": {"successes": 9, "failures": 1}}, "autonomous")
	d.autonomy == "granted"
	d.approvals_required == 0
	d.needs_change_window
	contains(d.autonomy_reason, "90% over 10 runs")
}

test_autonomy_refused_without_history if {
	d := decide({"stats": {"successes": 2, "failures": 0}}, "autonomous")
	d.autonomy == "refused"
	d.approvals_required == 1
	contains(d.autonomy_reason, "autonomy needs 5")
}

test_autonomy_refused_for_a_poor_success_rate if {
	d := decide({"stats": {"successes": 3, "failures": 3}}, "autonomous")
	d.autonomy == "refused"
	d.approvals_required == 1
	contains(d.autonomy_reason, "50% is below 80%")
}

test_autonomy_refused_above_the_risk_ceiling if {
	d := decide({"action": rollback, "stats": {"successes": 20, "failures": 0}}, "autonomous")
	d.autonomy == "refused"
	d.approvals_required == 1
	contains(d.autonomy_reason, "high risk is above the autonomy ceiling")
}

test_dry_run_request_lowers_autonomous_to_preview if {
	d := decide({"dry_run": true, "stats": {"successes": 9, "failures": 0}}, "autonomous")
	d.preview_only
	d.approvals_required == 0
	not d.needs_change_window
}

test_observe_playbook_needs_nothing if {
	d := decide({"action": observe}, "approval")
	d.allowed
	not d.preview_only
	not d.needs_change_window
	d.approvals_required == 0
}

test_unknown_severity_is_denied_with_a_reason if {
	d := decide({"severity": "sev1"}, "approval")
	not d.allowed
	d.reasons == ["severity \"sev1\" is not one of low, medium, high, critical"]
}

test_protected_namespace_is_denied if {
	d := decide({"namespace": "kube-system"}, "approval")
	not d.allowed
	d.reasons == ["namespace \"kube-system\" is protected from automated healing"]
}

test_unlisted_action_is_denied if {
	d := decide({"action": {"playbook": "x", "risk": "low", "steps": [{"action": "delete_namespace"}]}}, "approval")
	not d.allowed
	d.reasons == ["action \"delete_namespace\" is not in the action whitelist"]
}

test_named_approvers_are_passed_through if {
	d := healing.decision with input as base
		with data.kaizen.healing_modes as modes("approval")
		with data.kaizen.healing.named_approvers as {"checkout": ["alice", "bob"]}
	d.approvers == ["alice", "bob"]
}
