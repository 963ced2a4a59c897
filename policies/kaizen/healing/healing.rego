# METADATA
# title: Healing governance
# description: |
#   What a proposed healing action needs before it may run, decided from the
#   run's facts: its risk, the service's mode, whether autonomy is earned,
#   whether a change window is needed (or an approval to act outside one), and
#   how many approvals from whom.
package kaizen.healing

import rego.v1

risk_rank := {"low": 0, "medium": 1, "high": 2, "critical": 3}

known_severities := {"low", "medium", "high", "critical"}

modes := {"observe", "approval", "autonomous"}

mode_key := sprintf("%s/%s", [input.namespace, input.service])

# Modes are pushed by the API (PUT /v1/healing/modes/...) as data.kaizen.healing_modes.
# Until they are, the caller re-pushes them; an unset service is observe-only.
default modes_loaded := false

modes_loaded := is_object(data.kaizen.healing_modes)

default mode := "observe"

mode := data.kaizen.healing_modes[mode_key]

# --- risk: the playbook's own, raised by the namespace's floor --------------------

default namespace_floor := "low"

namespace_floor := data.kaizen.healing.namespace_risk_floor[input.namespace]

playbook_risk := input.action.risk if input.action.risk in object.keys(risk_rank)

default risk := "unknown"

risk := playbook_risk if risk_rank[playbook_risk] >= risk_rank[namespace_floor]

risk := namespace_floor if risk_rank[namespace_floor] > risk_rank[playbook_risk]

# --- what the action would change ----------------------------------------------

changes if count(object.get(input.action, "steps", [])) > 0

default preview_only := false

preview_only if mode == "observe"

preview_only if input.dry_run == true

acts if {
	changes
	not preview_only
}

# --- autonomy: granted by policy and earned by history --------------------------

autonomy_rules := data.kaizen.healing.autonomy_threshold

# Whole percentages: Rego keeps 5/5 an integer, which %f cannot print.
percent(rate) := round(rate * 100)

runs := object.get(input.stats, "successes", 0) + object.get(input.stats, "failures", 0)

success_rate := object.get(input.stats, "successes", 0) / runs if runs > 0

default success_rate := 0

autonomy_refusals contains msg if {
	risk_rank[risk] > risk_rank[autonomy_rules.max_risk]
	msg := sprintf("%s risk is above the autonomy ceiling (%s)", [risk, autonomy_rules.max_risk])
}

autonomy_refusals contains msg if {
	runs < autonomy_rules.min_runs
	msg := sprintf("%d verified or rolled-back runs of %s; autonomy needs %d", [runs, input.action.playbook, autonomy_rules.min_runs])
}

autonomy_refusals contains msg if {
	runs >= autonomy_rules.min_runs
	success_rate < autonomy_rules.min_success_rate
	msg := sprintf("success rate %d%% is below %d%%", [percent(success_rate), percent(autonomy_rules.min_success_rate)])
}

autonomy_granted if {
	mode == "autonomous"
	count(autonomy_refusals) == 0
}

default autonomy := "not_requested"

autonomy := "granted" if autonomy_granted

autonomy := "refused" if {
	mode == "autonomous"
	not autonomy_granted
}

default autonomy_reason := ""

autonomy_reason := sprintf("success rate %d%% over %d runs clears %d%% over %d", [percent(success_rate), runs, percent(autonomy_rules.min_success_rate), autonomy_rules.min_runs]) if autonomy_granted

autonomy_reason := concat("; ", sort(autonomy_refusals)) if {
	mode == "autonomous"
	not autonomy_granted
}

# --- change windows --------------------------------------------------------------

needs_window_by_risk if {
	acts
	risk != "low"
}

# Acting outside a window is possible for some risks, with an explicit approval.
outside_window_approval if {
	needs_window_by_risk
	not input.window_open
	data.kaizen.healing.outside_window[risk] == "approval"
}

default needs_change_window := false

needs_change_window if {
	needs_window_by_risk
	not outside_window_approval
}

# --- approvals -------------------------------------------------------------------

supervised if mode == "approval"

supervised if {
	mode == "autonomous"
	not autonomy_granted
}

default approvals_required := 0

# The most demanding of: the risk's count, one for a supervised mode, one for
# acting outside a window.
approval_floors contains data.kaizen.healing.approvals_by_risk[risk]

approval_floors contains 1 if supervised

approval_floors contains 1 if outside_window_approval

approvals_required := max(approval_floors) if acts

default approvers := []

approvers := data.kaizen.healing.named_approvers[input.service]

# --- denials ---------------------------------------------------------------------

deny contains msg if {
	not input.severity in known_severities
	msg := sprintf("severity %q is not one of low, medium, high, critical", [input.severity])
}

deny contains msg if {
	input.namespace in data.kaizen.healing.protected_namespaces
	msg := sprintf("namespace %q is protected from automated healing", [input.namespace])
}

deny contains msg if {
	some step in object.get(input.action, "steps", [])
	not step.action in data.kaizen.healing.known_actions
	msg := sprintf("action %q is not in the action whitelist", [step.action])
}

deny contains msg if {
	risk == "unknown"
	msg := sprintf("playbook risk %q is not one of low, medium, high, critical", [object.get(input.action, "risk", "")])
}

deny contains msg if {
	not mode in modes
	msg := sprintf("mode %q for %s is not one of observe, approval, autonomous", [mode, mode_key])
}

default allow := false

allow if count(deny) == 0

decision := {
	"allowed": allow,
	"risk": risk,
	"mode": mode,
	"modes_loaded": modes_loaded,
	"preview_only": preview_only,
	"window_open": object.get(input, "window_open", false),
	"needs_change_window": needs_change_window,
	"approvals_required": approvals_required,
	"approver_roles": data.kaizen.healing.approver_roles,
	"approvers": approvers,
	"autonomy": autonomy,
	"autonomy_reason": autonomy_reason,
	"reasons": sort(deny),
}
