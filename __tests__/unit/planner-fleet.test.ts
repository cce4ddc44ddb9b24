import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, PoolSnapshot } from '../../src/model.ts'
import { haltMessage } from '../../src/plan/rings.ts'
import { U0619, U0702, U0709, W0610, W0715 } from './fixtures.ts'
import { NOW, SUB, EASTUS, pool, sys, cluster, onVersion, plan, clusterPlan, entry, ops, type UpgradeKindList } from './planner-fixtures.ts'

// Plan shape, rings (assignment, node image and Kubernetes promotion, soak, halt), clusters that
// could not be read, and location keys of kubernetesVersions.

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
      [
        'ring 1 waits until ring 0 runs the image',
        dev(U0702),
        prod(U0702, U0709),
        'ring-waiting',
        /ring 0 runs no newer AKSUbuntu-2204gen2containerd image.*202607\.09\.0 waits until ring 0 runs it/
      ],
      ['ring 1 adopts the image ring 0 runs', dev(U0709), prod(U0702, U0709), 'upgrade-due', /202607\.02\.0 → 202607\.09\.0/],
      // Ring 0 runs 07.02 while 07.09 is already out there (its own latest): prod gets exactly 07.02.
      [
        'ring 1 adopts exactly ring 0 image while a newer one exists',
        dev(U0702, { latestNodeImageVersion: U0709 }),
        prod(U0619, U0702),
        'upgrade-due',
        /202606\.19\.0 → 202607\.02\.0/
      ],
      // The node image upgrade always installs latestNodeImageVersion: no way to stop at 07.02.
      [
        'ring 1 would get a newer image than ring 0 ran',
        dev(U0702, { latestNodeImageVersion: U0709 }),
        prod(U0619, U0709),
        'ring-waiting',
        /ring 0 runs 202607\.02\.0, but a node image upgrade installs the newest image 202607\.09\.0/
      ],
      [
        'ring 0 still upgrading',
        dev(U0709, { provisioningState: 'Upgrading' }),
        prod(U0702, U0709),
        'ring-waiting',
        /ring 0 is not settled yet \(dev\/system is Upgrading\)/
      ]
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
      ...onVersion('1.35.5', [
        sys('system', { nodeImageVersion: U0702 }),
        pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0610, latestNodeImageVersion: W0715 })
      ])
    })
  const healthyDev = (): ClusterSnapshot =>
    cluster('aks-dev2', {
      tags: ring('0'),
      pools: [
        sys('system', { nodeImageVersion: U0709 }),
        pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0715, latestNodeImageVersion: W0715 })
      ]
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

  it("holds a later ring's node image with ring-waiting naming the cluster", () => {
    const p = plan([
      placeholder('aks-dev', '0', 'Succeeded'),
      cluster('aks-prod', { tags: ring('1'), pools: [sys('system', { nodeImageVersion: U0702 })] })
    ])
    expect(entry(p, 'aks-prod', 'system')).toMatchObject({ reason: 'ring-waiting', action: 'none', nodeImageVersion: { target: U0709 } })
    expect(entry(p, 'aks-prod', 'system').message).toBe(
      'Held: node image 202607.09.0 waits for ring 0: aks-dev could not be read (AuthorizationFailed), so it is not known to run it.'
    )
    expect(ops(p, 'aks-prod')).toEqual([])
  })

  it('gets one read-failed entry and no operation; its own ring goes on', () => {
    const p = plan([
      placeholder('aks-dev', '0', 'Unknown'),
      cluster('aks-dev2', { tags: ring('0'), pools: [sys('system', { nodeImageVersion: U0702 })] })
    ])
    const c = clusterPlan(p, 'aks-dev')
    expect(c.operations).toEqual([])
    expect(c.entries).toHaveLength(1)
    expect(c.entries[0]).toMatchObject({
      pool: null,
      action: 'none',
      reason: 'read-failed',
      kubernetesVersion: { current: null, target: null },
      ring: 0
    })
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
