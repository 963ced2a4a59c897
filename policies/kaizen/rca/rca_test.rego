package kaizen.rca_test

import data.kaizen.rca

incident := {"service": "checkout", "namespace": "shop", "severity": "high", "requested_by": "olivia"}

test_high_needs_two_approvals_within_a_day if {
	r := rca.review with input as incident
	r.approvals_required == 2
	r.deadline_seconds == 86400
	r.escalate_to == "#incident-leads"
	r.reviewers == []
}

test_low_needs_one_and_escalates_to_the_default if {
	r := rca.review with input as object.union(incident, {"severity": "low"})
	r.approvals_required == 1
	r.deadline_seconds == 604800
	r.escalate_to == "#sre-leads"
}

test_unknown_severity_is_medium if {
	r := rca.review with input as object.union(incident, {"severity": "weird"})
	r.approvals_required == 1
	r.deadline_seconds == 259200
}

test_named_reviewers_without_the_requester if {
	r := rca.review with input as incident
		with data.kaizen.rca.service_reviewers as {"checkout": ["alice", "olivia", "bob"]}
	r.reviewers == ["alice", "bob"]
	r.assignee == "alice"
	r.approvals_required == 2
}

test_never_more_approvals_than_reviewers if {
	r := rca.review with input as object.union(incident, {"severity": "critical"})
		with data.kaizen.rca.service_reviewers as {"checkout": ["alice"]}
	r.approvals_required == 1
	some reason in r.reasons
	contains(reason, "fewer reviewers")
}

test_the_team_reviews_when_the_service_names_none if {
	r := rca.review with input as incident with data.kaizen.rca.team_reviewers as ["carol", "dave"]
	r.reviewers == ["carol", "dave"]
}
