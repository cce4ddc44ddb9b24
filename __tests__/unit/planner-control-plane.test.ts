import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, FleetSnapshot, PoolSnapshot, VersionUpgrade } from '../../src/model.ts'
import { planFleet, type PlannerOptions } from '../../src/plan/planner.ts'
import { U0702, U0709 } from './fixtures.ts'
import {
  NOW,
  EASTUS,
  profileFor,
  pool,
  sys,
  cluster,
  onVersion,
  options,
  plan,
  clusterPlan,
  entry,
  ops,
  type UpgradeKindList,
  at,
  withPools
} from './planner-fixtures.ts'

// The control plane's Kubernetes version: patch and minor upgrades, preview versions, skew with
// its pools, long-term support, minor approvals, and versions not checked without `patch`/`minor`.

describe('patch upgrades', () => {
  it('orders control plane, system pools, user pools; each image refresh folds into the version upgrade of its pool', () => {
    const old = { nodeImageVersion: U0702 }
    const p = plan([cluster('aks-a', onVersion('1.35.5', [pool('zeta', old), sys('sysb', old), pool('apps', old), sys('sysa', old)]))])
    expect(ops(p, 'aks-a')).toEqual([
      'control-plane - patch 1.35.5→1.35.6',
      'pool-version sysa patch 1.35.5→1.35.6',
      'pool-version sysb patch 1.35.5→1.35.6',
      'pool-version apps patch 1.35.5→1.35.6',
      'pool-version zeta patch 1.35.5→1.35.6',
      `node-image sysa node-image ${U0702}→${U0709}`,
      `node-image sysb node-image ${U0702}→${U0709}`,
      `node-image apps node-image ${U0702}→${U0709}`,
      `node-image zeta node-image ${U0702}→${U0709}`
    ])
    // The refreshes run only when their pool's version upgrade does not start (the executor decides).
    const operations = clusterPlan(p, 'aks-a').operations
    for (const image of operations.filter(o => o.kind === 'node-image')) {
      expect(image.foldsInto).toBe(operations.find(o => o.kind === 'pool-version' && o.pool === image.pool)?.key)
    }
    expect(entry(p, 'aks-a', null)).toMatchObject({
      action: 'patch',
      reason: 'upgrade-due',
      kubernetesVersion: { current: '1.35.5', target: '1.35.6' },
      message: 'Kubernetes 1.35.5 → 1.35.6 (patch).'
    })
    const apps = entry(p, 'aks-a', 'apps')
    expect(apps).toMatchObject({
      action: 'patch',
      reason: 'upgrade-due',
      kubernetesVersion: { current: '1.35.5', target: '1.35.6' },
      nodeImageVersion: { current: U0702, target: U0709 }
    })
    expect(apps.message).toMatch(/after the control plane, which also brings node image/)
    expect(apps.warnings).toEqual([])
    expect(clusterPlan(p, 'aks-a').entries.map(e => `${e.pool ?? '-'} ${e.action}`)).toEqual([
      '- patch',
      'sysa patch',
      'sysa node-image',
      'sysb patch',
      'sysb node-image',
      'apps patch',
      'apps node-image',
      'zeta patch',
      'zeta node-image'
    ])
  })

  it('notes when a version upgrade brings an image the node image checks would hold', () => {
    const p = plan([cluster('aks-a', onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 })]))], { nodeImageMinAgeDays: 30 })
    const e = entry(p, 'aks-a', 'system')
    expect(e).toMatchObject({ action: 'patch', reason: 'upgrade-due', nodeImageVersion: { target: U0709 } })
    expect(e.warnings.join(' ')).toMatch(/also installs the newest node image.*node-image-too-new/)
  })

  it('plans no version upgrade when the control plane reports no version', () => {
    const p = plan([cluster('aks-a', { ...onVersion('1.35.5', [sys()]), currentKubernetesVersion: undefined, kubernetesVersion: undefined })])
    expect(entry(p, 'aks-a', null)).toMatchObject({ reason: 'read-failed', kubernetesVersion: { current: null, target: null } })
    expect(ops(p, 'aks-a')).toEqual([])
  })

  it('brings a pool behind the control plane on the same minor up to the control plane', () => {
    const p = plan([cluster('aks-a', { pools: [sys(), pool('apps', { currentOrchestratorVersion: '1.35.5', orchestratorVersion: '1.35.5' })] })])
    expect(entry(p, 'aks-a', null).reason).toBe('not-selected') // 1.36 exists, minor not selected
    expect(ops(p, 'aks-a')).toEqual(['pool-version apps patch 1.35.5→1.35.6'])
  })

  it.each<[string, Partial<ClusterSnapshot>, Partial<PlannerOptions>, string, string, string | null, RegExp]>([
    ['newest patch, minor not selected', {}, {}, 'none', 'not-selected', '1.36.2', /1\.36\.2 \(next minor\).*add `minor`/],
    [
      'newest of all',
      { ...onVersion('1.36.2', [sys()]), controlPlaneUpgrades: [] },
      {},
      'none',
      'up-to-date',
      null,
      /1\.36\.2 is the newest version available/
    ],
    // Neither patch nor minor: nothing was evaluated, so no target (was '1.35.6' before the fix).
    [
      'patch not selected',
      onVersion('1.35.5', [sys()]),
      { upgrade: ['node-image'] },
      'none',
      'not-selected',
      null,
      /Kubernetes versions are not checked: add `patch` \(or `minor`\)/
    ],
    [
      'only a preview patch',
      {
        currentKubernetesVersion: '1.36.2',
        controlPlaneUpgrades: [{ kubernetesVersion: '1.36.3', isPreview: true }],
        pools: [sys('system', { currentOrchestratorVersion: '1.36.2' })]
      },
      {},
      'none',
      'preview-only',
      '1.36.3',
      /Only preview versions.*1\.36\.3.*allow-preview/
    ],
    [
      'preview patch allowed',
      {
        currentKubernetesVersion: '1.36.2',
        controlPlaneUpgrades: [{ kubernetesVersion: '1.36.3', isPreview: true }],
        pools: [sys('system', { currentOrchestratorVersion: '1.36.2' })]
      },
      { allowPreview: true },
      'patch',
      'upgrade-due',
      '1.36.3',
      /1\.36\.2 → 1\.36\.3/
    ],
    // The location list marks 1.37 preview even though the profile entry does not say so.
    [
      'preview minor by location',
      { ...onVersion('1.36.2', [sys()]), controlPlaneUpgrades: [{ kubernetesVersion: '1.37.0', isPreview: false }] },
      { upgrade: ['patch', 'minor'] },
      'none',
      'preview-only',
      '1.37.0',
      /preview/
    ],
    // No profile read: the location's list fills in.
    [
      'no upgrade profile',
      { ...onVersion('1.35.5', [sys()]), controlPlaneUpgrades: undefined },
      {},
      'patch',
      'upgrade-due',
      '1.35.6',
      /1\.35\.5 → 1\.35\.6/
    ],
    // The profile is authoritative: the location's 1.35.6 is not offered to this cluster.
    [
      'profile does not offer the location patch',
      { ...onVersion('1.35.5', [sys()]), controlPlaneUpgrades: [{ kubernetesVersion: '1.36.2', isPreview: false }] },
      {},
      'none',
      'not-selected',
      '1.36.2',
      /add `minor`/
    ],
    [
      'currentKubernetesVersion falls back to kubernetesVersion',
      { ...onVersion('1.35.5', [sys()]), currentKubernetesVersion: undefined },
      {},
      'patch',
      'upgrade-due',
      '1.35.6',
      /1\.35\.5 → 1\.35\.6/
    ]
  ])('control plane: %s', (_name, over, opts, action, reason, target, message) => {
    const p = plan([cluster('aks-a', over)], opts)
    const cp = entry(p, 'aks-a', null)
    expect({ action: cp.action, reason: cp.reason, target: cp.kubernetesVersion.target }).toEqual({ action, reason, target })
    expect(cp.message).toMatch(message)
    expect(clusterPlan(p, 'aks-a').operations.some(o => o.kind === 'control-plane')).toBe(action !== 'none')
  })
})

describe('minor upgrades', () => {
  const minorOnly: Partial<PlannerOptions> = { upgrade: ['node-image', 'patch', 'minor'] }

  it('takes the next minor newest GA patch, then brings pools along', () => {
    const p = plan([cluster('aks-a', { pools: [pool('apps'), sys()] })], minorOnly)
    expect(ops(p, 'aks-a')).toEqual([
      'control-plane - minor 1.35.6→1.36.2',
      'pool-version system minor 1.35.6→1.36.2',
      'pool-version apps minor 1.35.6→1.36.2'
    ])
    expect(entry(p, 'aks-a', 'apps')).toMatchObject({ action: 'minor', kubernetesVersion: { current: '1.35.6', target: '1.36.2' } })
  })

  it.each<[string, string, VersionUpgrade[], UpgradeKindList, string]>([
    // Patch first when both are selected: minor in the next run.
    ['behind on patch, patch+minor', '1.35.5', profileFor('1.35.5'), ['patch', 'minor'], 'control-plane - patch 1.35.5→1.35.6'],
    // Minor alone may go straight to the next minor's newest patch (AKS allows it).
    ['behind on patch, minor only', '1.35.5', profileFor('1.35.5'), ['minor'], 'control-plane - minor 1.35.5→1.36.2'],
    // Never two minors, even when offered.
    [
      'two minors offered',
      '1.34.9',
      [
        { kubernetesVersion: '1.35.5', isPreview: false },
        { kubernetesVersion: '1.35.6', isPreview: false },
        { kubernetesVersion: '1.36.2', isPreview: false }
      ],
      ['patch', 'minor'],
      'control-plane - minor 1.34.9→1.35.6'
    ]
  ])('%s', (_name, version, profile, upgrade, first) => {
    const p = plan([cluster('aks-a', { ...onVersion(version, [sys()]), controlPlaneUpgrades: profile })], { upgrade })
    expect(ops(p, 'aks-a')[0]).toBe(first)
  })

  it('never plans a preview minor unless allowed', () => {
    const c = cluster('aks-a', onVersion('1.36.2', [sys()]))
    expect(entry(plan([c], minorOnly), 'aks-a', null).reason).toBe('preview-only')
    expect(ops(plan([c], { ...minorOnly, allowPreview: true }), 'aks-a')[0]).toBe('control-plane - minor 1.36.2→1.37.0')
  })

  describe('approvals (minor-approval: issue)', () => {
    const c = cluster('aks-prod')
    const upper = c.id.toUpperCase()
    it.each<[string, Array<{ clusterId: string; minor: string; approvedBy?: string }>, string, RegExp]>([
      ['no approval', [], 'awaiting-approval', /1\.35\.6 → 1\.36\.2 \(minor\) awaits approval/],
      // An approval for 1.35 never starts 1.36.
      ['approval for another minor', [{ clusterId: c.id, minor: '1.35' }], 'awaiting-approval', /awaits approval/],
      ['approval for another cluster', [{ clusterId: c.id.replace('aks-prod', 'aks-dev'), minor: '1.36' }], 'awaiting-approval', /awaits approval/],
      [
        'approved (id compared case-insensitively)',
        [{ clusterId: upper, minor: '1.36', approvedBy: 'octocat' }],
        'upgrade-due',
        /approved by octocat/
      ],
      ['approved, approver unknown', [{ clusterId: c.id, minor: '1.36' }], 'upgrade-due', /approved in the issue/]
    ])('%s', (_name, approvals, reason, message) => {
      const p = plan([c], { ...minorOnly, minorApproval: 'issue', approvals })
      const cp = entry(p, 'aks-prod', null)
      expect(cp).toMatchObject({ reason, action: 'minor', kubernetesVersion: { current: '1.35.6', target: '1.36.2' } })
      expect(cp.message).toMatch(message)
      expect(ops(p, 'aks-prod').some(o => o.startsWith('control-plane'))).toBe(reason === 'upgrade-due')
      if (reason === 'awaiting-approval') {
        // Pools wait on the control plane rather than claiming to be done.
        expect(entry(p, 'aks-prod', 'system').reason).toBe('waiting-for-control-plane')
      }
    })
  })

  describe('skew', () => {
    it('upgrades a pool three minors behind before the control plane moves on', () => {
      const p = plan(
        [cluster('aks-a', { pools: [sys(), pool('legacy', { orchestratorVersion: '1.32.9', currentOrchestratorVersion: '1.32.9' })] })],
        minorOnly
      )
      // One minor is enough: 1.33 is exactly three behind 1.36 (was a 1.32.9→1.35.6 jump before the fix).
      expect(ops(p, 'aks-a')).toEqual([
        'pool-version legacy minor 1.32.9→1.33.13',
        'control-plane - minor 1.35.6→1.36.2',
        'pool-version system minor 1.35.6→1.36.2'
      ])
      expect(entry(p, 'aks-a', 'legacy').message).toMatch(/before the control plane, to stay within three minors of its target 1\.36\.2/)
      expect(entry(p, 'aks-a', null).message).toMatch(/after legacy moves to 1\.33\.13/)
    })

    it('holds the control plane when that pool cannot be upgraded first', () => {
      const p = plan(
        [
          cluster('aks-a', {
            pools: [sys(), pool('legacy', { orchestratorVersion: '1.32.9', currentOrchestratorVersion: '1.32.9', powerState: 'Stopped' })]
          })
        ],
        minorOnly
      )
      const cp = entry(p, 'aks-a', null)
      expect(cp).toMatchObject({ reason: 'skew-violation', action: 'none', kubernetesVersion: { target: '1.36.2' } })
      expect(cp.message).toMatch(/pool legacy \(1\.32\.9\) more than three minors behind.*\(stopped\)/)
      expect(ops(p, 'aks-a')).toEqual([])
    })

    it('counts a pool a minor behind as a minor upgrade, not selected with patch only', () => {
      const p = plan([cluster('aks-a', { pools: [sys(), pool('old', { orchestratorVersion: '1.34.9', currentOrchestratorVersion: '1.34.9' })] })])
      const e = entry(p, 'aks-a', 'old')
      expect(e).toMatchObject({ reason: 'not-selected', action: 'none', kubernetesVersion: { current: '1.34.9', target: '1.35.6' } })
      expect(e.message).toMatch(/needs `minor`/)
      expect(ops(p, 'aks-a')).toEqual([])
    })

    it('warns about a pool more than three minors behind and upgrades it with minor', () => {
      const p = plan(
        [
          cluster('aks-a', {
            ...onVersion('1.36.2', [sys()]),
            pools: [
              sys('system', { currentOrchestratorVersion: '1.36.2' }),
              pool('ancient', { orchestratorVersion: '1.32.9', currentOrchestratorVersion: '1.32.9' })
            ]
          })
        ],
        minorOnly
      )
      const e = entry(p, 'aks-a', 'ancient')
      expect(e.warnings.join(' ')).toMatch(/4 minors behind/)
      // One minor per run (was a 1.32.9→1.36.2 jump before the fix).
      expect(ops(p, 'aks-a')).toContain('pool-version ancient minor 1.32.9→1.33.13')
    })

    it('never plans a pool newer than the control plane', () => {
      const p = plan([cluster('aks-a', { ...onVersion('1.35.5', [sys()]), pools: [sys('system', { currentOrchestratorVersion: '1.35.6' })] })], {
        upgrade: ['node-image']
      })
      expect(entry(p, 'aks-a', 'system')).toMatchObject({ reason: 'skew-violation', action: 'none' })
    })
  })

  describe('long-term support', () => {
    const lts = (extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot =>
      cluster('aks-lts', { ...onVersion('1.33.13', [sys()]), supportPlan: 'AKSLongTermSupport', ...extra })

    it('holds a minor into a version not under LTS', () => {
      const p = plan([lts()], minorOnly)
      const cp = entry(p, 'aks-lts', null)
      expect(cp).toMatchObject({ reason: 'lts-rules', kubernetesVersion: { target: '1.34.9' } })
      expect(cp.message).toMatch(/1\.34 is not offered under long-term support in eastus/)
    })

    it('moves between LTS minors and patches within one', () => {
      const withLts = EASTUS.map(m => (m.version === '1.34' ? { ...m, supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] } : m))
      const snapshot: FleetSnapshot = { takenAt: NOW.toISOString(), clusters: [lts()], kubernetesVersions: { eastus: withLts }, readFailures: [] }
      const minor = planFleet(snapshot, options(minorOnly), NOW)
      expect(ops(minor, 'aks-lts')[0]).toBe('control-plane - minor 1.33.13→1.34.9')
      const patch = plan([lts({ controlPlaneUpgrades: [{ kubernetesVersion: '1.33.14', isPreview: false }] })])
      expect(ops(patch, 'aks-lts')[0]).toBe('control-plane - patch 1.33.13→1.33.14')
    })

    it.each<[string, string, string, RegExp | null]>([
      ['LTS on an LTS minor', 'AKSLongTermSupport', '1.33.13', null],
      ['standard plan on N-3', 'KubernetesOfficial', '1.33.13', /Kubernetes 1\.33 is out of support/],
      ['standard plan on N-2', 'KubernetesOfficial', '1.34.9', /Kubernetes 1\.34 is about to leave support/],
      ['standard plan on N-1', 'KubernetesOfficial', '1.35.6', null]
    ])('support warning: %s', (_name, supportPlan, version, expected) => {
      const p = plan([cluster('aks-a', { ...onVersion(version, [sys()]), supportPlan })])
      const text = [...clusterPlan(p, 'aks-a').warnings, ...entry(p, 'aks-a', null).warnings].join(' ')
      if (expected) {
        expect(clusterPlan(p, 'aks-a').warnings.join(' ')).toMatch(expected)
        expect(entry(p, 'aks-a', null).warnings.join(' ')).toMatch(expected)
      } else expect(text).not.toMatch(/support/)
    })
  })
})

describe('upgrade: node-image alone checks no Kubernetes version', () => {
  // What the snapshot holds then: no cluster upgrade profile, no location versions.
  const unread = (cp: string, pools: PoolSnapshot[]): ClusterSnapshot => withPools('aks-a', cp, undefined, pools)
  const nodeImageOnly: Partial<PlannerOptions> = { upgrade: ['node-image'] }

  it.each<[string, string]>([
    ['control plane on the newest version', '1.36.2'],
    ['control plane behind', '1.35.5']
  ])('%s: not-selected, no target, never up to date', (_name, cp) => {
    const p = plan([unread(cp, [sys('system', at(cp))])], nodeImageOnly, NOW, {})
    const e = entry(p, 'aks-a', null)
    expect(e).toMatchObject({ reason: 'not-selected', action: 'none', kubernetesVersion: { current: cp, target: null } })
    expect(e.message).toBe('Kubernetes versions are not checked: add `patch` (or `minor`) to the `upgrade` input.')
  })

  it.each<[string, Partial<PoolSnapshot>, string, string | null, string | null, RegExp]>([
    ['pool image current', at('1.36.2'), 'not-selected', null, null, /^Node image \S+ is the newest available; Kubernetes versions are not checked/],
    ['pool image behind', at('1.36.2', { nodeImageVersion: U0702 }), 'upgrade-due', null, U0709, /202607\.02\.0 → 202607\.09\.0/],
    // Known from the cluster itself: the pool lags its own control plane.
    [
      'pool a patch behind the control plane',
      at('1.36.1'),
      'not-selected',
      '1.36.2',
      null,
      /1\.36\.1 → 1\.36\.2 \(patch, to match the control plane\) needs `patch`/
    ]
  ])('%s', (_name, over, reason, k8sTarget, op, message) => {
    const p = plan([unread('1.36.2', [sys('system', over)])], nodeImageOnly, NOW, {})
    const e = entry(p, 'aks-a', 'system')
    expect({ reason: e.reason, target: e.kubernetesVersion.target }).toEqual({ reason, target: k8sTarget })
    expect(e.message).toMatch(message)
    expect(e.warnings).toEqual([])
    expect(clusterPlan(p, 'aks-a').operations.map(o => o.to)).toEqual(op ? [op] : [])
  })
})
