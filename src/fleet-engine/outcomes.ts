// Each planned operation's outcome under the Fleet engine, read from the member it belongs
// to in the update run (or from why no run carries it yet), so the report's tables, the
// outputs and the run's failure keep meaning what they mean with `engine: direct`. Pure.
import type { ErrorInfo, FleetPlan, Operation, OperationResult } from '../model.js'
import type { FleetMapping, RunSpec } from './mapping.js'
import { FINAL } from './runs.js'
import { type MemberStatus, runState, type StageStatus, type UpdateRun } from './wire.js'

/** Why a run that carries an operation was not created in this check-in. */
export interface Blocker {
  reason: string
  detail: string
}

export interface OutcomeContext {
  dryRun: boolean
  /** Runs by spec name, as read at the end of the check-in (a spec an earlier run of ours carries maps to that run). */
  runs: ReadonlyMap<string, UpdateRun>
  /** Runs created or started by this check-in: their running members count as started now. */
  startedNow: ReadonlySet<string>
  /** Specs not created, and why. */
  blocked: ReadonlyMap<string, Blocker>
  /** The spec a dry run would create. */
  wouldCreate?: string
}

const lower = (s: string | undefined): string => (s ?? '').trim().toLowerCase()

function findMember(stages: readonly StageStatus[], clusterId: string): { member: MemberStatus; stage: StageStatus } | undefined {
  for (const stage of stages) {
    for (const group of stage.groups ?? []) {
      const member = (group.members ?? []).find(m => lower(m.clusterResourceId) === lower(clusterId))
      if (member) return { member, stage }
    }
  }
  return undefined
}

function pendingGate(stage: StageStatus): boolean {
  const gates = [...(stage.beforeGates ?? []), ...(stage.groups ?? []).flatMap(g => g.beforeGates ?? [])]
  return gates.some(g => g.status?.state === 'Pending')
}

function memberResult(
  op: Operation,
  run: UpdateRun,
  name: string,
  found: ReturnType<typeof findMember>,
  startedNow: boolean,
  ownRun: boolean
): OperationResult {
  if (!found) return { operation: op, outcome: 'pending', holdReason: 'fleet-queued', holdDetail: `not a member of Fleet update run ${name}` }
  const { member, stage } = found
  const status = member.status ?? {}
  const times: Partial<OperationResult> = {}
  if (status.startTime) times.startedAt = status.startTime
  if (status.completedTime) times.finishedAt = status.completedTime
  const text = member.message ?? status.error?.message
  switch (status.state) {
    case 'Completed':
      if (FINAL.has(runState(run)) && ownRun) {
        // The run for this very plan ended, yet the planner still finds the change due.
        const message = `Fleet update run ${name} completed on this member, but the cluster still does not run ${op.to}: Fleet did not apply it (with Custom node images, check that the image family matches the pool's).`
        return { operation: op, outcome: 'failed', ...times, error: { code: 'FleetUpdateNotApplied', message } }
      }
      return { operation: op, outcome: 'succeeded', ...times }
    case 'Running':
      return startedNow
        ? { operation: op, outcome: 'started', ...times }
        : { operation: op, outcome: 'still-running', ...times, holdDetail: `upgrading in Fleet update run ${name}` }
    case 'Failed': {
      const error: ErrorInfo = {
        code: status.error?.code ?? 'UpdateRunMemberFailed',
        message: status.error?.message ?? text ?? `failed in Fleet update run ${name}`
      }
      return { operation: op, outcome: 'failed', ...times, error }
    }
    case 'Pending':
      return { operation: op, outcome: 'pending', holdReason: 'fleet-pending', holdDetail: text ?? `Fleet holds it in update run ${name}` }
    case 'Skipped':
      return { operation: op, outcome: 'skipped', holdReason: 'fleet-skipped', holdDetail: text ?? `skipped in Fleet update run ${name}` }
    default: {
      const state = runState(run)
      if (state === 'Failed' || state === 'Stopped' || state === 'Stopping') {
        return { operation: op, outcome: 'pending', holdReason: 'fleet-run-halted', holdDetail: `Fleet update run ${name} is ${state}` }
      }
      if (pendingGate(stage))
        return {
          operation: op,
          outcome: 'pending',
          holdReason: 'fleet-gate',
          holdDetail: `stage ${stage.name ?? ''} of ${name} waits for its approval gate`
        }
      return {
        operation: op,
        outcome: 'pending',
        holdReason: 'fleet-waiting',
        holdDetail: `waits for stage ${stage.name ?? ''} of Fleet update run ${name}`
      }
    }
  }
}

function specResults(spec: RunSpec, ops: ReadonlyMap<string, Operation>, ctx: OutcomeContext): OperationResult[] {
  const run = ctx.runs.get(spec.name)
  const stages = run?.properties?.status?.stages ?? []
  const blocker = ctx.blocked.get(spec.name)
  return spec.members.flatMap(m =>
    m.operations.flatMap(key => {
      const op = ops.get(key)
      if (!op) return []
      if (run) {
        const name = run.name ?? spec.name
        return [memberResult(op, run, name, findMember(stages, m.clusterId), ctx.startedNow.has(name), name === spec.name)]
      }
      if (ctx.dryRun && ctx.wouldCreate === spec.name) return [{ operation: op, outcome: 'would-start' as const }]
      return [
        {
          operation: op,
          outcome: 'pending' as const,
          holdReason: blocker?.reason ?? 'fleet-queued',
          holdDetail: blocker?.detail ?? `queued as Fleet update run ${spec.name}`
        }
      ]
    })
  )
}

/** One result per planned operation; the same operation is reported once (its first run). */
export function fleetResults(plan: FleetPlan, mapping: FleetMapping, ctx: OutcomeContext): OperationResult[] {
  const ops = new Map<string, Operation>()
  for (const cp of plan.clusters) for (const op of cp.operations) ops.set(op.key, op)
  const out = new Map<string, OperationResult>()
  for (const cp of plan.clusters) {
    const hold = mapping.holds.get(lower(cp.cluster.id))
    if (!hold) continue
    for (const op of cp.operations) out.set(op.key, { operation: op, outcome: 'pending', holdReason: hold.reason, holdDetail: hold.detail })
  }
  for (const spec of mapping.runs) for (const r of specResults(spec, ops, ctx)) if (!out.has(r.operation.key)) out.set(r.operation.key, r)
  return [...out.values()]
}
