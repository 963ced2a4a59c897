# METADATA
# title: Who reviews an RCA, how many must approve it, and when silence escalates
# description: |
#   By severity (data): approvals needed (N of the reviewers), the review deadline and
#   where an overdue review escalates. Reviewers are the service's named reviewers, else
#   the team's; empty means any approver may review. The requester never reviews their
#   own RCA, and more approvals than there are other reviewers are never asked for.
package kaizen.rca

import rego.v1

default severity := "medium"

severity := input.severity if input.severity in object.keys(data.kaizen.rca.approvals_by_severity)

named := data.kaizen.rca.service_reviewers[input.service]

default team := []

team := data.kaizen.rca.team_reviewers

default reviewers := []

reviewers := [r | some r in named; r != input.requested_by] if named

reviewers := [r | some r in team; r != input.requested_by] if not named

wanted := data.kaizen.rca.approvals_by_severity[severity]

approvals_required := min([wanted, count(reviewers)]) if count(reviewers) > 0

approvals_required := wanted if count(reviewers) == 0

default escalate_to := "#sre-leads"

escalate_to := data.kaizen.rca.escalate_to_by_severity[severity]

escalate_to := data.kaizen.rca.default_escalate_to if not data.kaizen.rca.escalate_to_by_severity[severity]

default assignee := ""

assignee := reviewers[0] if count(reviewers) > 0

reasons contains sprintf("%d approval(s) for a %s incident", [approvals_required, severity])

reasons contains "any approver may review: no reviewers are named" if count(reviewers) == 0

reasons contains sprintf("fewer reviewers than the %d approvals %s asks for", [wanted, severity]) if {
	count(reviewers) > 0
	count(reviewers) < wanted
}

review := {
	"reviewers": reviewers,
	"assignee": assignee,
	"approvals_required": approvals_required,
	"deadline_seconds": data.kaizen.rca.deadline_seconds_by_severity[severity],
	"escalate_to": escalate_to,
	"reasons": sort([r | some r in reasons]),
}
