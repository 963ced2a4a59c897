package kaizen.policy_rollout_test

import data.kaizen.policy_rollout

decide(mode, preview) := d if {
	d := policy_rollout.decision with input as {"request": {"fleet": "local", "mode": mode}, "preview": preview}
}

test_no_change_proceeds if {
	d := decide("rollout", {"replayed": 40, "changed": 0})
	d.verdict == "proceed"
	d.approvals_required == 0
	d.reasons == ["the preview changes none of 40 recorded decisions"]
}

test_a_few_tightened_decisions_proceed if {
	d := decide("rollout", {"replayed": 100, "changed": 10, "allow_to_deny": 10})
	d.verdict == "proceed"
}

test_loosening_asks_a_person if {
	d := decide("rollout", {"replayed": 100, "changed": 1, "deny_to_allow": 1})
	d.verdict == "approve"
	d.approvals_required == 1
	d.reasons == ["1 recorded decisions that were denied would be allowed (deny -> allow)"]
}

test_many_changes_ask_a_person if {
	d := decide("rollout", {"replayed": 6, "changed": 2, "allow_to_deny": 2})
	d.verdict == "approve"
	d.reasons == ["the preview changes 33.3% of 6 recorded decisions (2 allow -> deny, 0 deny -> allow), above 25%"]
}

test_too_many_changes_stop if {
	d := decide("rollout", {"replayed": 10, "changed": 9, "allow_to_deny": 9})
	d.verdict == "stop"
	d.approvals_required == 0
}

test_rollbacks_go_straight if {
	d := decide("rollback", {})
	d.verdict == "proceed"
	d.reasons == ["a rollback to a known version goes straight to the fleet"]
}

test_a_fleet_may_ask_for_rollback_approvals if {
	d := policy_rollout.decision with input as {"request": {"fleet": "prod", "mode": "rollback"}}
		with data.kaizen.policy_rollout.fleets as {"prod": {"approve_rollbacks": true, "approvals": 2}}
	d.verdict == "approve"
	d.approvals_required == 2
}

test_no_recorded_decisions_proceed if {
	d := decide("rollout", {})
	d.verdict == "proceed"
	d.needs_change_window == false
	d.canary_max_undefined_ratio == 0
}
