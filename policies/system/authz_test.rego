package system.authz_test

import data.system.authz

runtime := {"env": {"KAIZEN_OPA_TOKEN": "s3cret"}}

write_modes := {"method": "PUT", "path": ["v1", "data", "kaizen", "healing_modes"]}

test_the_token_holder_may_write_data if {
	authz.allow with input as object.union(write_modes, {"identity": "s3cret"})
		with opa.runtime as runtime
}

test_no_token_may_not if {
	not authz.allow with input as write_modes with opa.runtime as runtime
}

test_another_token_may_not if {
	not authz.allow with input as object.union(write_modes, {"identity": "guess"})
		with opa.runtime as runtime
}

test_no_token_may_not_ask_for_decisions if {
	not authz.allow with input as {"method": "POST", "path": ["v1", "data", "kaizen", "healing", "decision"]}
		with opa.runtime as runtime
}

test_an_unset_token_admits_nobody if {
	not authz.allow with input as object.union(write_modes, {"identity": ""})
		with opa.runtime as {"env": {"KAIZEN_OPA_TOKEN": ""}}
	not authz.allow with input as object.union(write_modes, {"identity": ""})
		with opa.runtime as {"env": {}}
}

test_health_needs_no_token if {
	authz.allow with input as {"method": "GET", "path": ["health"]} with opa.runtime as runtime
}

test_health_is_read_only if {
	not authz.allow with input as {"method": "POST", "path": ["health"]} with opa.runtime as runtime
}
