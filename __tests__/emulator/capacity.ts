// What a pool upgrade needs beyond the pool itself: surge nodes take regional vCPU quota and
// subnet addresses for as long as the operation runs, and a PodDisruptionBudget with no
// disruption left stops the drain. Compute `usages` and virtual network `usages` report the
// same numbers the admission below checks, so a client that reads them can predict it.
import type { ClusterSeed, Fleet, FleetError, PoolSeed } from './fleet.ts'
import { isClassicAzureCni, vmSizesOf } from './fleet-preflight.ts'
import type { SubnetSeed, UsageSeed, VirtualNetworkSeed } from './fleet-preflight.ts'
import { drainBlock, runningNodes } from './kube-objects.ts'
import type { EmulatorContext, OperationCapacity, OperationRecord } from './types.ts'

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/** Surge nodes of an upgrade: maxSurge as a count or a percent of the pool rounded up; unset: 10%, at least 1. */
function surgeNodes(pool: PoolSeed): number {
  const count = pool.count ?? 0
  const raw = (pool.upgradeSettings?.maxSurge ?? '').trim()
  let surge: number
  if (raw === '') surge = Math.max(1, Math.ceil(count / 10))
  else if (raw.endsWith('%')) surge = Math.ceil((count * Number.parseFloat(raw)) / 100)
  else surge = Number.parseInt(raw, 10) || 0
  // AKS never surges more nodes than the pool has to replace.
  return Math.min(surge, count)
}

// ---------------------------------------------------------------------------
// Compute quota

interface PoolQuota {
  /** The usage row: the size's family, or `lowPriorityCores` for Spot. */
  usage: string
  regional: boolean
  vCPUs: number
}

function quotaOf(fleet: Fleet, pool: PoolSeed): PoolQuota | undefined {
  const size = vmSizesOf(fleet).get((pool.vmSize ?? '').toLowerCase())
  if (size === undefined) return undefined
  // Spot VMs count against the regional low-priority quota only.
  return pool.scaleSetPriority === 'Spot'
    ? { usage: 'lowPriorityCores', regional: false, vCPUs: size.vCPUs }
    : { usage: size.family, regional: true, vCPUs: size.vCPUs }
}

export interface UsageRow {
  name: string
  localizedValue: string
  currentValue: number
  limit: number
}

function localized(name: string): string {
  if (same(name, 'cores')) return 'Total Regional vCPUs'
  if (same(name, 'lowPriorityCores')) return 'Total Regional Low-priority vCPUs'
  const family = /^standard(.+)Family$/i.exec(name)?.[1]
  return family === undefined ? name : `Standard ${family} Family vCPUs`
}

/** Seeded rows for a subscription and location: `<location>` rows, overridden by `<sub>/<location>` ones. */
function seededUsages(fleet: Fleet, sub: string, location: string): Map<string, { name: string; seed: UsageSeed }> {
  const out = new Map<string, { name: string; seed: UsageSeed }>()
  const table = fleet.compute?.usages ?? {}
  for (const key of [location, `${sub}/${location}`]) {
    const rows = Object.entries(table).find(([k]) => same(k, key))?.[1] ?? {}
    for (const [name, seed] of Object.entries(rows)) out.set(name.toLowerCase(), { name, seed })
  }
  return out
}

/**
 * Not seeded: 1000, or twice what the fleet's own nodes use (rounded up to a thousand) when
 * that is more, so that big generated fleets never meet a quota nobody seeded.
 */
function defaultLimit(base: number): number {
  return Math.max(1000, Math.ceil((2 * base) / 1000) * 1000)
}

/** vCPUs per lower-case usage name: `base` from the fleet's running nodes, `surge` from running pool upgrades. */
function vcpuUse(ctx: EmulatorContext, sub: string, location: string): { base: Map<string, number>; surge: Map<string, number> } {
  const fleet = ctx.state.fleet
  const base = new Map<string, number>()
  const surge = new Map<string, number>()
  const add = (map: Map<string, number>, name: string, n: number): void => {
    map.set(name.toLowerCase(), (map.get(name.toLowerCase()) ?? 0) + n)
  }
  for (const cluster of fleet.clusters) {
    if (!same(cluster.subscriptionId, sub) || !same(cluster.location, location)) continue
    for (const pool of cluster.agentPools) {
      const quota = quotaOf(fleet, pool)
      if (quota === undefined) continue
      const vcpus = runningNodes(cluster, pool) * quota.vCPUs
      add(base, quota.usage, vcpus)
      if (quota.regional) add(base, 'cores', vcpus)
    }
  }
  for (const op of ctx.state.operations) {
    if (op.status !== 'InProgress' || op.capacity === undefined || !same(op.subscriptionId, sub) || !same(op.location, location)) continue
    add(surge, op.capacity.usage, op.capacity.vCPUs)
    if (op.capacity.regional) add(surge, 'cores', op.capacity.vCPUs)
  }
  return { base, surge }
}

/** The rows of Compute `usages` for a subscription and location: cores, lowPriorityCores and every known family. */
export function computeUsages(ctx: EmulatorContext, sub: string, location: string): UsageRow[] {
  const fleet = ctx.state.fleet
  const seeded = seededUsages(fleet, sub, location)
  const { base, surge } = vcpuUse(ctx, sub, location)
  const names = new Map<string, string>([
    ['cores', 'cores'],
    ['lowprioritycores', 'lowPriorityCores']
  ])
  for (const size of vmSizesOf(fleet).values()) if (!names.has(size.family.toLowerCase())) names.set(size.family.toLowerCase(), size.family)
  for (const [key, { name }] of seeded) if (!names.has(key)) names.set(key, name)
  return [...names].map(([key, name]) => {
    const seed = seeded.get(key)?.seed
    const own = base.get(key) ?? 0
    return {
      name: seeded.get(key)?.name ?? name,
      localizedValue: localized(name),
      currentValue: (seed?.currentValue ?? own) + (surge.get(key) ?? 0),
      limit: seed?.limit ?? defaultLimit(own)
    }
  })
}

function quotaMessage(cluster: ClusterSeed, row: UsageRow, need: number): string {
  const what = same(row.name, 'cores')
    ? 'Total Regional Cores'
    : same(row.name, 'lowPriorityCores')
      ? 'Total Regional Low-priority Cores'
      : `${row.name} Cores`
  const newLimit = row.currentValue + need
  const params = encodeURIComponent(
    JSON.stringify({
      subscriptionId: cluster.subscriptionId,
      command: 'openQuotaApprovalBlade',
      quotas: [
        {
          location: cluster.location,
          providerId: 'Microsoft.Compute',
          resourceName: row.name,
          quotaRequest: { properties: { limit: newLimit, unit: 'Count', name: { value: row.name } } }
        }
      ]
    })
  )
  return `Preflight validation check for resource(s) for container service ${cluster.name} in resource group MC_${cluster.resourceGroup}_${cluster.name}_${cluster.location} failed. Message: Operation could not be completed as it results in exceeding approved ${what} quota. Additional details - Deployment Model: Resource Manager, Location: ${cluster.location}, Current Limit: ${row.limit}, Current Usage: ${row.currentValue}, Additional Required: ${need}, (Minimum) New Limit Required: ${newLimit}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/${params} by specifying parameters listed in the ‘Details’ section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/regional-quota-requests`
}

// ---------------------------------------------------------------------------
// Subnet addresses

/** Addresses each node of a pool takes, per subnet (ids as the pool names them; compared case-insensitively). */
function addressesPerNode(cluster: ClusterSeed, pool: PoolSeed): Array<{ id: string; perNode: number }> {
  const out: Array<{ id: string; perNode: number }> = []
  const maxPods = pool.maxPods ?? 30
  if (pool.vnetSubnetID !== undefined && pool.vnetSubnetID !== '') {
    out.push({ id: pool.vnetSubnetID, perNode: isClassicAzureCni(cluster.networkProfile, pool) ? 1 + maxPods : 1 })
  }
  if (pool.podSubnetID !== undefined && pool.podSubnetID !== '') {
    const staticBlock = pool.podIPAllocationMode === 'StaticBlock'
    out.push({ id: pool.podSubnetID, perNode: staticBlock ? Math.ceil((maxPods + 1) / 16) * 16 : 16 })
  }
  return out
}

function findSubnet(fleet: Fleet, subnetId: string): { vnet: VirtualNetworkSeed; subnet: SubnetSeed } | undefined {
  for (const vnet of fleet.virtualNetworks ?? []) {
    const subnet = vnet.subnets.find(s => same(`${vnet.id}/subnets/${s.name}`, subnetId))
    if (subnet !== undefined) return { vnet, subnet }
  }
  return undefined
}

/** A subnet's `currentValue`: seeded, else what the fleet's running nodes take; plus running upgrades' surge. */
export function subnetCurrent(ctx: EmulatorContext, vnet: VirtualNetworkSeed, subnet: SubnetSeed): number {
  const id = `${vnet.id}/subnets/${subnet.name}`
  let current = subnet.currentValue ?? 0
  if (subnet.currentValue === undefined) {
    for (const cluster of ctx.state.fleet.clusters) {
      for (const pool of cluster.agentPools) {
        for (const need of addressesPerNode(cluster, pool)) if (same(need.id, id)) current += runningNodes(cluster, pool) * need.perNode
      }
    }
  }
  for (const op of ctx.state.operations) {
    if (op.status !== 'InProgress') continue
    for (const held of op.capacity?.subnets ?? []) if (same(held.id, id)) current += held.addresses
  }
  return current
}

/** A plausible prefix for the message: the smallest block whose usable addresses (size - 5) reach the limit. */
function prefixFor(limit: number): string {
  const bits = Math.ceil(Math.log2(Math.max(8, limit + 5)))
  return `10.240.0.0/${32 - bits}`
}

// ---------------------------------------------------------------------------
// Admission when a pool upgrade starts

function drainFailure(cluster: ClusterSeed, pool: PoolSeed): FleetError | undefined {
  if ((pool.upgradeSettings?.undrainableNodeBehavior ?? '').toLowerCase() === 'cordon') return undefined
  const block = drainBlock(cluster, pool)
  if (block === undefined) return undefined
  const pod = `${block.pod.metadata.namespace ?? 'default'}/${block.pod.metadata.name}`
  return {
    code: 'PodDrainFailure',
    message: `Drain node ${block.node} failed when evicting pod ${block.pod.metadata.name} failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures. Original error: Cannot evict pod as it would violate the pod's disruption budget.. PDB debug info: ${pod} blocked by pdb ${block.pdb.metadata.name} with 0 unready pods.`
  }
}

function capacityFailure(ctx: EmulatorContext, cluster: ClusterSeed, pool: PoolSeed, held: OperationCapacity): FleetError | undefined {
  if (held.vCPUs > 0) {
    const rows = computeUsages(ctx, cluster.subscriptionId, cluster.location)
    for (const name of held.regional ? [held.usage, 'cores'] : [held.usage]) {
      const row = rows.find(r => same(r.name, name))
      if (row !== undefined && row.currentValue + held.vCPUs > row.limit)
        return { code: 'QuotaExceeded', message: quotaMessage(cluster, row, held.vCPUs) }
    }
  }
  for (const need of held.subnets) {
    const found = findSubnet(ctx.state.fleet, need.id)
    if (found === undefined || need.addresses === 0) continue
    if (subnetCurrent(ctx, found.vnet, found.subnet) + need.addresses > found.subnet.limit) {
      return {
        code: 'SubnetIsFull',
        message: `Failed to scale node pool '${pool.name}' in Kubernetes service '${cluster.name}'. Error: VMSSAgentPoolReconciler retry failed: Code='SubnetIsFull' Message='Subnet ${found.subnet.name} with address prefix ${prefixFor(found.subnet.limit)} doesn't have enough capacity for IP addresses.' Details=[]`
      }
    }
  }
  return undefined
}

/**
 * Called as a node-image or pool-version upgrade starts (before it is listed as running):
 * it either takes the surge's vCPUs and addresses (`op.capacity`) or is marked to end
 * `Failed` with QuotaExceeded, SubnetIsFull or PodDrainFailure, in the order AKS meets them.
 * Seeded operations (already running when the emulator starts) take their surge unchecked.
 */
export function admitPoolUpgrade(ctx: EmulatorContext, cluster: ClusterSeed, pool: PoolSeed, op: OperationRecord, seeded: boolean): void {
  const surge = surgeNodes(pool)
  const quota = quotaOf(ctx.state.fleet, pool)
  const held: OperationCapacity = {
    usage: quota?.usage ?? '',
    regional: quota?.regional ?? false,
    vCPUs: quota === undefined ? 0 : surge * quota.vCPUs,
    subnets: addressesPerNode(cluster, pool).map(n => ({ id: n.id, addresses: surge * n.perNode }))
  }
  if (!seeded && op.willFail === undefined) {
    const capacity = capacityFailure(ctx, cluster, pool, held)
    if (capacity !== undefined) {
      op.willFail = capacity
      return
    }
    const drain = drainFailure(cluster, pool)
    if (drain !== undefined) op.willFail = drain
  }
  op.capacity = held
}
