import { describe, expect, it } from 'vitest'
import { executePlan, type ExecuteOptions, type ExecutorDeps } from '../../src/execute/executor.ts'
import type { ClusterPlan, ClusterSnapshot, FleetPlan, Operation, WindowDecision } from '../../src/model.ts'
import { clusterSnapshot, nodeImageOperation } from './fixtures.ts'
import { OutsideChangeError } from '../../src/util/errors.ts'

function cluster(name: string): ClusterSnapshot {
  return clusterSnapshot(name, { location: 'westeurope' })
}

function poolPatch(c: ClusterSnapshot, pool: string): Operation {
  return {
    key: `${c.id}/agentPools/${pool}#pool-version`,
    kind: 'pool-version',
    upgradeClass: 'patch',
    clusterId: c.id,
    pool,
    from: '1.35.5',
    to: '1.35.6'
  }
}

function clusterPlan(name: string, pools: string[], ring = 0): ClusterPlan {
  const c = cluster(name)
  return { cluster: c, ring, operations: pools.map(p => nodeImageOperation(c, p)), entries: [], warnings: [] }
}

/** A fake Azure whose operations finish when the test says so, and a clock the test moves. */
function harness(opts: { fail?: Record<string, string>; refuse?: Record<string, string>; closeAfterFirst?: boolean; hang?: string[] } = {}) {
  let t = Date.parse('2026-11-21T23:00:00Z')
  const started: string[] = []
  const open: WindowDecision = { open: true, detail: 'inside Sat 22:00-04:00', closesAt: '2026-11-22T04:00:00Z' }
  const closed: WindowDecision = {
    open: false,
    reason: 'outside-window',
    detail: 'outside Sat 22:00-04:00',
    nextOpen: '2026-11-28T22:00:00Z'
  }
  let windowOpen = true
  const deps: ExecutorDeps = {
    start: async op => {
      const name = `${op.clusterId.split('/').pop()}/${op.pool ?? 'cp'}`
      if (opts.refuse?.[name]) throw Object.assign(new Error(opts.refuse[name]), { statusCode: 409, code: 'OperationNotAllowed' })
      started.push(name)
      return {
        wait: async (signal: AbortSignal) => {
          t += 20 * 60_000 // every operation takes 20 minutes of the injected clock
          if (opts.closeAfterFirst) windowOpen = false
          if (opts.hang?.includes(name)) {
            await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
          }
          const failure = opts.fail?.[name]
          if (failure) throw new Error(`The long-running operation has failed. ${failure}. Drain of node aks-sys-1 failed`)
        }
      }
    },
    checkWindow: () => (windowOpen ? open : closed),
    now: () => new Date(t),
    deadlineSignal: deadline => {
      const c = new AbortController()
      // Abort at once when the injected clock is already past the deadline, else after a tick.
      if (deadline.getTime() <= t) c.abort(new DOMException('timeout', 'TimeoutError'))
      else setTimeout(() => c.abort(new DOMException('timeout', 'TimeoutError')), 20)
      return c.signal
    },
    log: { info: () => {}, warning: () => {}, error: () => {} }
  }
  return { deps, started }
}

const OPTIONS: ExecuteOptions = { dryRun: false, wait: true, waitTimeoutMinutes: 300, maxParallel: 1, maxParallelPools: 1 }

function plan(...clusters: ClusterPlan[]): FleetPlan {
  return { clusters, rings: {} }
}

describe('executePlan', () => {
  it('runs every operation of every cluster in order when the window stays open', async () => {
    const h = harness()
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user']), clusterPlan('prod', ['system'])), OPTIONS, h.deps)
    expect(h.started).toEqual(['dev/system', 'dev/user', 'prod/system'])
    expect(results.map(r => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded'])
  })

  it('checks the window before each start: a window that closes while waiting on the first cluster does not start the second', async () => {
    const h = harness({ closeAfterFirst: true })
    const results = await executePlan(plan(clusterPlan('dev', ['system']), clusterPlan('prod', ['system', 'user'])), OPTIONS, h.deps)
    expect(h.started).toEqual(['dev/system'])
    expect(results.map(r => r.outcome)).toEqual(['succeeded', 'pending', 'pending'])
    expect(results[1]?.holdReason).toBe('outside-window')
    expect(results[1]?.nextWindow).toBe('2026-11-28T22:00:00Z')
  })

  it('dry-run starts nothing and reports what would start', async () => {
    const h = harness()
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user'])), { ...OPTIONS, dryRun: true }, h.deps)
    expect(h.started).toEqual([])
    expect(results.map(r => r.outcome)).toEqual(['would-start', 'would-start'])
  })

  it('a failed operation skips the rest of that cluster but not other clusters of the ring', async () => {
    const h = harness({ fail: { 'dev/system': 'PodDrainFailure' } })
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user']), clusterPlan('qa', ['system'])), OPTIONS, h.deps)
    expect(h.started).toEqual(['dev/system', 'qa/system'])
    expect(results.map(r => r.outcome)).toEqual(['failed', 'skipped', 'succeeded'])
    expect(results[0]?.error).toEqual({ code: 'PodDrainFailure', message: 'Drain of node aks-sys-1 failed' })
  })

  it('a failure in ring 0 halts ring 1 with the planner wording', async () => {
    const h = harness({ fail: { 'dev/system': 'PodDrainFailure' } })
    const results = await executePlan(plan(clusterPlan('dev', ['system'], 0), clusterPlan('prod', ['system'], 1)), OPTIONS, h.deps)
    expect(h.started).toEqual(['dev/system'])
    expect(results[1]?.outcome).toBe('skipped')
    expect(results[1]?.holdReason).toBe('ring-halted')
    expect(results[1]?.holdDetail).toMatch(/ring 0 failed on dev\/system \(PodDrainFailure\)/)
  })

  it('an operation Azure refuses to start is failed, not started', async () => {
    const h = harness({ refuse: { 'dev/system': 'Another operation is in progress' } })
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user'])), OPTIONS, h.deps)
    expect(h.started).toEqual([])
    expect(results[0]).toMatchObject({ outcome: 'failed', holdReason: 'start-refused', error: { code: 'OperationNotAllowed' } })
    expect(results[1]?.outcome).toBe('skipped')
  })

  it('wait: false starts every node-image upgrade of every cluster, none waiting for another', async () => {
    const h = harness()
    const results = await executePlan(
      plan(clusterPlan('dev', ['system', 'user']), clusterPlan('prod', ['system'])),
      { ...OPTIONS, wait: false },
      h.deps
    )
    expect(h.started).toEqual(['dev/system', 'dev/user', 'prod/system'])
    expect(results.map(r => r.outcome)).toEqual(['started', 'started', 'started'])
  })

  it('stops waiting at the timeout and reports the operation as still running', async () => {
    const h = harness({ hang: ['dev/system'] })
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user'])), OPTIONS, h.deps)
    expect(results.map(r => r.outcome)).toEqual(['still-running', 'pending'])
  })
})

describe('executePlan: holds and defects', () => {
  function mixedPlan(): FleetPlan {
    const c = cluster('prod')
    const cp: Operation = {
      key: `${c.id}#control-plane`,
      kind: 'control-plane',
      upgradeClass: 'patch',
      clusterId: c.id,
      from: '1.35.5',
      to: '1.35.6'
    }
    const pv = poolPatch(c, 'system')
    return plan({ cluster: c, ring: 0, operations: [cp, pv, nodeImageOperation(c, 'win22')], entries: [], warnings: [] })
  }

  it('a version upgrade outside its own schedule does not hold a node image whose schedule is open', async () => {
    const h = harness()
    h.deps.checkWindow = (_c, upgradeClass) =>
      upgradeClass === 'node-image'
        ? { open: true, detail: 'inside aksManagedNodeOSUpgradeSchedule' }
        : { open: false, reason: 'outside-window', detail: 'outside aksManagedAutoUpgradeSchedule', nextOpen: '2026-12-01T02:00:00Z' }
    const results = await executePlan(mixedPlan(), OPTIONS, h.deps)
    expect(results.map(r => `${r.operation.kind} ${r.outcome}`)).toEqual(['control-plane pending', 'pool-version pending', 'node-image succeeded'])
    expect(h.started).toEqual(['prod/win22'])
  })

  it('an internal error on one cluster is reported on its operation and the other clusters go on', async () => {
    const h = harness()
    const open = h.deps.checkWindow
    h.deps.checkWindow = (c, u, n) => {
      if (c.name === 'dev') throw new TypeError("Cannot read properties of undefined (reading 'toLowerCase')")
      return open(c, u, n)
    }
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user']), clusterPlan('qa', ['system'])), OPTIONS, h.deps)
    expect(results.map(r => r.outcome)).toEqual(['failed', 'skipped', 'succeeded'])
    expect(results[0]?.error?.code).toBe('ActionError')
    expect(h.started).toEqual(['qa/system'])
  })

  it('an operation Azure still shows as running after a polling error is still-running, not failed', async () => {
    const h = harness()
    const start = h.deps.start
    h.deps.start = async op => {
      await start(op)
      return {
        wait: async () => {
          throw Object.assign(new Error('Lost track of the operation (503); Azure shows it still Upgrading.'), { name: 'StillRunningError' })
        }
      }
    }
    const results = await executePlan(plan(clusterPlan('dev', ['system', 'user'])), OPTIONS, h.deps)
    expect(results.map(r => r.outcome)).toEqual(['still-running', 'pending'])
    expect(results[0]?.holdDetail).toMatch(/still Upgrading/)
  })
})

describe('executePlan: node-image refreshes beside version upgrades', () => {
  function patchAndImage(): { plan: FleetPlan; pv: Operation } {
    const c = cluster('prod')
    const pv = poolPatch(c, 'system')
    const image: Operation = { ...nodeImageOperation(c, 'system'), foldsInto: pv.key }
    return { plan: plan({ cluster: c, ring: 0, operations: [pv, image], entries: [], warnings: [] }), pv }
  }

  it.each<[string, 'open' | 'patch closed', string[], string[]]>([
    ['the version upgrade starts: the refresh folds into it (one reimage)', 'open', ['pool-version succeeded'], ['prod/system']],
    [
      'the version upgrade is held by its window: the image is refreshed on its own',
      'patch closed',
      ['pool-version pending', 'node-image succeeded'],
      ['prod/system']
    ]
  ])('%s', async (_name, windows, outcomes, started) => {
    const h = harness()
    if (windows === 'patch closed') {
      h.deps.checkWindow = (_c, upgradeClass) =>
        upgradeClass === 'node-image'
          ? { open: true, detail: 'inside aksManagedNodeOSUpgradeSchedule' }
          : { open: false, reason: 'outside-window', detail: 'outside aksManagedAutoUpgradeSchedule', nextOpen: '2026-12-01T02:00:00Z' }
    }
    const results = await executePlan(patchAndImage().plan, OPTIONS, h.deps)
    expect(results.map(r => `${r.operation.kind} ${r.outcome}`)).toEqual(outcomes)
    expect(h.started).toEqual(started)
  })

  it('a dry run folds the refresh into the version upgrade it would start', async () => {
    const h = harness()
    const results = await executePlan(patchAndImage().plan, { ...OPTIONS, dryRun: true }, h.deps)
    expect(results.map(r => `${r.operation.kind} ${r.outcome}`)).toEqual(['pool-version would-start'])
  })

  it.each([1, 2, 4])('max-parallel-pools %d bounds the refreshes in flight in one cluster', async maxParallelPools => {
    const h = harness()
    let inFlight = 0
    let peak = 0
    h.deps.start = async () => {
      inFlight++
      peak = Math.max(peak, inFlight)
      return {
        wait: async () => {
          await new Promise(resolve => setTimeout(resolve, 5))
          inFlight--
        }
      }
    }
    const results = await executePlan(plan(clusterPlan('dev', ['a', 'b', 'c', 'd'])), { ...OPTIONS, maxParallelPools }, h.deps)
    expect(results.map(r => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    expect(peak).toBe(maxParallelPools)
  })

  it('a failed refresh stops the refreshes of the cluster not started yet', async () => {
    const h = harness({ fail: { 'dev/a': 'NodeImageUpgradeFailed' } })
    const results = await executePlan(plan(clusterPlan('dev', ['a', 'b', 'c'])), OPTIONS, h.deps)
    expect(results.map(r => r.outcome)).toEqual(['failed', 'skipped', 'skipped'])
    expect(h.started).toEqual(['dev/a'])
  })
})

describe('executePlan: what a version upgrade leaves for the images', () => {
  function poolPatchAndImages(): FleetPlan {
    const c = cluster('prod')
    const pv = poolPatch(c, 'apps')
    const operations = [pv, { ...nodeImageOperation(c, 'apps'), foldsInto: pv.key }, nodeImageOperation(c, 'b'), nodeImageOperation(c, 'c')]
    return plan({ cluster: c, ring: 0, operations, entries: [], warnings: [] })
  }

  it('wait: false: a pool version upgrade left running does not hold the other pools images', async () => {
    const h = harness()
    const results = await executePlan(poolPatchAndImages(), { ...OPTIONS, wait: false }, h.deps)
    expect(results.map(r => `${r.operation.kind} ${r.operation.pool} ${r.outcome}`)).toEqual([
      'pool-version apps started',
      'node-image b started',
      'node-image c started'
    ])
  })

  it('wait: false with a control-plane upgrade started: a pool refresh waits with its version upgrade, reported once', async () => {
    const c = cluster('prod')
    const cp: Operation = {
      key: `${c.id}#control-plane`,
      kind: 'control-plane',
      upgradeClass: 'patch',
      clusterId: c.id,
      from: '1.35.5',
      to: '1.35.6'
    }
    const pv = poolPatch(c, 'apps')
    const operations = [cp, pv, { ...nodeImageOperation(c, 'apps'), foldsInto: pv.key }, nodeImageOperation(c, 'b')]
    const h = harness()
    const results = await executePlan(plan({ cluster: c, ring: 0, operations, entries: [], warnings: [] }), { ...OPTIONS, wait: false }, h.deps)
    expect(results.map(r => `${r.operation.kind} ${r.operation.pool ?? '-'} ${r.outcome} ${r.holdReason ?? ''}`.trim())).toEqual([
      'control-plane - started',
      'pool-version apps pending operation-running',
      'node-image b pending operation-running'
    ])
    expect(h.started).toEqual(['prod/cp'])
  })

  it('a failed version upgrade leaves its pool refresh reported as held by the failure, not folded away', async () => {
    const h = harness({ fail: { 'prod/apps': 'UpgradeFailed' } })
    const results = await executePlan(poolPatchAndImages(), OPTIONS, h.deps)
    expect(results.map(r => `${r.operation.kind} ${r.operation.pool} ${r.outcome}`)).toEqual([
      'pool-version apps failed',
      'node-image apps skipped',
      'node-image b skipped',
      'node-image c skipped'
    ])
    expect(results[1]?.holdReason).toBe('earlier-operation-failed')
  })
})

describe('an operation started outside this run', () => {
  it("holds nothing of the other pools' node images when AKS is busy with one pool", async () => {
    const plan: FleetPlan = { clusters: [clusterPlan('aks-prod', ['apps', 'batch'])], rings: {} }
    const started: string[] = []
    const deps: ExecutorDeps = {
      start: async op => {
        if (op.pool === 'apps') throw new OutsideChangeError('started-outside', 'AKS is running an operation started outside this run')
        started.push(op.pool ?? '')
        return { wait: async () => {} }
      },
      checkWindow: () => ({ open: true, detail: 'no window' }),
      now: () => new Date('2026-11-21T23:00:00Z'),
      deadlineSignal: () => new AbortController().signal,
      log: { info: () => {}, warning: () => {}, error: () => {} }
    }
    const results = await executePlan(plan, { dryRun: false, wait: true, waitTimeoutMinutes: 60, maxParallel: 1, maxParallelPools: 1 }, deps)
    expect(results.map(r => [r.operation.pool, r.outcome, r.holdReason])).toEqual([
      ['apps', 'pending', 'started-outside'],
      ['batch', 'succeeded', undefined]
    ])
    expect(started).toEqual(['batch'])
  })
})
