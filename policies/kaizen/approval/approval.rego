# METADATA
# title: Who may approve what
# description: |
#   The last word on a vote, wherever it comes from (API or Slack): the voter
#   must hold an approving role for the run's risk, must not be the requester,
#   and must be among the service's named approvers when it has any.
package kaizen.approval

import rego.v1

default allow := false

allow if count(deny) == 0

default roles_for_risk := ["approver", "admin"]

roles_for_risk := data.kaizen.approval.roles_by_risk[input.run.risk]

deny contains msg if {
	input.approver == input.requested_by
	msg := sprintf("%s requested this run and may not approve it", [input.approver])
}

deny contains msg if {
	count({r | some r in input.approver_roles} & {r | some r in roles_for_risk}) == 0
	msg := sprintf("%s holds none of the roles %s that %s-risk approvals need", [input.approver, concat(", ", roles_for_risk), input.run.risk])
}

deny contains msg if {
	named := data.kaizen.approval.named_approvers[input.run.service]
	not input.approver in named
	msg := sprintf("%s is not a named approver of %s", [input.approver, input.run.service])
}

decision := {"allowed": allow, "reasons": sort(deny)}
