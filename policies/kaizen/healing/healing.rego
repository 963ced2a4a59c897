# METADATA
# title: Healing governance
# description: |
#   What a proposed healing action needs before it may run: whether it is
#   allowed at all, its risk, whether it needs an open change window, and how
#   many approvals from whom.
package kaizen.healing

default allow := false

allow if count(deny) == 0

known_severities := {"low", "medium", "high", "critical"}

risk := input.severity if input.severity in known_severities

default risk_name := "unknown"

risk_name := risk

# Low-risk actions may run at any time; anything riskier (or unknown) waits for a window.
default needs_change_window := true

needs_change_window := false if risk == "low"

default approvals_required := 0

approvals_required := data.kaizen.healing.approvals_by_risk[risk]

default approvers := []

approvers := data.kaizen.healing.named_approvers[input.service]

default autonomy := "supervised"

autonomy := "autonomous" if approvals_required == 0

deny contains msg if {
	not input.severity in known_severities
	msg := sprintf("severity %q is not one of low, medium, high, critical", [input.severity])
}

deny contains msg if {
	input.namespace in data.kaizen.healing.protected_namespaces
	msg := sprintf("namespace %q is protected from automated healing", [input.namespace])
}

deny contains msg if {
	not input.action.action in data.kaizen.healing.known_actions
	msg := sprintf("action %q is not in the action whitelist", [input.action.action])
}

decision := {
	"allowed": allow,
	"risk": risk_name,
	"needs_change_window": needs_change_window,
	"approvals_required": approvals_required,
	"approver_roles": data.kaizen.healing.approver_roles,
	"approvers": approvers,
	"autonomy": autonomy,
	"reasons": sort(deny),
}
