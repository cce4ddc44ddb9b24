import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, FleetSnapshot, KubernetesMinorVersion, PoolSnapshot, VersionUpgrade } from '../../src/model.ts'
import type { Approval } from '../../src/approvals.ts'
import type { PlannerOptions } from '../../src/plan/planner.ts'
import { U0702, U0709 } from './fixtures.ts'
import { NOW, minorEntry, EASTUS, profileFor, pool, sys, plan, clusterPlan, entry, ops, at, withPools, withMinor } from './planner-fixtures.ts'

// A pool's Kubernetes version: minor approvals of its own, and one minor per operation.

describe('pool minor upgrades need their approval (minor-approval: issue)', () => {
  // The control plane is on the newest GA version; only its pools have a minor to take.
  const prod = (apps: Partial<PoolSnapshot> = {}): ClusterSnapshot =>
    withPools('aks-prod', '1.36.2', profileFor('1.36.2'), [
      sys('system', at('1.36.2')),
      pool('apps', at('1.35.6', apps)),
      pool('batch', at('1.34.9'))
    ])
  const id = prod().id
  const other = id.replace('aks-prod', 'aks-dev')

  it.each<[string, PlannerOptions['minorApproval'], Approval[], string, string, string[]]>([
    ['no approval', 'issue', [], 'awaiting-approval', 'awaiting-approval', []],
    [
      'approved for 1.36 only',
      'issue',
      [{ clusterId: id, minor: '1.36' }],
      'upgrade-due',
      'awaiting-approval',
      ['pool-version apps minor 1.35.6→1.36.2']
    ],
    [
      'approved for 1.35 only',
      'issue',
      [{ clusterId: id, minor: '1.35' }],
      'awaiting-approval',
      'upgrade-due',
      ['pool-version batch minor 1.34.9→1.35.6']
    ],
    [
      'approved for both',
      'issue',
      [
        { clusterId: id, minor: '1.36' },
        { clusterId: id, minor: '1.35' }
      ],
      'upgrade-due',
      'upgrade-due',
      ['pool-version apps minor 1.35.6→1.36.2', 'pool-version batch minor 1.34.9→1.35.6']
    ],
    ['approved for another cluster', 'issue', [{ clusterId: other, minor: '1.36' }], 'awaiting-approval', 'awaiting-approval', []],
    [
      'no approval needed',
      'none',
      [],
      'upgrade-due',
      'upgrade-due',
      ['pool-version apps minor 1.35.6→1.36.2', 'pool-version batch minor 1.34.9→1.35.6']
    ]
  ])('%s', (_name, minorApproval, approvals, appsReason, batchReason, expectedOps) => {
    const p = plan([prod()], { ...withMinor, minorApproval, approvals })
    expect(ops(p, 'aks-prod')).toEqual(expectedOps)
    // The report renders the checkbox from the entry: cluster id + the target's minor.
    const apps = entry(p, 'aks-prod', 'apps')
    const batch = entry(p, 'aks-prod', 'batch')
    expect(apps).toMatchObject({ reason: appsReason, action: 'minor', kubernetesVersion: { current: '1.35.6', target: '1.36.2' } })
    expect(batch).toMatchObject({ reason: batchReason, action: 'minor', kubernetesVersion: { current: '1.34.9', target: '1.35.6' } })
    for (const e of [apps, batch]) {
      if (e.reason === 'awaiting-approval') expect(e.message).toMatch(/\(minor\) awaits approval: tick its checkbox/)
      else if (minorApproval === 'issue') expect(e.message).toMatch(/approved in the issue/)
    }
  })

  it('keeps the approval entry, and refreshes the newer node image of the pool on its own meanwhile', () => {
    const p = plan([prod({ nodeImageVersion: U0702 })], { ...withMinor, minorApproval: 'issue' })
    const apps = clusterPlan(p, 'aks-prod').entries.filter(e => e.pool === 'apps')
    expect(apps).toHaveLength(2)
    expect(apps[0]).toMatchObject({ reason: 'awaiting-approval', action: 'minor', nodeImageVersion: { current: U0702, target: U0709 } })
    expect(apps[1]).toMatchObject({ reason: 'upgrade-due', action: 'node-image', nodeImageVersion: { current: U0702, target: U0709 } })
    expect(apps[1]?.foldsInto).toBeUndefined()
    expect(ops(p, 'aks-prod')).toEqual([`node-image apps node-image ${U0702}→${U0709}`])
  })

  it('one approval covers the control plane, pools following it and skew pre-upgrades; a pool stepping to another minor needs its own', () => {
    const c = withPools('aks-prod', '1.35.6', profileFor('1.35.6'), [
      sys('system', at('1.35.6')),
      pool('legacy', at('1.32.9')),
      pool('old', at('1.34.9'))
    ])
    const only136 = plan([c], { ...withMinor, minorApproval: 'issue', approvals: [{ clusterId: c.id, minor: '1.36', approvedBy: 'octocat' }] })
    expect(ops(only136, 'aks-prod')).toEqual([
      'pool-version legacy minor 1.32.9→1.33.13',
      'control-plane - minor 1.35.6→1.36.2',
      'pool-version system minor 1.35.6→1.36.2'
    ])
    expect(entry(only136, 'aks-prod', 'old')).toMatchObject({ reason: 'awaiting-approval', action: 'minor', kubernetesVersion: { target: '1.35.6' } })
    const both = plan([c], {
      ...withMinor,
      minorApproval: 'issue',
      approvals: [
        { clusterId: c.id, minor: '1.36' },
        { clusterId: c.id, minor: '1.35', approvedBy: 'hubot' }
      ]
    })
    expect(ops(both, 'aks-prod')).toEqual([
      'pool-version legacy minor 1.32.9→1.33.13',
      'control-plane - minor 1.35.6→1.36.2',
      'pool-version system minor 1.35.6→1.36.2',
      'pool-version old minor 1.34.9→1.35.6'
    ])
    expect(entry(both, 'aks-prod', 'old').message).toMatch(/1\.34\.9 → 1\.35\.6 \(minor, approved by hubot\) after the control plane/)
  })
})

describe('pools move one minor per operation', () => {
  const without = (minor: string): KubernetesMinorVersion[] => EASTUS.filter(m => m.version !== minor)

  it.each<
    [
      string,
      string,
      VersionUpgrade[] | undefined,
      Partial<PoolSnapshot>,
      Partial<PlannerOptions>,
      FleetSnapshot['kubernetesVersions'],
      string,
      string | null,
      string[],
      RegExp
    ]
  >([
    [
      'two minors behind a settled control plane',
      '1.36.2',
      [],
      at('1.34.9'),
      {},
      { eastus: EASTUS },
      'upgrade-due',
      '1.35.6',
      ['pool-version apps minor 1.34.9→1.35.6'],
      /1\.34\.9 → 1\.35\.6 \(minor\), one minor toward the control plane's 1\.36\.2/
    ],
    [
      'four minors behind',
      '1.36.2',
      [],
      at('1.32.9'),
      {},
      { eastus: EASTUS },
      'upgrade-due',
      '1.33.13',
      ['pool-version apps minor 1.32.9→1.33.13'],
      /1\.32\.9 → 1\.33\.13/
    ],
    [
      'one minor behind goes to the control plane',
      '1.36.2',
      [],
      at('1.35.5'),
      {},
      { eastus: EASTUS },
      'upgrade-due',
      '1.36.2',
      ['pool-version apps minor 1.35.5→1.36.2'],
      /1\.35\.5 → 1\.36\.2 \(minor\)/
    ],
    // The pool's upgrade profile is authoritative for the patch it may take.
    [
      'pool profile offers an older patch',
      '1.36.2',
      [],
      at('1.34.9', {
        upgrades: [
          { kubernetesVersion: '1.35.5', isPreview: false },
          { kubernetesVersion: '1.36.2', isPreview: false }
        ]
      }),
      {},
      { eastus: EASTUS },
      'upgrade-due',
      '1.35.5',
      ['pool-version apps minor 1.34.9→1.35.5'],
      /1\.34\.9 → 1\.35\.5/
    ],
    [
      'only a preview patch of the next minor',
      '1.36.2',
      [],
      at('1.34.9', { upgrades: [{ kubernetesVersion: '1.35.6', isPreview: true }] }),
      {},
      { eastus: EASTUS },
      'preview-only',
      '1.35.6',
      [],
      /only preview versions of Kubernetes 1\.35.*allow-preview/
    ],
    // 1.35.6 is the newest GA patch, but the control plane stays on 1.35.5.
    [
      'never newer than the control plane',
      '1.35.5',
      [],
      at('1.34.9'),
      {},
      { eastus: EASTUS },
      'upgrade-due',
      '1.35.5',
      ['pool-version apps minor 1.34.9→1.35.5'],
      /1\.34\.9 → 1\.35\.5 \(minor\), which also brings/
    ],
    [
      'behind a control plane minor in the same run',
      '1.35.6',
      profileFor('1.35.6'),
      at('1.34.9'),
      {},
      { eastus: EASTUS },
      'upgrade-due',
      '1.35.6',
      ['control-plane - minor 1.35.6→1.36.2', 'pool-version system minor 1.35.6→1.36.2', 'pool-version apps minor 1.34.9→1.35.6'],
      /1\.34\.9 → 1\.35\.6 \(minor\) after the control plane, one minor toward the control plane's 1\.36\.2/
    ],
    [
      'location versions not read',
      '1.36.2',
      [],
      at('1.34.9'),
      {},
      {},
      'read-failed',
      null,
      [],
      /versions of eastus were not read, so the pool's next minor \(1\.35\) cannot be chosen/
    ],
    [
      'next minor not offered',
      '1.36.2',
      [],
      at('1.34.9'),
      {},
      { eastus: without('1.35') },
      'skew-violation',
      null,
      [],
      /no generally available Kubernetes 1\.35 patch is offered.*never 1\.34\.9 → 1\.36\.2 in one step/
    ],
    [
      'minor not selected',
      '1.36.2',
      [],
      at('1.34.9'),
      { upgrade: ['node-image', 'patch'] },
      { eastus: EASTUS },
      'not-selected',
      '1.35.6',
      [],
      /1\.34\.9 → 1\.35\.6 \(minor, one minor toward the control plane's 1\.36\.2\) needs `minor`/
    ]
  ])('%s', (_name, cp, offers, apps, opts, versions, reason, target, expectedOps, message) => {
    const p = plan([withPools('aks-a', cp, offers, [sys('system', at(cp)), pool('apps', apps)])], { ...withMinor, ...opts }, NOW, versions)
    const e = entry(p, 'aks-a', 'apps')
    expect({ reason: e.reason, target: e.kubernetesVersion.target }).toEqual({ reason, target })
    expect(e.message).toMatch(message)
    expect(ops(p, 'aks-a')).toEqual(expectedOps)
  })

  it('reaches the control plane over several runs, one minor each', () => {
    let c = withPools('aks-a', '1.36.2', [], [sys('system', at('1.36.2')), pool('apps', at('1.32.9'))])
    const steps: string[] = []
    for (let run = 0; run < 8; run++) {
      const op = clusterPlan(plan([c], withMinor), 'aks-a').operations.find(o => o.pool === 'apps')
      if (!op) break
      steps.push(`${op.from}→${op.to}`)
      c = { ...c, pools: c.pools.map(x => (x.name === 'apps' ? { ...x, ...at(op.to) } : x)) }
    }
    expect(steps).toEqual(['1.32.9→1.33.13', '1.33.13→1.34.9', '1.34.9→1.35.6', '1.35.6→1.36.2'])
  })

  it.each<[string, string, FleetSnapshot['kubernetesVersions'], RegExp, string[]]>([
    // Already four minors behind 1.35: one minor up still leaves it four behind 1.36.
    [
      'pool already out of skew',
      '1.31.11',
      { eastus: [minorEntry('1.31', { '1.31.11': ['1.32.9'] }), minorEntry('1.32', { '1.32.9': ['1.33.13'] }), ...EASTUS] },
      /pool legacy \(1\.31\.11\) more than three minors behind, even after one minor up; the pool moves up one minor per run first/,
      ['pool-version legacy minor 1.31.11→1.32.9']
    ],
    [
      'no patch of the next minor for the pre-upgrade',
      '1.32.9',
      { eastus: EASTUS.filter(m => m.version !== '1.33') },
      /pool legacy \(1\.32\.9\) more than three minors behind, and no generally available 1\.33 patch is offered/,
      []
    ]
  ])('holds the control plane minor when one minor up cannot keep skew: %s', (_name, legacy, versions, message, expectedOps) => {
    const p = plan(
      [withPools('aks-a', '1.35.6', profileFor('1.35.6'), [sys('system', at('1.35.6')), pool('legacy', at(legacy))])],
      withMinor,
      NOW,
      versions
    )
    const cp = entry(p, 'aks-a', null)
    expect(cp).toMatchObject({ reason: 'skew-violation', action: 'none', kubernetesVersion: { target: '1.36.2' } })
    expect(cp.message).toMatch(message)
    expect(ops(p, 'aks-a')).toEqual(expectedOps)
  })
})
