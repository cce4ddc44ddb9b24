import { describe, expect, it } from 'vitest'
import type {
  ClusterPlan,
  ClusterSnapshot,
  FleetPlan,
  FleetSnapshot,
  KubernetesMinorVersion,
  PlanEntry,
  PoolSnapshot,
  VersionUpgrade
} from '../../src/model.ts'
import { haltMessage, planFleet, type Approval, type PlannerOptions } from '../../src/plan/planner.ts'
import { AZL3, U0619, U0702, U0709, U2404, W0610, W0715, clusterSnapshot, poolSnapshot } from './fixtures.ts'

// ---------------------------------------------------------------------------
// Fixture builder: real versions (Azure/AKS release 2026-07-17, AKS-API-NOTES §7).


const NOW = new Date('2026-07-20T12:00:00Z')
const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333'

function minorEntry(version: string, patches: Record<string, string[]>, extra: Partial<KubernetesMinorVersion> = {}): KubernetesMinorVersion {
  return { version, isPreview: false, isDefault: false, supportPlan: ['KubernetesOfficial'], patchVersions: patches, ...extra }
}

const EASTUS: KubernetesMinorVersion[] = [
  minorEntry('1.33', { '1.33.13': ['1.34.9'] }, { supportPlan: ['AKSLongTermSupport'] }),
  minorEntry('1.34', { '1.34.9': ['1.35.5', '1.35.6'] }),
  minorEntry('1.35', { '1.35.5': ['1.35.6', '1.36.2'], '1.35.6': ['1.36.2'] }, { isDefault: true }),
  minorEntry('1.36', { '1.36.2': ['1.37.0'] }),
  minorEntry('1.37', { '1.37.0': [] }, { isPreview: true })
]

/** What the cluster upgrade profile offers from `current`, as AKS derives it from the location list. */
function profileFor(current: string): VersionUpgrade[] {
  for (const m of EASTUS) {
    const ups = m.patchVersions[current]
    if (ups) {
      return ups.map(u => ({ kubernetesVersion: u, isPreview: EASTUS.find(x => u.startsWith(`${x.version}.`))?.isPreview ?? false }))
    }
  }
  return []
}

function pool(name: string, over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return poolSnapshot(name, over)
}

function sys(name = 'system', over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return pool(name, { mode: 'System', ...over })
}

function cluster(name: string, over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const version = over.currentKubernetesVersion ?? '1.35.6'
  return clusterSnapshot(name, {
    subscriptionId: SUB,
    resourceGroup: `rg-${name}`,
    kubernetesVersion: version,
    currentKubernetesVersion: version,
    controlPlaneUpgrades: profileFor(version),
    pools: [sys()],
    ...over
  })
}

/** Pools on `version`, with the cluster's profile computed from it. */
function onVersion(version: string, pools: PoolSnapshot[]): Partial<ClusterSnapshot> {
  return {
    currentKubernetesVersion: version,
    kubernetesVersion: version,
    controlPlaneUpgrades: profileFor(version),
    pools: pools.map(p => ({ ...p, orchestratorVersion: version, currentOrchestratorVersion: version }))
  }
}

function options(over: Partial<PlannerOptions> = {}): PlannerOptions {
  return {
    upgrade: ['node-image', 'patch'],
    allowPreview: false,
    aksAutoUpgrade: 'respect',
    nodeImageMinAgeDays: 0,
    minorApproval: 'none',
    approvals: [],
    ringTag: 'aks-upgrade-ring',
    ringUntagged: 'first',
    ringSoakDays: 0,
    ...over
  }
}

function plan(
  clusters: ClusterSnapshot[],
  over: Partial<PlannerOptions> = {},
  now = NOW,
  kubernetesVersions: FleetSnapshot['kubernetesVersions'] = { eastus: EASTUS }
): FleetPlan {
  const snapshot: FleetSnapshot = {
    takenAt: now.toISOString(),
    clusters,
    kubernetesVersions,
    readFailures: []
  }
  return planFleet(snapshot, options(over), now)
}

function clusterPlan(p: FleetPlan, name: string): ClusterPlan {
  const c = p.clusters.find(x => x.cluster.name === name)
  if (!c) throw new Error(`no plan for ${name}`)
  return c
}

function entry(p: FleetPlan, name: string, poolName: string | null): PlanEntry {
  const e = clusterPlan(p, name).entries.find(x => x.pool === poolName)
  if (!e) throw new Error(`no entry ${name}/${poolName ?? 'control plane'}`)
  return e
}

/** `kind pool from→to` per operation, in execution order. */
function ops(p: FleetPlan, name: string): string[] {
  return clusterPlan(p, name).operations.map(o => `${o.kind} ${o.pool ?? '-'} ${o.upgradeClass} ${o.from}→${o.to}`)
}

// ---------------------------------------------------------------------------

describe('plan shape', () => {
  it('has one entry for the control plane and one per pool, with every field filled', () => {
    const p = plan([cluster('aks-a', { pools: [sys('system', { nodeImageVersion: U0702 }), pool('apps')] })])
    const c = clusterPlan(p, 'aks-a')
    expect(c.entries.map(e => e.pool)).toEqual([null, 'system', 'apps'])
    const cp = entry(p, 'aks-a', null)
    expect(cp).toMatchObject({ os: null, mode: null, nodeImageVersion: null, ring: 0, resourceGroup: 'rg-aks-a', subscriptionId: SUB })
    const system = entry(p, 'aks-a', 'system')
    expect(system).toEqual({
      clusterId: c.cluster.id,
      cluster: 'aks-a',
      resourceGroup: 'rg-aks-a',
      subscriptionId: SUB,
      ring: 0,
      pool: 'system',
      os: 'Linux',
      mode: 'System',
      kubernetesVersion: { current: '1.35.6', target: null },
      nodeImageVersion: { current: U0702, target: U0709 },
      action: 'node-image',
      reason: 'upgrade-due',
      message: `Node image ${U0702} → 202607.09.0.`,
      warnings: []
    })
    expect(c.operations).toEqual([
      {
        key: `${c.cluster.id}/agentPools/system#node-image`,
        kind: 'node-image',
        upgradeClass: 'node-image',
        clusterId: c.cluster.id,
        pool: 'system',
        from: U0702,
        to: U0709
      }
    ])
    expect(entry(p, 'aks-a', 'apps')).toMatchObject({ action: 'none', reason: 'up-to-date' })
  })
})

describe('node images', () => {
  it.each<[string, Partial<PoolSnapshot>, Partial<PlannerOptions>, string, string, RegExp]>([
    ['newer Ubuntu image', { nodeImageVersion: U0702 }, {}, 'node-image', 'upgrade-due', /202607\.02\.0 → 202607\.09\.0/],
    ['already newest', {}, {}, 'none', 'up-to-date', /is the newest available/],
    ['no latest image in profile', { nodeImageVersion: U0702, latestNodeImageVersion: undefined }, {}, 'none', 'no-image-info', /no latest node image/],
    ['Windows image', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0610, latestNodeImageVersion: W0715 }, {}, 'node-image', 'upgrade-due', /20348\.5256\.260610 → 20348\.5386\.260715/],
    ['Azure Linux up to date', { osSku: 'AzureLinux', nodeImageVersion: AZL3, latestNodeImageVersion: AZL3 }, {}, 'none', 'up-to-date', /newest/],
    // Never compared across families: 22.04 → 24.04 is not a node image upgrade.
    ['other family offered', { nodeImageVersion: U0709, latestNodeImageVersion: U2404 }, {}, 'none', 'no-image-info', /another family/],
    ['older latest than current', { nodeImageVersion: U0709, latestNodeImageVersion: U0702 }, {}, 'none', 'up-to-date', /newest/],
    ['node-image not selected', { nodeImageVersion: U0702 }, { upgrade: ['patch'] }, 'none', 'not-selected', /add `node-image` to the `upgrade` input/]
  ])('%s', (_name, poolOver, opts, action, reason, message) => {
    const p = plan([cluster('aks-a', { pools: [sys('system', poolOver)] })], opts)
    const e = entry(p, 'aks-a', 'system')
    expect({ action: e.action, reason: e.reason }).toEqual({ action, reason })
    expect(e.message).toMatch(message)
    expect(ops(p, 'aks-a')).toHaveLength(action === 'none' ? 0 : 1)
  })

  describe('bake time (node-image-min-age-days)', () => {
    it.each<[string, string, number, string, string, RegExp | null]>([
      ['Linux image two days old', U0709, 7, '2026-07-11T12:00:00Z', 'node-image-too-new', /built on 2026-07-09.*eligible on 2026-07-16/],
      ['Linux image exactly old enough', U0709, 7, '2026-07-16T00:00:00Z', 'upgrade-due', null],
      ['Linux image one second too young', U0709, 7, '2026-07-15T23:59:59Z', 'node-image-too-new', /eligible on 2026-07-16/],
      ['bake time off', U0709, 0, '2026-07-09T06:00:00Z', 'upgrade-due', null],
      ['Windows image (date from yymmdd)', W0715, 3, '2026-07-17T12:00:00Z', 'node-image-too-new', /built on 2026-07-15.*eligible on 2026-07-18/],
      ['Windows image old enough', W0715, 3, '2026-07-18T00:00:00Z', 'upgrade-due', null]
    ])('%s', (_name, latest, minAge, now, reason, message) => {
      const current = latest === W0715 ? W0610 : U0702
      const p = plan(
        [cluster('aks-a', { pools: [sys('system', { nodeImageVersion: current, latestNodeImageVersion: latest })] })],
        { nodeImageMinAgeDays: minAge },
        new Date(now)
      )
      const e = entry(p, 'aks-a', 'system')
      expect(e.reason).toBe(reason)
      expect(e.nodeImageVersion?.target).toBe(latest)
      if (message) expect(e.message).toMatch(message)
      expect(ops(p, 'aks-a')).toHaveLength(reason === 'upgrade-due' ? 1 : 0)
    })
  })

  it('plans Linux and Windows pools of one cluster independently', () => {
    const p = plan([
      cluster('aks-a', {
        pools: [
          sys('system', { nodeImageVersion: U0709 }),
          pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0610, latestNodeImageVersion: W0715 })
        ]
      })
    ])
    expect(ops(p, 'aks-a')).toEqual([`node-image win node-image ${W0610}→${W0715}`])
    expect(entry(p, 'aks-a', 'win').os).toBe('Windows')
  })
})

describe('patch upgrades', () => {
  it('orders control plane, system pools, user pools, with no extra node-image operation', () => {
    const old = { nodeImageVersion: U0702 }
    const p = plan([
      cluster(
        'aks-a',
        onVersion('1.35.5', [pool('zeta', old), sys('sysb', old), pool('apps', old), sys('sysa', old)])
      )
    ])
    expect(ops(p, 'aks-a')).toEqual([
      'control-plane - patch 1.35.5→1.35.6',
      'pool-version sysa patch 1.35.5→1.35.6',
      'pool-version sysb patch 1.35.5→1.35.6',
      'pool-version apps patch 1.35.5→1.35.6',
      'pool-version zeta patch 1.35.5→1.35.6'
    ])
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
    expect(clusterPlan(p, 'aks-a').entries.map(e => e.pool)).toEqual([null, 'sysa', 'sysb', 'apps', 'zeta'])
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
    ['newest of all', { ...onVersion('1.36.2', [sys()]), controlPlaneUpgrades: [] }, {}, 'none', 'up-to-date', null, /1\.36\.2 is the newest version available/],
    // Neither patch nor minor: nothing was evaluated, so no target (was '1.35.6' before the fix).
    ['patch not selected', onVersion('1.35.5', [sys()]), { upgrade: ['node-image'] }, 'none', 'not-selected', null, /Kubernetes versions are not checked: add `patch` \(or `minor`\)/],
    [
      'only a preview patch',
      { currentKubernetesVersion: '1.36.2', controlPlaneUpgrades: [{ kubernetesVersion: '1.36.3', isPreview: true }], pools: [sys('system', { currentOrchestratorVersion: '1.36.2' })] },
      {},
      'none',
      'preview-only',
      '1.36.3',
      /Only preview versions.*1\.36\.3.*allow-preview/
    ],
    [
      'preview patch allowed',
      { currentKubernetesVersion: '1.36.2', controlPlaneUpgrades: [{ kubernetesVersion: '1.36.3', isPreview: true }], pools: [sys('system', { currentOrchestratorVersion: '1.36.2' })] },
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
    ['no upgrade profile', { ...onVersion('1.35.5', [sys()]), controlPlaneUpgrades: undefined }, {}, 'patch', 'upgrade-due', '1.35.6', /1\.35\.5 → 1\.35\.6/],
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
    ['currentKubernetesVersion falls back to kubernetesVersion', { ...onVersion('1.35.5', [sys()]), currentKubernetesVersion: undefined }, {}, 'patch', 'upgrade-due', '1.35.6', /1\.35\.5 → 1\.35\.6/]
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
      ['approved (id compared case-insensitively)', [{ clusterId: upper, minor: '1.36', approvedBy: 'octocat' }], 'upgrade-due', /approved by octocat/],
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
        [cluster('aks-a', { ...onVersion('1.36.2', [sys()]), pools: [sys('system', { currentOrchestratorVersion: '1.36.2' }), pool('ancient', { orchestratorVersion: '1.32.9', currentOrchestratorVersion: '1.32.9' })] })],
        minorOnly
      )
      const e = entry(p, 'aks-a', 'ancient')
      expect(e.warnings.join(' ')).toMatch(/4 minors behind/)
      // One minor per run (was a 1.32.9→1.36.2 jump before the fix).
      expect(ops(p, 'aks-a')).toContain('pool-version ancient minor 1.32.9→1.33.13')
    })

    it('never plans a pool newer than the control plane', () => {
      const p = plan([cluster('aks-a', { ...onVersion('1.35.5', [sys()]), pools: [sys('system', { currentOrchestratorVersion: '1.35.6' })] })], { upgrade: ['node-image'] })
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

type UpgradeKindList = PlannerOptions['upgrade']

describe('holds from state', () => {
  const behind = (): Partial<ClusterSnapshot> => onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 }), pool('apps', { nodeImageVersion: U0702 })])

  it.each<[string, Partial<ClusterSnapshot>, string, RegExp]>([
    ['cluster upgrading', { provisioningState: 'Upgrading' }, 'operation-in-progress', /cluster is Upgrading/],
    ['cluster failed', { provisioningState: 'Failed' }, 'failed-state', /failed on the cluster.*az aks show -g rg-aks-a -n aks-a --query status.*re-run/],
    ['cluster stopped', { powerState: 'Stopped' }, 'stopped', /cluster is stopped/]
  ])('%s holds every entry', (_name, over, reason, message) => {
    const p = plan([cluster('aks-a', { ...behind(), ...over })])
    for (const e of clusterPlan(p, 'aks-a').entries) {
      expect(e).toMatchObject({ reason, action: 'none' })
      expect(e.message).toMatch(message)
    }
    // The targets still show what would happen.
    expect(entry(p, 'aks-a', null).kubernetesVersion.target).toBe('1.35.6')
    expect(ops(p, 'aks-a')).toEqual([])
  })

  it.each<[string, Partial<PoolSnapshot>, string, RegExp]>([
    ['pool upgrading', { provisioningState: 'Upgrading' }, 'operation-in-progress', /pool is Upgrading/],
    [
      'pool failed',
      { provisioningState: 'Failed', provisioningError: { code: 'PodDrainFailure', message: 'drain blocked by PDB' } },
      'failed-state',
      /failed on the pool \(PodDrainFailure\).*az aks nodepool show -g rg-aks-a --cluster-name aks-a -n apps --query status.*re-run/
    ],
    ['pool stopped', { powerState: 'Stopped' }, 'stopped', /pool is stopped/]
  ])('%s holds only that pool', (_name, over, reason, message) => {
    const c = cluster('aks-a', { pools: [sys('system', { nodeImageVersion: U0702 }), pool('apps', { nodeImageVersion: U0702, ...over })] })
    const p = plan([c])
    const apps = entry(p, 'aks-a', 'apps')
    expect(apps).toMatchObject({ reason, action: 'none', nodeImageVersion: { target: U0709 } })
    expect(apps.message).toMatch(message)
    expect(ops(p, 'aks-a')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
  })
})

describe('AKS automation', () => {
  it.each<[string, string, PlannerOptions['aksAutoUpgrade'], string, RegExp]>([
    ['stable, respect', 'stable', 'respect', 'aks-auto-upgrade-channel', /channel 'stable' owns the Kubernetes version \(set aks-auto-upgrade: override/],
    ['patch, respect', 'patch', 'respect', 'aks-auto-upgrade-channel', /channel 'patch'/],
    ['rapid, override', 'rapid', 'override', 'upgrade-due', /1\.35\.5 → 1\.35\.6/],
    ['none', 'none', 'respect', 'upgrade-due', /1\.35\.5 → 1\.35\.6/]
  ])('upgrade channel %s', (_name, channel, aksAutoUpgrade, reason, message) => {
    const p = plan(
      [cluster('aks-a', { ...onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 })]), upgradeChannel: channel })],
      { aksAutoUpgrade }
    )
    const cp = entry(p, 'aks-a', null)
    expect(cp.reason).toBe(reason)
    expect(cp.message).toMatch(message)
    if (reason === 'aks-auto-upgrade-channel') {
      // Version upgrades are AKS's; the node image is still ours.
      expect(ops(p, 'aks-a')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
      expect(entry(p, 'aks-a', 'system').warnings.join(' ')).toMatch(/aks-auto-upgrade-channel/)
    }
    if (channel !== 'none' && aksAutoUpgrade === 'override') {
      expect(clusterPlan(p, 'aks-a').warnings.join(' ')).toMatch(/'rapid' is set and aks-auto-upgrade is override/)
    }
  })

  it('holds a pool catching up to the control plane while the channel owns versions', () => {
    const p = plan([cluster('aks-a', { upgradeChannel: 'stable', pools: [sys('system', { currentOrchestratorVersion: '1.35.5' })] })])
    expect(entry(p, 'aks-a', 'system')).toMatchObject({ reason: 'aks-auto-upgrade-channel', kubernetesVersion: { target: '1.35.6' } })
  })

  it.each<[string, string, string, RegExp | null]>([
    ['NodeImage', 'none', 'NodeImage', /node OS channel 'NodeImage'.*az aks update -g rg-aks-a -n aks-a --node-os-upgrade-channel None.*aksManagedNodeOSUpgradeSchedule/],
    ['SecurityPatch', 'none', 'SecurityPatch', /node OS channel 'SecurityPatch'/],
    ['legacy node-image channel', 'node-image', 'NodeImage', /'node-image' forces node OS channel NodeImage.*--auto-upgrade-channel none/],
    ['None', 'none', 'None', null],
    ['Unmanaged', 'none', 'Unmanaged', null]
  ])('node OS channel %s still upgrades images, with a warning', (_name, upgradeChannel, nodeOSUpgradeChannel, warning) => {
    const p = plan([cluster('aks-a', { upgradeChannel, nodeOSUpgradeChannel, pools: [sys('system', { nodeImageVersion: U0702 })] })])
    expect(ops(p, 'aks-a')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
    const text = clusterPlan(p, 'aks-a').warnings.join(' ')
    if (warning) expect(text).toMatch(warning)
    else expect(text).not.toMatch(/node OS/)
  })
})

describe('rings', () => {
  const ring = (n: string | undefined): Record<string, string> => (n === undefined ? {} : { 'aks-upgrade-ring': n })

  it('assigns rings from the tag and orders the plan by ring, then name', () => {
    const clusters = [
      cluster('prod-b', { tags: ring('2') }),
      cluster('prod-a', { tags: ring('2') }),
      cluster('untagged'),
      cluster('stage', { tags: { 'AKS-Upgrade-Ring': '1' } }), // Azure tag names are case-insensitive
      cluster('typo', { tags: ring('prod') })
    ]
    const first = plan(clusters)
    expect(first.clusters.map(c => `${c.ring}:${c.cluster.name}`)).toEqual(['0:typo', '0:untagged', '1:stage', '2:prod-a', '2:prod-b'])
    expect(first.rings).toEqual({
      '0': [clusterPlan(first, 'typo').cluster.id, clusterPlan(first, 'untagged').cluster.id],
      '1': [clusterPlan(first, 'stage').cluster.id],
      '2': [clusterPlan(first, 'prod-a').cluster.id, clusterPlan(first, 'prod-b').cluster.id]
    })
    expect(clusterPlan(first, 'typo').warnings.join(' ')).toMatch(/aks-upgrade-ring='prod' is not a whole number.*ring 0/)
    const last = plan(clusters, { ringUntagged: 'last' })
    expect(clusterPlan(last, 'untagged').ring).toBe(3)
    expect(entry(last, 'untagged', null).ring).toBe(3)
  })

  describe('node image promotion', () => {
    const dev = (image: string, over: Partial<PoolSnapshot> = {}): ClusterSnapshot =>
      cluster('dev', { tags: ring('0'), pools: [sys('system', { nodeImageVersion: image, ...over })] })
    const prod = (image: string, latest: string, over: Partial<PoolSnapshot> = {}): ClusterSnapshot =>
      cluster('prod', { tags: ring('1'), pools: [sys('system', { nodeImageVersion: image, latestNodeImageVersion: latest, ...over })] })

    it.each<[string, ClusterSnapshot, ClusterSnapshot, string, RegExp]>([
      ['ring 1 waits until ring 0 runs the image', dev(U0702), prod(U0702, U0709), 'ring-waiting', /ring 0 runs no newer AKSUbuntu-2204gen2containerd image.*202607\.09\.0 waits until ring 0 runs it/],
      ['ring 1 adopts the image ring 0 runs', dev(U0709), prod(U0702, U0709), 'upgrade-due', /202607\.02\.0 → 202607\.09\.0/],
      // Ring 0 runs 07.02 while 07.09 is already out there (its own latest): prod gets exactly 07.02.
      ['ring 1 adopts exactly ring 0 image while a newer one exists', dev(U0702, { latestNodeImageVersion: U0709 }), prod(U0619, U0702), 'upgrade-due', /202606\.19\.0 → 202607\.02\.0/],
      // The node image upgrade always installs latestNodeImageVersion: no way to stop at 07.02.
      ['ring 1 would get a newer image than ring 0 ran', dev(U0702, { latestNodeImageVersion: U0709 }), prod(U0619, U0709), 'ring-waiting', /ring 0 runs 202607\.02\.0, but a node image upgrade installs the newest image 202607\.09\.0/],
      ['ring 0 still upgrading', dev(U0709, { provisioningState: 'Upgrading' }), prod(U0702, U0709), 'ring-waiting', /ring 0 is not settled yet \(dev\/system is Upgrading\)/]
    ])('%s', (_name, d, pr, reason, message) => {
      const p = plan([pr, d])
      const e = entry(p, 'prod', 'system')
      expect(e.reason).toBe(reason)
      expect(e.message).toMatch(message)
      expect(ops(p, 'prod')).toHaveLength(reason === 'upgrade-due' ? 1 : 0)
      if (reason === 'upgrade-due') expect(clusterPlan(p, 'prod').operations[0]?.to).toBe(e.nodeImageVersion?.target)
    })

    it('takes the oldest image of the previous ring when its clusters differ', () => {
      const dev2 = cluster('dev2', { tags: ring('0'), pools: [sys('system', { nodeImageVersion: U0702 })] })
      const p = plan([dev(U0709), dev2, prod(U0619, U0709)])
      expect(entry(p, 'prod', 'system')).toMatchObject({ reason: 'ring-waiting' })
      expect(entry(p, 'prod', 'system').message).toMatch(/202607\.02\.0/)
    })

    it.each<[string, PoolSnapshot['recentlyUsedVersions'], number, string, RegExp | null]>([
      [
        'moved yesterday: soaking',
        [{ orchestratorVersion: '1.35.6', nodeImageVersion: U0702, timestamp: '2026-07-19T08:00:00Z' }],
        3,
        'ring-soaking',
        /ring 0 runs node image 202607\.09\.0 since 2026-07-19 08:00 UTC, eligible on 2026-07-22 08:00 UTC/
      ],
      ['moved ten days ago', [{ orchestratorVersion: '1.35.6', nodeImageVersion: U0702, timestamp: '2026-07-10T08:00:00Z' }], 3, 'upgrade-due', null],
      // No entry within the rollback window: it has run the image for longer.
      ['nothing recent', [], 3, 'upgrade-due', null],
      // The newest timestamp counts, not the first entry.
      [
        'newest timestamp wins',
        [
          { orchestratorVersion: '1.35.6', nodeImageVersion: U0619, timestamp: '2026-07-03T08:00:00Z' },
          { orchestratorVersion: '1.35.6', nodeImageVersion: U0702, timestamp: '2026-07-18T20:00:00Z' }
        ],
        3,
        'ring-soaking',
        /since 2026-07-18 20:00 UTC, eligible on 2026-07-21 20:00 UTC/
      ],
      ['soak off', [{ orchestratorVersion: '1.35.6', nodeImageVersion: U0702, timestamp: '2026-07-20T08:00:00Z' }], 0, 'upgrade-due', null]
    ])('soak: %s', (_name, recentlyUsedVersions, ringSoakDays, reason, message) => {
      const p = plan([dev(U0709, { recentlyUsedVersions }), prod(U0702, U0709)], { ringSoakDays })
      const e = entry(p, 'prod', 'system')
      expect(e.reason).toBe(reason)
      if (message) expect(e.message).toMatch(message)
    })

    it('a family that no earlier ring has behaves like ring 0, with a warning', () => {
      const p = plan([
        dev(U0709),
        cluster('prod', {
          tags: ring('1'),
          pools: [
            sys('system', { nodeImageVersion: U0702 }),
            pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0610, latestNodeImageVersion: W0715 })
          ]
        })
      ])
      expect(ops(p, 'prod')).toEqual([`node-image system node-image ${U0702}→${U0709}`, `node-image win node-image ${W0610}→${W0715}`])
      const w = /No AKSWindows-2022-containerd pool in a ring before ring 1: these node images are promoted as in ring 0/
      expect(entry(p, 'prod', 'win').warnings.join(' ')).toMatch(w)
      expect(clusterPlan(p, 'prod').warnings.join(' ')).toMatch(w)
      expect(entry(p, 'prod', 'system').warnings).toEqual([])
    })

    it('gates Windows and Linux images only by their own family', () => {
      const devMixed = cluster('dev', {
        tags: ring('0'),
        pools: [
          sys('system', { nodeImageVersion: U0709 }),
          pool('win', { osType: 'Windows', nodeImageVersion: W0610, latestNodeImageVersion: W0715 })
        ]
      })
      const prodMixed = cluster('prod', {
        tags: ring('1'),
        pools: [
          sys('system', { nodeImageVersion: U0702 }),
          pool('win', { osType: 'Windows', nodeImageVersion: W0610, latestNodeImageVersion: W0715 })
        ]
      })
      const p = plan([devMixed, prodMixed])
      expect(entry(p, 'prod', 'system').reason).toBe('upgrade-due')
      expect(entry(p, 'prod', 'win').reason).toBe('ring-waiting')
      expect(ops(p, 'dev')).toEqual([`node-image win node-image ${W0610}→${W0715}`])
    })

    it('skips empty ring numbers: ring 5 follows ring 0', () => {
      const p = plan([dev(U0702), cluster('prod', { tags: ring('5'), pools: [sys('system', { nodeImageVersion: U0702 })] })])
      expect(entry(p, 'prod', 'system').reason).toBe('ring-waiting')
      expect(entry(p, 'prod', 'system').message).toMatch(/ring 0/)
    })
  })

  describe('Kubernetes promotion', () => {
    it.each<[string, string, string, UpgradeKindList, string, string | null, string | null]>([
      // Ring 1 never gets ahead of ring 0: same patch, newer one exists.
      ['ring 0 on the same patch', '1.35.5', '1.35.5', ['patch'], 'ring-waiting', '1.35.6', null],
      ['ring 0 on the newest patch', '1.35.6', '1.35.5', ['patch'], 'upgrade-due', '1.35.6', 'control-plane - patch 1.35.5→1.35.6'],
      // Capped at what ring 0 runs although 1.35.6 exists.
      ['capped at ring 0 version', '1.35.5', '1.34.9', ['patch', 'minor'], 'upgrade-due', '1.35.5', 'control-plane - minor 1.34.9→1.35.5'],
      ['ring 0 not on the next minor yet', '1.34.9', '1.34.9', ['patch', 'minor'], 'ring-waiting', '1.35.6', null]
    ])('%s', (_name, devVersion, prodVersion, upgrade, reason, target, firstOp) => {
      const p = plan(
        [
          cluster('dev', { tags: ring('0'), ...onVersion(devVersion, [sys()]) }),
          cluster('prod', { tags: ring('1'), ...onVersion(prodVersion, [sys()]) })
        ],
        { upgrade }
      )
      const cp = entry(p, 'prod', null)
      expect({ reason: cp.reason, target: cp.kubernetesVersion.target }).toEqual({ reason, target })
      expect(ops(p, 'prod')[0] ?? null).toBe(firstOp)
    })

    it('counts a previous-ring cluster as reached only when its pools are there too', () => {
      const p = plan([
        cluster('dev', { tags: ring('0'), pools: [sys('system', { currentOrchestratorVersion: '1.35.5', orchestratorVersion: '1.35.5' })] }),
        cluster('prod', { tags: ring('1'), ...onVersion('1.35.5', [sys()]) })
      ])
      expect(entry(p, 'prod', null).reason).toBe('ring-waiting')
      expect(entry(p, 'prod', 'system').reason).toBe('waiting-for-control-plane')
    })

    it('soaks Kubernetes versions from pool history', () => {
      const moved = [{ orchestratorVersion: '1.35.5', nodeImageVersion: U0702, timestamp: '2026-07-19T00:00:00Z' }]
      const p = plan(
        [
          cluster('dev', { tags: ring('0'), pools: [sys('system', { recentlyUsedVersions: moved })] }),
          cluster('prod', { tags: ring('1'), ...onVersion('1.35.5', [sys()]) })
        ],
        { ringSoakDays: 2 }
      )
      const cp = entry(p, 'prod', null)
      expect(cp.reason).toBe('ring-soaking')
      expect(cp.message).toMatch(/ring 0 runs Kubernetes 1\.35\.6 since 2026-07-19 00:00 UTC, eligible on 2026-07-21 00:00 UTC/)
    })

    it('warns when a ring has no earlier ring to follow', () => {
      const p = plan([cluster('prod', { tags: ring('1'), ...onVersion('1.35.5', [sys()]) })])
      expect(ops(p, 'prod')[0]).toBe('control-plane - patch 1.35.5→1.35.6')
      expect(clusterPlan(p, 'prod').warnings.join(' ')).toMatch(/No cluster in a ring before ring 1/)
    })
  })

  describe('halt', () => {
    it('a failed pool in ring 0 halts every later ring', () => {
      const p = plan([
        cluster('dev', {
          tags: ring('0'),
          pools: [sys(), pool('apps', { provisioningState: 'Failed', provisioningError: { code: 'PodDrainFailure', message: 'x' } })]
        }),
        cluster('dev-ok', { tags: ring('0'), pools: [sys('system', { nodeImageVersion: U0702 })] }),
        cluster('stage', { tags: ring('1'), ...onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 })]) }),
        cluster('prod', { tags: ring('2'), pools: [sys('system', { nodeImageVersion: U0702 }), pool('idle')] })
      ])
      const halted = 'halted: ring 0 failed on dev/apps (PodDrainFailure)'
      for (const name of ['stage', 'prod']) {
        expect(ops(p, name)).toEqual([])
        expect(entry(p, name, 'system')).toMatchObject({ reason: 'ring-halted', message: halted })
      }
      expect(entry(p, 'stage', null)).toMatchObject({ reason: 'ring-halted', message: halted, kubernetesVersion: { target: '1.35.6' } })
      // Entries with nothing to do keep saying so.
      expect(entry(p, 'prod', 'idle').reason).toBe('up-to-date')
      // The same ring goes on.
      expect(ops(p, 'dev-ok')).toHaveLength(1)
      expect(entry(p, 'dev', 'apps').reason).toBe('failed-state')
    })

    it('a failed cluster halts with code Failed', () => {
      const p = plan([
        cluster('dev', { tags: ring('0'), provisioningState: 'Failed' }),
        cluster('prod', { tags: ring('1'), pools: [sys('system', { nodeImageVersion: U0702 })] })
      ])
      expect(entry(p, 'prod', 'system').message).toBe('halted: ring 0 failed on dev (Failed)')
    })

    it.each<[number, string, string | null, string, string]>([
      [0, 'aks-dev', 'apps', 'PodDrainFailure', 'halted: ring 0 failed on aks-dev/apps (PodDrainFailure)'],
      [1, 'aks-stage', null, 'Failed', 'halted: ring 1 failed on aks-stage (Failed)']
    ])('haltMessage(%d, %s, %s, %s)', (r, c, p, code, expected) => {
      expect(haltMessage(r, c, p, code)).toBe(expected)
    })
  })
})

// ---------------------------------------------------------------------------
// Review fixes: pool minors (approval, one minor per operation), version checks that did
// not happen, unreadable node images, unreadable clusters in the ring gate, location keys.

function at(version: string, over: Partial<PoolSnapshot> = {}): Partial<PoolSnapshot> {
  return { orchestratorVersion: version, currentOrchestratorVersion: version, ...over }
}

/** A cluster whose control plane runs `cp` and is offered `offers` (the newest GA 1.36.2 is offered nothing GA). */
function withPools(name: string, cp: string, offers: VersionUpgrade[] | undefined, pools: PoolSnapshot[], over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return cluster(name, { currentKubernetesVersion: cp, kubernetesVersion: cp, controlPlaneUpgrades: offers, pools, ...over })
}

const withMinor: Partial<PlannerOptions> = { upgrade: ['node-image', 'patch', 'minor'] }

describe('pool minor upgrades need their approval (minor-approval: issue)', () => {
  // The control plane is on the newest GA version; only its pools have a minor to take.
  const prod = (apps: Partial<PoolSnapshot> = {}): ClusterSnapshot =>
    withPools('aks-prod', '1.36.2', profileFor('1.36.2'), [sys('system', at('1.36.2')), pool('apps', at('1.35.6', apps)), pool('batch', at('1.34.9'))])
  const id = prod().id
  const other = id.replace('aks-prod', 'aks-dev')

  it.each<[string, PlannerOptions['minorApproval'], Approval[], string, string, string[]]>([
    ['no approval', 'issue', [], 'awaiting-approval', 'awaiting-approval', []],
    ['approved for 1.36 only', 'issue', [{ clusterId: id, minor: '1.36' }], 'upgrade-due', 'awaiting-approval', ['pool-version apps minor 1.35.6→1.36.2']],
    ['approved for 1.35 only', 'issue', [{ clusterId: id, minor: '1.35' }], 'awaiting-approval', 'upgrade-due', ['pool-version batch minor 1.34.9→1.35.6']],
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
    ['no approval needed', 'none', [], 'upgrade-due', 'upgrade-due', ['pool-version apps minor 1.35.6→1.36.2', 'pool-version batch minor 1.34.9→1.35.6']]
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

  it('keeps the approval entry when the pool also has a newer node image', () => {
    const p = plan([prod({ nodeImageVersion: U0702 })], { ...withMinor, minorApproval: 'issue' })
    const apps = entry(p, 'aks-prod', 'apps')
    expect(apps).toMatchObject({ reason: 'awaiting-approval', action: 'minor', nodeImageVersion: { current: U0702, target: U0709 } })
    expect(apps.warnings.join(' ')).toMatch(/Node image .*202607\.09\.0 waits for this approval/)
    expect(ops(p, 'aks-prod')).toEqual([])
  })

  it('one approval covers the control plane, pools following it and skew pre-upgrades; a pool stepping to another minor needs its own', () => {
    const c = withPools('aks-prod', '1.35.6', profileFor('1.35.6'), [sys('system', at('1.35.6')), pool('legacy', at('1.32.9')), pool('old', at('1.34.9'))])
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

  it.each<[string, string, VersionUpgrade[] | undefined, Partial<PoolSnapshot>, Partial<PlannerOptions>, FleetSnapshot['kubernetesVersions'], string, string | null, string[], RegExp]>([
    ['two minors behind a settled control plane', '1.36.2', [], at('1.34.9'), {}, { eastus: EASTUS }, 'upgrade-due', '1.35.6', ['pool-version apps minor 1.34.9→1.35.6'], /1\.34\.9 → 1\.35\.6 \(minor\), one minor toward the control plane's 1\.36\.2/],
    ['four minors behind', '1.36.2', [], at('1.32.9'), {}, { eastus: EASTUS }, 'upgrade-due', '1.33.13', ['pool-version apps minor 1.32.9→1.33.13'], /1\.32\.9 → 1\.33\.13/],
    ['one minor behind goes to the control plane', '1.36.2', [], at('1.35.5'), {}, { eastus: EASTUS }, 'upgrade-due', '1.36.2', ['pool-version apps minor 1.35.5→1.36.2'], /1\.35\.5 → 1\.36\.2 \(minor\)/],
    // The pool's upgrade profile is authoritative for the patch it may take.
    ['pool profile offers an older patch', '1.36.2', [], at('1.34.9', { upgrades: [{ kubernetesVersion: '1.35.5', isPreview: false }, { kubernetesVersion: '1.36.2', isPreview: false }] }), {}, { eastus: EASTUS }, 'upgrade-due', '1.35.5', ['pool-version apps minor 1.34.9→1.35.5'], /1\.34\.9 → 1\.35\.5/],
    ['only a preview patch of the next minor', '1.36.2', [], at('1.34.9', { upgrades: [{ kubernetesVersion: '1.35.6', isPreview: true }] }), {}, { eastus: EASTUS }, 'preview-only', '1.35.6', [], /only preview versions of Kubernetes 1\.35.*allow-preview/],
    // 1.35.6 is the newest GA patch, but the control plane stays on 1.35.5.
    ['never newer than the control plane', '1.35.5', [], at('1.34.9'), {}, { eastus: EASTUS }, 'upgrade-due', '1.35.5', ['pool-version apps minor 1.34.9→1.35.5'], /1\.34\.9 → 1\.35\.5 \(minor\), which also brings/],
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
    ['location versions not read', '1.36.2', [], at('1.34.9'), {}, {}, 'read-failed', null, [], /versions of eastus were not read, so the pool's next minor \(1\.35\) cannot be chosen/],
    ['next minor not offered', '1.36.2', [], at('1.34.9'), {}, { eastus: without('1.35') }, 'skew-violation', null, [], /no generally available Kubernetes 1\.35 patch is offered.*never 1\.34\.9 → 1\.36\.2 in one step/],
    ['minor not selected', '1.36.2', [], at('1.34.9'), { upgrade: ['node-image', 'patch'] }, { eastus: EASTUS }, 'not-selected', '1.35.6', [], /1\.34\.9 → 1\.35\.6 \(minor, one minor toward the control plane's 1\.36\.2\) needs `minor`/]
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
    ['no patch of the next minor for the pre-upgrade', '1.32.9', { eastus: EASTUS.filter(m => m.version !== '1.33') }, /pool legacy \(1\.32\.9\) more than three minors behind, and no generally available 1\.33 patch is offered/, []]
  ])('holds the control plane minor when one minor up cannot keep skew: %s', (_name, legacy, versions, message, expectedOps) => {
    const p = plan([withPools('aks-a', '1.35.6', profileFor('1.35.6'), [sys('system', at('1.35.6')), pool('legacy', at(legacy))])], withMinor, NOW, versions)
    const cp = entry(p, 'aks-a', null)
    expect(cp).toMatchObject({ reason: 'skew-violation', action: 'none', kubernetesVersion: { target: '1.36.2' } })
    expect(cp.message).toMatch(message)
    expect(ops(p, 'aks-a')).toEqual(expectedOps)
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
    ['pool a patch behind the control plane', at('1.36.1'), 'not-selected', '1.36.2', null, /1\.36\.1 → 1\.36\.2 \(patch, to match the control plane\) needs `patch`/]
  ])('%s', (_name, over, reason, k8sTarget, op, message) => {
    const p = plan([unread('1.36.2', [sys('system', over)])], nodeImageOnly, NOW, {})
    const e = entry(p, 'aks-a', 'system')
    expect({ reason: e.reason, target: e.kubernetesVersion.target }).toEqual({ reason, target: k8sTarget })
    expect(e.message).toMatch(message)
    expect(e.warnings).toEqual([])
    expect(clusterPlan(p, 'aks-a').operations.map(o => o.to)).toEqual(op ? [op] : [])
  })
})

describe('node image strings the parser cannot read', () => {
  // A Windows version without its date part: not a format parseNodeImage knows.
  const W_OLD = 'AKSWindows-2022-containerd-20348.5256'
  const W_NEW = 'AKSWindows-2022-containerd-20348.5386'
  const win = (nodeImageVersion: string, latestNodeImageVersion: string): PoolSnapshot =>
    pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion, latestNodeImageVersion })
  const ring = (n: string): Record<string, string> => ({ 'aks-upgrade-ring': n })

  it.each<[string, string, string, 'ring 0' | 'after ring 0' | 'ring 1 alone', string | null, number, string, string, RegExp]>([
    ['both unreadable, no rule needs them', W_OLD, W_NEW, 'ring 0', null, 0, NOW.toISOString(), 'upgrade-due', /Node image AKSWindows-2022-containerd-20348\.5256 → AKSWindows-2022-containerd-20348\.5386\./],
    ['current unreadable, latest old enough', W_OLD, W0715, 'ring 0', null, 3, NOW.toISOString(), 'upgrade-due', /→ AKSWindows-2022-containerd-20348\.5386\.260715/],
    // The bake time needs only the latest image's date.
    ['current unreadable, latest too new', W_OLD, W0715, 'ring 0', null, 7, NOW.toISOString(), 'node-image-too-new', /built on 2026-07-15.*eligible on 2026-07-22/],
    ['latest unreadable with a bake time', W0610, W_NEW, 'ring 0', null, 7, NOW.toISOString(), 'no-image-info', /20348\.5386 cannot be read as a version, so its build date for node-image-min-age-days \(7\) is unknown/],
    ['latest unreadable behind a ring', W0610, W_NEW, 'after ring 0', W0715, 0, NOW.toISOString(), 'no-image-info', /cannot be read as a version, so it cannot be checked against the images ring 0 runs/],
    ['latest unreadable, no earlier ring', W0610, W_NEW, 'ring 1 alone', null, 0, NOW.toISOString(), 'upgrade-due', /→ AKSWindows-2022-containerd-20348\.5386\./],
    ['current unreadable, ring 0 runs the latest', W_OLD, W0715, 'after ring 0', W0715, 0, NOW.toISOString(), 'upgrade-due', /→ AKSWindows-2022-containerd-20348\.5386\.260715/],
    ['current unreadable, ring 0 runs an older image', W_OLD, W0715, 'after ring 0', W0610, 0, NOW.toISOString(), 'ring-waiting', /ring 0 runs 20348\.5256\.260610, but a node image upgrade installs the newest image/]
  ])('%s', (_name, current, latest, rings, devImage, nodeImageMinAgeDays, now, reason, message) => {
    const clusters = [cluster('prod', { tags: rings === 'ring 0' ? ring('0') : ring('1'), pools: [sys(), win(current, latest)] })]
    if (devImage) clusters.push(cluster('dev', { tags: ring('0'), pools: [sys(), win(devImage, devImage)] }))
    const p = plan(clusters, { nodeImageMinAgeDays }, new Date(now))
    const e = entry(p, 'prod', 'win')
    expect(e.reason).toBe(reason)
    expect(e.message).toMatch(message)
    expect(e.nodeImageVersion).toEqual({ current, target: latest })
    expect(ops(p, 'prod')).toEqual(reason === 'upgrade-due' ? [`node-image win node-image ${current}→${latest}`] : [])
    if (reason === 'upgrade-due') expect(e.warnings.join(' ')).toMatch(/could not be read as a version; the upgrade is planned because the pool's image differs/)
  })
})

describe('clusters that could not be read', () => {
  const ring = (n: string): Record<string, string> => ({ 'aks-upgrade-ring': n })
  const error = {
    status: 403,
    code: 'AuthorizationFailed',
    message: "The client 'b3c1' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/agentPools/read'."
  }
  const placeholder = (name: string, tag: string, provisioningState: string): ClusterSnapshot =>
    cluster(name, {
      tags: ring(tag),
      pools: [],
      provisioningState,
      currentKubernetesVersion: undefined,
      kubernetesVersion: undefined,
      controlPlaneUpgrades: undefined,
      readError: error
    })
  const prod = (): ClusterSnapshot =>
    cluster('aks-prod', {
      tags: ring('1'),
      ...onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 }), pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0610, latestNodeImageVersion: W0715 })])
    })
  const healthyDev = (): ClusterSnapshot =>
    cluster('aks-dev2', {
      tags: ring('0'),
      pools: [sys('system', { nodeImageVersion: U0709 }), pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0715, latestNodeImageVersion: W0715 })]
    })

  it.each<[string, string, boolean]>([
    ['state Unknown, alone in ring 0', 'Unknown', false],
    // The list call said Succeeded, but the pools are not known: still nothing reached.
    ['state Succeeded, alone in ring 0', 'Succeeded', false],
    ['next to a cluster that runs everything', 'Succeeded', true]
  ])('later rings wait for it: %s', (_name, state, withHealthy) => {
    const clusters = [placeholder('aks-dev', '0', state), prod()]
    if (withHealthy) clusters.push(healthyDev())
    const p = plan(clusters)
    expect(ops(p, 'aks-prod')).toEqual([])
    expect(entry(p, 'aks-prod', null)).toMatchObject({ reason: 'ring-waiting', kubernetesVersion: { target: '1.35.6' } })
    expect(entry(p, 'aks-prod', null).message).toMatch(/Kubernetes 1\.35\.6 waits for ring 0: aks-dev could not be read \(AuthorizationFailed\)/)
    // The pools' versions wait for the control plane; their images wait for ring 0 too.
    const text = (pool: string): string => {
      const e = entry(p, 'aks-prod', pool)
      return [e.message, ...e.warnings].join(' ')
    }
    expect(entry(p, 'aks-prod', 'system').reason).toBe('waiting-for-control-plane')
    expect(text('system')).toMatch(/node image 202607\.09\.0 waits for ring 0: aks-dev could not be read/)
    // Not "promoted as in ring 0": the unreadable cluster may run Windows pools.
    expect(text('win')).toMatch(/node image 20348\.5386\.260715 waits for ring 0: aks-dev could not be read/)
    expect(clusterPlan(p, 'aks-prod').warnings.join(' ')).not.toMatch(/promoted as in ring 0/)
  })

  it('holds a later ring\'s node image with ring-waiting naming the cluster', () => {
    const p = plan([placeholder('aks-dev', '0', 'Succeeded'), cluster('aks-prod', { tags: ring('1'), pools: [sys('system', { nodeImageVersion: U0702 })] })])
    expect(entry(p, 'aks-prod', 'system')).toMatchObject({ reason: 'ring-waiting', action: 'none', nodeImageVersion: { target: U0709 } })
    expect(entry(p, 'aks-prod', 'system').message).toBe(
      'Held: node image 202607.09.0 waits for ring 0: aks-dev could not be read (AuthorizationFailed), so it is not known to run it.'
    )
    expect(ops(p, 'aks-prod')).toEqual([])
  })

  it('gets one read-failed entry and no operation; its own ring goes on', () => {
    const p = plan([placeholder('aks-dev', '0', 'Unknown'), cluster('aks-dev2', { tags: ring('0'), pools: [sys('system', { nodeImageVersion: U0702 })] })])
    const c = clusterPlan(p, 'aks-dev')
    expect(c.operations).toEqual([])
    expect(c.entries).toHaveLength(1)
    expect(c.entries[0]).toMatchObject({ pool: null, action: 'none', reason: 'read-failed', kubernetesVersion: { current: null, target: null }, ring: 0 })
    expect(c.entries[0]?.message).toBe(`The cluster could not be read (AuthorizationFailed: ${error.message}), so nothing is planned for it.`)
    expect(p.rings['0']).toContain(c.cluster.id)
    expect(ops(p, 'aks-dev2')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
  })
})

describe('location keys of kubernetesVersions', () => {
  it.each<[string, string]>([
    ['eastus', 'eastus'],
    ['EastUS', 'eastus'],
    ['East US', 'eastus'],
    ['eastus', 'East US'],
    ['East US', 'EastUS']
  ])('cluster location %j finds key %j', (location, key) => {
    // No upgrade profile: the location's list is the only source of versions.
    const c = cluster('aks-a', { ...onVersion('1.34.9', [sys()]), controlPlaneUpgrades: undefined, location })
    const p = plan([c], {}, NOW, { [key]: EASTUS })
    expect(ops(p, 'aks-a')).toEqual([])
    expect(entry(p, 'aks-a', null)).toMatchObject({ reason: 'not-selected', kubernetesVersion: { target: '1.35.6' } })
    expect(entry(p, 'aks-a', null).warnings.join(' ')).toMatch(/Kubernetes 1\.34 is about to leave support/)
  })
})
