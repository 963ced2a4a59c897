"""The healing playbook catalog (versioned TOML in ``playbooks/healing``)."""
