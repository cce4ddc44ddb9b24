// Approvals the rewritten issue must keep ticked. Self-contained on purpose: it is to move
// into the approvals module as it is.
import type { ClusterPlan, PlanEntry, RunReport } from '../model.js'
import { compareMinors, minorOf, namesFromId, type ApprovedBox } from './approvals.js'
import { holdLabel, REASON_LABELS } from './labels.js'
import type { ReportRows, Row } from './rows.js'

/** One approval per cluster and minor: the key an approval given and a box offered share. */
export const approvalKeyOf = (clusterId: string, minor: string): string => `${clusterId.trim().toLowerCase()}|${minor}`

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? `${s[0]?.toLowerCase() ?? ''}${s.slice(1)}` : s
}

/** Why an approved minor upgrade did not start in this run, from its cluster's control-plane row. */
function waitingReason(row: Row | undefined, planned: boolean): string | undefined {
  if (!planned) return 'the cluster was not planned in this run'
  if (!row) return undefined
  const r = row.result
  switch (row.status) {
    case 'pending':
    case 'held':
      return lowerFirst(holdLabel(row))
    case 'in-progress':
      return r && r.operation.kind === 'control-plane' ? 'its upgrade is still running' : 'AKS is busy with another operation'
    case 'failed':
      return r ? 'the last attempt failed' : lowerFirst(REASON_LABELS['failed-state'])
    case 'would-upgrade':
      return 'dry run'
    case 'upgraded':
      return 'a patch upgrade came first'
    case 'up-to-date':
      return undefined
  }
}

/**
 * Every approval that must stay ticked in the rewritten issue: those read from the dashboard
 * (`report.approvals`) and, inferred, each approved minor upgrade that waits (pending or a
 * dry run), one per cluster and minor. An approval stays whatever held its upgrade (a busy
 * cluster, a ring, an earlier failure, a run-wide failure with no plan at all), or the next
 * run would find no approval and ask again; it goes once the control plane runs that minor
 * or newer, or an upgrade of it to that minor succeeded in this run.
 */
export function keptApprovals(report: RunReport, rows: ReportRows): ApprovedBox[] {
  const plans = new Map<string, ClusterPlan>()
  for (const cp of report.plan.clusters) plans.set(cp.cluster.id.trim().toLowerCase(), cp)
  const reached = new Map<string, string[]>()
  for (const r of report.results) {
    const to = minorOf(r.operation.to)
    if (r.outcome !== 'succeeded' || r.operation.kind !== 'control-plane' || !to) continue
    const id = r.operation.clusterId.trim().toLowerCase()
    reached.set(id, [...(reached.get(id) ?? []), to])
  }
  const controlPlanes = new Map<string, Row>()
  for (const row of rows.all) {
    const id = row.clusterId.trim().toLowerCase()
    if (row.pool === null && !controlPlanes.has(id)) controlPlanes.set(id, row)
  }
  const done = (id: string, minor: string): boolean => {
    const cl = plans.get(id)?.cluster
    const runs = cl?.currentKubernetesVersion ?? cl?.kubernetesVersion
    if (runs && (compareMinors(runs, minor) ?? -1) >= 0) return true
    return (reached.get(id) ?? []).some(m => (compareMinors(m, minor) ?? -1) >= 0)
  }

  const out: ApprovedBox[] = []
  const seen = new Set<string>()
  const add = (clusterId: string, version: string | null | undefined, approvedBy: string | undefined, entry?: PlanEntry): void => {
    const minor = minorOf(version)
    if (!minor) return
    const id = clusterId.trim().toLowerCase()
    const key = approvalKeyOf(clusterId, minor)
    if (seen.has(key) || done(id, minor)) return
    seen.add(key)
    const plan = plans.get(id)
    const row = controlPlanes.get(id)
    const names = plan ? { cluster: plan.cluster.name, resourceGroup: plan.cluster.resourceGroup } : namesFromId(clusterId.trim())
    const box: ApprovedBox = { clusterId: plan?.cluster.id ?? clusterId.trim(), minor, ...names }
    const current = plan ? (plan.cluster.currentKubernetesVersion ?? plan.cluster.kubernetesVersion) : entry?.kubernetesVersion.current
    if (current) box.current = current
    const cpTarget = row?.entry?.kubernetesVersion.target
    const target = minorOf(cpTarget) === minor ? cpTarget : entry?.kubernetesVersion.target
    if (target) box.target = target
    if (approvedBy?.trim()) box.approvedBy = approvedBy.trim()
    const waiting = waitingReason(row, plan !== undefined)
    if (waiting) box.waiting = waiting
    out.push(box)
  }
  for (const a of report.approvals ?? []) add(a.clusterId, a.minor, a.approvedBy)
  for (const row of rows.all) {
    const e = row.entry
    const r = row.result
    if (!e || e.action !== 'minor' || !r || (r.outcome !== 'pending' && r.outcome !== 'would-start') || r.operation.upgradeClass !== 'minor') continue
    add(e.clusterId, e.kubernetesVersion.target, undefined, e)
  }
  return out
}
