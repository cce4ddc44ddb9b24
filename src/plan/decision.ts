// What the planner's decisions share: the run's context, the facts read once per cluster,
// the shape of one decision and its constructors, and small helpers used by more than one
// decision (formatting, preview and approval checks, the order of pools).
import type { ClusterSnapshot, EntryAction, KubernetesMinorVersion, PoolSnapshot, ReasonCode, UpgradeKind } from '../model.js'
import type { K8sVersion, OfferedVersion } from './kubernetes.js'
import { findApproval as findGiven, type Approval } from '../approvals.js'
import type { PlannerOptions } from './planner.js'
import { byText, type RingIndex } from './rings.js'

export interface Context {
  options: PlannerOptions
  selected: ReadonlySet<UpgradeKind>
  now: Date
  index: RingIndex
}

/** One dimension (Kubernetes version or node image) of an entry. */
export interface Decision {
  reason: ReasonCode
  message: string
  target: string | null
  action: EntryAction
  /** Nothing to do and nothing worth saying beyond "up to date". */
  settled: boolean
  /** Kubernetes versions were not evaluated at all (neither `patch` nor `minor` selected). */
  unchecked?: boolean
}

export interface Hold {
  reason: ReasonCode
  message: string
}

export interface ClusterFacts {
  cluster: ClusterSnapshot
  ring: number
  location: KubernetesMinorVersion[]
  cpCurrent: K8sVersion | undefined
  /** AKS's auto-upgrade channel owns the version and the user did not override it. */
  channelHold: Hold | undefined
  poolHolds: Map<string, Hold | undefined>
}

export interface PlannedVersion {
  to: K8sVersion
  upgradeClass: 'patch' | 'minor'
}

export interface PreUpgrade {
  pool: PoolSnapshot
  /** One minor up from the pool's version: enough to stay within three minors of the control plane's target. */
  to: K8sVersion
}

export interface ControlPlaneIntent {
  decision: Decision
  /** Set when the decision is upgrade-due. */
  op?: PlannedVersion
  /** Pools to upgrade by one minor first, so the control plane's minor upgrade keeps skew. */
  preUpgrade: PreUpgrade[]
}

export function fmtInstant(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

export function fmtDate(d: Date): string {
  return d.toISOString().slice(0, 10)
}

export function settled(message: string): Decision {
  return { reason: 'up-to-date', message, target: null, action: 'none', settled: true }
}

export function held(reason: ReasonCode, message: string, target: string | null): Decision {
  return { reason, message, target, action: 'none', settled: false }
}

export function due(action: EntryAction, message: string, target: string): Decision {
  return { reason: 'upgrade-due', message, target, action, settled: false }
}

export function poolOrder(a: PoolSnapshot, b: PoolSnapshot): number {
  // System pools first: AKS needs them healthy while user pools drain onto new nodes.
  const sa = a.mode.toLowerCase() === 'system' ? 0 : 1
  const sb = b.mode.toLowerCase() === 'system' ? 0 : 1
  return sa - sb || byText(a.name, b.name)
}

export const NOT_CHECKED = 'Kubernetes versions are not checked: add `patch` (or `minor`) to the `upgrade` input.'

export function versionsChecked(ctx: Context): boolean {
  return ctx.selected.has('patch') || ctx.selected.has('minor')
}

export function allowed(o: OfferedVersion, ctx: Context): boolean {
  return ctx.options.allowPreview || !o.isPreview
}

export function findApproval(ctx: Context, clusterId: string, minor: string): Approval | undefined {
  return findGiven(ctx.options.approvals, clusterId, minor)
}

export function approvalNote(approval: Approval): string {
  // GitHub's REST API does not say who ticked a box; say where the approval came from.
  return approval.approvedBy ? `, approved by ${approval.approvedBy}` : ', approved in the issue'
}

export function awaitingApproval(cur: string, target: string): Decision {
  return {
    reason: 'awaiting-approval',
    message: `Kubernetes ${cur} → ${target} (minor) awaits approval: tick its checkbox in the dashboard issue.`,
    target,
    action: 'minor',
    settled: false
  }
}
