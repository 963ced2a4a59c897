"""The local cluster's traffic, simulated: per-pod metrics that follow the live cluster.

`kaizen up --kube local` runs :mod:`kaizen.traffic.server` as a child process. It watches
the Deployments, ReplicaSets and Pods of the demo namespace and of every promotion
environment's namespace through the Kubernetes API
(:mod:`~kaizen.traffic.cluster`) and serves, for every pod, what a real app and
kube-state-metrics would: request counts by status code, latency histograms, CPU and
memory, restarts (:mod:`~kaizen.traffic.simulation`, :mod:`~kaizen.traffic.exposition`).
What each version does is data (``deploy/local/traffic.toml``, :mod:`~kaizen.traffic.table`).
"""
