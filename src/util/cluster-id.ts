// The one pattern of a managed cluster's ARM resource id, for the inputs, the Azure adapter,
// the report and the approval boxes alike.
import type { ClusterRef } from '../model.js'

/** `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>`; ARM ids are case-insensitive. */
export const CLUSTER_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)\/?$/i

export function clusterId(ref: ClusterRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${ref.name}`
}

/** Subscription, resource group and name of a cluster id; undefined when it is no cluster id. */
export function parseClusterId(id: string): ClusterRef | undefined {
  const m = CLUSTER_ID.exec(id.trim())
  if (!m?.[1] || !m[2] || !m[3]) return undefined
  return { subscriptionId: m[1], resourceGroup: m[2], name: m[3] }
}
