# METADATA
# title: The local fleet's example policy
# description: |
#   What `kaizen up` rolls out to its local fleet of OPA nodes, and what the README's
#   tour edits: orders up to a limit are allowed, larger ones need a manager. The
#   limit is data (data.json), so a rollout can change it without touching the rule.
package fleet.authz

default allow := false

allow if input.amount <= data.fleet.authz.limit

allow if {
	input.amount <= data.fleet.authz.manager_limit
	input.role == "manager"
}
