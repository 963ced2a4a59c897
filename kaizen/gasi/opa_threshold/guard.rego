# The scale guard every candidate shares; a candidate is only its thresholds (input.candidates).
# verdicts[i][j]: whether candidate i lets request j through. Judged by a scratch `opa eval`.
package gasi.guard

import rego.v1

protected := {"kube-system", "kaizen", "payments"}

default allow(_, _) := false

allow(p, r) if {
	is_number(r.from)
	is_number(r.to)
	is_string(r.namespace)
	not lower(r.namespace) in protected
	r.from >= 1
	r.to >= p.min_replicas
	r.to <= p.max_replicas
	abs(r.to - r.from) <= p.max_step
	r.to <= r.from * p.max_factor
}

verdicts := [[allow(p, r) | some r in input.requests] | some p in input.candidates]
