// One row per plan entry (control plane or pool), joined with the result of its operation,
// and sorted into the report's sections. Pure, shared by the body, the comment and the title.
import type { ClusterPlan, OperationResult, PlanEntry, ReasonCode, RunReport } from '../model.js'

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
        // No applicable AKS schedule is not a wait that ends by itself: the cluster is held.
        return result.holdReason === 'no-cluster-schedule' ? 'held' : 'pending'
      case 'skipped':
        return 'held'
    }
  }
  if (!entry) return 'held'
  if (entry.reason === 'failed-state') return 'failed'
  if (entry.reason === 'operation-in-progress') return 'in-progress'
  if (entry.reason === 'up-to-date') return 'up-to-date'
  if (PENDING_REASONS.has(entry.reason)) return 'pending'
  return 'held'
}

function key(clusterId: string, pool: string | null | undefined): string {
  return `${clusterId.toLowerCase()}|${pool ?? ''}`
}

function kindMatches(entry: PlanEntry, result: OperationResult): boolean {
  const kind = result.operation.kind
  if (entry.pool === null) return kind === 'control-plane'
  if (entry.action === 'node-image') return kind === 'node-image'
  if (entry.action === 'patch' || entry.action === 'minor') return kind === 'pool-version'
  return true
}

function nameFromId(clusterId: string): { cluster: string; resourceGroup: string; subscriptionId: string } {
  return {
    cluster: /\/managedClusters\/([^/]+)/i.exec(clusterId)?.[1] ?? clusterId,
    resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(clusterId)?.[1] ?? '',
    subscriptionId: /\/subscriptions\/([^/]+)/i.exec(clusterId)?.[1] ?? ''
  }
}

// Control plane first, then system pools, then the rest, each by name: the order AKS
// upgrades them in, and the order an operator scans a cluster in.
function entryOrder(a: PlanEntry, b: PlanEntry): number {
  const rank = (e: PlanEntry): number => (e.pool === null ? 0 : e.mode === 'System' ? 1 : 2)
  return rank(a) - rank(b) || (a.pool ?? '').localeCompare(b.pool ?? '')
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
  const pending = new Map<string, OperationResult[]>()
  for (const r of report.results) {
    const k = key(r.operation.clusterId, r.operation.pool)
    const list = pending.get(k)
    if (list) list.push(r)
    else pending.set(k, [r])
  }

  const clusters: ClusterRows[] = []
  for (const plan of report.plan.clusters) {
    const rows: Row[] = []
    for (const entry of [...plan.entries].sort(entryOrder)) {
      const candidates = pending.get(key(entry.clusterId, entry.pool)) ?? []
      const index = Math.max(0, candidates.findIndex(r => kindMatches(entry, r)))
      const result = candidates.length > 0 ? candidates.splice(index, 1)[0] : undefined
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
    for (const op of plan.operations) {
      const left = pending.get(key(op.clusterId, op.pool))
      const i = left?.findIndex(r => r.operation.key === op.key) ?? -1
      if (!left || i < 0) continue
      const [result] = left.splice(i, 1)
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
  // Results for clusters the plan does not list: show them rather than lose a failure.
  for (const left of pending.values()) {
    for (const result of left) {
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
  for (const row of rows) {
    switch (row.status) {
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
        if (row.entry?.reason === 'awaiting-approval' && !row.result) c.awaitingApproval++
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
