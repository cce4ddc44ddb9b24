import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, PoolSnapshot, RecentlyUsedVersion } from '../../src/model.ts'
import { assignRings, RingIndex, runningSince } from '../../src/plan/rings.ts'
import { U0619, U0702, U0709, clusterSnapshot, poolSnapshot } from './fixtures.ts'

function pool(name: string, over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return poolSnapshot(name, { mode: 'System', ...over })
}

function cluster(name: string, ring: string | undefined, pools: PoolSnapshot[], over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return clusterSnapshot(name, { tags: ring === undefined ? {} : { 'aks-upgrade-ring': ring }, pools, ...over })
}

function index(clusters: ClusterSnapshot[]): RingIndex {
  return new RingIndex(clusters, assignRings(clusters, 'aks-upgrade-ring', 'first'))
}

describe('assignRings', () => {
  it.each<[string | undefined, 'first' | 'last', number, boolean]>([
    ['0', 'first', 0, false],
    ['2', 'first', 2, false],
    [' 1 ', 'first', 1, false],
    ['prod', 'first', 0, true],
    ['-1', 'first', 0, true],
    ['1.5', 'first', 0, true],
    [undefined, 'first', 0, false],
    // The other clusters are tagged 0 and 3 (below): untagged goes after the highest ring.
    [undefined, 'last', 4, false]
  ])('tag %j with untagged %s -> ring %d', (value, untagged, ring, warns) => {
    const clusters = [cluster('x', value, []), cluster('a', '0', []), cluster('b', '3', [])]
    const got = assignRings(clusters, 'aks-upgrade-ring', untagged).get(clusters[0]?.id ?? '')
    expect(got?.ring).toBe(ring)
    expect(got?.warning !== undefined).toBe(warns)
  })

  it('puts untagged clusters in ring 0 when nothing is tagged, even with last', () => {
    const clusters = [cluster('x', undefined, []), cluster('y', undefined, [])]
    expect([...assignRings(clusters, 'aks-upgrade-ring', 'last').values()].map(a => a.ring)).toEqual([0, 0])
  })
})

describe('runningSince', () => {
  const at = (nodeImageVersion: string, timestamp: string | undefined, orchestratorVersion = '1.35.6'): RecentlyUsedVersion => ({
    nodeImageVersion,
    orchestratorVersion,
    timestamp
  })
  it.each<[string, RecentlyUsedVersion[], 'nodeImageVersion' | 'orchestratorVersion', string, string | undefined]>([
    ['empty list: longer than the rollback window', [], 'nodeImageVersion', U0709, undefined],
    ['one move', [at(U0702, '2026-07-18T10:00:00Z')], 'nodeImageVersion', U0709, '2026-07-18T10:00:00.000Z'],
    [
      'newest of several',
      [at(U0702, '2026-07-18T10:00:00Z'), at(U0619, '2026-07-05T10:00:00Z')],
      'nodeImageVersion',
      U0709,
      '2026-07-18T10:00:00.000Z'
    ],
    // An entry holding what the pool runs now is an earlier stint, not the move to it.
    [
      'entry equal to the current image',
      [at(U0709, '2026-07-19T10:00:00Z'), at(U0702, '2026-07-12T10:00:00Z')],
      'nodeImageVersion',
      U0709,
      '2026-07-12T10:00:00.000Z'
    ],
    ['unreadable timestamp ignored', [at(U0702, 'yesterday'), at(U0619, undefined)], 'nodeImageVersion', U0709, undefined],
    // For Kubernetes, image-only moves on the same version do not restart the clock.
    ['version: image-only moves', [at(U0702, '2026-07-18T10:00:00Z')], 'orchestratorVersion', '1.35.6', undefined],
    [
      'version: moved from 1.35.5',
      [at(U0702, '2026-07-18T10:00:00Z'), at(U0619, '2026-07-10T10:00:00Z', '1.35.5')],
      'orchestratorVersion',
      '1.35.6',
      '2026-07-10T10:00:00.000Z'
    ]
  ])('%s', (_name, entries, field, current, expected) => {
    expect(runningSince(pool('p', { recentlyUsedVersions: entries }), field, current)?.toISOString()).toBe(expected)
  })
})

describe('RingIndex', () => {
  it('finds the first failure in the lowest ring', () => {
    const idx = index([
      cluster('b-prod', '1', [pool('np', { provisioningState: 'Failed' })]),
      cluster('z-dev', '0', [
        pool('np2', { provisioningState: 'Failed', provisioningError: { code: 'QuotaExceeded', message: 'm' } }),
        pool('np1', { provisioningState: 'Failed' })
      ]),
      cluster('a-dev', '0', [pool('np')])
    ])
    expect(idx.halt).toMatchObject({ ring: 0, cluster: 'z-dev', pool: 'np1', code: 'Failed' })
  })

  it('has no halt when everything succeeded', () => {
    expect(index([cluster('a', '0', [pool('np')])]).halt).toBeUndefined()
  })

  it('takes the oldest image of the family in the nearest earlier ring that has it', () => {
    const idx = index([
      cluster('dev1', '0', [pool('np', { nodeImageVersion: U0619 })]),
      cluster('stage1', '1', [pool('np', { nodeImageVersion: U0709 })]),
      cluster('stage2', '1', [
        pool('np', { nodeImageVersion: U0702 }),
        pool('win', { nodeImageVersion: 'AKSWindows-2022-containerd-20348.5386.260715' })
      ]),
      cluster('prod', '2', [pool('np')])
    ])
    const gate = idx.imageGate(2, 'AKSUbuntu-2204gen2containerd')
    expect(gate.kind === 'upstream' ? [gate.ring, gate.version.raw] : gate.kind).toEqual([1, U0702])
    // Windows exists in ring 1 only: ring 2 follows ring 1 for it, ring 1 has nothing before it.
    expect(idx.imageGate(2, 'AKSWindows-2022-containerd').kind).toBe('upstream')
    expect(idx.imageGate(1, 'AKSWindows-2022-containerd')).toEqual({ kind: 'open', fallback: true })
    expect(idx.imageGate(0, 'AKSUbuntu-2204gen2containerd')).toEqual({ kind: 'open', fallback: false })
  })

  it('is unsettled while a previous-ring cluster is not Succeeded', () => {
    const idx = index([cluster('dev', '0', [pool('np')], { provisioningState: 'Updating' }), cluster('prod', '1', [pool('np')])])
    expect(idx.versionGate(1)).toMatchObject({ kind: 'unsettled', ring: 0, where: 'dev', state: 'Updating' })
    expect(idx.imageGate(1, 'AKSUbuntu-2204gen2containerd')).toMatchObject({ kind: 'unsettled', where: 'dev' })
  })

  describe('a cluster that could not be read', () => {
    const unread = (name: string, ring: string, provisioningState: string): ClusterSnapshot =>
      cluster(name, ring, [], {
        provisioningState,
        currentKubernetesVersion: undefined,
        readError: { status: 403, code: 'AuthorizationFailed', message: 'm' }
      })
    const W = 'AKSWindows-2022-containerd'
    const U = 'AKSUbuntu-2204gen2containerd'

    it.each<[string, ClusterSnapshot[], number, string, { ring: number; where: string; unreadable: string }]>([
      ['alone in ring 0, state Unknown', [unread('dev', '0', 'Unknown')], 1, U, { ring: 0, where: 'dev', unreadable: 'AuthorizationFailed' }],
      // Succeeded from the list call, yet nothing about it is known.
      ['alone in ring 0, state Succeeded', [unread('dev', '0', 'Succeeded')], 1, U, { ring: 0, where: 'dev', unreadable: 'AuthorizationFailed' }],
      [
        'next to a settled cluster',
        [cluster('a-dev', '0', [pool('np')]), unread('b-dev', '0', 'Succeeded')],
        1,
        U,
        { ring: 0, where: 'b-dev', unreadable: 'AuthorizationFailed' }
      ],
      // It may have Windows pools: the family gate does not look past its ring.
      [
        'a family no readable cluster has',
        [cluster('a-dev', '0', [pool('np')]), unread('b-dev', '0', 'Succeeded')],
        1,
        W,
        { ring: 0, where: 'b-dev', unreadable: 'AuthorizationFailed' }
      ],
      [
        'in ring 1, gating ring 2',
        [cluster('dev', '0', [pool('np')]), unread('stage', '1', 'Succeeded')],
        2,
        U,
        { ring: 1, where: 'stage', unreadable: 'AuthorizationFailed' }
      ]
    ])('keeps the gate unsettled: %s', (_name, upstream, ring, family, expected) => {
      const idx = index([...upstream, cluster('prod', String(ring), [pool('np', { nodeImageVersion: U0619, currentOrchestratorVersion: '1.35.5' })])])
      expect(idx.versionGate(ring)).toMatchObject({ kind: 'unsettled', ...expected })
      expect(idx.imageGate(ring, family)).toMatchObject({ kind: 'unsettled', ...expected })
    })

    it('does not gate its own ring', () => {
      const idx = index([unread('dev', '0', 'Unknown'), cluster('dev2', '0', [pool('np')])])
      expect(idx.versionGate(0)).toEqual({ kind: 'open', fallback: false })
      expect(idx.imageGate(0, U)).toEqual({ kind: 'open', fallback: false })
    })
  })

  it.each<[number, number | undefined]>([
    [0, undefined],
    [1, 0],
    [5, 2],
    [2, 0]
  ])('previousRing(%d) is %s with rings 0, 2 and 5', (ring, expected) => {
    const idx = index([cluster('a', '0', []), cluster('b', '2', []), cluster('c', '5', [])])
    expect(idx.previousRing(ring)).toBe(expected)
  })
})
