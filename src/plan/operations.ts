// Turning decisions into a cluster's plan: a pool's version and image decisions merge into one
// entry, every entry gets its row, and due entries become operations in execution order.
import type { ClusterSnapshot, ErrorInfo, Operation, PlanEntry, PoolSnapshot, ReasonCode } from '../model.js'
import type { K8sVersion } from './kubernetes.js'
import { NOT_CHECKED, settled, type Decision, type PlannedVersion } from './decision.js'

/** The fields every entry of a cluster shares. */
export type EntryBase = Pick<PlanEntry, 'clusterId' | 'cluster' | 'resourceGroup' | 'subscriptionId' | 'ring'>

export function entryBase(cluster: ClusterSnapshot, ring: number): EntryBase {
  return {
    clusterId: cluster.id,
    cluster: cluster.name,
    resourceGroup: cluster.resourceGroup,
    subscriptionId: cluster.subscriptionId,
    ring
  }
}

/** The one entry of a cluster that could not be read. */
export function unreadClusterEntry(base: EntryBase, cpCurrent: K8sVersion | undefined, error: ErrorInfo): PlanEntry {
  return {
    ...base,
    pool: null,
    os: null,
    mode: null,
    kubernetesVersion: { current: cpCurrent?.raw ?? null, target: null },
    nodeImageVersion: null,
    action: 'none',
    reason: 'read-failed',
    message: `The cluster could not be read (${error.code}: ${error.message.trim()}), so nothing is planned for it.`,
    warnings: []
  }
}

export function controlPlaneEntry(base: EntryBase, cpCurrent: K8sVersion | undefined, d: Decision, warnings: string[]): PlanEntry {
  return {
    ...base,
    pool: null,
    os: null,
    mode: null,
    kubernetesVersion: { current: cpCurrent?.raw ?? null, target: d.target },
    nodeImageVersion: null,
    action: d.action,
    reason: d.reason,
    message: d.message,
    warnings
  }
}

export function mergePool(version: Decision, image: Decision, warnings: string[]): Decision {
  if (version.reason === 'upgrade-due') {
    // A version upgrade reimages the nodes with the newest image regardless of the node image checks.
    const quiet: ReasonCode[] = ['upgrade-due', 'not-selected', 'no-image-info']
    if (!image.settled && !quiet.includes(image.reason)) {
      warnings.push(`The version upgrade also installs the newest node image, which the node image checks alone would hold (${image.reason}).`)
    }
    return version
  }
  if (version.unchecked) {
    // The control plane's entry says versions were not checked; the pool's image decides,
    // but an image that is current does not make the pool up to date.
    if (!image.settled) return image
    return {
      reason: 'not-selected',
      message: `${image.message.replace(/\.$/, '')}; ${NOT_CHECKED}`,
      target: null,
      action: 'none',
      settled: false
    }
  }
  if (version.reason === 'awaiting-approval') {
    // The approval checkbox is rendered from this entry, so a due node image must not take
    // its place: it gets an entry of its own (imageCompanion).
    if (image.reason !== 'upgrade-due' && !image.settled) warnings.push(image.message)
    return version
  }
  if (image.reason === 'upgrade-due') {
    if (!version.settled) warnings.push(version.message)
    return image
  }
  if (version.settled && image.settled) {
    return settled(`${version.message.replace(/\.$/, '')}, and ${image.message.charAt(0).toLowerCase()}${image.message.slice(1)}`)
  }
  if (!version.settled) {
    if (!image.settled) warnings.push(image.message)
    return version
  }
  return image
}

/** A due Kubernetes version upgrade (it also installs the newest node image). */
function versionDue(d: Decision): boolean {
  return d.reason === 'upgrade-due' && (d.action === 'patch' || d.action === 'minor')
}

function poolCurrent(pool: PoolSnapshot): string | null {
  return pool.currentOrchestratorVersion ?? pool.orchestratorVersion ?? null
}

/** A pool's entry: `d` is the merged decision after holds; the targets show what each dimension would do. */
export function poolEntry(base: EntryBase, pool: PoolSnapshot, version: Decision, image: Decision, d: Decision, warnings: string[]): PlanEntry {
  const imageTarget = versionDue(d) ? (pool.latestNodeImageVersion ?? null) : image.target
  return {
    ...base,
    pool: pool.name,
    os: pool.osType,
    mode: pool.mode,
    kubernetesVersion: { current: poolCurrent(pool), target: version.target },
    nodeImageVersion: { current: pool.nodeImageVersion ?? null, target: imageTarget },
    action: d.action,
    reason: d.reason,
    message: d.message,
    warnings
  }
}

/**
 * The node-image refresh a pool also gets when its version decision took the entry: with a
 * version upgrade due it runs only if that upgrade does not start (`foldsInto`, decided by
 * the executor); with one awaiting approval it runs on its own. Holds on the pool (its state,
 * a halted ring) apply to it as to the version upgrade.
 */
export function imageCompanion(
  base: EntryBase,
  pool: PoolSnapshot,
  image: Decision,
  entry: PlanEntry,
  versionOp: Operation | undefined
): { entry: PlanEntry; op: Operation } | undefined {
  if (image.reason !== 'upgrade-due' || image.action !== 'node-image' || image.target === null) return undefined
  const folds = versionOp?.kind === 'pool-version' ? versionOp.key : undefined
  if (folds === undefined && entry.reason !== 'awaiting-approval') return undefined
  const op = poolOperation(base.clusterId, pool, image)
  if (!op) return undefined
  const companion: PlanEntry = {
    ...base,
    pool: pool.name,
    os: pool.osType,
    mode: pool.mode,
    kubernetesVersion: { current: poolCurrent(pool), target: null },
    nodeImageVersion: { current: pool.nodeImageVersion ?? null, target: image.target },
    action: 'node-image',
    reason: 'upgrade-due',
    message: folds
      ? `${image.message.replace(/\.$/, '')}; the version upgrade brings it when it starts in this run, otherwise it is refreshed on its own.`
      : image.message,
    warnings: []
  }
  if (folds) {
    companion.foldsInto = folds
    op.foldsInto = folds
  }
  return { entry: companion, op }
}

/** The operation of a due pool entry, if any. */
export function poolOperation(clusterId: string, pool: PoolSnapshot, d: Decision): Operation | undefined {
  if (d.reason !== 'upgrade-due' || d.target === null) return undefined
  const poolKey = `${clusterId}/agentPools/${pool.name}`
  if (versionDue(d)) {
    return {
      key: `${poolKey}#pool-version`,
      kind: 'pool-version',
      upgradeClass: d.action === 'minor' ? 'minor' : 'patch',
      clusterId,
      pool: pool.name,
      from: poolCurrent(pool) ?? '',
      to: d.target
    }
  }
  if (d.action === 'node-image') {
    return {
      key: `${poolKey}#node-image`,
      kind: 'node-image',
      upgradeClass: 'node-image',
      clusterId,
      pool: pool.name,
      from: pool.nodeImageVersion ?? '',
      to: d.target
    }
  }
  return undefined
}

/**
 * Execution order: pools pre-upgraded to keep skew, then the control plane, then the other
 * pools (already in pool order: system pools first).
 */
export function orderOperations(
  clusterId: string,
  cpCurrent: K8sVersion | undefined,
  cpPlanned: PlannedVersion | undefined,
  preOps: Operation[],
  poolOps: Operation[]
): Operation[] {
  const operations: Operation[] = [...preOps]
  if (cpPlanned && cpCurrent) {
    operations.push({
      key: `${clusterId}#control-plane`,
      kind: 'control-plane',
      upgradeClass: cpPlanned.upgradeClass,
      clusterId,
      from: cpCurrent.raw,
      to: cpPlanned.to.raw
    })
  }
  operations.push(...poolOps)
  return operations
}
