// Runs the plan's operations. The maintenance window is checked at the moment each
// operation would start (scheduled runs start late, and waiting on one cluster can take
// us past the window's end); an operation started inside the window may finish.
// Rings run in order, so a failure in ring N holds every later ring in this run too.
import type { ClusterPlan, ClusterSnapshot, FleetPlan, Operation, OperationResult, UpgradeKind, WindowDecision } from '../model.js'
import { OutsideChangeError, toErrorInfo } from '../util/errors.js'
import { createLimiter } from '../util/limit.js'
import type { RunningOperation } from '../azure/aks.js'
import { haltMessage } from '../plan/rings.js'
import type { Acquired, Lease } from '../preflight/capacity.js'
import type { Finding } from '../preflight/types.js'

export interface ExecuteOptions {
  dryRun: boolean
  wait: boolean
  waitTimeoutMinutes: number
  /** Clusters at once. */
  maxParallel: number
  /** Node-image upgrades in flight at once within one cluster (version upgrades stay one at a time). */
  maxParallelPools: number
}

export interface ExecutorDeps {
  start(operation: Operation): Promise<RunningOperation>
  checkWindow(cluster: ClusterSnapshot, upgradeClass: UpgradeKind, now: Date): WindowDecision
  now(): Date
  /** Pre-flight: a prediction that holds the operation, and the shared budgets (quota, subnet) its surge draws on. */
  preflight?: {
    hold(operation: Operation): Finding | undefined
    /** `waiting` is called once when the operation has to wait for a slot. */
    acquire(operation: Operation, waiting: (detail: string) => void): Promise<Acquired>
  }
  /** Fires when the run is cancelled: nothing new starts, and waits stop (the operations go on in Azure). */
  stop?: AbortSignal
  /** A signal that fires at `deadline` (injected so tests control time). */
  deadlineSignal(deadline: Date): AbortSignal
  log: {
    info(message: string): void
    warning(message: string): void
    error(message: string): void
  }
}

function describe(op: Operation, cluster: ClusterSnapshot): string {
  const where = op.pool ? `${cluster.name}/${op.pool}` : `${cluster.name} (control plane)`
  return `${where}: ${op.kind} ${op.from} → ${op.to}`
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** Outcomes of an operation that started (or, in a dry run, would have): its pool's image refresh folds into it. */
// A version upgrade that failed is not among them: its pool's refresh is then reported as held by the failure.
const STARTED: ReadonlySet<OperationResult['outcome']> = new Set(['started', 'succeeded', 'still-running', 'would-start'])

/** What a cluster's version upgrades leave for its node-image refreshes. */
interface VersionChain {
  /** Version upgrades that started (or, in a dry run, would have). */
  started: Set<string>
  /** Version upgrades held behind an earlier one (its window, failure, or run still going). */
  deferred: Set<string>
  /** What holds the images too: undefined when they are free to go (a window of the versions' class only). */
  hold?: Hold
}

/**
 * What one operation means for the operations after it on the cluster. `versionsOnly`: it
 * holds the later version upgrades but not the node images (a window of the versions' class,
 * or a control plane pre-flight holds).
 */
type Hold = Omit<OperationResult, 'operation' | 'outcome'> & { outcome: 'pending' | 'skipped'; versionsOnly?: boolean }

interface Outcome {
  result: OperationResult
  hold?: Hold
}

/** The hold fields of a result, passed on to the operations that wait behind it. */
function heldFields(result: OperationResult): Omit<Hold, 'outcome'> {
  const out: Omit<Hold, 'outcome'> = {}
  if (result.holdReason !== undefined) out.holdReason = result.holdReason
  if (result.holdDetail !== undefined) out.holdDetail = `waits for pool ${result.operation.pool ?? ''}: ${result.holdDetail}`
  return out
}

/** One execution of a plan: the deadline, the results so far and a ring halt, shared by every cluster. */
class PlanRun {
  readonly results = new Map<string, OperationResult>()
  halt: { ring: number; text: string } | undefined
  private readonly deadline: Date
  private readonly options: ExecuteOptions
  private readonly deps: ExecutorDeps

  constructor(options: ExecuteOptions, deps: ExecutorDeps) {
    this.options = options
    this.deps = deps
    this.deadline = new Date(deps.now().getTime() + options.waitTimeoutMinutes * 60_000)
  }

  /** One operation: its result, and what it means for the operations after it on the cluster. */
  async runOne(op: Operation, cluster: ClusterSnapshot): Promise<Outcome> {
    const { deps, options } = this
    const notNow = this.beforeStart(op, cluster, deps.now())
    if (notNow) return notNow
    const slot = await this.capacity(op, cluster)
    if ('result' in slot) return slot
    const { lease } = slot
    const failedHold: Hold = {
      outcome: 'skipped',
      holdReason: 'earlier-operation-failed',
      holdDetail: `not started because ${op.pool ?? 'the control plane'} failed`
    }
    let running: RunningOperation
    const startedAt = deps.now().toISOString()
    try {
      deps.log.info(`Starting ${describe(op, cluster)}`)
      running = await deps.start(op)
    } catch (error: unknown) {
      lease.release()
      if (error instanceof OutsideChangeError) return this.changedOutside(op, cluster, error)
      const info = toErrorInfo(error)
      deps.log.error(`Could not start ${describe(op, cluster)}: ${info.code}: ${info.message}`)
      return { result: { operation: op, outcome: 'failed', holdReason: 'start-refused', error: info }, hold: failedHold }
    }
    if (!options.wait) {
      lease.keep()
      return {
        result: { operation: op, outcome: 'started', startedAt },
        hold: {
          outcome: 'pending',
          holdReason: 'operation-running',
          holdDetail: `waits for the operation on ${op.pool ?? 'the control plane'} to finish (wait: false); the next run continues`
        }
      }
    }
    const outcome = await this.waitFor(op, cluster, running, startedAt, failedHold)
    // Still running in Azure: its surge nodes stay for the rest of this run.
    if (outcome.result.outcome === 'still-running') lease.keep()
    else lease.release()
    return outcome
  }

  /**
   * Waits until the operation's surge fits beside those running (quota, subnet addresses),
   * then checks the window and the run time again: waiting may have taken a while.
   */
  private async capacity(op: Operation, cluster: ClusterSnapshot): Promise<{ lease: Lease } | Outcome> {
    const { deps } = this
    if (!deps.preflight) return { lease: { release: () => undefined, keep: () => undefined } }
    const got = await deps.preflight.acquire(op, detail => deps.log.info(`Queued ${describe(op, cluster)}: ${detail}`))
    // Cancelled while queued: say so rather than blame the quota. Otherwise the surge fits,
    // only not beside operations that go on after this run: a wait, not a prediction.
    if ('held' in got && !deps.stop?.aborted) {
      deps.log.info(`Pending ${describe(op, cluster)}: ${got.held.detail}`)
      return { result: { operation: op, outcome: 'pending', holdReason: 'waiting-for-capacity', holdDetail: got.held.detail } }
    }
    let later: Outcome | undefined
    try {
      later = this.beforeStart(op, cluster, deps.now())
    } catch (error: unknown) {
      // A lease must never outlive its operation: others would wait for it forever.
      if ('lease' in got) got.lease.release()
      throw error
    }
    if (later || 'held' in got) {
      if ('lease' in got) got.lease.release()
      return later ?? { result: { operation: op, outcome: 'pending', holdReason: 'cancelled' } }
    }
    return got
  }

  /** Why the operation does not start now (window, dry run, wait-timeout), or undefined when it may. */
  private beforeStart(op: Operation, cluster: ClusterSnapshot, now: Date): Outcome | undefined {
    const { deps, options } = this
    if (deps.stop?.aborted) {
      const detail = 'not started: the run was cancelled; the next run continues'
      return {
        result: { operation: op, outcome: 'pending', holdReason: 'cancelled', holdDetail: detail },
        hold: { outcome: 'pending', holdReason: 'cancelled', holdDetail: detail }
      }
    }
    const predicted = deps.preflight?.hold(op)
    if (predicted) return this.predictedToFail(op, cluster, predicted)
    const decision = deps.checkWindow(cluster, op.upgradeClass, now)
    if (!decision.open) {
      const result: OperationResult = {
        operation: op,
        outcome: 'pending',
        holdReason: decision.reason ?? 'outside-window',
        holdDetail: decision.detail
      }
      if (decision.nextOpen) result.nextWindow = decision.nextOpen
      deps.log.info(`Pending ${describe(op, cluster)}: ${decision.detail}`)
      const { operation: _op, outcome: _outcome, ...rest } = result
      return { result, hold: { ...rest, outcome: 'pending', versionsOnly: true } }
    }
    if (options.dryRun) {
      deps.log.info(`Would start ${describe(op, cluster)} (dry run)`)
      return { result: { operation: op, outcome: 'would-start', holdDetail: 'dry run' } }
    }
    if (now.getTime() >= this.deadline.getTime()) {
      const detail = `not started: wait-timeout-minutes (${options.waitTimeoutMinutes}) was reached; the next run continues`
      return {
        result: { operation: op, outcome: 'pending', holdReason: 'wait-timeout', holdDetail: detail },
        hold: { outcome: 'pending', holdReason: 'wait-timeout', holdDetail: detail }
      }
    }
    return undefined
  }

  /**
   * Azure refused because of someone else: another operation runs, or the resource changed
   * and no longer asks for this upgrade. Pending, not failed; the rest of the cluster waits
   * for the next run, which reads it afresh.
   */
  private changedOutside(op: Operation, cluster: ClusterSnapshot, error: OutsideChangeError): Outcome {
    this.deps.log.warning(`Not started ${describe(op, cluster)}: ${error.message}`)
    // Busy or changed cluster: everything on it waits. Busy pool: the cluster's version upgrades
    // wait (AKS refuses them beside a pool operation), other pools' node images do not.
    return {
      result: { operation: op, outcome: 'pending', holdReason: error.reason, holdDetail: error.message },
      hold: { outcome: 'pending', holdReason: 'operation-running', holdDetail: `waits: ${error.message}`, versionsOnly: op.pool !== undefined }
    }
  }

  /**
   * Pre-flight predicts the operation would fail: it does not start (before the window is even
   * looked at: opening it would not help). A held control plane keeps the cluster's version
   * upgrades waiting, not its node images; a held pool holds nothing else.
   */
  private predictedToFail(op: Operation, cluster: ClusterSnapshot, finding: Finding): Outcome {
    this.deps.log.info(`Held ${describe(op, cluster)}: ${finding.reason}: ${finding.detail}`)
    const result: OperationResult = { operation: op, outcome: 'pending', holdReason: finding.reason, holdDetail: finding.detail }
    if (op.kind !== 'control-plane') return { result }
    const detail = `waits for the control plane, held by pre-flight: ${finding.detail}`
    return { result, hold: { outcome: 'pending', holdReason: finding.reason, holdDetail: detail, versionsOnly: true } }
  }

  private async waitFor(op: Operation, cluster: ClusterSnapshot, running: RunningOperation, startedAt: string, failedHold: Hold): Promise<Outcome> {
    const { deps, options } = this
    try {
      const deadline = deps.deadlineSignal(this.deadline)
      await running.wait(deps.stop ? AbortSignal.any([deadline, deps.stop]) : deadline)
      deps.log.info(`Succeeded ${describe(op, cluster)}`)
      return { result: { operation: op, outcome: 'succeeded', startedAt, finishedAt: deps.now().toISOString() } }
    } catch (error: unknown) {
      if (deps.stop?.aborted || isAbort(error) || (error instanceof Error && error.name === 'StillRunningError')) {
        const detail = deps.stop?.aborted
          ? 'still running in Azure: the run was cancelled while waiting (the operation was not aborted); the next run reports it'
          : isAbort(error)
            ? `still running in Azure after wait-timeout-minutes (${options.waitTimeoutMinutes})`
            : (error as Error).message
        deps.log.warning(`Stopped waiting for ${describe(op, cluster)}: ${detail}`)
        return {
          result: { operation: op, outcome: 'still-running', startedAt, holdDetail: detail },
          hold: deps.stop?.aborted
            ? { outcome: 'pending', holdReason: 'cancelled', holdDetail: 'not started: the run was cancelled; the next run continues' }
            : { outcome: 'pending', holdReason: 'operation-running', holdDetail: 'waits for the running operation to finish; the next run continues' }
        }
      }
      const info = toErrorInfo(error)
      deps.log.error(`Failed ${describe(op, cluster)}: ${info.code}: ${info.message}`)
      return { result: { operation: op, outcome: 'failed', startedAt, finishedAt: deps.now().toISOString(), error: info }, hold: failedHold }
    }
  }

  /**
   * One cluster: its version upgrades one at a time (pre-upgrades, control plane, pools), then
   * its node-image refreshes side by side, up to max-parallel-pools. A refresh whose pool's
   * version upgrade started is folded into it (that upgrade brings the newest image); one
   * whose version upgrade was held runs on its own, judged by its own window.
   */
  async runCluster(cp: ClusterPlan): Promise<void> {
    const versions = cp.operations.filter(op => op.kind !== 'node-image')
    const images = cp.operations.filter(op => op.kind === 'node-image')
    const chain = await this.runVersions(cp.cluster, versions)
    await this.runImages(cp.cluster, images, chain)
  }

  /** The version upgrades in order; returns the keys that started and the hold they leave on the cluster. */
  private async runVersions(cluster: ClusterSnapshot, ops: readonly Operation[]): Promise<VersionChain> {
    const started = new Set<string>()
    const deferred = new Set<string>()
    let imagesFree = false
    // Once one operation on the cluster did not complete, the rest wait: AKS runs one
    // operation at a time, and pools must not move ahead of a control plane that failed.
    let hold: Hold | undefined
    for (const [i, op] of ops.entries()) {
      if (this.halt) {
        this.results.set(op.key, { operation: op, outcome: 'skipped', holdReason: 'ring-halted', holdDetail: this.halt.text })
        continue
      }
      if (hold) {
        const { versionsOnly: _w, ...held } = hold
        this.results.set(op.key, { operation: op, ...held })
        deferred.add(op.key)
        continue
      }
      const outcome = await this.guarded(op, cluster)
      this.results.set(op.key, outcome.result)
      if (STARTED.has(outcome.result.outcome)) started.add(op.key)
      if (outcome.hold) hold = outcome.hold
      else if (outcome.result.outcome === 'pending' && op.kind === 'pool-version' && ops.slice(i + 1).some(o => o.kind === 'control-plane')) {
        // A pool held (pre-flight, capacity) before the control plane is its skew pre-upgrade:
        // the control plane must not move without it. Node images stay free.
        hold = { ...heldFields(outcome.result), outcome: 'pending', versionsOnly: true }
      }
      // A pool's version upgrade left running (wait: false) does not stop other pools' images:
      // AKS runs operations on different pools side by side, only not beside a cluster upgrade.
      if (outcome.result.outcome === 'started' && op.kind === 'pool-version') imagesFree = true
    }
    // A hold that is only the window of the version upgrades' class (the control plane outside
    // aksManagedAutoUpgradeSchedule) does not hold node images, which have their own window.
    return hold && !hold.versionsOnly && !imagesFree ? { started, deferred, hold } : { started, deferred }
  }

  /** The node-image refreshes, up to max-parallel-pools at once; a failure stops those not started yet. */
  private async runImages(cluster: ClusterSnapshot, ops: readonly Operation[], chain: VersionChain): Promise<void> {
    let hold = chain.hold
    const slots = createLimiter(this.options.maxParallelPools)
    const runImage = async (op: Operation): Promise<void> => {
      if (this.halt) {
        this.results.set(op.key, { operation: op, outcome: 'skipped', holdReason: 'ring-halted', holdDetail: this.halt.text })
        return
      }
      if (hold) {
        const { versionsOnly: _w, ...held } = hold
        this.results.set(op.key, { operation: op, ...held })
        return
      }
      const outcome = await this.guarded(op, cluster)
      this.results.set(op.key, outcome.result)
      // Refreshes of other pools are independent of this one's window and of its being started
      // without waiting (wait: false). A failure, or an operation still running when waiting
      // stopped (it keeps its slot), holds those not started yet.
      if (outcome.hold && !outcome.hold.versionsOnly && outcome.result.outcome !== 'started') hold ??= outcome.hold
    }
    // Folded: the pool's version upgrade started; or it waits, with the refresh, behind what holds
    // the cluster (its row tells it, and the next run decides both together).
    const folded = (key: string): boolean => chain.started.has(key) || (chain.hold !== undefined && chain.deferred.has(key))
    const due = ops.filter(op => op.foldsInto === undefined || !folded(op.foldsInto))
    await Promise.allSettled(due.map(async op => slots(() => runImage(op))))
  }

  /** runOne, with a defect of ours (not Azure's answer) reported on the operation instead of thrown. */
  private async guarded(op: Operation, cluster: ClusterSnapshot): Promise<Outcome> {
    try {
      return await this.runOne(op, cluster)
    } catch (error: unknown) {
      const info = { code: 'ActionError', message: `AKS Upgrade Pilot could not handle this operation: ${toErrorInfo(error).message}` }
      this.deps.log.error(`${describe(op, cluster)}: ${info.message}`)
      return {
        result: { operation: op, outcome: 'failed', holdReason: 'start-refused', error: info },
        hold: { outcome: 'skipped', holdReason: 'earlier-operation-failed', holdDetail: 'not started after an internal error on this cluster' }
      }
    }
  }

  /** After a ring: its first failure halts every later ring. */
  haltAfter(ring: number, inRing: readonly ClusterPlan[]): void {
    if (this.halt) return
    for (const cp of inRing) {
      const failed = cp.operations.map(op => this.results.get(op.key)).find(r => r?.outcome === 'failed')
      if (failed) {
        this.halt = { ring, text: haltMessage(ring, cp.cluster.name, failed.operation.pool ?? null, failed.error?.code ?? 'Failed') }
        return
      }
    }
  }
}

export async function executePlan(plan: FleetPlan, options: ExecuteOptions, deps: ExecutorDeps): Promise<OperationResult[]> {
  const run = new PlanRun(options, deps)
  const limit = createLimiter(options.maxParallel)
  const rings = [...new Set(plan.clusters.map(c => c.ring))].sort((a, b) => a - b)
  for (const ring of rings) {
    const inRing = plan.clusters.filter(c => c.ring === ring)
    // allSettled: runCluster records every outcome itself; nothing may end the ring early
    // while other clusters of it still have operations starting.
    await Promise.allSettled(inRing.map(async cp => limit(() => run.runCluster(cp))))
    run.haltAfter(ring, inRing)
  }
  return plan.clusters.flatMap(cp => cp.operations.map(op => run.results.get(op.key))).filter((r): r is OperationResult => r !== undefined)
}
