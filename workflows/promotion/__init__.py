"""The promotion run kind: gate, approvals, window, canary rollout, analysis, soak."""
