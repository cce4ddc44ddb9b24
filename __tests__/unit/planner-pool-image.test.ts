import { describe, expect, it } from 'vitest'
import type { PoolSnapshot } from '../../src/model.ts'
import type { PlannerOptions } from '../../src/plan/planner.ts'
import { AZL3, U0702, U0709, U2404, W0610, W0715 } from './fixtures.ts'
import { NOW, pool, sys, cluster, plan, entry, ops } from './planner-fixtures.ts'

// Node images: upgrades per family, bake time (node-image-min-age-days), and strings the parser
// cannot read.

describe('node images', () => {
  it.each<[string, Partial<PoolSnapshot>, Partial<PlannerOptions>, string, string, RegExp]>([
    ['newer Ubuntu image', { nodeImageVersion: U0702 }, {}, 'node-image', 'upgrade-due', /202607\.02\.0 → 202607\.09\.0/],
    ['already newest', {}, {}, 'none', 'up-to-date', /is the newest available/],
    [
      'no latest image in profile',
      { nodeImageVersion: U0702, latestNodeImageVersion: undefined },
      {},
      'none',
      'no-image-info',
      /no latest node image/
    ],
    [
      'Windows image',
      { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion: W0610, latestNodeImageVersion: W0715 },
      {},
      'node-image',
      'upgrade-due',
      /20348\.5256\.260610 → 20348\.5386\.260715/
    ],
    ['Azure Linux up to date', { osSku: 'AzureLinux', nodeImageVersion: AZL3, latestNodeImageVersion: AZL3 }, {}, 'none', 'up-to-date', /newest/],
    // Never compared across families: 22.04 → 24.04 is not a node image upgrade.
    ['other family offered', { nodeImageVersion: U0709, latestNodeImageVersion: U2404 }, {}, 'none', 'no-image-info', /another family/],
    ['older latest than current', { nodeImageVersion: U0709, latestNodeImageVersion: U0702 }, {}, 'none', 'up-to-date', /newest/],
    [
      'node-image not selected',
      { nodeImageVersion: U0702 },
      { upgrade: ['patch'] },
      'none',
      'not-selected',
      /add `node-image` to the `upgrade` input/
    ]
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

describe('node image strings the parser cannot read', () => {
  // A Windows version without its date part: not a format parseNodeImage knows.
  const W_OLD = 'AKSWindows-2022-containerd-20348.5256'
  const W_NEW = 'AKSWindows-2022-containerd-20348.5386'
  const win = (nodeImageVersion: string, latestNodeImageVersion: string): PoolSnapshot =>
    pool('win', { osType: 'Windows', osSku: 'Windows2022', nodeImageVersion, latestNodeImageVersion })
  const ring = (n: string): Record<string, string> => ({ 'aks-upgrade-ring': n })

  it.each<[string, string, string, 'ring 0' | 'after ring 0' | 'ring 1 alone', string | null, number, string, string, RegExp]>([
    [
      'both unreadable, no rule needs them',
      W_OLD,
      W_NEW,
      'ring 0',
      null,
      0,
      NOW.toISOString(),
      'upgrade-due',
      /Node image AKSWindows-2022-containerd-20348\.5256 → AKSWindows-2022-containerd-20348\.5386\./
    ],
    [
      'current unreadable, latest old enough',
      W_OLD,
      W0715,
      'ring 0',
      null,
      3,
      NOW.toISOString(),
      'upgrade-due',
      /→ AKSWindows-2022-containerd-20348\.5386\.260715/
    ],
    // The bake time needs only the latest image's date.
    [
      'current unreadable, latest too new',
      W_OLD,
      W0715,
      'ring 0',
      null,
      7,
      NOW.toISOString(),
      'node-image-too-new',
      /built on 2026-07-15.*eligible on 2026-07-22/
    ],
    [
      'latest unreadable with a bake time',
      W0610,
      W_NEW,
      'ring 0',
      null,
      7,
      NOW.toISOString(),
      'no-image-info',
      /20348\.5386 cannot be read as a version, so its build date for node-image-min-age-days \(7\) is unknown/
    ],
    [
      'latest unreadable behind a ring',
      W0610,
      W_NEW,
      'after ring 0',
      W0715,
      0,
      NOW.toISOString(),
      'no-image-info',
      /cannot be read as a version, so it cannot be checked against the images ring 0 runs/
    ],
    [
      'latest unreadable, no earlier ring',
      W0610,
      W_NEW,
      'ring 1 alone',
      null,
      0,
      NOW.toISOString(),
      'upgrade-due',
      /→ AKSWindows-2022-containerd-20348\.5386\./
    ],
    [
      'current unreadable, ring 0 runs the latest',
      W_OLD,
      W0715,
      'after ring 0',
      W0715,
      0,
      NOW.toISOString(),
      'upgrade-due',
      /→ AKSWindows-2022-containerd-20348\.5386\.260715/
    ],
    [
      'current unreadable, ring 0 runs an older image',
      W_OLD,
      W0715,
      'after ring 0',
      W0610,
      0,
      NOW.toISOString(),
      'ring-waiting',
      /ring 0 runs 20348\.5256\.260610, but a node image upgrade installs the newest image/
    ]
  ])('%s', (_name, current, latest, rings, devImage, nodeImageMinAgeDays, now, reason, message) => {
    const clusters = [cluster('prod', { tags: rings === 'ring 0' ? ring('0') : ring('1'), pools: [sys(), win(current, latest)] })]
    if (devImage) clusters.push(cluster('dev', { tags: ring('0'), pools: [sys(), win(devImage, devImage)] }))
    const p = plan(clusters, { nodeImageMinAgeDays }, new Date(now))
    const e = entry(p, 'prod', 'win')
    expect(e.reason).toBe(reason)
    expect(e.message).toMatch(message)
    expect(e.nodeImageVersion).toEqual({ current, target: latest })
    expect(ops(p, 'prod')).toEqual(reason === 'upgrade-due' ? [`node-image win node-image ${current}→${latest}`] : [])
    if (reason === 'upgrade-due')
      expect(e.warnings.join(' ')).toMatch(/could not be read as a version; the upgrade is planned because the pool's image differs/)
  })
})
