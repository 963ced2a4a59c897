package fleet.authz_test

import data.fleet.authz

test_small_orders_are_allowed if authz.allow with input as {"amount": 10, "role": "clerk"}

test_large_orders_need_a_manager if {
	not authz.allow with input as {"amount": 900, "role": "clerk"}
	authz.allow with input as {"amount": 900, "role": "manager"}
}

test_huge_orders_are_denied if not authz.allow with input as {"amount": 100000, "role": "manager"}
