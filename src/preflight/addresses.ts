// How many subnet addresses each surge node of a pool takes, by the cluster's network model
// (pure). Summed over the surge nodes of the operations in flight, they must fit in the free
// addresses of the subnet.

export interface ClusterNetwork {
  /** `networkProfile.networkPlugin`: `azure`, `kubenet` or `none`. */
  plugin?: string
  /** `networkProfile.networkPluginMode`: `overlay` for Azure CNI Overlay. */
  pluginMode?: string
}

export interface PoolNetwork {
  vnetSubnetId?: string
  podSubnetId?: string
  maxPods?: number
  /** `DynamicIndividual` (default) or `StaticBlock`. */
  podIpAllocationMode?: string
}

export interface AddressNeed {
  subnetId: string
  perNode: number
  /** Why that many, for the report. */
  why: string
}

/** The allocation batch of Azure CNI with a pod subnet (dynamic allocation), and its block size. */
const POD_BATCH = 16

/** AKS's maxPods when unset: 30 for classic Azure CNI, 250 for Overlay, 110 for kubenet. */
function defaultMaxPods(network: ClusterNetwork): number {
  if (isOverlay(network)) return 250
  return plugin(network) === 'azure' ? 30 : 110
}

function plugin(network: ClusterNetwork): string {
  return (network.plugin ?? 'kubenet').toLowerCase()
}

function isOverlay(network: ClusterNetwork): boolean {
  return (network.pluginMode ?? '').toLowerCase() === 'overlay'
}

/**
 * The subnets a surge node draws addresses from; a string when the pool uses none of its
 * own (an AKS-managed virtual network), saying so.
 */
export function addressNeeds(network: ClusterNetwork, pool: PoolNetwork): AddressNeed[] | string {
  if (!pool.vnetSubnetId) return 'uses an AKS-managed virtual network (no vnetSubnetID): its addresses are not checked'
  const maxPods = pool.maxPods ?? defaultMaxPods(network)
  const node = { subnetId: pool.vnetSubnetId }
  if (pool.podSubnetId) {
    const staticBlock = (pool.podIpAllocationMode ?? '').toLowerCase() === 'staticblock'
    const pods = staticBlock ? Math.ceil((maxPods + 1) / POD_BATCH) * POD_BATCH : POD_BATCH
    return [
      { ...node, perNode: 1, why: '1 per node (pods take theirs from the pod subnet)' },
      {
        subnetId: pool.podSubnetId,
        perNode: pods,
        why: staticBlock
          ? `${pods} per node (static blocks of ${POD_BATCH} for maxPods ${maxPods} + 1)`
          : `${POD_BATCH} per node (the allocation batch)`
      }
    ]
  }
  if (plugin(network) === 'azure' && !isOverlay(network)) {
    return [
      {
        ...node,
        perNode: 1 + maxPods,
        why: `${1 + maxPods} per node (Azure CNI reserves an address for each of maxPods ${maxPods}, plus the node's)`
      }
    ]
  }
  const model = isOverlay(network) ? 'Azure CNI Overlay' : plugin(network)
  return [{ ...node, perNode: 1, why: `1 per node (${model}: pod addresses do not come from the subnet)` }]
}
