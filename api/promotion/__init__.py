"""Promotion-specific API logic: environments, builds and evidence, start validation."""
