"""Policy rollouts' API logic: publishing versions, the bundle server, node configs."""
