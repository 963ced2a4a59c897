package kaizen.healing_test

import data.kaizen.healing

base := {
	"service": "checkout",
	"namespace": "shop",
	"severity": "low",
	"requested_by": "alice",
	"action": {"action": "rollout_restart"},
}

test_low_needs_neither_window_nor_approval if {
	d := healing.decision with input as base
	d.allowed
	d.risk == "low"
	not d.needs_change_window
	d.approvals_required == 0
	d.autonomy == "autonomous"
}

test_medium_needs_a_window_only if {
	d := healing.decision with input as object.union(base, {"severity": "medium"})
	d.needs_change_window
	d.approvals_required == 0
}

test_high_needs_window_and_one_approval if {
	d := healing.decision with input as object.union(base, {"severity": "high"})
	d.allowed
	d.needs_change_window
	d.approvals_required == 1
	d.approver_roles == ["approver", "admin"]
	d.autonomy == "supervised"
}

test_critical_needs_two_approvals if {
	d := healing.decision with input as object.union(base, {"severity": "critical"})
	d.approvals_required == 2
}

test_unknown_severity_is_denied_with_a_reason if {
	d := healing.decision with input as object.union(base, {"severity": "sev1"})
	not d.allowed
	d.risk == "unknown"
	d.needs_change_window
	d.reasons == ["severity \"sev1\" is not one of low, medium, high, critical"]
}

test_protected_namespace_is_denied if {
	d := healing.decision with input as object.union(base, {"namespace": "kube-system"})
	not d.allowed
	"namespace \"kube-system\" is protected from automated healing" in d.reasons
}

test_unknown_action_is_denied if {
	d := healing.decision with input as object.union(base, {"action": {"action": "delete_namespace"}})
	not d.allowed
}

test_named_approvers_come_from_data if {
	d := healing.decision with input as base
		with data.kaizen.healing.named_approvers as {"checkout": ["carol"]}
	d.approvers == ["carol"]
}
