"""What a worker without a cluster answers for the cluster's reads that a run cannot
go without.

A worker with no kubeconfig offers no Kubernetes activities; a sweep's list would then
wait, unanswered, for a worker that never comes. This stands in under the same
activity name and refuses at once, so the sweep ends saying why.
"""

from __future__ import annotations

from typing import Final

from temporalio import activity

from activities.refusals import refusal
from kaizen.v1.kubernetes_pb2 import WorkloadHealthList, WorkloadSelector

NO_CLUSTER: Final = "NoClusterConfigured"


class NoClusterActivities:
    @activity.defn(name="list_workload_health")
    async def list_workload_health(self, selector: WorkloadSelector) -> WorkloadHealthList:
        """Refuses: no cluster is configured on this worker, so there is nothing to read."""
        raise refusal(
            f"no cluster is configured: cannot read the Deployments of {selector.namespace}",
            type=NO_CLUSTER,
        )
