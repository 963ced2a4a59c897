"""The OPA-threshold arena: a scale guard's thresholds against adversarial scale requests."""
