package kaizen.approval_test

import data.kaizen.approval

vote := {
	"approver": "bob",
	"approver_roles": ["viewer", "operator", "approver"],
	"requested_by": "alice",
	"source": "slack",
	"run": {"service": "web", "namespace": "demo", "risk": "high"},
}

test_an_approver_may_approve if {
	d := approval.decision with input as vote
	d.allowed
	d.reasons == []
}

test_the_requester_may_not if {
	d := approval.decision with input as object.union(vote, {"approver": "alice"})
	not d.allowed
	d.reasons == ["alice requested this run and may not approve it"]
}

test_an_operator_may_not if {
	d := approval.decision with input as object.union(vote, {"approver_roles": ["viewer", "operator"]})
	not d.allowed
	contains(d.reasons[0], "holds none of the roles")
}

test_critical_can_be_limited_to_admins if {
	d := approval.decision with input as object.union(vote, {"run": {"service": "web", "risk": "critical"}})
		with data.kaizen.approval.roles_by_risk as {"critical": ["admin"]}
	not d.allowed
	contains(d.reasons[0], "admin")
}

test_named_approvers_limit_a_service if {
	d := approval.decision with input as vote
		with data.kaizen.approval.named_approvers as {"web": ["carol"]}
	not d.allowed
	d.reasons == ["bob is not a named approver of web"]
}
