// One check-in of the Fleet engine: Azure Kubernetes Fleet Manager carries out the rings,
// this Action decides what each ring gets, when a run may go, who approved, and reports.
//
//   members -> mapping (runs we want) -> our runs: stop, resume, skip, approve, retry, waits
//   -> create the next run when none is active and the window is open -> read back -> outcomes
import type { FleetApi } from '../azure/fleet-manager.js'
import type { FleetPlan, OperationResult } from '../model.js'
import { errorMessage } from '../util/errors.js'
import { CheckIn, type FleetEngineOptions } from './checkin.js'
import { mapToFleet } from './mapping.js'
import { type Blocker, fleetResults } from './outcomes.js'
import { coveringRun, failureText, FINAL, isActive, isOurs, lower, updateText } from './runs.js'
import type { FleetEngineReport, FleetRunView } from './types.js'
import { runState, type UpdateRun } from './wire.js'

export type { FleetEngineOptions } from './checkin.js'

export interface FleetEngineResult {
  report: FleetEngineReport
  results: OperationResult[]
}

function view(run: UpdateRun, check: CheckIn): FleetRunView {
  const name = run.name ?? ''
  const status = run.properties?.status
  const update = run.properties?.managedClusterUpdate
  const custom = update?.nodeImageSelection?.customNodeImageVersions?.map(v => v.version) ?? []
  const selected = (status?.nodeImageSelection?.selectedNodeImageVersions ?? []).flatMap(v => (v.version ? [v.version] : []))
  const waits: Record<string, number> = {}
  for (const s of run.properties?.strategy?.stages ?? []) if (s.afterStageWaitInSeconds) waits[s.name] = s.afterStageWaitInSeconds
  const out: FleetRunView = {
    name,
    ours: isOurs(run),
    state: runState(run),
    update: updateText(run),
    images: selected.length > 0 ? selected : custom,
    stages: status?.stages ?? [],
    waits,
    retry: check.retryOffered.has(name),
    stoppedForWindow: check.stoppedForWindow.has(name)
  }
  if (status?.status?.startTime) out.startTime = status.status.startTime
  if (status?.status?.completedTime) out.completedTime = status.status.completedTime
  if (status?.status?.error) out.error = status.status.error
  return out
}

/** Which runs the dashboard shows: every run of ours not completed, the newest completed one, and anyone's active run. */
function shown(runs: readonly UpdateRun[]): UpdateRun[] {
  const completed = runs
    .filter(r => isOurs(r) && FINAL.has(runState(r)))
    .sort((a, b) => (b.properties?.status?.status?.completedTime ?? '').localeCompare(a.properties?.status?.status?.completedTime ?? ''))
  return runs.filter(r => (isOurs(r) && !FINAL.has(runState(r))) || r === completed[0] || isActive(r))
}

export async function runFleetEngine(plan: FleetPlan, api: FleetApi, options: FleetEngineOptions): Promise<FleetEngineResult> {
  const members = await api.listMembers()
  const mapping = mapToFleet(plan.clusters, members, options)
  const check = new CheckIn(plan, api, options, mapping)
  const before = await api.listRuns()
  for (const run of before) if (isOurs(run) && !FINAL.has(runState(run))) await check.manage(run)

  const blocked = new Map<string, Blocker>()
  let next: ReturnType<CheckIn['nextSpec']>
  try {
    next = check.nextSpec(await api.listRuns(), blocked)
    if (next) await check.create(next, blocked)
  } catch (error: unknown) {
    const text = `Creating the next Fleet update run: ${errorMessage(error)}`
    check.failures.push(text)
    options.log.warning(text)
  }
  for (const spec of mapping.runs) {
    if (spec === next || blocked.has(spec.name)) continue
    blocked.set(spec.name, { reason: 'fleet-queued', detail: next ? `queued behind Fleet update run ${next.name}` : 'queued' })
  }

  // What Fleet shows now; if even that read fails, what it showed at the start of the check-in.
  let runs = before
  try {
    runs = await api.listRuns()
  } catch (error: unknown) {
    check.failures.push(`Reading the update runs again: ${errorMessage(error)} (the report shows them as they were read first)`)
  }
  const byName = new Map(runs.map(r => [r.name ?? '', r]))
  for (const spec of mapping.runs) {
    const cover = byName.has(spec.name) ? undefined : coveringRun(spec, runs)
    if (cover) byName.set(spec.name, cover)
  }
  const wouldCreate = next && options.dryRun ? { wouldCreate: next.name } : {}
  const results = fleetResults(plan, mapping, { dryRun: options.dryRun, runs: byName, startedNow: check.startedNow, blocked, ...wouldCreate })
  const fleetName = options.fleetId.split('/').filter(Boolean).at(-1) ?? options.fleetId
  for (const r of runs.filter(x => !isOurs(x) && isActive(x))) {
    check.notes.push(`Fleet update run ${r.name ?? ''} was not created by this Action and is ${runState(r)}: nothing new starts until it ends.`)
  }
  const report: FleetEngineReport = {
    fleetId: options.fleetId,
    fleetName,
    actions: check.actions,
    runs: shown(runs).map(r => view(r, check)),
    queued: mapping.runs
      .filter(s => !byName.has(s.name))
      .map(s => ({
        name: s.name,
        update: updateText(s.body),
        clusters: s.members.map(m => m.cluster),
        why: blocked.get(s.name)?.detail ?? 'queued'
      })),
    held: plan.clusters.flatMap(cp => {
      const hold = mapping.holds.get(lower(cp.cluster.id))
      return hold ? [{ cluster: cp.cluster.name, detail: hold.detail }] : []
    }),
    notes: check.notes,
    failures: [...runs.filter(r => isOurs(r) && runState(r) === 'Failed').map(failureText), ...check.failures]
  }
  return { report, results }
}
