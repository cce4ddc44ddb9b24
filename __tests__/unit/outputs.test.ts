import { describe, expect, it } from 'vitest'
import { countResults, planOutput, serializePlan } from '../../src/report/outputs.ts'
import type { ClusterPlan, Operation, OperationResult, PlanEntry, ReasonCode, RunReport } from '../../src/model.ts'

const ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod'

function entry(pool: string | null, reason: ReasonCode, action: PlanEntry['action'] = 'node-image'): PlanEntry {
  return {
    clusterId: ID,
    cluster: 'aks-prod',
    resourceGroup: 'rg',
    subscriptionId: 's',
    ring: 0,
    pool,
    os: pool ? 'Linux' : null,
    mode: pool ? 'User' : null,
    kubernetesVersion: { current: '1.35.5', target: action === 'patch' ? '1.35.6' : '1.35.5' },
    nodeImageVersion: pool ? { current: 'AKSUbuntu-2204gen2containerd-202607.02.0', target: 'AKSUbuntu-2204gen2containerd-202607.09.0' } : null,
    action: reason === 'upgrade-due' || reason === 'awaiting-approval' ? action : 'none',
    reason,
    message: '',
    warnings: []
  }
}

function op(pool: string): Operation {
  return {
    key: `${ID}/agentPools/${pool}#node-image`,
    kind: 'node-image',
    upgradeClass: 'node-image',
    clusterId: ID,
    pool,
    from: 'AKSUbuntu-2204gen2containerd-202607.02.0',
    to: 'AKSUbuntu-2204gen2containerd-202607.09.0'
  }
}

function report(entries: PlanEntry[], results: OperationResult[]): RunReport {
  const cp = {
    cluster: { id: ID, name: 'aks-prod' },
    ring: 0,
    operations: results.map(r => r.operation),
    entries,
    warnings: []
  } as unknown as ClusterPlan
  return {
    startedAt: '2026-11-21T23:00:00.000Z',
    timezone: 'UTC',
    dryRun: false,
    upgrade: ['node-image'],
    reportId: 'r',
    actionVersion: '1.0.0',
    plan: { clusters: [cp], rings: { '0': [ID] } },
    results,
    readFailures: [],
    notes: [],
    window: { inWindow: true }
  }
}

describe('countResults', () => {
  it.each<[string, OperationResult['outcome'], string | undefined, { started: number; failed: number; pending: number }]>([
    ['succeeded counts as started', 'succeeded', undefined, { started: 1, failed: 0, pending: 0 }],
    ['failed after starting counts as started and failed', 'failed', undefined, { started: 1, failed: 1, pending: 0 }],
    ['refused by Azure is failed but never started', 'failed', 'start-refused', { started: 0, failed: 1, pending: 0 }],
    ['outside the window is pending', 'pending', 'outside-window', { started: 0, failed: 0, pending: 1 }],
    ['no applicable AKS schedule is held, not pending', 'pending', 'no-cluster-schedule', { started: 0, failed: 0, pending: 0 }],
    ['dry-run starts nothing', 'would-start', undefined, { started: 0, failed: 0, pending: 0 }],
    ['still running after the timeout was started', 'still-running', undefined, { started: 1, failed: 0, pending: 0 }]
  ])('%s', (_name, outcome, holdReason, expected) => {
    const result: OperationResult = { operation: op('apps'), outcome }
    if (holdReason) result.holdReason = holdReason
    if (outcome === 'failed') result.error = { code: 'PodDrainFailure', message: 'drain failed' }
    expect(countResults(report([entry(null, 'up-to-date'), entry('apps', 'upgrade-due')], [result]))).toEqual(expected)
  })

  it('counts a minor upgrade awaiting approval and a ring wait as pending', () => {
    const r = report([entry(null, 'awaiting-approval', 'minor'), entry('apps', 'ring-waiting')], [])
    expect(countResults(r).pending).toBe(2)
  })
})

describe('planOutput', () => {
  it('joins each entry with its result and names the versions the action concerns', () => {
    const failed: OperationResult = { operation: op('apps'), outcome: 'failed', error: { code: 'PodDrainFailure', message: 'drain failed' } }
    const out = planOutput(report([entry(null, 'up-to-date'), entry('apps', 'upgrade-due')], [failed]).plan, [failed])
    expect(out.map(e => [e.pool, e.result, e.error?.code ?? null, e.current, e.target])).toEqual([
      [null, null, null, '1.35.5', '1.35.5'],
      ['apps', 'failed', 'PodDrainFailure', 'AKSUbuntu-2204gen2containerd-202607.02.0', 'AKSUbuntu-2204gen2containerd-202607.09.0']
    ])
  })
})

describe('planOutput: hold', () => {
  it('says why a due operation did not start, and nothing for one that ran', () => {
    const pending: OperationResult = {
      operation: op('apps'),
      outcome: 'pending',
      holdReason: 'outside-window',
      holdDetail: 'outside Sat 22:00-04:00 (Europe/Berlin)',
      nextWindow: '2026-11-28T21:00:00.000Z'
    }
    const done: OperationResult = { operation: op('system'), outcome: 'succeeded' }
    const r = report([entry('apps', 'upgrade-due'), entry('system', 'upgrade-due')], [pending, done])
    const out = planOutput(r.plan, r.results)
    expect(out.map(e => e.hold)).toEqual([
      { reason: 'outside-window', detail: 'outside Sat 22:00-04:00 (Europe/Berlin)', nextWindow: '2026-11-28T21:00:00.000Z' },
      null
    ])
  })
})

describe('report rows: not-selected', () => {
  it.each<[string, PlanEntry, 'up-to-date' | 'held']>([
    [
      'control plane whose versions were not checked (upgrade: node-image)',
      { ...entry(null, 'not-selected'), kubernetesVersion: { current: '1.35.5', target: null } },
      'up-to-date'
    ],
    [
      'a newer Kubernetes version exists but its kind is not selected',
      { ...entry(null, 'not-selected'), kubernetesVersion: { current: '1.34.9', target: '1.35.6' } },
      'held'
    ],
    [
      'pool with the newest image, versions not checked',
      {
        ...entry('apps', 'not-selected'),
        kubernetesVersion: { current: '1.35.5', target: null },
        nodeImageVersion: { current: 'AKSUbuntu-2204gen2containerd-202607.09.0', target: 'AKSUbuntu-2204gen2containerd-202607.09.0' }
      },
      'up-to-date'
    ]
  ])('%s', async (_name, e, status) => {
    const { buildRows } = await import('../../src/report/rows.ts')
    expect(buildRows(report([e], [])).all.map(r => r.status)).toEqual([status])
  })
})

describe('serializePlan', () => {
  const many = (n: number): ReturnType<typeof planOutput> => {
    const entries: PlanEntry[] = []
    for (let i = 0; i < n; i++) entries.push({ ...entry(`p${i}`, i % 2 === 0 ? 'up-to-date' : 'upgrade-due'), message: 'x'.repeat(200) })
    const r = report(entries, [])
    return planOutput(r.plan, r.results)
  }

  // Limits derived from the real sizes, so each case lands in its step.
  const entries = many(400)
  const full = JSON.stringify(entries).length
  const compact = JSON.stringify(entries.map(({ message: _m, warnings: _w, ...e }) => e)).length
  const relevant = JSON.stringify(entries.filter(e => e.reason !== 'up-to-date').map(({ message: _m, warnings: _w, ...e }) => e)).length

  it.each<[string, number, RegExp | undefined, (json: unknown[]) => boolean]>([
    ['fits: everything, unchanged', full, undefined, j => j.length === 400 && (j[0] as { message?: string }).message !== undefined],
    [
      'prose dropped first',
      full - 1,
      /message and warnings of each entry/,
      j => j.length === 400 && (j[0] as { message?: string }).message === undefined
    ],
    [
      'then the up-to-date entries',
      compact - 1,
      /the 200 up-to-date entries/,
      j => j.length === 200 && j.every(e => (e as { reason: string }).reason !== 'up-to-date')
    ],
    ['then whole entries while they fit', Math.floor(relevant / 2), /further entries/, j => j.length > 0 && j.length < 200]
  ])('%s', (_name, limit, note, check) => {
    const out = serializePlan(entries, limit)
    expect(out.json.length).toBeLessThanOrEqual(limit)
    if (note) expect(out.truncated).toMatch(note)
    else expect(out.truncated).toBeUndefined()
    expect(check(JSON.parse(out.json) as unknown[])).toBe(true)
  })
})

describe('a pool with a version upgrade and an image refresh that folds into it', () => {
  const version = entry('apps', 'upgrade-due', 'patch')
  const versionOp: Operation = {
    ...op('apps'),
    key: `${ID}/agentPools/apps#pool-version`,
    kind: 'pool-version',
    upgradeClass: 'patch',
    from: '1.35.5',
    to: '1.35.6'
  }
  const image: PlanEntry = { ...entry('apps', 'upgrade-due'), foldsInto: versionOp.key }
  const imageOp: Operation = { ...op('apps'), foldsInto: versionOp.key }

  it.each<[string, OperationResult[], string[]]>([
    ['the version upgrade started: one entry, the refresh came with it', [{ operation: versionOp, outcome: 'succeeded' }], ['patch succeeded']],
    [
      'the version upgrade was held: both entries, each with its own result',
      [
        {
          operation: versionOp,
          outcome: 'pending',
          holdReason: 'outside-window',
          holdDetail: 'outside aksManagedAutoUpgradeSchedule',
          nextWindow: '2026-12-05T02:00:00Z'
        },
        { operation: imageOp, outcome: 'succeeded' }
      ],
      ['patch pending outside-window', 'node-image succeeded']
    ]
  ])('%s', (_name, results, expected) => {
    const out = planOutput(report([version, image], results).plan, results)
    expect(out).toHaveLength(expected.length)
    expect(out.map(e => [e.action, e.result, e.hold?.reason].filter(Boolean).join(' '))).toEqual(expected)
    // The internal link between the two is no part of the output schema.
    for (const e of out) expect(e).not.toHaveProperty('foldsInto')
  })
})
