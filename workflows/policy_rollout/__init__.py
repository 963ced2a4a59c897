"""Policy rollouts: a new policy version to a fleet of OPA servers, all-or-nothing."""
