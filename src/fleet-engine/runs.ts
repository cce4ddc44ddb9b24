// Reading an update run as Fleet returns it: whose it is, what it updates, its members and
// gates. Pure helpers shared by the check-in, the outcomes and the report's view.
import { RUN_PREFIX, type RunSpec } from './mapping.js'
import { ACTIVE_STATES, type GateStatus, type MemberStatus, runState, type StageStatus, type UpdateRun } from './wire.js'

/** States after which a run never moves again. */
export const FINAL: ReadonlySet<string> = new Set(['Completed', 'Skipped'])
/** Member states with nothing left to do in the run. */
const DONE: ReadonlySet<string> = new Set(['Completed', 'Skipped', 'Failed'])

export const lower = (s: string | undefined): string => (s ?? '').trim().toLowerCase()
export const isOurs = (run: UpdateRun): boolean => (run.name ?? '').startsWith(RUN_PREFIX)
export const isActive = (run: UpdateRun): boolean => ACTIVE_STATES.has(runState(run))

export function updateText(run: UpdateRun): string {
  const upgrade = run.properties?.managedClusterUpdate?.upgrade
  if (!upgrade) return 'unknown update'
  return upgrade.type === 'NodeImageOnly'
    ? 'node images'
    : `Kubernetes ${upgrade.kubernetesVersion ?? '?'}${upgrade.type === 'ControlPlaneOnly' ? ' (control plane only)' : ''}`
}

export function stageMembers(stage: StageStatus): MemberStatus[] {
  return (stage.groups ?? []).flatMap(g => g.members ?? [])
}

export function runMembers(run: UpdateRun): MemberStatus[] {
  return (run.properties?.status?.stages ?? []).flatMap(stageMembers)
}

/** A member still to be processed: not started, or waiting (window, region). */
export function isWaiting(m: MemberStatus): boolean {
  return !DONE.has(m.status?.state ?? 'NotStarted') && m.status?.state !== 'Running'
}

/** Gates of a stage (its own and its groups') that wait for someone, with the id to complete them. */
export function waitingGates(stage: StageStatus): GateStatus[] {
  const all = [
    ...(stage.beforeGates ?? []),
    ...(stage.afterGates ?? []),
    ...(stage.groups ?? []).flatMap(g => [...(g.beforeGates ?? []), ...(g.afterGates ?? [])])
  ]
  return all.filter(g => g.status?.state === 'Pending' && g.gateId)
}

/** The gate's name (a GUID): `gateId` in the run status is the gate's resource id. */
export function gateName(gateId: string): string {
  return gateId.split('/').filter(Boolean).at(-1) ?? gateId
}

/**
 * A started, unfinished run of ours that already carries this update to every cluster of the
 * spec: the plan moved on since it was created (ring 0 done, say), so the spec's hash changed,
 * but its clusters are queued inside that run and need no run of their own. A run that never
 * started covers nothing: it may be a leftover of an older plan.
 */
export function coveringRun(spec: RunSpec, runs: readonly UpdateRun[]): UpdateRun | undefined {
  const want = spec.body.properties?.managedClusterUpdate?.upgrade
  return runs.find(r => {
    const has = r.properties?.managedClusterUpdate?.upgrade
    const state = runState(r)
    if (!isOurs(r) || FINAL.has(state) || state === 'NotStarted' || has?.type !== want?.type || has?.kubernetesVersion !== want?.kubernetesVersion)
      return false
    const ids = new Set(runMembers(r).map(m => lower(m.clusterResourceId)))
    return spec.members.every(m => ids.has(lower(m.clusterId)))
  })
}

/** Why a run of ours failed, from its failed members (fail-fast: later stages did not start). */
export function failureText(run: UpdateRun): string {
  const failed = runMembers(run).filter(m => m.status?.state === 'Failed')
  const causes = failed.map(
    m => `${m.name ?? '?'}: ${m.status?.error?.code ?? 'Failed'}${m.status?.error?.message ? ` (${m.status.error.message})` : ''}`
  )
  const why = causes.length > 0 ? causes.join('; ') : (run.properties?.status?.status?.error?.message ?? 'no member error given')
  return `Fleet update run ${run.name ?? ''} failed: ${why}. Later stages did not start; tick its retry box in the dashboard to continue it.`
}

/** `member (cluster)` when they differ: Fleet names members, the approval boxes name clusters. */
export function shownMember(m: MemberStatus): string {
  const cluster = (m.clusterResourceId ?? '').split('/').filter(Boolean).at(-1)
  return cluster && cluster.toLowerCase() !== (m.name ?? '').toLowerCase() ? `${m.name ?? '?'} (${cluster})` : (m.name ?? '?')
}
