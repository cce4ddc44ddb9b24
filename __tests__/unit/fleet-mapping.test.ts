// Rings -> Fleet update runs: stages, groups and their limits, Custom image lists from real
// versions, soak seconds, gates, stable names, and the clusters left out. Plans come from the
// real planner, so a change in what the planner holds shows here too.
import { describe, expect, it } from 'vitest'
import { GATE_PREFIX, mapToFleet, type FleetMappingOptions } from '../../src/fleet-engine/mapping.ts'
import type { FleetMember } from '../../src/fleet-engine/wire.ts'
import type { ClusterSnapshot, FleetPlan } from '../../src/model.ts'
import { AZL3, U0619, U0702, U0709 } from './fixtures.ts'
import { NOW, cluster, entry, onVersion, plan, pool, sys, withMinor } from './planner-fixtures.ts'

const FLEET = '/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/platform'

function opts(over: Partial<FleetMappingOptions> = {}): FleetMappingOptions {
  return { fleetId: FLEET, groups: 'ring', maxParallel: 5, ringSoakDays: 0, approvalGates: false, now: NOW, ...over }
}

/** A cluster on `image` (newest offered: U0709) in a ring. */
function onImage(name: string, ring: number, image: string, over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return cluster(name, {
    tags: { 'aks-upgrade-ring': String(ring) },
    pools: [sys('system', { nodeImageVersion: image, latestNodeImageVersion: U0709 })],
    ...over
  })
}

/** Members for clusters, in the case the example shows (`resourcegroups` in lower case), with groups when given. */
function members(clusters: ClusterSnapshot[], groups: Record<string, string> = {}): FleetMember[] {
  return clusters.map(c => {
    const props: NonNullable<FleetMember['properties']> = { clusterResourceId: c.id.replace('/resourceGroups/', '/resourcegroups/') }
    const g = groups[c.name]
    if (g !== undefined) props.group = g
    return { name: `m-${c.name}`, eTag: `etag-${c.name}`, properties: props }
  })
}

function stagesOf(p: FleetPlan, m: FleetMember[], o = opts()) {
  const mapping = mapToFleet(p.clusters, m, o)
  return { mapping, run: mapping.runs[0], stages: mapping.runs[0]?.body.properties?.strategy?.stages ?? [] }
}

describe('rings become stages of one NodeImageOnly run', () => {
  const dev = onImage('dev', 0, U0702)
  const prod = onImage('prod', 1, U0702)
  const p = plan([dev, prod])

  it('holds prod for its ring in the plan, and carries it in stage ring-1 of the same run', () => {
    expect(entry(p, 'prod', 'system').reason).toBe('ring-waiting')
    const { mapping, run, stages } = stagesOf(p, members([dev, prod]))
    expect(mapping.runs).toHaveLength(1)
    expect(run?.kind).toBe('node-image')
    expect(stages.map(s => [s.name, s.groups?.map(g => g.name)])).toEqual([
      ['ring-0', ['ring-0']],
      ['ring-1', ['ring-1']]
    ])
    expect(run?.body.properties?.managedClusterUpdate).toEqual({
      upgrade: { type: 'NodeImageOnly' },
      nodeImageSelection: { type: 'Custom', customNodeImageVersions: [{ version: U0709 }] }
    })
    expect(run?.members.map(m => [m.cluster, m.operations.length])).toEqual([
      ['dev', 1],
      ['prod', 0]
    ])
  })

  it('sets the empty groups of both members to their ring, with each member eTag', () => {
    const { mapping } = stagesOf(p, members([dev, prod]))
    expect(mapping.groupChanges).toEqual([
      { member: 'm-dev', to: 'ring-0', eTag: 'etag-dev' },
      { member: 'm-prod', to: 'ring-1', eTag: 'etag-prod' }
    ])
  })

  it('skips members of the run groups that this plan leaves out', () => {
    const other = onImage('other', 0, U0709, { provisioningState: 'Failed' })
    const { run } = stagesOf(plan([dev, prod, other]), members([dev, prod, other], { other: 'ring-0' }))
    expect(run?.skip).toEqual(['m-other'])
  })
})

describe('concurrency: max-parallel, capped by the group size and the stage limit of 50', () => {
  const cases: Array<[maxParallel: number, clusters: number, group: string, stage: string]> = [
    [5, 3, '3', '5'],
    [2, 3, '2', '2'],
    [1, 1, '1', '1'],
    [100, 60, '50', '50']
  ]
  it.each(cases)('max-parallel %i with %i clusters: group %s, stage %s', (maxParallel, n, group, stage) => {
    const list = Array.from({ length: n }, (_, i) => onImage(`c${String(i).padStart(2, '0')}`, 0, U0702))
    const { stages } = stagesOf(plan(list), members(list), opts({ maxParallel }))
    expect(stages[0]?.groups?.[0]?.maxConcurrency).toBe(group)
    expect(stages[0]?.maxConcurrency).toBe(stage)
  })
})

describe('Custom lists one version per image family', () => {
  const cases: Array<[name: string, images: Array<[current: string, latest: string]>, expected: string[]]> = [
    ['one family', [[U0702, U0709]], [U0709]],
    [
      'the newest of one family wins',
      [
        [U0619, U0702],
        [U0619, U0709]
      ],
      [U0709]
    ],
    [
      'two families',
      [
        [U0702, U0709],
        ['AKSAzureLinux-V3gen2-202606.19.0', AZL3]
      ],
      [AZL3, U0709]
    ]
  ]
  it.each(cases)('%s', (_, images, expected) => {
    const list = images.map(([current, latest], i) =>
      cluster(`c${i}`, { pools: [sys('system', { nodeImageVersion: current, latestNodeImageVersion: latest })] })
    )
    const { run } = stagesOf(plan(list), members(list))
    expect(run?.images).toEqual(expected)
  })
})

describe('soak: ring-soak-days on the stage before the next ring', () => {
  it('waits ring-soak-days × 86,400 s after every stage but the last', () => {
    const list = [onImage('dev', 0, U0702), onImage('stage', 1, U0702), onImage('prod', 2, U0702)]
    const { stages } = stagesOf(plan(list, { ringSoakDays: 7 }), members(list), opts({ ringSoakDays: 7 }))
    expect(stages.map(s => s.afterStageWaitInSeconds)).toEqual([604_800, 604_800, undefined])
  })

  it('skips the wait, and says so, where the planner already counts the soak as done', () => {
    // dev has run U0709 for 10 days (recentlyUsedVersions), so prod is due, not soaking;
    // dev's Azure Linux pool is due too, which puts dev in stage ring-0 of the same run.
    const since = new Date(NOW.getTime() - 10 * 86_400_000).toISOString()
    const soaked = sys('system', { recentlyUsedVersions: [{ orchestratorVersion: '1.35.6', nodeImageVersion: U0709, timestamp: since }] })
    const azl = pool('azl', { osSku: 'AzureLinux', nodeImageVersion: 'AKSAzureLinux-V3gen2-202606.19.0', latestNodeImageVersion: AZL3 })
    const dev = cluster('dev', { tags: { 'aks-upgrade-ring': '0' }, pools: [soaked, azl] })
    const prod = onImage('prod', 1, U0702)
    const p = plan([dev, prod], { ringSoakDays: 7 })
    expect(entry(p, 'prod', 'system').reason).toBe('upgrade-due')
    const { run, stages } = stagesOf(p, members([dev, prod]), opts({ ringSoakDays: 7 }))
    expect(stages.map(s => s.name)).toEqual(['ring-0', 'ring-1'])
    expect(stages[0]?.afterStageWaitInSeconds).toBeUndefined()
    expect(run?.notes.join(' ')).toMatch(/Ring 0 already ran this for ring-soak-days \(7\)/)
  })

  it('warns when the soak outlasts the 90 days a node image is valid', () => {
    const list = [onImage('dev', 0, U0702), onImage('prod', 1, U0702)]
    const late = new Date('2026-09-20T00:00:00Z') // U0709 (2026-07-09) expires 2026-10-07
    const { run } = stagesOf(plan(list, { ringSoakDays: 30 }, late), members(list), opts({ ringSoakDays: 30, now: late }))
    expect(run?.notes.join(' ')).toMatch(/expires on 2026-10-07.*around 2026-10-20/)
    const { run: soon } = stagesOf(plan(list, { ringSoakDays: 7 }), members(list), opts({ ringSoakDays: 7 }))
    expect(soon?.notes.join(' ')).not.toMatch(/expires/)
  })
})

describe('Kubernetes versions: Full with kubernetesVersion, one run per kind and target', () => {
  const patch = cluster('patchy', onVersion('1.35.5', [sys()]))
  const minor = cluster('minor', onVersion('1.35.6', [sys()]))
  const p = plan([patch, minor], { ...withMinor, minorApproval: 'issue' })

  it('orders node images first, then patches, then minors, and never mixes them', () => {
    const img = onImage('img', 0, U0702)
    const all = plan([patch, minor, img], { ...withMinor, minorApproval: 'issue' })
    const { mapping } = stagesOf(all, members([patch, minor, img]), opts({ approvalGates: true }))
    expect(mapping.runs.map(r => [r.kind, r.kubernetesVersion ?? null])).toEqual([
      ['node-image', null],
      ['patch', '1.35.6'],
      ['minor', '1.36.2']
    ])
  })

  it('names the image of every pool family in a version upgrade, so no family is left to Latest', () => {
    const two = cluster(
      'two',
      onVersion('1.35.5', [
        sys('system', { nodeImageVersion: U0709, latestNodeImageVersion: U0709 }),
        pool('azl', { nodeImageVersion: AZL3, latestNodeImageVersion: AZL3 })
      ])
    )
    const { run } = stagesOf(plan([two]), members([two]))
    expect(run?.kind).toBe('patch')
    expect(run?.body.properties?.managedClusterUpdate?.nodeImageSelection).toEqual({
      type: 'Custom',
      customNodeImageVersions: [{ version: AZL3 }, { version: U0709 }]
    })
  })

  it('puts an approval gate we recognise before each stage of a minor upgrade', () => {
    const { mapping } = stagesOf(p, members([patch, minor]), opts({ approvalGates: true }))
    const minorRun = mapping.runs.find(r => r.kind === 'minor')
    expect(minorRun?.body.properties?.managedClusterUpdate?.upgrade).toEqual({ type: 'Full', kubernetesVersion: '1.36.2' })
    expect(minorRun?.body.properties?.strategy?.stages[0]?.beforeGates).toEqual([
      { type: 'Approval', displayName: `${GATE_PREFIX}: Kubernetes 1.36 on ring 0` }
    ])
    const patchRun = mapping.runs.find(r => r.kind === 'patch')
    expect(patchRun?.body.properties?.strategy?.stages[0]?.beforeGates).toBeUndefined()
  })
})

describe('clusters Fleet cannot take', () => {
  const a = onImage('a', 0, U0702)
  const b = onImage('b', 1, U0702)

  it('holds a planned cluster outside the fleet, naming the fleet', () => {
    const { mapping } = stagesOf(plan([a, b]), members([a]))
    expect(mapping.holds.get(b.id.toLowerCase())).toEqual({
      reason: 'not-in-fleet',
      detail: expect.stringMatching(/b is not a member of fleet platform/)
    })
    expect(mapping.runs[0]?.members.map(m => m.cluster)).toEqual(['a'])
  })

  it('leaves a member in a group of its own alone (fleet-groups: ring)', () => {
    const { mapping } = stagesOf(plan([a, b]), members([a, b], { b: 'blue' }))
    expect(mapping.holds.get(b.id.toLowerCase())?.reason).toBe('fleet-group-conflict')
    expect(mapping.groupChanges.map(c => c.member)).toEqual(['m-a'])
  })

  it('keeps a cluster pre-flight holds out of the run, and skips its member when it is in the group', () => {
    const held = new Map([[a.id.toLowerCase(), { reason: 'preflight-quota', detail: 'needs 8 vCPUs of standardDSv3Family in eastus, 4 free' }]])
    const c = onImage('c', 0, U0702)
    const { mapping, run } = stagesOf(plan([a, c]), members([a, c], { a: 'ring-0' }), opts({ held }))
    expect(mapping.holds.get(a.id.toLowerCase())?.reason).toBe('preflight-quota')
    expect(run?.members.map(m => m.cluster)).toEqual(['c'])
    expect(run?.skip).toEqual(['m-a'])
  })

  it('holds the whole member when one of its pools is stopped: Fleet upgrades all its pools', () => {
    const c = cluster('c', {
      pools: [
        sys('system', { nodeImageVersion: U0702, latestNodeImageVersion: U0709 }),
        pool('batch', { nodeImageVersion: U0702, latestNodeImageVersion: U0709, powerState: 'Stopped' })
      ]
    })
    const p = plan([a, c])
    expect(entry(p, 'c', 'batch').reason).toBe('stopped')
    const { mapping, run } = stagesOf(p, members([a, c]))
    expect(mapping.holds.get(c.id.toLowerCase())).toEqual({
      reason: 'fleet-pool-held',
      detail: expect.stringMatching(/^pool batch is held \(Held: the pool is stopped/)
    })
    expect(run?.members.map(m => m.cluster)).toEqual(['a'])
  })

  it('uses existing groups, each within one ring (fleet-groups: existing)', () => {
    const c = onImage('c', 1, U0702)
    const ok = stagesOf(plan([a, b, c]), members([a, b, c], { a: 'dev', b: 'prod', c: 'prod' }), opts({ groups: 'existing' }))
    expect(ok.mapping.groupChanges).toEqual([])
    expect(ok.stages.map(s => s.groups?.map(g => g.name))).toEqual([['dev'], ['prod']])
    const mixed = stagesOf(plan([a, b, c]), members([a, b, c], { a: 'dev', b: 'dev', c: 'prod' }), opts({ groups: 'existing' }))
    expect(mixed.mapping.holds.get(a.id.toLowerCase())?.detail).toMatch(/group 'dev' holds clusters of rings 0, 1/)
    const none = stagesOf(plan([a]), members([a]), opts({ groups: 'existing' }))
    expect(none.mapping.holds.get(a.id.toLowerCase())?.detail).toMatch(/has no group/)
  })
})

describe('run names: one per plan', () => {
  const a = onImage('a', 0, U0702)
  const b = onImage('b', 1, U0702)
  const name = (clusters: ClusterSnapshot[], o = opts()) => mapToFleet(plan(clusters).clusters, members(clusters), o).runs[0]?.name

  it('is stable, lower case, and within the 50 characters Fleet allows', () => {
    const n = name([a, b])
    expect(n).toMatch(/^aup-[0-9a-f]{24}$/)
    expect(name([a, b])).toBe(n)
  })

  it('changes with the fleet, the rings and the targets', () => {
    const n = name([a, b])
    expect(name([a, b], opts({ fleetId: FLEET.replace('platform', 'other') }))).not.toBe(n)
    expect(name([a, onImage('b', 2, U0702)])).not.toBe(n)
    expect(name([onImage('a', 0, U0619, { pools: [sys('system', { nodeImageVersion: U0619, latestNodeImageVersion: U0702 })] }), b])).not.toBe(n)
  })
})
