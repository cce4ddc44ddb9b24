// One check-in's decisions over Fleet's update runs. Every write carries If-Match with the
// eTag just read (If-None-Match: * to create); a 412 means read again and decide again; a 202
// means accepted, so what depends on it waits until a read shows it done (now, or on the next
// check-in). An error in one decision is reported and the others still happen.
import { type Approval, findApproval } from '../approvals.js'
import type { FleetApi } from '../azure/fleet-manager.js'
import { StaleWriteError } from '../azure/fleet-manager.js'
import type { FleetPlan, WindowDecision } from '../model.js'
import { minorOf } from '../plan/kubernetes.js'
import { errorMessage } from '../util/errors.js'
import { type FleetMapping, type FleetMappingOptions, GATE_PREFIX, type RunSpec } from './mapping.js'
import type { Blocker } from './outcomes.js'
import {
  coveringRun,
  FINAL,
  gateName,
  isActive,
  isOurs,
  isWaiting,
  lower,
  runMembers,
  shownMember,
  stageMembers,
  updateText,
  waitingGates
} from './runs.js'
import { type MemberStatus, runState, type UpdateRun } from './wire.js'

export interface FleetEngineOptions extends FleetMappingOptions {
  dryRun: boolean
  /** Our window (input `maintenance-window`, blackouts) at an instant. */
  window: (at: Date) => WindowDecision
  /** Counted ticks of the dashboard: minor approvals (gates) and `retry` boxes. */
  approvals: readonly Approval[]
  /** Runs the last report marked as stopped by this Action because the window closed. */
  windowStopped: ReadonlySet<string>
  /** No dashboard keeps those marks (`issue: off` or `per-run`): a run that stopped while the window was closed counts as ours. */
  guessStops: boolean
  log: { info: (m: string) => void; warning: (m: string) => void }
}

/** The retry box's key: the run's resource id and `retry`. */
const RETRY = 'retry'
const TRIES = 3
/**
 * Planner reasons that make Fleet fail a member (it upgrades all of a member's pools), or that
 * leave us blind to it (its read failed): such a member is skipped rather than upgraded unseen.
 */
const UNFIT_REASONS = new Set(['stopped', 'failed-state', 'read-failed'])
const MAX_GROUPS_PER_STAGE = 50

export class CheckIn {
  readonly actions: string[] = []
  readonly notes: string[] = []
  /** Writes or reads that failed: the job fails with them, and the report is still written. */
  readonly failures: string[] = []
  readonly stoppedForWindow = new Set<string>()
  readonly retryOffered = new Set<string>()
  readonly startedNow = new Set<string>()
  readonly mapping: FleetMapping
  /** May a run start (or resume) now. */
  readonly open: boolean
  private readonly window: WindowDecision
  private readonly plan: FleetPlan
  private readonly api: FleetApi
  private readonly options: FleetEngineOptions
  /** Lower-case ids of clusters Fleet must not touch now (powered off, failed, held by pre-flight). */
  private readonly unfit: Map<string, string>

  constructor(plan: FleetPlan, api: FleetApi, options: FleetEngineOptions, mapping: FleetMapping) {
    this.plan = plan
    this.api = api
    this.options = options
    this.mapping = mapping
    this.window = options.window(options.now)
    this.open = this.window.open
    this.unfit = new Map()
    for (const cp of plan.clusters) {
      const id = lower(cp.cluster.id)
      const entry = cp.entries.find(e => UNFIT_REASONS.has(e.reason))
      if (cp.cluster.powerState.toLowerCase() === 'stopped') this.unfit.set(id, 'the cluster is stopped')
      else if (entry) this.unfit.set(id, `${entry.pool ?? 'the control plane'}: ${entry.message}`)
      else if (mapping.holds.get(id)) this.unfit.set(id, mapping.holds.get(id)?.detail ?? 'held')
    }
  }

  private act(text: string): void {
    const line = this.options.dryRun ? `Would ${text.charAt(0).toLowerCase()}${text.slice(1)}` : text
    this.actions.push(line)
    this.options.log.info(line)
  }

  private fail(what: string, error: unknown): void {
    const text = `${what}: ${errorMessage(error)}`
    this.failures.push(text)
    this.options.log.warning(text)
  }

  /** The eTag to send with If-Match; read again when the run came without one. */
  private async eTag(name: string, run: UpdateRun): Promise<string> {
    const tag = run.eTag ?? (await this.api.getRun(name))?.eTag
    if (!tag) throw new Error(`Fleet returned update run ${name} without an eTag, so no write can be made safely (If-Match)`)
    return tag
  }

  /** Decide on a run, reading it again after a 412 (someone changed it in between). */
  async manage(first: UpdateRun): Promise<void> {
    const name = first.name ?? ''
    let run: UpdateRun | undefined = first
    try {
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
    } catch (error: unknown) {
      this.fail(`Fleet update run ${name}`, error)
    }
  }

  private retryTicked(run: UpdateRun): boolean {
    return this.options.approvals.some(a => a.refused === undefined && a.minor === RETRY && lower(a.clusterId) === lower(run.id))
  }

  private stoppedByUs(run: UpdateRun): boolean {
    const name = run.name ?? ''
    if (this.options.windowStopped.has(name)) return true
    const at = run.properties?.status?.status?.completedTime
    return this.options.guessStops && at !== undefined && !this.options.window(new Date(at)).open
  }

  private async decide(name: string, run: UpdateRun): Promise<void> {
    const state = runState(run)
    const dry = this.options.dryRun
    if (state === 'Running' || state === 'Pending') {
      if (!this.open) {
        this.act(`Stop Fleet update run ${name}: ${this.window.detail}. Members already upgrading finish; it resumes in the next window.`)
        if (!dry) await this.api.act(name, 'stop', await this.eTag(name, run))
        this.stoppedForWindow.add(name)
        return
      }
      let current = await this.skipUnfit(name, run)
      current = await this.approveGates(name, current)
      await this.skipSoakedWaits(name, current)
    } else if (state === 'Stopped' && this.stoppedByUs(run)) {
      this.stoppedForWindow.add(name)
      if (!this.open) return
      this.act(`Resume Fleet update run ${name}: the window is open; it continues at the first member not yet processed.`)
      if (!dry) await this.api.act(name, 'start', await this.eTag(name, run))
      this.stoppedForWindow.delete(name)
      this.startedNow.add(name)
    } else if (state === 'Stopped' || state === 'Failed') {
      if (!this.retryTicked(run)) {
        this.retryOffered.add(name)
        return
      }
      this.act(`Restart Fleet update run ${name} (${state}): a writer ticked its retry box.`)
      if (!dry) await this.api.act(name, 'start', await this.eTag(name, run))
      this.startedNow.add(name)
    } else if (state === 'NotStarted') {
      await this.startNew(name, run)
    } else if (state === 'Stopping' && this.options.windowStopped.has(name)) {
      // Still finishing its members after our stop: keep the mark, or it would wait for a retry tick.
      this.stoppedForWindow.add(name)
    }
  }

  /**
   * Skip members and wait until Fleet shows them skipped: false while it has not (a 202),
   * so what depends on it (a start, a gate) waits for the next check-in.
   */
  private async skipMembers(name: string, run: UpdateRun, members: readonly MemberStatus[], why: string): Promise<UpdateRun | undefined> {
    const names = members.map(m => m.name ?? '')
    this.act(`Skip ${members.map(shownMember).join(', ')} in Fleet update run ${name}: ${why}.`)
    if (this.options.dryRun) return run
    await this.api.skip(
      name,
      names.map(n => ({ type: 'Member' as const, name: n })),
      await this.eTag(name, run)
    )
    const fresh = await this.api.getRun(name)
    const skipped = new Set(
      runMembers(fresh ?? {})
        .filter(m => m.status?.state === 'Skipped')
        .map(m => m.name ?? '')
    )
    if (fresh && names.every(n => skipped.has(n))) return fresh
    this.notes.push(`Fleet accepted the skip in ${name} but does not show it done yet; what waits on it follows on the next check-in.`)
    return undefined
  }

  /** Members still waiting whose clusters are now powered off, failed or held: Fleet would fail the run on them. */
  private async skipUnfit(name: string, run: UpdateRun): Promise<UpdateRun> {
    const unfit = runMembers(run).filter(m => isWaiting(m) && this.unfit.has(lower(m.clusterResourceId)))
    if (unfit.length === 0) return run
    const why = unfit.map(m => this.unfit.get(lower(m.clusterResourceId))).join('; ')
    return (await this.skipMembers(name, run, unfit, `Fleet would fail the run on them (${why})`)) ?? run
  }

  /** A created run: skip the members this plan leaves out, then start it (when the window is open). */
  private async startNew(name: string, run: UpdateRun): Promise<void> {
    const spec = this.mapping.runs.find(r => r.name === name)
    if (!spec) {
      this.notes.push(
        `Fleet update run ${name} was created for an earlier plan and never started: Fleet will not run it, and it blocks nothing; delete it when convenient.`
      )
      return
    }
    if (!this.open) return
    const provisioning = run.properties?.provisioningState
    const members = runMembers(run)
    if ((provisioning !== undefined && provisioning !== 'Succeeded') || members.length === 0) {
      this.notes.push(`Fleet update run ${name} is still being created (${provisioning ?? 'no members listed yet'}); it starts on the next check-in.`)
      return
    }
    const leftOut = new Set(spec.skip)
    const skip = members.filter(m => isWaiting(m) && (leftOut.has(m.name ?? '') || this.unfit.has(lower(m.clusterResourceId))))
    let current: UpdateRun | undefined = run
    if (skip.length > 0)
      current = await this.skipMembers(name, run, skip, "in the run's groups, but not planned for this update (held, stopped or not ours)")
    if (!current) return
    this.act(`Start Fleet update run ${name} (${updateText(spec.body)}, ${spec.members.length} cluster(s)).`)
    this.startedNow.add(name)
    if (this.options.dryRun) return
    const started = (await this.api.act(name, 'start', await this.eTag(name, current))) ?? (await this.api.getRun(name))
    // A gate before the first stage appears at start: approved already, it need not wait a check-in.
    if (started && runState(started) === 'Pending') await this.approveGates(name, started)
  }

  /** Our approval gates that wait: complete each once a writer approved its clusters, after skipping the clusters nobody approved. */
  private async approveGates(name: string, run: UpdateRun): Promise<UpdateRun> {
    const minor = minorOf(run.properties?.managedClusterUpdate?.upgrade.kubernetesVersion)
    let current = run
    for (const stage of run.properties?.status?.stages ?? []) {
      for (const gate of waitingGates(stage)) {
        if (!(gate.displayName ?? '').startsWith(GATE_PREFIX) || !minor || !gate.gateId) continue
        const members = stageMembers(stage).filter(isWaiting)
        const approvalOf = (m: MemberStatus) => findApproval(this.options.approvals, m.clusterResourceId ?? '', minor)
        const approved = members.filter(m => approvalOf(m) !== undefined)
        if (approved.length === 0) {
          this.notes.push(
            `Stage ${stage.name ?? ''} of ${name} waits at its approval gate: tick the approval boxes of its clusters (Kubernetes ${minor}).`
          )
          continue
        }
        const rest = members.filter(m => approvalOf(m) === undefined)
        if (rest.length > 0) {
          const skipped = await this.skipMembers(name, current, rest, `not approved for Kubernetes ${minor}; the approved clusters go on`)
          if (!skipped) continue
          current = skipped
        }
        const who = [...new Set(approved.map(m => approvalOf(m)?.approvedBy ?? 'a writer'))].join(', ')
        this.act(
          `Complete the approval gate of stage ${stage.name ?? ''} in ${name} for ${approved.map(shownMember).join(', ')} (approved by ${who}).`
        )
        if (this.options.dryRun) continue
        const gateResource = await this.api.getGate(gateName(gate.gateId))
        if (!gateResource?.eTag) throw new Error(`gate ${gateName(gate.gateId)} could not be read with an eTag, so it is not completed`)
        await this.api.completeGate(gateName(gate.gateId), gateResource.eTag)
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
      if (!this.options.dryRun) await this.api.skip(name, [{ type: 'AfterStageWait', name: stage.name ?? '' }], await this.eTag(name, run))
      return
    }
  }

  private soaked(members: readonly MemberStatus[]): boolean {
    const ids = new Set(members.map(m => lower(m.clusterResourceId)))
    const plans = this.plan.clusters.filter(cp => ids.has(lower(cp.cluster.id)))
    return plans.length > 0 && plans.every(cp => cp.entries.every(e => e.reason !== 'ring-soaking' && e.reason !== 'ring-waiting'))
  }

  /** The first run of the plan that may be created now; why not, for the others it reaches. */
  nextSpec(runs: readonly UpdateRun[], blocked: Map<string, Blocker>): RunSpec | undefined {
    const byName = new Map(runs.map(r => [r.name ?? '', r]))
    const active = runs.filter(r => isActive(r) || this.startedNow.has(r.name ?? ''))
    // Clusters a failed or stopped run of ours has not processed yet wait for it (retry, or delete it).
    const unresolved = runs.filter(r => isOurs(r) && (runState(r) === 'Failed' || runState(r) === 'Stopped'))
    const busy = new Set(
      unresolved.flatMap(r => runMembers(r).filter(m => isWaiting(m) || m.status?.state === 'Failed')).map(m => lower(m.clusterResourceId))
    )
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
      const crowded = (spec.body.properties?.strategy?.stages ?? []).find(s => (s.groups?.length ?? 0) > MAX_GROUPS_PER_STAGE)
      if (crowded)
        block(
          'fleet-group-conflict',
          `stage ${crowded.name} would have ${crowded.groups?.length ?? 0} groups; Fleet allows ${MAX_GROUPS_PER_STAGE}: merge groups, or use fleet-groups: ring`
        )
      else if (first) block('fleet-run-active', `Fleet update run ${first.name ?? ''} is ${runState(first)}: Fleet runs one update at a time`)
      else if (!this.open) block(this.window.reason ?? 'outside-window', this.window.detail)
      else if (spec.members.some(m => busy.has(lower(m.clusterId))))
        block('fleet-run-halted', 'an earlier Fleet update run of these clusters failed or was stopped: retry or delete it first')
      else if (spec.kind === 'minor' && this.options.approvalGates && !this.firstRingApproved(spec))
        block('fleet-gate', 'waits until a writer approves a cluster of its first ring (the approval boxes below)')
      else return spec
    }
    return undefined
  }

  private firstRingApproved(spec: RunSpec): boolean {
    const ring = Math.min(...spec.members.map(m => m.ring))
    const minor = minorOf(spec.kubernetesVersion)
    return minor !== null && spec.members.some(m => m.ring === ring && findApproval(this.options.approvals, m.clusterId, minor) !== undefined)
  }

  /** Set the members' groups (a run snapshots them), create the run, then skip and start it. */
  async create(spec: RunSpec, blocked: Map<string, Blocker>): Promise<void> {
    // Every planned member gets its group now, not only this run's: the group sizes (and so
    // maxConcurrency) were counted with all of them, and the later runs need them anyway.
    let accepted = false
    for (const change of this.mapping.groupChanges) {
      this.act(`Set the group of fleet member ${change.member} to ${change.to}${change.from ? ` (was ${change.from})` : ''}.`)
      if (this.options.dryRun) continue
      try {
        accepted = !(await this.api.setGroup(change.member, change.to, change.eTag)) || accepted
      } catch (error: unknown) {
        if (!(error instanceof StaleWriteError)) throw error
        blocked.set(spec.name, {
          reason: 'fleet-queued',
          detail: `fleet member ${change.member} changed since it was read; its group and this run follow on the next check-in`
        })
        return
      }
    }
    if (accepted && !(await this.groupsApplied())) {
      blocked.set(spec.name, {
        reason: 'fleet-queued',
        detail: 'Fleet is still setting the members’ groups; the run is created on the next check-in'
      })
      return
    }
    this.act(
      `Create Fleet update run ${spec.name}: ${updateText(spec.body)} through ${(spec.body.properties?.strategy?.stages ?? []).map(s => s.name).join(' → ')}.`
    )
    this.notes.push(...spec.notes)
    if (this.options.dryRun) return
    if (!(await this.api.createRun(spec.name, spec.body))) this.options.log.info(`Fleet update run ${spec.name} exists already: continuing it.`)
    const run = await this.api.getRun(spec.name)
    if (run) await this.manage(run)
  }

  private async groupsApplied(): Promise<boolean> {
    const members = new Map((await this.api.listMembers()).map(m => [m.name ?? '', m.properties?.group]))
    return this.mapping.groupChanges.every(c => members.get(c.member) === c.to)
  }
}
