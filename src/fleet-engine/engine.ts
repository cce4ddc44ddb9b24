// One check-in of the Fleet engine: Azure Kubernetes Fleet Manager carries out the rings,
// this Action decides what each ring gets, when a run may go, who approved, and reports.
// Every write carries If-Match (or If-None-Match: * to create), nothing waits on an LRO,
// and a 412 means: read again and decide again.
//
//   members -> mapping (runs we want) -> our runs: stop, resume, approve, retry, skip waits
//   -> create the next run when none is active and the window is open -> outcomes
import { findApproval } from '../approvals.js'
import type { FleetApi } from '../azure/fleet-manager.js'
import { StaleWriteError } from '../azure/fleet-manager.js'
import type { Approval } from '../approvals.js'
import type { FleetPlan, OperationResult, WindowDecision } from '../model.js'
import { minorOf } from '../plan/kubernetes.js'
import { errorMessage } from '../util/errors.js'
import { GATE_PREFIX, type FleetMapping, type FleetMappingOptions, mapToFleet, RUN_PREFIX, type RunSpec } from './mapping.js'
import { type Blocker, fleetResults } from './outcomes.js'
import type { FleetEngineReport, FleetRunView } from './types.js'
import { ACTIVE_STATES, type GateStatus, type MemberStatus, runState, type StageStatus, type UpdateRun } from './wire.js'

export interface FleetEngineOptions extends FleetMappingOptions {
  dryRun: boolean
  /** Our window (input `maintenance-window`, blackouts) at an instant. */
  window: (at: Date) => WindowDecision
  /** Counted ticks of the dashboard: minor approvals (gates) and `retry` boxes. */
  approvals: readonly Approval[]
  /** Runs the last report says this Action stopped because the window closed. */
  windowStopped: ReadonlySet<string>
  /** Whether that list was read from a dashboard; without one, a run stopped while the window was closed counts as ours. */
  dashboardRead: boolean
  log: { info: (m: string) => void; warning: (m: string) => void }
}

export interface FleetEngineResult {
  report: FleetEngineReport
  results: OperationResult[]
}

/** Retry-tick key: the dashboard's box for a run carries its resource id and `retry`. */
const RETRY = 'retry'
const TRIES = 3
const FINAL = new Set(['Completed', 'Skipped'])
const lower = (s: string | undefined): string => (s ?? '').trim().toLowerCase()
const isOurs = (run: UpdateRun): boolean => (run.name ?? '').startsWith(RUN_PREFIX)

function updateText(run: UpdateRun): string {
  const upgrade = run.properties?.managedClusterUpdate?.upgrade
  if (!upgrade) return 'unknown update'
  return upgrade.type === 'NodeImageOnly'
    ? 'node images'
    : `Kubernetes ${upgrade.kubernetesVersion ?? '?'}${upgrade.type === 'ControlPlaneOnly' ? ' (control plane only)' : ''}`
}

function stageMembers(stage: StageStatus): MemberStatus[] {
  return (stage.groups ?? []).flatMap(g => g.members ?? [])
}

function waitingGates(stage: StageStatus): GateStatus[] {
  const all = [
    ...(stage.beforeGates ?? []),
    ...(stage.afterGates ?? []),
    ...(stage.groups ?? []).flatMap(g => [...(g.beforeGates ?? []), ...(g.afterGates ?? [])])
  ]
  return all.filter(g => g.status?.state === 'Pending' && g.gateId)
}

class CheckIn {
  readonly actions: string[] = []
  readonly notes: string[] = []
  readonly stoppedForWindow = new Set<string>()
  readonly retryOffered = new Set<string>()
  readonly startedNow = new Set<string>()
  private readonly window: WindowDecision
  /** Closed for starting: outside the window, a blackout, or too little of it left. */
  readonly open: boolean
  /** Closed for running: outside the window or a blackout (too little left lets a run finish its members). */
  private readonly closed: boolean

  private readonly plan: FleetPlan
  private readonly api: FleetApi
  private readonly options: FleetEngineOptions
  readonly mapping: FleetMapping

  constructor(plan: FleetPlan, api: FleetApi, options: FleetEngineOptions, mapping: FleetMapping) {
    this.plan = plan
    this.api = api
    this.options = options
    this.mapping = mapping
    this.window = options.window(options.now)
    this.open = this.window.open
    this.closed = !this.window.open && (this.window.reason === 'outside-window' || this.window.reason === 'blackout')
  }

  private act(text: string): void {
    const line = this.options.dryRun ? `Would ${text.charAt(0).toLowerCase()}${text.slice(1)}` : text
    this.actions.push(line)
    this.options.log.info(line)
  }

  /** Decide on a run, reading it again after a 412 (someone changed it in between). */
  async manage(first: UpdateRun): Promise<void> {
    const name = first.name ?? ''
    let run: UpdateRun | undefined = first
    for (let attempt = 1; run !== undefined; attempt++) {
      try {
        await this.decide(name, run)
        return
      } catch (error: unknown) {
        if (!(error instanceof StaleWriteError) || attempt >= TRIES) throw error
        this.options.log.info(`${errorMessage(error)}; reading ${name} again`)
        run = await this.api.getRun(name)
      }
    }
  }

  private retryTicked(run: UpdateRun): boolean {
    return this.options.approvals.some(a => a.refused === undefined && a.minor === RETRY && lower(a.clusterId) === lower(run.id))
  }

  private stoppedByUs(run: UpdateRun): boolean {
    const name = run.name ?? ''
    if (this.options.windowStopped.has(name)) return true
    if (this.options.dashboardRead) return false
    const at = run.properties?.status?.status?.completedTime
    return at !== undefined && !this.options.window(new Date(at)).open
  }

  private async decide(name: string, run: UpdateRun): Promise<void> {
    const state = runState(run)
    const dry = this.options.dryRun
    if (state === 'Running' || state === 'Pending') {
      if (this.closed) {
        this.act(`Stop Fleet update run ${name}: ${this.window.detail}. Members already upgrading finish; it resumes in the next window.`)
        if (!dry) await this.api.act(name, 'stop', run.eTag)
        this.stoppedForWindow.add(name)
        return
      }
      const approved = await this.approveGates(name, run)
      await this.skipSoakedWaits(name, approved ?? run)
    } else if (state === 'Stopped' && this.stoppedByUs(run)) {
      this.stoppedForWindow.add(name)
      if (!this.open) return
      this.act(`Resume Fleet update run ${name}: the window is open; it continues at the first member not yet processed.`)
      if (!dry) await this.api.act(name, 'start', run.eTag)
      this.stoppedForWindow.delete(name)
      this.startedNow.add(name)
    } else if (state === 'Stopped' || state === 'Failed') {
      if (!this.retryTicked(run)) {
        this.retryOffered.add(name)
        return
      }
      this.act(`Restart Fleet update run ${name} (${state}): a writer ticked its retry box.`)
      if (!dry) await this.api.act(name, 'start', run.eTag)
      this.startedNow.add(name)
    } else if (state === 'NotStarted') {
      await this.startNew(name, run)
    } else if (state === 'Stopping' && this.options.windowStopped.has(name)) {
      // Still finishing its members after our stop: keep the marker, or it would wait for a retry tick.
      this.stoppedForWindow.add(name)
    }
  }

  /** A created run: skip the members this plan leaves out, then start it (when the window is open). */
  private async startNew(name: string, run: UpdateRun): Promise<void> {
    const spec = this.mapping.runs.find(r => r.name === name)
    if (!spec) {
      this.notes.push(`Fleet update run ${name} was created for an earlier plan and never started; it is left as it is (delete it, or let it be).`)
      return
    }
    if (!this.open) return
    let eTag = run.eTag
    const present = new Set(
      (run.properties?.status?.stages ?? [])
        .flatMap(stageMembers)
        .filter(m => m.status?.state !== 'Skipped')
        .map(m => m.name ?? '')
    )
    const skip = spec.skip.filter(m => present.has(m))
    if (skip.length > 0) {
      this.act(
        `Skip ${skip.join(', ')} in Fleet update run ${name}: in the run's groups, but not planned for this update (held, stopped or not ours).`
      )
      if (!this.options.dryRun)
        eTag =
          (
            await this.api.skip(
              name,
              skip.map(m => ({ type: 'Member', name: m })),
              eTag
            )
          )?.eTag ?? (await this.api.getRun(name))?.eTag
    }
    this.act(`Start Fleet update run ${name} (${updateText(spec.body)}, ${spec.members.length} cluster(s)).`)
    this.startedNow.add(name)
    if (this.options.dryRun) return
    const started = (await this.api.act(name, 'start', eTag)) ?? (await this.api.getRun(name))
    // A gate before the first stage appears at start: approved already, it need not wait an hour.
    if (started && runState(started) === 'Pending') await this.approveGates(name, started)
  }

  /** Our approval gates that wait: complete each once a writer approved its clusters; skip the clusters nobody approved. */
  private async approveGates(name: string, run: UpdateRun): Promise<UpdateRun | undefined> {
    const minor = minorOf(run.properties?.managedClusterUpdate?.upgrade.kubernetesVersion)
    let current: UpdateRun | undefined
    for (const stage of run.properties?.status?.stages ?? []) {
      for (const gate of waitingGates(stage)) {
        if (!(gate.displayName ?? '').startsWith(GATE_PREFIX) || !minor || !gate.gateId) continue
        const members = stageMembers(stage).filter(m => ['NotStarted', 'Pending', undefined].includes(m.status?.state))
        const approved = members.filter(m => findApproval(this.options.approvals, m.clusterResourceId ?? '', minor) !== undefined)
        if (approved.length === 0) {
          this.notes.push(
            `Stage ${stage.name ?? ''} of ${name} waits at its approval gate: tick the approval boxes of its clusters (Kubernetes ${minor}).`
          )
          continue
        }
        const rest = members.filter(m => !approved.includes(m))
        if (rest.length > 0) {
          this.act(`Skip ${rest.map(m => m.name ?? '').join(', ')} in ${name}: not approved for Kubernetes ${minor}; the approved clusters go on.`)
          if (!this.options.dryRun)
            current = await this.api.skip(
              name,
              rest.map(m => ({ type: 'Member' as const, name: m.name ?? '' })),
              (current ?? run).eTag
            )
        }
        const who = [
          ...new Set(approved.map(m => findApproval(this.options.approvals, m.clusterResourceId ?? '', minor)?.approvedBy ?? 'a writer'))
        ].join(', ')
        this.act(
          `Complete the approval gate of stage ${stage.name ?? ''} in ${name} for ${approved.map(m => m.name ?? '').join(', ')} (approved by ${who}).`
        )
        if (!this.options.dryRun) {
          // `gateId` is the gate's resource id (the examples); the gate is named by its GUID.
          const gateName = gate.gateId.split('/').filter(Boolean).at(-1) ?? gate.gateId
          const resource = await this.api.getGate(gateName)
          await this.api.completeGate(gateName, resource?.eTag)
        }
      }
    }
    return current
  }

  /** The planner's soak clock (recentlyUsedVersions) already satisfied: no need to sit out Fleet's wait. */
  private async skipSoakedWaits(name: string, run: UpdateRun): Promise<void> {
    const stages = run.properties?.status?.stages ?? []
    for (const [i, stage] of stages.entries()) {
      if (stage.afterStageWaitStatus?.status?.state !== 'Running') continue
      const next = stages[i + 1]
      if (!next || !this.soaked(stageMembers(next))) continue
      this.act(
        `Skip the wait after stage ${stage.name ?? ''} of ${name}: by the planner's clock the ring has run the update for ring-soak-days already.`
      )
      if (!this.options.dryRun) await this.api.skip(name, [{ type: 'AfterStageWait', name: stage.name ?? '' }], run.eTag)
      return
    }
  }

  private soaked(members: readonly MemberStatus[]): boolean {
    const ids = new Set(members.map(m => lower(m.clusterResourceId)))
    const plans = this.plan.clusters.filter(cp => ids.has(lower(cp.cluster.id)))
    return plans.length > 0 && plans.every(cp => cp.entries.every(e => e.reason !== 'ring-soaking' && e.reason !== 'ring-waiting'))
  }

  /** The first run of the plan that may be created now, or why none. */
  nextSpec(runs: readonly UpdateRun[], blocked: Map<string, Blocker>): RunSpec | undefined {
    const byName = new Map(runs.map(r => [r.name ?? '', r]))
    const active = runs.filter(r => ACTIVE_STATES.has(runState(r)) || this.startedNow.has(r.name ?? ''))
    const unresolved = runs.filter(r => isOurs(r) && (runState(r) === 'Failed' || runState(r) === 'Stopped'))
    const busy = new Set(unresolved.flatMap(r => (r.properties?.status?.stages ?? []).flatMap(stageMembers).map(m => lower(m.clusterResourceId))))
    for (const spec of this.mapping.runs) {
      const existing = byName.get(spec.name)
      if (!existing && coveringRun(spec, runs)) continue
      if (existing) {
        if (FINAL.has(runState(existing)))
          this.notes.push(`Fleet update run ${spec.name} for this plan already ended (${runState(existing)}); it is not created again.`)
        continue
      }
      const block = (reason: string, detail: string): void => void blocked.set(spec.name, { reason, detail })
      const first = active[0]
      if (first) block('fleet-run-active', `Fleet update run ${first.name ?? ''} is ${runState(first)}: Fleet runs one update at a time`)
      else if (!this.open) block(this.window.reason ?? 'outside-window', this.window.detail)
      else if (spec.members.some(m => busy.has(lower(m.clusterId))))
        block('fleet-run-halted', 'an earlier Fleet update run of these clusters failed or was stopped: retry or delete it first')
      else if (spec.kind === 'minor' && this.options.approvalGates && !this.firstRingApproved(spec))
        block('fleet-gate', 'waits until a writer approves a cluster of its first ring (the approval boxes below)')
      else if (!blocked.has(spec.name)) return spec
    }
    return undefined
  }

  private firstRingApproved(spec: RunSpec): boolean {
    const ring = Math.min(...spec.members.map(m => m.ring))
    const minor = minorOf(spec.kubernetesVersion)
    return minor !== null && spec.members.some(m => m.ring === ring && findApproval(this.options.approvals, m.clusterId, minor) !== undefined)
  }

  /** Set the members' groups (a run snapshots them), create the run, then skip and start it. */
  async create(spec: RunSpec): Promise<void> {
    // Every planned member gets its group now, not only this run's: the group sizes (and so
    // maxConcurrency) were counted with all of them, and the later runs need them anyway.
    for (const change of this.mapping.groupChanges) {
      this.act(`Set the group of fleet member ${change.member} to ${change.to}${change.from ? ` (was ${change.from})` : ''}.`)
      if (!this.options.dryRun) await this.api.setGroup(change.member, change.to, change.eTag)
    }
    this.act(
      `Create Fleet update run ${spec.name}: ${updateText(spec.body)} through ${(spec.body.properties?.strategy?.stages ?? []).map(s => s.name).join(' → ')}.`
    )
    for (const note of spec.notes) this.notes.push(note)
    if (this.options.dryRun) return
    if (!(await this.api.createRun(spec.name, spec.body))) this.options.log.info(`Fleet update run ${spec.name} exists already: continuing it.`)
    const run = await this.api.getRun(spec.name)
    if (run) await this.manage(run)
  }
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

/**
 * An unfinished run of ours that already carries this update to every cluster of the spec:
 * the plan moved on since it was created (ring 0 done, say), so the spec's hash changed, but
 * its clusters are queued inside that run and need no run of their own.
 */
function coveringRun(spec: RunSpec, runs: readonly UpdateRun[]): UpdateRun | undefined {
  const want = spec.body.properties?.managedClusterUpdate?.upgrade
  return runs.find(r => {
    const has = r.properties?.managedClusterUpdate?.upgrade
    if (!isOurs(r) || FINAL.has(runState(r)) || has?.type !== want?.type || has?.kubernetesVersion !== want?.kubernetesVersion) return false
    const ids = new Set((r.properties?.status?.stages ?? []).flatMap(stageMembers).map(m => lower(m.clusterResourceId)))
    return spec.members.every(m => ids.has(lower(m.clusterId)))
  })
}

/** Why a run of ours failed, from its failed members (fail-fast: later stages did not start). */
function failureText(run: UpdateRun): string {
  const failed = (run.properties?.status?.stages ?? []).flatMap(stageMembers).filter(m => m.status?.state === 'Failed')
  const causes = failed.map(
    m => `${m.name ?? '?'}: ${m.status?.error?.code ?? 'Failed'}${m.status?.error?.message ? ` (${m.status.error.message})` : ''}`
  )
  const why = causes.length > 0 ? causes.join('; ') : (run.properties?.status?.status?.error?.message ?? 'no member error given')
  return `Fleet update run ${run.name ?? ''} failed: ${why}. Later stages did not start; tick its retry box in the dashboard to continue it.`
}

/** Which runs the dashboard shows: every run of ours not completed, the newest completed one, and anyone's active run. */
function shown(runs: readonly UpdateRun[]): UpdateRun[] {
  const completed = runs
    .filter(r => isOurs(r) && FINAL.has(runState(r)))
    .sort((a, b) => (b.properties?.status?.status?.completedTime ?? '').localeCompare(a.properties?.status?.status?.completedTime ?? ''))
  return runs.filter(r => (isOurs(r) && !FINAL.has(runState(r))) || r === completed[0] || ACTIVE_STATES.has(runState(r)))
}

export async function runFleetEngine(plan: FleetPlan, api: FleetApi, options: FleetEngineOptions): Promise<FleetEngineResult> {
  const members = await api.listMembers()
  const mapping = mapToFleet(plan.clusters, members, options)
  const check = new CheckIn(plan, api, options, mapping)
  for (const run of await api.listRuns()) if (isOurs(run) && !FINAL.has(runState(run))) await check.manage(run)

  const blocked = new Map<string, Blocker>()
  const next = check.nextSpec(await api.listRuns(), blocked)
  if (next) await check.create(next)
  for (const spec of mapping.runs) {
    if (spec === next || blocked.has(spec.name)) continue
    blocked.set(spec.name, { reason: 'fleet-queued', detail: next ? `queued behind Fleet update run ${next.name}` : 'queued' })
  }

  const runs = await api.listRuns()
  const byName = new Map(runs.map(r => [r.name ?? '', r]))
  for (const spec of mapping.runs) {
    const cover = byName.has(spec.name) ? undefined : coveringRun(spec, runs)
    if (cover) byName.set(spec.name, cover)
  }
  const ctx = {
    dryRun: options.dryRun,
    runs: byName,
    startedNow: check.startedNow,
    blocked,
    ...(next && options.dryRun ? { wouldCreate: next.name } : {})
  }
  const results = fleetResults(plan, mapping, ctx)
  const fleetName = options.fleetId.split('/').filter(Boolean).at(-1) ?? options.fleetId
  const foreign = runs.filter(r => !isOurs(r) && ACTIVE_STATES.has(runState(r)))
  for (const r of foreign)
    check.notes.push(`Fleet update run ${r.name ?? ''} was not created by this Action and is ${runState(r)}: nothing new starts until it ends.`)
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
    notes: [...mapping.notes, ...check.notes],
    failures: runs.filter(r => isOurs(r) && runState(r) === 'Failed').map(failureText)
  }
  return { report, results }
}
