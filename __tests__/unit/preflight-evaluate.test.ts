// Pre-flight evaluation and the quota-aware scheduler: what each operation claims and what
// it is predicted to hit, then how the executor holds or queues it. Real sizes and numbers.
import { describe, expect, it } from 'vitest'
import { executePlan, type ExecutorDeps } from '../../src/execute/executor.ts'
import type { ClusterPlan, ClusterSnapshot, FleetPlan, Operation, PoolSnapshot } from '../../src/model.ts'
import { CapacityLedger } from '../../src/preflight/capacity.ts'
import { evaluatePreflight, preflightHold } from '../../src/preflight/evaluate.ts'
import type { PreflightFacts, PreflightReport } from '../../src/preflight/types.ts'
import { clusterSnapshot, nodeImageOperation, poolSnapshot, U0702 } from './fixtures.ts'

const VNET = '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet-prod'
const SUBNET = `${VNET}/subnets/aks-nodes`

function pool(name: string, over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return poolSnapshot(name, { nodeImageVersion: U0702, count: 3, maxSurge: '1', vmSize: 'Standard_D4s_v3', ...over })
}

function plan(pools: PoolSnapshot[], over: Partial<ClusterSnapshot> = {}, extra: Operation[] = []): FleetPlan {
  const cluster = clusterSnapshot('aks-prod', { location: 'westeurope', pools, ...over })
  const cp: ClusterPlan = {
    cluster,
    ring: 0,
    operations: [...extra, ...pools.map(p => nodeImageOperation(cluster, p.name))],
    entries: [],
    warnings: []
  }
  return { clusters: [cp], rings: { '0': [cluster.id] } }
}

function facts(over: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    vmSizes: new Map([['westeurope', new Map([['standard_d4s_v3', { family: 'standardDSv3Family', vCpus: 4 }]])]]),
    computeUsages: new Map([
      [
        's|westeurope',
        new Map([
          ['standarddsv3family', { current: 92, limit: 100 }],
          ['cores', { current: 120, limit: 350 }]
        ])
      ]
    ]),
    subnetUsages: new Map(),
    vnetsRead: new Set(),
    clusters: new Map(),
    notRun: [],
    armRequests: 2,
    ...over
  }
}

const ALL = { checks: ['quota', 'subnet', 'pdb'] as Array<'quota' | 'subnet' | 'pdb'>, policy: 'hold' as const }

function findings(report: PreflightReport): Array<[string, string, string]> {
  return Object.entries(report.operations).flatMap(([key, c]) =>
    c.findings.map(f => [key.split('/').pop() ?? key, f.reason, f.severity] as [string, string, string])
  )
}

describe('quota', () => {
  it('claims surge vCPUs on the family and the regional total', () => {
    const report = evaluatePreflight(plan([pool('apps', { maxSurge: '2' })]), facts(), ALL)
    const check = Object.values(report.operations)[0]
    expect(check?.claims).toEqual([
      { budget: 'quota|s|westeurope|standarddsv3family', amount: 8 },
      { budget: 'quota|s|westeurope|cores', amount: 8 }
    ])
    expect(report.budgets.map(b => [b.label, b.free])).toEqual([
      ['standardDSv3Family in westeurope', 8],
      ['Total Regional vCPUs in westeurope', 230]
    ])
    expect(findings(report)).toEqual([])
  })

  it('holds a surge that does not fit even alone, with the numbers', () => {
    const report = evaluatePreflight(plan([pool('apps', { maxSurge: '3' })]), facts(), ALL)
    const key = Object.keys(report.operations)[0] ?? ''
    const hold = preflightHold(report, key)
    expect(hold?.reason).toBe('preflight-quota')
    expect(hold?.detail).toBe(
      'needs 12 vCPUs of standardDSv3Family in westeurope (3 surge nodes × 4 vCPUs of Standard_D4s_v3), 8 free (limit 100, 92 used)'
    )
    expect(hold?.advice).toMatch(/raise the quota .* or lower upgradeSettings.maxSurge of pool apps/)
    // preflight-failures: warn reports it and holds nothing.
    expect(preflightHold(evaluatePreflight(plan([pool('apps', { maxSurge: '3' })]), facts(), { ...ALL, policy: 'warn' }), key)).toBeUndefined()
  })

  it('spot pools draw on the low-priority quota', () => {
    const usages = new Map([['s|westeurope', new Map([['lowprioritycores', { current: 0, limit: 4 }]])]])
    const report = evaluatePreflight(plan([pool('spot', { scaleSetPriority: 'Spot', maxSurge: '2' })]), facts({ computeUsages: usages }), ALL)
    expect(findings(report)).toEqual([['spot#node-image', 'preflight-quota', 'block']])
  })

  it('lists a VM size missing from the SKU list as a check not run', () => {
    const report = evaluatePreflight(plan([pool('apps', { vmSize: 'Standard_NC24ads_A100_v4' })]), facts(), ALL)
    expect(report.notRun).toEqual([
      expect.objectContaining({ check: 'quota', reason: 'VM size Standard_NC24ads_A100_v4 is not in the resource SKUs list of westeurope' })
    ])
    expect(findings(report)).toEqual([])
  })

  it('lists a check not run once, though two operations of the pool ran into it', () => {
    const cluster = clusterSnapshot('aks-prod', { location: 'westeurope', pools: [pool('apps', { vmSize: 'Standard_NC24ads_A100_v4' })] })
    const version: Operation = {
      key: `${cluster.id}/agentPools/apps#pool-version`,
      kind: 'pool-version',
      upgradeClass: 'patch',
      clusterId: cluster.id,
      pool: 'apps',
      from: '1.35.5',
      to: '1.35.6'
    }
    const p: FleetPlan = {
      clusters: [{ cluster, ring: 0, operations: [version, nodeImageOperation(cluster, 'apps')], entries: [], warnings: [] }],
      rings: {}
    }
    expect(evaluatePreflight(p, facts(), ALL).notRun).toHaveLength(1)
  })

  it('says what it assumed when maxSurge is unset', () => {
    const { maxSurge: _m, ...noSurge } = pool('apps', { count: 25 })
    const report = evaluatePreflight(plan([noSurge]), facts(), ALL)
    expect(Object.values(report.operations)[0]?.notes).toEqual([
      "apps: maxSurge is not set: assumed AKS's default of 10% (3 nodes).",
      'Subnet: uses an AKS-managed virtual network (no vnetSubnetID): its addresses are not checked.'
    ])
  })
})

describe('subnet', () => {
  const usage = new Map([[SUBNET.toLowerCase(), { current: 5, limit: 11 }]])
  it.each([
    { name: 'a /28 with classic CNI and maxPods 30 is held', network: { plugin: 'azure' }, held: true },
    { name: 'the same subnet with Overlay is fine', network: { plugin: 'azure', pluginMode: 'overlay' }, held: false }
  ])('$name', ({ network, held }) => {
    const report = evaluatePreflight(plan([pool('apps', { vnetSubnetId: SUBNET, maxPods: 30 })], { network }), facts({ subnetUsages: usage }), ALL)
    const hold = preflightHold(report, Object.keys(report.operations)[0] ?? '')
    expect(hold?.reason).toBe(held ? 'preflight-subnet' : undefined)
    if (held)
      expect(hold?.detail).toBe(
        "needs 31 addresses in subnet aks-nodes (31 per node (Azure CNI reserves an address for each of maxPods 30, plus the node's), 1 surge node), 6 free of 11"
      )
  })
})

describe('subnet missing from its network', () => {
  it('is listed as a check not run when its virtual network was read', () => {
    const report = evaluatePreflight(
      plan([pool('apps', { vnetSubnetId: SUBNET })], { network: { plugin: 'azure' } }),
      facts({ vnetsRead: new Set([VNET.toLowerCase()]) }),
      ALL
    )
    expect(report.notRun).toEqual([{ check: 'subnet', scope: SUBNET, reason: 'subnet aks-nodes is not in the usages of its virtual network' }])
  })
})

describe('PodDisruptionBudgets', () => {
  const blocking = {
    namespace: 'shop',
    name: 'web',
    minAvailable: '3',
    selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
    disruptionsAllowed: 0,
    currentHealthy: 3,
    desiredHealthy: 3,
    expectedPods: 3
  }
  const api = (pools: string[]) =>
    new Map([
      ['/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks-prod', { pdbs: [{ pdb: blocking, pools }] }]
    ])

  it('holds the pool its pods run on, not the others', () => {
    const report = evaluatePreflight(plan([pool('system', { mode: 'System' }), pool('apps')]), facts({ clusters: api(['apps']) }), ALL)
    expect(findings(report)).toEqual([['apps#node-image', 'preflight-pdb', 'block']])
  })

  it('warns instead when the pool cordons nodes it cannot drain', () => {
    const report = evaluatePreflight(plan([pool('apps', { undrainableNodeBehavior: 'Cordon' })]), facts({ clusters: api(['apps']) }), ALL)
    expect(findings(report)).toEqual([['apps#node-image', 'preflight-pdb', 'warn']])
    expect(preflightHold(report, Object.keys(report.operations)[0] ?? '')).toBeUndefined()
  })

  it('applies to every pool when its pods could not be placed', () => {
    const report = evaluatePreflight(plan([pool('system'), pool('apps')]), facts({ clusters: api([]) }), ALL)
    expect(findings(report).map(f => f[0])).toEqual(['system#node-image', 'apps#node-image'])
  })
})

describe('deprecated APIs before a minor', () => {
  it('holds the control plane minor while APIs it removes are in use', () => {
    const cluster = clusterSnapshot('aks-prod', { location: 'westeurope', kubernetesVersion: '1.31.9', currentKubernetesVersion: '1.31.9' })
    const minor: Operation = {
      key: `${cluster.id}#control-plane`,
      kind: 'control-plane',
      upgradeClass: 'minor',
      clusterId: cluster.id,
      from: '1.31.9',
      to: '1.32.7'
    }
    const deprecatedApis = [
      { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta3', resource: 'flowschemas', subresource: '', removedRelease: '1.32' }
    ]
    const report = evaluatePreflight(
      plan([], { location: 'westeurope', kubernetesVersion: '1.31.9' }, [minor]),
      facts({ clusters: new Map([[cluster.id.toLowerCase(), { pdbs: [], deprecatedApis }]]) }),
      ALL
    )
    const hold = preflightHold(report, minor.key)
    expect(hold?.reason).toBe('preflight-deprecated-api')
    expect(hold?.detail).toBe(
      'the API server still serves requests for 1 API that 1.32 removes: flowcontrol.apiserver.k8s.io/v1beta3 flowschemas (removed in 1.32)'
    )
    expect(hold?.advice).toMatch(/forceUpgrade with an 'until' date: for you to decide, the action never sets it/)
  })
})

describe('the quota-aware scheduler', () => {
  const budget = { key: 'q', check: 'quota' as const, label: 'standardDSv3Family in westeurope', free: 8, unit: 'vCPUs' as const }

  it('lets a claim that fits go, queues one that fits only after a release', async () => {
    const ledger = new CapacityLedger([budget])
    const first = await ledger.acquire([{ budget: 'q', amount: 4 }])
    const second = await ledger.acquire([{ budget: 'q', amount: 4 }])
    let third: unknown
    const waiting = ledger.acquire([{ budget: 'q', amount: 4 }]).then(r => {
      third = r
    })
    await Promise.resolve()
    expect(third).toBeUndefined()
    if ('lease' in first) first.lease.release()
    await waiting
    expect(third).toHaveProperty('lease')
    expect(second).toHaveProperty('lease')
  })

  it('does not wait when what the ending operations give back is not enough', async () => {
    const ledger = new CapacityLedger([budget])
    const kept = await ledger.acquire([{ budget: 'q', amount: 4 }])
    if ('lease' in kept) kept.lease.keep()
    const ending = await ledger.acquire([{ budget: 'q', amount: 4 }])
    expect(ending).toHaveProperty('lease')
    // 8 free, 4 kept for good: a claim of 6 can never fit in this run, so it is held at once.
    expect(await ledger.acquire([{ budget: 'q', amount: 6 }])).toHaveProperty('held')
  })

  it('lets a claim larger than the budget (preflight-failures: warn) take all of it, so others wait', async () => {
    const ledger = new CapacityLedger([budget])
    const big = await ledger.acquire([{ budget: 'q', amount: 12 }])
    let small: unknown
    const waiting = ledger.acquire([{ budget: 'q', amount: 4 }]).then(r => {
      small = r
    })
    await Promise.resolve()
    expect(small).toBeUndefined()
    if ('lease' in big) big.lease.release()
    await waiting
    expect(small).toHaveProperty('lease')
  })

  it('holds a claim when what is missing stays taken (an operation left running)', async () => {
    const ledger = new CapacityLedger([budget])
    const first = await ledger.acquire([{ budget: 'q', amount: 8 }])
    const waiting = ledger.acquire([{ budget: 'q', amount: 4 }])
    if ('lease' in first) first.lease.keep()
    expect(await waiting).toEqual({
      held: {
        check: 'quota',
        detail:
          'needs 4 vCPUs of standardDSv3Family in westeurope, 0 left while operations started earlier in this run still run (8 were free); the next run continues'
      }
    })
  })

  it('runs two pools one after the other when their surge fits one at a time (max-parallel-pools 2)', async () => {
    const p = plan([pool('apps1', { maxSurge: '2' }), pool('apps2', { maxSurge: '2' })])
    const report = evaluatePreflight(p, facts(), ALL)
    const ledger = new CapacityLedger(report.budgets)
    let t = Date.parse('2026-11-21T23:00:00Z')
    let inFlight = 0
    let peak = 0
    const deps: ExecutorDeps = {
      start: async () => {
        inFlight++
        peak = Math.max(peak, inFlight)
        return {
          wait: async () => {
            await new Promise(r => setTimeout(r, 1))
            t += 60_000
            inFlight--
          }
        }
      },
      checkWindow: () => ({ open: true, detail: 'no window' }),
      preflight: { hold: op => preflightHold(report, op.key), acquire: async op => ledger.acquire(report.operations[op.key]?.claims ?? []) },
      now: () => new Date(t),
      deadlineSignal: () => new AbortController().signal,
      log: { info: () => {}, warning: () => {}, error: () => {} }
    }
    const results = await executePlan(p, { dryRun: false, wait: true, waitTimeoutMinutes: 60, maxParallel: 1, maxParallelPools: 2 }, deps)
    expect(results.map(r => r.outcome)).toEqual(['succeeded', 'succeeded'])
    expect(peak).toBe(1)
  })

  it('holds the control plane when the pool pre-upgrade before it is held, and refreshes node images', async () => {
    const cluster = clusterSnapshot('aks-prod', { location: 'westeurope', pools: [pool('system'), pool('apps')] })
    const pre: Operation = {
      key: `${cluster.id}/agentPools/system#pool-version`,
      kind: 'pool-version',
      upgradeClass: 'minor',
      clusterId: cluster.id,
      pool: 'system',
      from: '1.33.9',
      to: '1.34.9'
    }
    const cp: Operation = {
      key: `${cluster.id}#control-plane`,
      kind: 'control-plane',
      upgradeClass: 'minor',
      clusterId: cluster.id,
      from: '1.35.6',
      to: '1.36.2'
    }
    const p: FleetPlan = {
      clusters: [{ cluster, ring: 0, operations: [pre, cp, nodeImageOperation(cluster, 'apps')], entries: [], warnings: [] }],
      rings: {}
    }
    const deps: ExecutorDeps = {
      start: async () => ({ wait: async () => {} }),
      checkWindow: () => ({ open: true, detail: 'no window' }),
      preflight: {
        hold: op =>
          op.key === pre.key
            ? { reason: 'preflight-pdb', severity: 'block', detail: 'PodDisruptionBudget shop/web blocks the drain', advice: '' }
            : undefined,
        acquire: async () => ({ lease: { release: () => {}, keep: () => {} } })
      },
      now: () => new Date('2026-11-21T23:00:00Z'),
      deadlineSignal: () => new AbortController().signal,
      log: { info: () => {}, warning: () => {}, error: () => {} }
    }
    const results = await executePlan(p, { dryRun: false, wait: true, waitTimeoutMinutes: 60, maxParallel: 1, maxParallelPools: 1 }, deps)
    expect(results.map(r => [r.operation.kind, r.outcome, r.holdReason])).toEqual([
      ['pool-version', 'pending', 'preflight-pdb'],
      ['control-plane', 'pending', 'preflight-pdb'],
      ['node-image', 'succeeded', undefined]
    ])
    expect(results[1]?.holdDetail).toBe('waits for pool system: PodDisruptionBudget shop/web blocks the drain')
  })

  it('holds an operation predicted to fail before looking at the window, even in a dry run', async () => {
    const p = plan([pool('apps', { maxSurge: '3' }), pool('small', { maxSurge: '1' })])
    const report = evaluatePreflight(p, facts(), ALL)
    const deps: ExecutorDeps = {
      start: async () => {
        throw new Error('a dry run starts nothing')
      },
      checkWindow: () => ({ open: false, reason: 'outside-window', detail: 'outside Sat 22:00-04:00' }),
      preflight: { hold: op => preflightHold(report, op.key), acquire: async () => ({ lease: { release: () => {}, keep: () => {} } }) },
      now: () => new Date('2026-11-21T12:00:00Z'),
      deadlineSignal: () => new AbortController().signal,
      log: { info: () => {}, warning: () => {}, error: () => {} }
    }
    const results = await executePlan(p, { dryRun: true, wait: true, waitTimeoutMinutes: 60, maxParallel: 1, maxParallelPools: 1 }, deps)
    expect(results.map(r => [r.operation.pool, r.outcome, r.holdReason])).toEqual([
      ['apps', 'pending', 'preflight-quota'],
      ['small', 'pending', 'outside-window']
    ])
  })
})
