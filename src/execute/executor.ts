// Runs the plan's operations. The maintenance window is checked at the moment each
// operation would start (scheduled runs start late, and waiting on one cluster can take
// us past the window's end); an operation started inside the window may finish.
// Rings run in order, so a failure in ring N holds every later ring in this run too.
import type {
  ClusterPlan,
  ClusterSnapshot,
  FleetPlan,
  Operation,
  OperationResult,
  UpgradeKind,
  WindowDecision
} from '../model.js'
import { toErrorInfo } from '../util/errors.js'
import { createLimiter } from '../util/limit.js'
import type { RunningOperation } from '../azure/aks.js'
import { haltMessage } from '../plan/planner.js'

export interface ExecuteOptions {
  dryRun: boolean
  wait: boolean
  waitTimeoutMinutes: number
  maxParallel: number
}

export interface ExecutorDeps {
  start(operation: Operation): Promise<RunningOperation>
  checkWindow(cluster: ClusterSnapshot, upgradeClass: UpgradeKind, now: Date): WindowDecision
  now(): Date
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

export async function executePlan(plan: FleetPlan, options: ExecuteOptions, deps: ExecutorDeps): Promise<OperationResult[]> {
  const started = deps.now()
  const deadline = new Date(started.getTime() + options.waitTimeoutMinutes * 60_000)
  const results = new Map<string, OperationResult>()
  const limit = createLimiter(options.maxParallel)
  let halt: { ring: number; text: string } | undefined

  const runCluster = async (cp: ClusterPlan): Promise<void> => {
    const { cluster } = cp
    // Once one operation on the cluster did not complete, the rest wait: AKS runs one
    // operation at a time, and pools must not move ahead of a control plane that failed.
    let blocked: Omit<OperationResult, 'operation' | 'outcome'> & { outcome: 'pending' | 'skipped' } | undefined
    for (const op of cp.operations) {
      if (halt) {
        results.set(op.key, { operation: op, outcome: 'skipped', holdReason: 'ring-halted', holdDetail: halt.text })
        continue
      }
      if (blocked) {
        results.set(op.key, { operation: op, ...blocked })
        continue
      }
      const now = deps.now()
      const decision = deps.checkWindow(cluster, op.upgradeClass, now)
      if (!decision.open) {
        const pending: OperationResult = {
          operation: op,
          outcome: 'pending',
          holdReason: decision.reason ?? 'outside-window',
          holdDetail: decision.detail
        }
        if (decision.nextOpen) pending.nextWindow = decision.nextOpen
        results.set(op.key, pending)
        deps.log.info(`Pending ${describe(op, cluster)}: ${decision.detail}`)
        const { operation: _o, outcome: _c, ...rest } = pending
        blocked = { ...rest, outcome: 'pending' }
        continue
      }
      if (options.dryRun) {
        results.set(op.key, { operation: op, outcome: 'would-start', holdDetail: 'dry run' })
        deps.log.info(`Would start ${describe(op, cluster)} (dry run)`)
        continue
      }
      if (now.getTime() >= deadline.getTime()) {
        results.set(op.key, {
          operation: op,
          outcome: 'pending',
          holdReason: 'wait-timeout',
          holdDetail: `not started: wait-timeout-minutes (${options.waitTimeoutMinutes}) was reached; the next run continues`
        })
        blocked = { outcome: 'pending', holdReason: 'wait-timeout', holdDetail: 'waits for the next run (wait-timeout-minutes reached)' }
        continue
      }
      let running: RunningOperation
      const startedAt = now.toISOString()
      try {
        deps.log.info(`Starting ${describe(op, cluster)}`)
        running = await deps.start(op)
      } catch (error: unknown) {
        const info = toErrorInfo(error)
        results.set(op.key, { operation: op, outcome: 'failed', holdReason: 'start-refused', error: info })
        deps.log.error(`Could not start ${describe(op, cluster)}: ${info.code}: ${info.message}`)
        blocked = { outcome: 'skipped', holdReason: 'earlier-operation-failed', holdDetail: `not started because ${op.pool ?? 'the control plane'} failed` }
        continue
      }
      if (!options.wait) {
        results.set(op.key, { operation: op, outcome: 'started', startedAt })
        blocked = {
          outcome: 'pending',
          holdReason: 'operation-running',
          holdDetail: `waits for the operation on ${op.pool ?? 'the control plane'} to finish (wait: false); the next run continues`
        }
        continue
      }
      try {
        await running.wait(deps.deadlineSignal(deadline))
        results.set(op.key, { operation: op, outcome: 'succeeded', startedAt, finishedAt: deps.now().toISOString() })
        deps.log.info(`Succeeded ${describe(op, cluster)}`)
      } catch (error: unknown) {
        if (isAbort(error)) {
          results.set(op.key, {
            operation: op,
            outcome: 'still-running',
            startedAt,
            holdDetail: `still running in Azure after wait-timeout-minutes (${options.waitTimeoutMinutes})`
          })
          deps.log.warning(`Stopped waiting for ${describe(op, cluster)}: it keeps running in Azure`)
          blocked = { outcome: 'pending', holdReason: 'operation-running', holdDetail: 'waits for the running operation to finish; the next run continues' }
          continue
        }
        const info = toErrorInfo(error)
        results.set(op.key, { operation: op, outcome: 'failed', startedAt, finishedAt: deps.now().toISOString(), error: info })
        deps.log.error(`Failed ${describe(op, cluster)}: ${info.code}: ${info.message}`)
        blocked = { outcome: 'skipped', holdReason: 'earlier-operation-failed', holdDetail: `not started because ${op.pool ?? 'the control plane'} failed` }
      }
    }
  }

  const rings = [...new Set(plan.clusters.map(c => c.ring))].sort((a, b) => a - b)
  for (const ring of rings) {
    const inRing = plan.clusters.filter(c => c.ring === ring)
    await Promise.all(inRing.map(async cp => limit(() => runCluster(cp))))
    if (!halt) {
      for (const cp of inRing) {
        const failed = cp.operations.map(op => results.get(op.key)).find(r => r?.outcome === 'failed')
        if (failed) {
          halt = { ring, text: haltMessage(ring, cp.cluster.name, failed.operation.pool ?? null, failed.error?.code ?? 'Failed') }
          break
        }
      }
    }
  }

  return plan.clusters.flatMap(cp => cp.operations.map(op => results.get(op.key))).filter((r): r is OperationResult => r !== undefined)
}
