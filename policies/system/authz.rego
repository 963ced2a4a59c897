# METADATA
# title: Who may use the embedded OPA's API
# description: |
#   OPA's own authorization policy, consulted on every request when OPA runs with
#   --authentication=token --authorization=basic (as `kaizen up` starts it). Only the
#   holder of the token in OPA's environment (KAIZEN_OPA_TOKEN, which Kaizen writes
#   0600 under KAIZEN_HOME) may read or write data and policies, or ask for decisions:
#   another local user can reach the port but cannot rewrite a healing mode. Without
#   those flags OPA ignores this package.
package system.authz

import rego.v1

default allow := false

# Readiness probes carry no token; the answer says only whether OPA is up.
allow if {
	input.method == "GET"
	input.path == ["health"]
}

allow if {
	token := opa.runtime().env.KAIZEN_OPA_TOKEN
	token != ""
	input.identity == token
}
