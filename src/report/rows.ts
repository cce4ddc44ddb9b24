// One row per plan entry (control plane or pool), joined with the result of its operation,
// and sorted into the report's sections. Pure, shared by the body, the comment and the title.
import type { ClusterPlan, OperationResult, PlanEntry, ReasonCode, RunReport } from '../model.js'
import { parseClusterId } from '../util/cluster-id.js'
import { FLEET_SETUP_HOLDS, isPreflightHold } from './labels.js'

export type RowStatus = 'failed' | 'in-progress' | 'upgraded' | 'would-upgrade' | 'pending' | 'held' | 'up-to-date'

export interface Row {
  clusterId: string
  cluster: string
  resourceGroup: string
  subscriptionId: string
  ring: number
  pool: string | null
  plan?: ClusterPlan
  entry?: PlanEntry
  result?: OperationResult
  status: RowStatus
}

// Plan reasons that resolve by themselves or with an approval: waiting, not stuck.
const PENDING_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'upgrade-due',
  'awaiting-approval',
  'node-image-too-new',
  'ring-waiting',
  'ring-soaking',
  'waiting-for-control-plane'
])

function hasNewerTarget(entry: PlanEntry): boolean {
  const k8s = entry.kubernetesVersion.target !== null && entry.kubernetesVersion.target !== entry.kubernetesVersion.current
  const image =
    entry.nodeImageVersion !== null && entry.nodeImageVersion.target !== null && entry.nodeImageVersion.target !== entry.nodeImageVersion.current
  return k8s || image
}

function statusOf(entry: PlanEntry | undefined, result: OperationResult | undefined): RowStatus {
  if (result) {
    switch (result.outcome) {
      case 'failed':
        return 'failed'
      case 'started':
      case 'still-running':
        return 'in-progress'
      case 'succeeded':
        return 'upgraded'
      case 'would-start':
        return 'would-upgrade'
      case 'pending':
        // No applicable AKS schedule, or a pre-flight prediction, is not a wait that ends by
        // itself: the operator has something to fix.
        return result.holdReason === 'no-cluster-schedule' || isPreflightHold(result.holdReason) || FLEET_SETUP_HOLDS.has(result.holdReason ?? '')
          ? 'held'
          : 'pending'
      case 'skipped':
        return 'held'
    }
  }
  if (!entry) return 'held'
  if (entry.reason === 'failed-state') return 'failed'
  if (entry.reason === 'operation-in-progress') return 'in-progress'
  if (entry.reason === 'up-to-date') return 'up-to-date'
  // Nothing newer is known for what was asked (e.g. upgrade: node-image leaves Kubernetes
  // versions unchecked): not a hold an operator must act on.
  if (entry.reason === 'not-selected' && !hasNewerTarget(entry)) return 'up-to-date'
  if (PENDING_REASONS.has(entry.reason)) return 'pending'
  return 'held'
}

// A fleet has thousands of results: index them by cluster once (ids compare
// case-insensitively), and find a pool's among the few of its cluster, instead of building
// and hashing a `cluster|pool` key for every lookup.
interface ResultIndex {
  /** Results not matched to a row yet, by lower-cased cluster id, in report order. */
  byCluster: Map<string, OperationResult[]>
  lower: (id: string) => string
  left: number
}

function indexResults(results: readonly OperationResult[]): ResultIndex {
  const lowered = new Map<string, string>()
  const lower = (id: string): string => {
    let l = lowered.get(id)
    if (l === undefined) {
      l = id.toLowerCase()
      lowered.set(id, l)
    }
    return l
  }
  const byCluster = new Map<string, OperationResult[]>()
  for (let i = 0; i < results.length; i++) {
    const r = results[i]
    if (!r) continue
    const cluster = lower(r.operation.clusterId)
    const list = byCluster.get(cluster)
    if (list) list.push(r)
    else byCluster.set(cluster, [r])
  }
  return { byCluster, lower, left: results.length }
}

function samePool(result: OperationResult, pool: string | null | undefined): boolean {
  return (result.operation.pool ?? '') === (pool ?? '')
}

/**
 * Removes and returns the pool's result for `entry` (the first of the matching kind, else
 * the pool's first), or for `key` (that operation's only).
 */
function take(
  index: ResultIndex,
  clusterId: string,
  pool: string | null | undefined,
  entry: PlanEntry | null,
  key?: string
): OperationResult | undefined {
  const list = index.byCluster.get(index.lower(clusterId))
  if (!list) return undefined
  let found = -1
  for (let i = 0; i < list.length; i++) {
    const r = list[i]
    if (!r || !samePool(r, pool)) continue
    if (entry ? kindMatches(entry, r) : r.operation.key === key) {
      found = i
      break
    }
    // A pool can have two entries (its image refresh beside a held version upgrade): an
    // entry that plans an operation takes only a result of its kind.
    if (entry && found < 0 && !plansOperation(entry)) found = i
  }
  const result = list[found]
  if (!result) return undefined
  list.copyWithin(found, found + 1)
  list.pop()
  index.left--
  return result
}

function plansOperation(entry: PlanEntry): boolean {
  return entry.pool === null || entry.action !== 'none'
}

function kindMatches(entry: PlanEntry, result: OperationResult): boolean {
  const kind = result.operation.kind
  if (entry.pool === null) return kind === 'control-plane'
  if (entry.action === 'node-image') return kind === 'node-image'
  if (entry.action === 'patch' || entry.action === 'minor') return kind === 'pool-version'
  return true
}

function nameFromId(clusterId: string): { cluster: string; resourceGroup: string; subscriptionId: string } {
  const ref = parseClusterId(clusterId)
  return ref
    ? { cluster: ref.name, resourceGroup: ref.resourceGroup, subscriptionId: ref.subscriptionId }
    : { cluster: clusterId, resourceGroup: '', subscriptionId: '' }
}

// Control plane first, then system pools, then the rest, each by name: the order AKS
// upgrades them in, and the order an operator scans a cluster in.
function rank(e: PlanEntry): number {
  return e.pool === null ? 0 : e.mode === 'System' ? 1 : 2
}

function entryOrder(a: PlanEntry, b: PlanEntry): number {
  return rank(a) - rank(b) || (a.pool ?? '').localeCompare(b.pool ?? '')
}

/** The entries in that order: usually as the plan lists them already, so no copy is made. */
function sorted(entries: readonly PlanEntry[]): readonly PlanEntry[] {
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1]
    const b = entries[i]
    if (a && b && entryOrder(a, b) > 0) return [...entries].sort(entryOrder)
  }
  return entries
}

export interface ClusterRows {
  plan: ClusterPlan
  rows: Row[]
}

export interface ReportRows {
  clusters: ClusterRows[]
  /** Every row in report order (ring, cluster, control plane first). */
  all: Row[]
}

export function buildRows(report: RunReport): ReportRows {
  const pending = indexResults(report.results)

  const clusters: ClusterRows[] = []
  const plans = report.plan.clusters
  for (let c = 0; c < plans.length; c++) {
    const plan = plans[c]
    if (!plan) continue
    const rows: Row[] = []
    const entries = sorted(plan.entries)
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e]
      if (!entry) continue
      const result = pending.left > 0 ? take(pending, entry.clusterId, entry.pool, entry) : undefined
      // Folded into the version upgrade that started: that upgrade's row tells it.
      if (entry.foldsInto !== undefined && !result) continue
      const row: Row = {
        clusterId: entry.clusterId,
        cluster: entry.cluster,
        resourceGroup: entry.resourceGroup,
        subscriptionId: entry.subscriptionId,
        ring: plan.ring,
        pool: entry.pool,
        plan,
        entry,
        status: statusOf(entry, result)
      }
      if (result) row.result = result
      rows.push(row)
    }
    // An operation without a matching entry (a second operation on one pool) still shows.
    const operations = plan.operations
    for (let o = 0; o < operations.length && pending.left > 0; o++) {
      const op = operations[o]
      if (!op) continue
      const result = take(pending, op.clusterId, op.pool, null, op.key)
      if (!result) continue
      rows.push({
        clusterId: plan.cluster.id,
        cluster: plan.cluster.name,
        resourceGroup: plan.cluster.resourceGroup,
        subscriptionId: plan.cluster.subscriptionId,
        ring: plan.ring,
        pool: op.pool ?? null,
        plan,
        result,
        status: statusOf(undefined, result)
      })
    }
    clusters.push({ plan, rows })
  }

  const all = clusters.flatMap(c => c.rows)
  if (pending.left === 0) return { clusters, all }
  // Results for clusters the plan does not list: show them rather than lose a failure, by
  // cluster and pool in the order each pair first appears among the results.
  const left = new Set<OperationResult>()
  for (const list of pending.byCluster.values()) for (const r of list) left.add(r)
  const groups = new Map<string, OperationResult[]>()
  for (const r of report.results) {
    const k = `${pending.lower(r.operation.clusterId)}|${r.operation.pool ?? ''}`
    let list = groups.get(k)
    if (!list) {
      list = []
      groups.set(k, list)
    }
    if (left.has(r)) list.push(r)
  }
  for (const list of groups.values()) {
    for (const result of list) {
      all.push({
        ...nameFromId(result.operation.clusterId),
        clusterId: result.operation.clusterId,
        ring: 0,
        pool: result.operation.pool ?? null,
        result,
        status: statusOf(undefined, result)
      })
    }
  }
  return { clusters, all }
}

export interface Counts {
  failed: number
  inProgress: number
  upgraded: number
  wouldUpgrade: number
  pending: number
  awaitingApproval: number
  held: number
  upToDate: number
  readFailures: number
  clusters: number
}

export function countRows(rows: readonly Row[], report: RunReport): Counts {
  const c: Counts = {
    failed: 0,
    inProgress: 0,
    upgraded: 0,
    wouldUpgrade: 0,
    pending: 0,
    awaitingApproval: 0,
    held: 0,
    upToDate: 0,
    readFailures: report.readFailures.length,
    clusters: report.plan.clusters.length
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    switch (row?.status) {
      case 'failed':
        c.failed++
        break
      case 'in-progress':
        c.inProgress++
        break
      case 'upgraded':
        c.upgraded++
        break
      case 'would-upgrade':
        c.wouldUpgrade++
        break
      case 'pending':
        c.pending++
        if (row?.entry?.reason === 'awaiting-approval' && !row.result) c.awaitingApproval++
        break
      case 'held':
        c.held++
        break
      case 'up-to-date':
        c.upToDate++
        break
    }
  }
  return c
}
