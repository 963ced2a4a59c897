# METADATA
# title: Policy rollout governance
# description: |
#   Whether a new policy version may go to a fleet after its preview: proceed, ask for
#   approval, or stop, with the reasons in plain words and numbers. The preview replays
#   the fleet's recorded decisions against the candidate and the current version;
#   what it changes decides. A policy that allows something it denied before
#   (deny -> allow) always asks a person; many changed decisions ask, too many stop.
#   Thresholds are data per fleet (data.kaizen.policy_rollout.fleets.<fleet>), over
#   the defaults; so are the canary's limits and whether a change window is needed.
package kaizen.policy_rollout

import rego.v1

fleet := input.request.fleet

thresholds := object.union(
	data.kaizen.policy_rollout.defaults,
	object.get(data.kaizen.policy_rollout.fleets, fleet, {}),
)

mode := object.get(input.request, "mode", "rollout")

preview := object.get(input, "preview", {})

replayed := object.get(preview, "replayed", 0)

changed := object.get(preview, "changed", 0)

deny_to_allow := object.get(preview, "deny_to_allow", 0)

allow_to_deny := object.get(preview, "allow_to_deny", 0)

default changed_ratio := 0

changed_ratio := changed / replayed if replayed > 0

percent(ratio) := round(ratio * 1000) / 10

# --- what stops a rollout ----------------------------------------------------------

stop contains sprintf(
	"the preview changes %v%% of %d recorded decisions (%d), above the %v%% this fleet allows at all",
	[percent(changed_ratio), replayed, changed, percent(thresholds.stop_above_changed_ratio)],
) if {
	mode != "rollback"
	changed_ratio > thresholds.stop_above_changed_ratio
}

# --- what asks a person --------------------------------------------------------------

approval contains sprintf(
	"%d recorded decisions that were denied would be allowed (deny -> allow)",
	[deny_to_allow],
) if {
	mode != "rollback"
	deny_to_allow > thresholds.approve_above_deny_to_allow
}

approval contains sprintf(
	"the preview changes %v%% of %d recorded decisions (%d allow -> deny, %d deny -> allow), above %v%%",
	[percent(changed_ratio), replayed, allow_to_deny, deny_to_allow, percent(thresholds.approve_above_changed_ratio)],
) if {
	mode != "rollback"
	changed_ratio > thresholds.approve_above_changed_ratio
}

approval contains "rollbacks of this fleet need an approval" if {
	mode == "rollback"
	thresholds.approve_rollbacks
}

# --- the decision --------------------------------------------------------------------

default verdict := "proceed"

verdict := "stop" if count(stop) > 0

verdict := "approve" if {
	count(stop) == 0
	count(approval) > 0
}

default reasons := []

reasons := sort(stop) if verdict == "stop"

reasons := sort(approval) if verdict == "approve"

reasons := [sprintf("the preview changes none of %d recorded decisions", [replayed])] if {
	verdict == "proceed"
	mode != "rollback"
	changed == 0
}

reasons := [sprintf(
	"the preview changes %d of %d recorded decisions, within what this fleet allows without approval",
	[changed, replayed],
)] if {
	verdict == "proceed"
	mode != "rollback"
	changed > 0
}

reasons := ["a rollback to a known version goes straight to the fleet"] if {
	verdict == "proceed"
	mode == "rollback"
}

default approvals_required := 0

approvals_required := thresholds.approvals if verdict == "approve"

decision := {
	"verdict": verdict,
	"reasons": reasons,
	"approvals_required": approvals_required,
	"approver_roles": thresholds.approver_roles,
	"needs_change_window": thresholds.change_window,
	"canary_max_undefined_ratio": thresholds.canary_max_undefined_ratio,
	"canary_max_error_ratio": thresholds.canary_max_error_ratio,
	"canary_max_deny_rate_increase": thresholds.canary_max_deny_rate_increase,
}
