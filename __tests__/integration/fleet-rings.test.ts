// Fleets (issue 6) end to end: discovery across subscriptions, rings and their promotion
// gate, soak and halt, max-parallel, and a 200-cluster dry run. Each test runs the bundled
// action (dist/index.js) against the emulator and asserts on what it sent, what Azure
// looks like afterwards, its outputs and its report.
import { describe, expect, it } from 'vitest'
import { clusterId, DEFAULT_MINORS, generateFleet, kubernetesVersionsFrom, NODE_IMAGES } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet, PoolSeed } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { RunResult } from '../emulator/run-action.ts'
import type { Emulator, RecordedRequest } from '../emulator/server.ts'
import { armWrites, liveCluster, livePool, planRow, planRows, useEmulator } from './support.ts'
import type { PlanRow } from './support.ts'

const SUB_A = '3e9a1c57-6d2b-4f80-b4e3-7a5c9d1f2b68'
/** The identity has no role here: every request answers 403 AuthorizationFailed. */
const SUB_B = 'c4b2e8f1-0a7d-4c39-9e56-1f3b5d7a9c20'

const U0702 = NODE_IMAGES.ubuntu2204Old
const U0709 = NODE_IMAGES.ubuntu2204
/** A node image released after the first ring adopted 202607.09.0. */
const U0716 = 'AKSUbuntu-2204gen2containerd-202607.16.0'
const A0702 = NODE_IMAGES.azureLinux3Old
const A0709 = NODE_IMAGES.azureLinux3
const W0610 = NODE_IMAGES.windows2022Old
const W0715 = NODE_IMAGES.windows2022

const RING_TAG = 'aks-upgrade-ring'
const READ_ACTION = 'Microsoft.ContainerService/managedClusters/read'

// ---------------------------------------------------------------------------
// Fleet builders

function pool(name: string, image: string, latest: string, extra: Partial<PoolSeed> = {}): PoolSeed {
  const windows = image.startsWith('AKSWindows')
  const azureLinux = image.startsWith('AKSAzureLinux')
  return {
    name,
    mode: name === 'system' ? 'System' : 'User',
    osType: windows ? 'Windows' : 'Linux',
    osSKU: windows ? 'Windows2022' : azureLinux ? 'AzureLinux' : 'Ubuntu',
    count: 3,
    orchestratorVersion: '1.35.6',
    nodeImageVersion: image,
    latestNodeImageVersion: latest,
    ...extra
  }
}

interface ClusterSpec {
  name: string
  ring?: string
  subscriptionId?: string
  resourceGroup?: string
  location?: string
  kubernetesVersion?: string
  tags?: Record<string, string>
  pools: PoolSeed[]
}

function cluster(spec: ClusterSpec): ClusterSeed {
  const tags: Record<string, string> = { ...spec.tags }
  if (spec.ring !== undefined) tags[RING_TAG] = spec.ring
  return {
    subscriptionId: spec.subscriptionId ?? SUB_A,
    resourceGroup: spec.resourceGroup ?? `rg-${spec.name}`,
    name: spec.name,
    location: spec.location ?? 'westeurope',
    tags,
    kubernetesVersion: spec.kubernetesVersion ?? '1.35.6',
    // The workflow owns timing: AKS's own channels would only add warnings here.
    autoUpgradeProfile: { upgradeChannel: 'none', nodeOSUpgradeChannel: 'None' },
    agentPools: spec.pools
  }
}

function idOf(c: ClusterSeed): string {
  return clusterId(c)
}

// ---------------------------------------------------------------------------
// Emulator and request helpers

const { start } = useEmulator({ operationDurationMs: 150 })

function onCluster(name: string): RegExp {
  return new RegExp(`/managedClusters/${name}(/|$)`, 'i')
}

/** ARM requests on one cluster that change something. */
function armWritesOn(e: Emulator, clusterName: string, since = 0): RecordedRequest[] {
  return armWrites(e, since).filter(r => onCluster(clusterName).test(r.path))
}

function describeWrites(requests: RecordedRequest[]): string[] {
  return requests.map(r => `${r.method} ${r.path.replace(/^.*\/managedClusters\//i, '')}`)
}

function propsOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {}
  const props = (body as Record<string, unknown>).properties
  return typeof props === 'object' && props !== null ? (props as Record<string, unknown>) : {}
}

function entry(result: RunResult, clusterName: string, poolName: string | null): PlanRow {
  return planRow(planRows(result), clusterName, poolName)
}

function ringsOf(result: RunResult): Record<string, string[]> {
  const text = result.outputs.rings
  if (text === undefined) throw new Error('no rings output')
  return JSON.parse(text) as Record<string, string[]>
}

function sortedRings(rings: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(rings).map(([ring, ids]) => [ring, [...ids].map(i => i.toLowerCase()).sort()]))
}

function lower(ids: string[]): string[] {
  return ids.map(i => i.toLowerCase()).sort()
}

/**
 * The inputs of a run whose issue is not under test: `issue: off` spares the seconds
 * Octokit's throttling spends between issue writes.
 */
function quiet(e: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseInputs(e), issue: 'off', ...extra }
}

function issueBody(e: Emulator): string {
  const open = e.state.github.issues.filter(i => i.state === 'open')
  expect(open).toHaveLength(1)
  return open[0]?.body ?? ''
}

/** Cells of a GFM table row, split at pipes that are not backslash-escaped. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '')
  return inner.split(/(?<!\\)\|/)
}

/** A body GitHub renders as intended: every table row has its header's width, every <details> is closed. */
function expectWellFormed(markdown: string): void {
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const next = lines[i + 1] ?? ''
    if (!line.startsWith('|') || !/^\|(-+\|)+$/.test(next.replace(/\s/g, ''))) continue
    const width = cells(line).length
    expect(cells(next).length, `separator of the table at line ${i + 1}`).toBe(width)
    for (let j = i + 2; j < lines.length && (lines[j] ?? '').startsWith('|'); j++) {
      expect(cells(lines[j] ?? '').length, `row ${j + 1}: ${lines[j] ?? ''}`).toBe(width)
    }
  }
  expect((markdown.match(/<details/g) ?? []).length).toBe((markdown.match(/<\/details>/g) ?? []).length)
}

/** The header line: `**3 would upgrade · 1 held · 4 up to date** — pools and control planes across 2 clusters`. */
function headerCounts(markdown: string): { rows: number; clusters: number } {
  const m = /\*\*([^*\n]+)\*\* — pools and control planes across ([\d,]+) clusters?/.exec(markdown)
  if (m?.[1] === undefined || m[2] === undefined) throw new Error(`no counts line in:\n${markdown.slice(0, 800)}`)
  const rows = m[1].split(' · ').reduce((n, part) => n + Number((/^[\d,]+/.exec(part)?.[0] ?? '0').replace(/,/g, '')), 0)
  return { rows, clusters: Number(m[2].replace(/,/g, '')) }
}

/** Sum of the `Clusters` column of a per-ring summary table (`| Ring | Clusters | ...`), or undefined. */
function ringTableClusters(markdown: string): number | undefined {
  const lines = markdown.split('\n')
  const head = lines.findIndex(l => /^\|\s*Ring\s*\|\s*Clusters\s*\|/.test(l))
  if (head < 0) return undefined
  let sum = 0
  for (let j = head + 2; j < lines.length && (lines[j] ?? '').startsWith('|'); j++) {
    sum += Number((cells(lines[j] ?? '')[1] ?? '').trim().replace(/,/g, ''))
  }
  return sum
}

// ---------------------------------------------------------------------------

describe('discovery across subscriptions', () => {
  function discoveryFleet(): Fleet {
    return {
      subscriptions: { [SUB_A]: {}, [SUB_B]: { forbidden: true } },
      clusters: [
        cluster({ name: 'aks-dev-weu', ring: '0', tags: { team: 'platform', env: 'dev' }, pools: [pool('system', U0702, U0709)] }),
        cluster({ name: 'aks-prod-weu', ring: '1', tags: { team: 'platform', env: 'prod' }, pools: [pool('system', U0702, U0709)] }),
        cluster({ name: 'aks-stage-weu', ring: '0', tags: { team: 'platform', env: 'stage' }, pools: [pool('system', U0702, U0709)] }),
        cluster({ name: 'aks-data-weu', tags: { team: 'data' }, pools: [pool('system', U0702, U0709)] }),
        cluster({
          name: 'aks-prod-neu',
          subscriptionId: SUB_B,
          location: 'northeurope',
          ring: '1',
          tags: { team: 'platform' },
          pools: [pool('system', U0702, U0709)]
        })
      ]
    }
  }

  it('reads the tagged clusters of every readable subscription, reports the forbidden subscription and cluster with the missing permission, and goes on', async () => {
    const e = await start(discoveryFleet())
    const stage = idOf(liveCluster(e, 'aks-stage-weu'))
    // The identity may list clusters but not read this cluster's pools.
    e.inject({
      method: 'GET',
      path: `${stage}/agentPools`,
      status: 403,
      count: Infinity,
      body: {
        error: {
          code: 'AuthorizationFailed',
          message: `The client does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/agentPools/read' over scope '${stage}'.`
        }
      }
    })

    const result = await runAction(e, {
      ...baseInputs(e),
      subscriptions: `${SUB_A}\n${SUB_B}`,
      'cluster-tags': 'team=platform',
      'dry-run': 'true'
    })

    expect(result.code, result.stdout).toBe(0)
    const dev = idOf(liveCluster(e, 'aks-dev-weu'))
    const prod = idOf(liveCluster(e, 'aks-prod-weu'))
    // The cluster whose pools could not be read stays in the plan as read-failed, in its ring,
    // so ring 1 waits for it instead of treating ring 0 as complete.
    expect(lower([...new Set(planRows(result).map(p => p.clusterId))]).sort()).toEqual(lower([dev, prod, stage]).sort())
    expect(planRows(result).find(p => p.clusterId.toLowerCase() === stage.toLowerCase())?.reason).toBe('read-failed')
    expect(sortedRings(ringsOf(result))).toEqual(sortedRings({ '0': [dev, stage], '1': [prod] }))
    expect(planRows(result).find(p => p.clusterId.toLowerCase() === prod.toLowerCase() && p.pool === 'system')?.reason).toBe('ring-waiting')

    // Each subscription listed once; nothing read of the cluster the tag filter excluded.
    const lists = (sub: string): RecordedRequest[] =>
      e.requests.filter(
        r => r.method === 'GET' && r.path.toLowerCase() === `/subscriptions/${sub}/providers/microsoft.containerservice/managedclusters`
      )
    expect(lists(SUB_A)).toHaveLength(1)
    expect(lists(SUB_B)).toHaveLength(1)
    expect(e.requests.filter(r => onCluster('aks-data-weu').test(r.path))).toEqual([])
    expect(e.requests.filter(r => r.path.toLowerCase().startsWith(`/subscriptions/${SUB_B}/resourcegroups`))).toEqual([])
    expect(armWrites(e)).toEqual([])

    // Both unreadable scopes are named, with the role action to grant.
    for (const report of [result.summary, issueBody(e)]) {
      expect(report).toContain(`/subscriptions/${SUB_B}`)
      expect(report).toContain(stage)
      expect(report).toContain('AuthorizationFailed')
      expect(report).toContain(READ_ACTION)
      expect(report).toContain('aks-dev-weu')
      expect(report).toContain('aks-prod-weu')
      expect(report).not.toContain('aks-data-weu')
    }
  })

  it('fails the run when no cluster could be read at all', async () => {
    const e = await start(discoveryFleet())
    const result = await runAction(e, quiet(e, { subscriptions: SUB_B, 'dry-run': 'true' }))

    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::.*could be read/i)
    expect(planRows(result)).toEqual([])
    expect(result.summary).toContain(`/subscriptions/${SUB_B}`)
    expect(result.summary).toContain(READ_ACTION)
    expect(armWrites(e)).toEqual([])
  })
})

describe('rings: promotion of what the previous ring runs', () => {
  it('holds ring 1 until ring 0 runs the node image, then gives ring 1 exactly that image even when a newer one exists', async () => {
    const e = await start({
      clusters: [
        cluster({ name: 'aks-dev', ring: '0', pools: [pool('system', U0702, U0709), pool('apps', U0702, U0709)] }),
        // Same region as dev: its upgrade profile will offer the newer image dev moves on to.
        cluster({ name: 'aks-prod-weu', ring: '1', pools: [pool('system', U0702, U0709)] }),
        // A region the newer image has not reached yet: its latest stays what dev runs.
        cluster({ name: 'aks-prod-neu', ring: '1', location: 'northeurope', pools: [pool('system', U0702, U0709), pool('apps', U0702, U0709)] })
      ]
    })

    // Run 1: ring 0 is still on 202607.02.0, so nothing in ring 1 may move.
    const first = await runAction(e, quiet(e))
    expect(first.code, first.stdout).toBe(0)
    expect(describeWrites(armWritesOn(e, 'aks-dev')).sort()).toEqual([
      'POST aks-dev/agentPools/apps/upgradeNodeImageVersion',
      'POST aks-dev/agentPools/system/upgradeNodeImageVersion'
    ])
    expect(armWritesOn(e, 'aks-prod-weu')).toEqual([])
    expect(armWritesOn(e, 'aks-prod-neu')).toEqual([])
    for (const [c, p] of [
      ['aks-prod-weu', 'system'],
      ['aks-prod-neu', 'system'],
      ['aks-prod-neu', 'apps']
    ] as const) {
      const waiting = entry(first, c, p)
      expect(waiting.reason).toBe('ring-waiting')
      expect(waiting.action).toBe('none')
      expect(waiting.result).toBeNull()
    }
    expect(livePool(e, 'aks-dev', 'system').nodeImageVersion).toBe(U0709)
    expect(livePool(e, 'aks-prod-weu', 'system').nodeImageVersion).toBe(U0702)
    expect(sortedRings(ringsOf(first))).toEqual(
      sortedRings({ '0': [idOf(liveCluster(e, 'aks-dev'))], '1': [idOf(liveCluster(e, 'aks-prod-weu')), idOf(liveCluster(e, 'aks-prod-neu'))] })
    )

    // 202607.16.0 is released in westeurope: dev and prod-weu are offered it, prod-neu is not.
    for (const p of ['system', 'apps']) livePool(e, 'aks-dev', p).latestNodeImageVersion = U0716
    livePool(e, 'aks-prod-weu', 'system').latestNodeImageVersion = U0716
    const mark = e.requests.length

    // Run 2: ring 0 runs 202607.09.0. prod-neu adopts exactly it; prod-weu could only get
    // 202607.16.0 (the node image upgrade always installs the latest), which ring 0 never ran.
    const second = await runAction(e, quiet(e))
    expect(second.code, second.stdout).toBe(0)
    expect(describeWrites(armWritesOn(e, 'aks-prod-neu', mark)).sort()).toEqual([
      'POST aks-prod-neu/agentPools/apps/upgradeNodeImageVersion',
      'POST aks-prod-neu/agentPools/system/upgradeNodeImageVersion'
    ])
    expect(armWritesOn(e, 'aks-prod-weu', mark)).toEqual([])
    const adopted = entry(second, 'aks-prod-neu', 'system')
    expect(adopted.reason).toBe('upgrade-due')
    expect(adopted.nodeImageVersion?.target).toBe(U0709)
    expect(adopted.result).toBe('succeeded')
    expect(livePool(e, 'aks-prod-neu', 'system').nodeImageVersion).toBe(U0709)
    expect(livePool(e, 'aks-prod-neu', 'apps').nodeImageVersion).toBe(U0709)

    const held = entry(second, 'aks-prod-weu', 'system')
    expect(held.reason).toBe('ring-waiting')
    expect(held.result).toBeNull()
    expect(livePool(e, 'aks-prod-weu', 'system').nodeImageVersion).toBe(U0702)
    // Ring 0 itself moves on to the newer image in the same run.
    expect(livePool(e, 'aks-dev', 'system').nodeImageVersion).toBe(U0716)
    expect(second.outputs['upgrades-started']).toBe('4')
  })

  it('gives ring 1 exactly the Kubernetes patch ring 0 runs, not a newer patch', async () => {
    const dev = cluster({
      name: 'aks-dev',
      ring: '0',
      kubernetesVersion: '1.35.5',
      pools: [pool('system', U0709, U0709, { orchestratorVersion: '1.35.5' }), pool('apps', U0709, U0709, { orchestratorVersion: '1.35.5' })]
    })
    const prod = cluster({
      name: 'aks-prod',
      ring: '1',
      kubernetesVersion: '1.35.5',
      pools: [pool('system', U0709, U0709, { orchestratorVersion: '1.35.5' }), pool('apps', U0709, U0709, { orchestratorVersion: '1.35.5' })]
    })
    const e = await start({ clusters: [dev, prod] })

    const first = await runAction(e, quiet(e))
    expect(first.code, first.stdout).toBe(0)
    expect(describeWrites(armWritesOn(e, 'aks-dev'))).toEqual(['PUT aks-dev', 'PUT aks-dev/agentPools/system', 'PUT aks-dev/agentPools/apps'])
    expect(propsOf(armWritesOn(e, 'aks-dev')[0]?.body).kubernetesVersion).toBe('1.35.6')
    expect(armWritesOn(e, 'aks-prod')).toEqual([])
    const waiting = entry(first, 'aks-prod', null)
    expect(waiting.reason).toBe('ring-waiting')
    expect(waiting.result).toBeNull()
    expect(liveCluster(e, 'aks-dev').currentKubernetesVersion).toBe('1.35.6')

    // AKS releases 1.35.7: the control planes are now offered a patch newer than ring 0 runs.
    e.state.fleet.kubernetesVersions = {
      default: kubernetesVersionsFrom(DEFAULT_MINORS.map(m => (m.version === '1.35' ? { ...m, patches: [...m.patches, '1.35.7'] } : m)))
    }
    const mark = e.requests.length
    const second = await runAction(e, quiet(e))
    expect(second.code, second.stdout).toBe(0)

    const prodWrites = armWritesOn(e, 'aks-prod', mark)
    expect(describeWrites(prodWrites)).toEqual(['PUT aks-prod', 'PUT aks-prod/agentPools/system', 'PUT aks-prod/agentPools/apps'])
    expect(propsOf(prodWrites[0]?.body).kubernetesVersion).toBe('1.35.6')
    expect(prodWrites[0]?.headers['if-match']).toBeTruthy()
    expect(propsOf(prodWrites[1]?.body).orchestratorVersion).toBe('1.35.6')
    expect(propsOf(prodWrites[2]?.body).orchestratorVersion).toBe('1.35.6')
    expect(entry(second, 'aks-prod', null).kubernetesVersion.target).toBe('1.35.6')
    expect(liveCluster(e, 'aks-prod').currentKubernetesVersion).toBe('1.35.6')
    expect(livePool(e, 'aks-prod', 'apps').currentOrchestratorVersion).toBe('1.35.6')

    // Ring 0 takes the newest patch in the same run.
    const devWrites = armWritesOn(e, 'aks-dev', mark)
    expect(propsOf(devWrites[0]?.body).kubernetesVersion).toBe('1.35.7')
    expect(liveCluster(e, 'aks-dev').currentKubernetesVersion).toBe('1.35.7')
  })

  it('soaks: ring 1 waits until every ring-0 pool has run the image for ring-soak-days, timed by recentlyUsedVersions', async () => {
    const e = await start({
      clusters: [
        cluster({
          name: 'aks-dev',
          ring: '0',
          pools: [
            // Moved to 202607.09.0 on 2026-07-15 ...
            pool('system', U0709, U0709, {
              recentlyUsedVersions: [{ orchestratorVersion: '1.35.6', nodeImageVersion: U0702, timestamp: '2026-07-15T09:00:00Z' }]
            }),
            // ... and this pool only on 2026-07-18 06:30: the ring runs it since then.
            pool('apps', U0709, U0709, {
              recentlyUsedVersions: [
                { orchestratorVersion: '1.35.6', nodeImageVersion: U0702, timestamp: '2026-07-18T06:30:00Z' },
                { orchestratorVersion: '1.35.6', nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202606.19.0', timestamp: '2026-07-03T02:00:00Z' }
              ]
            })
          ]
        }),
        cluster({ name: 'aks-prod', ring: '1', pools: [pool('system', U0702, U0709)] })
      ]
    })
    const inputs = quiet(e, { 'ring-soak-days': '3' })

    // Five days after the first pool moved, but two days and a bit after the last one.
    const early = await runAction(e, inputs, { env: { AKS_UPGRADE_PILOT_TEST_NOW: '2026-07-20T09:00:00Z' } })
    expect(early.code, early.stdout).toBe(0)
    expect(armWrites(e)).toEqual([])
    const soaking = entry(early, 'aks-prod', 'system')
    expect(soaking.reason).toBe('ring-soaking')
    expect(soaking.result).toBeNull()
    // Eligible three days after 2026-07-18 06:30 UTC.
    expect(soaking.message).toMatch(/2026-07-21[ T]06:30/)
    expect(early.summary).toMatch(/2026-07-21/)

    const late = await runAction(e, inputs, { env: { AKS_UPGRADE_PILOT_TEST_NOW: '2026-07-21T07:00:00Z' } })
    expect(late.code, late.stdout).toBe(0)
    expect(describeWrites(armWrites(e))).toEqual(['POST aks-prod/agentPools/system/upgradeNodeImageVersion'])
    expect(entry(late, 'aks-prod', 'system').result).toBe('succeeded')
    expect(livePool(e, 'aks-prod', 'system').nodeImageVersion).toBe(U0709)
  })
})

describe('halt: a failure in ring 0 holds later rings', () => {
  const HALT = 'halted: ring 0 failed on aks-dev/azl (PodDrainFailure)'

  it('halts ring 1 in the run where ring 0 failed, and in later runs while the ring-0 pool stays Failed', async () => {
    const e = await start({
      clusters: [
        cluster({
          name: 'aks-dev',
          ring: '0',
          pools: [
            // Ring 0 already runs the Ubuntu image ring 1 is offered, so ring 1 is due for it ...
            pool('system', U0709, U0709),
            // ... but ring 0's Azure Linux upgrade fails in this very run.
            pool('azl', A0702, A0709, {
              failNextOperation: {
                code: 'PodDrainFailure',
                message:
                  "Drain of node aks-azl-31415926-vmss000002 did not complete: Cannot evict pod as it would violate the pod's disruption budget."
              }
            })
          ]
        }),
        cluster({ name: 'aks-prod', ring: '1', pools: [pool('system', U0702, U0709)] })
      ]
    })

    const first = await runAction(e, baseInputs(e))
    expect(first.code).toBe(1)
    expect(describeWrites(armWrites(e))).toEqual(['POST aks-dev/agentPools/azl/upgradeNodeImageVersion'])
    expect(entry(first, 'aks-dev', 'azl').result).toBe('failed')
    expect(entry(first, 'aks-dev', 'azl').error?.code).toBe('PodDrainFailure')
    expect(entry(first, 'aks-prod', 'system').result).toBe('skipped')
    expect(livePool(e, 'aks-prod', 'system').nodeImageVersion).toBe(U0702)
    expect(first.summary).toContain(HALT)
    expect(issueBody(e)).toContain(HALT)
    expect(first.outputs['upgrades-failed']).toBe('1')

    // A later run: nothing ran in between, the pool is still Failed.
    expect(livePool(e, 'aks-dev', 'azl').provisioningState).toBe('Failed')
    const mark = e.requests.length
    const second = await runAction(e, quiet(e))
    expect(armWrites(e, mark)).toEqual([])
    expect(entry(second, 'aks-dev', 'azl').reason).toBe('failed-state')
    const halted = entry(second, 'aks-prod', 'system')
    expect(halted.reason).toBe('ring-halted')
    expect(halted.action).toBe('none')
    expect(halted.message).toContain(HALT)
    expect(second.summary).toContain(HALT)

    // Someone fixed the pool (e.g. re-ran the upgrade after relaxing the PDB): the halt lifts.
    const azl = livePool(e, 'aks-dev', 'azl')
    azl.provisioningState = 'Succeeded'
    azl.nodeImageVersion = A0709
    delete azl.provisioningError
    const fixedMark = e.requests.length
    const third = await runAction(e, quiet(e))
    expect(third.code, third.stdout).toBe(0)
    expect(describeWrites(armWrites(e, fixedMark))).toEqual(['POST aks-prod/agentPools/system/upgradeNodeImageVersion'])
    expect(third.summary).not.toContain(HALT)
  })
})

describe('rings output', () => {
  it('maps each ring to its cluster ids; untagged clusters go first by default and last with ring-untagged: last', async () => {
    const dev = cluster({ name: 'aks-dev', ring: '0', pools: [pool('system', U0709, U0709), pool('azl', A0702, A0709)] })
    const stage = cluster({ name: 'aks-stage', ring: '1', pools: [pool('system', U0709, U0709)] })
    // Windows only in prod: no earlier ring can vouch for a Windows image.
    const prod = cluster({
      name: 'aks-prod',
      ring: '2',
      pools: [pool('system', U0709, U0709), pool('azl', A0702, A0709), pool('win22', W0610, W0715)]
    })
    const sandbox = cluster({ name: 'aks-sandbox', pools: [pool('system', U0709, U0709)] })
    const e = await start({ clusters: [prod, sandbox, stage, dev] })

    const first = await runAction(e, quiet(e, { 'dry-run': 'true' }))
    expect(first.code, first.stdout).toBe(0)
    expect(sortedRings(ringsOf(first))).toEqual(sortedRings({ '0': [idOf(dev), idOf(sandbox)], '1': [idOf(stage)], '2': [idOf(prod)] }))
    // Ring 1 has no Azure Linux pool: prod looks to ring 0, which does not run 202607.09.0 yet.
    const azl = entry(first, 'aks-prod', 'azl')
    expect(azl.reason).toBe('ring-waiting')
    expect(azl.message).toMatch(/ring 0/)
    expect(azl.result).toBeNull()
    expect(entry(first, 'aks-dev', 'azl').result).toBe('would-start')
    // No ring before prod has a Windows pool: prod behaves like ring 0 and the report says so.
    const win = entry(first, 'aks-prod', 'win22')
    expect(win.reason).toBe('upgrade-due')
    expect(win.warnings.join(' ')).toMatch(/ring 0/)
    expect(first.summary).toMatch(/AKSWindows[^\n]*ring 0|ring 0[^\n]*AKSWindows/)
    expect(armWrites(e)).toEqual([])

    const last = await runAction(e, quiet(e, { 'dry-run': 'true', 'ring-untagged': 'last' }))
    expect(last.code, last.stdout).toBe(0)
    expect(sortedRings(ringsOf(last))).toEqual(sortedRings({ '0': [idOf(dev)], '1': [idOf(stage)], '2': [idOf(prod)], '3': [idOf(sandbox)] }))
  })
})

describe('max-parallel', () => {
  it('never has more than max-parallel clusters, nor two operations on one cluster, in flight', async () => {
    const clusters = Array.from({ length: 6 }, (_, i) =>
      cluster({
        name: `aks-${String(i + 1).padStart(2, '0')}`,
        resourceGroup: 'rg-fleet',
        pools: [pool('system', U0702, U0709), pool('apps', U0702, U0709), pool('azl', A0702, A0709)]
      })
    )
    const e = await start({ clusters }, { operationDurationMs: 120 })

    const result = await runAction(e, quiet(e, { 'max-parallel': '2' }))
    expect(result.code, result.stdout).toBe(0)
    const ops = e.state.operations
    expect(ops).toHaveLength(18)
    expect(ops.every(o => o.status === 'Succeeded' && o.endTime !== undefined)).toBe(true)

    const overlaps = (a: (typeof ops)[number], b: (typeof ops)[number]): boolean =>
      a.startTime < (b.endTime ?? Infinity) && b.startTime < (a.endTime ?? Infinity)
    for (const op of ops) {
      const concurrent = ops.filter(o => o !== op && overlaps(o, op) && o.startTime <= op.startTime)
      const sameCluster = concurrent.filter(o => o.cluster === op.cluster)
      expect(
        sameCluster.map(o => `${o.cluster}/${o.pool ?? ''}`),
        `${op.cluster}/${op.pool ?? ''}`
      ).toEqual([])
      // At the instant `op` starts, the clusters with an operation running.
      const busy = new Set([op.cluster, ...concurrent.map(o => o.cluster)])
      expect(busy.size, `clusters busy when ${op.cluster}/${op.pool ?? ''} started`).toBeLessThanOrEqual(2)
    }
  })
})

describe('scale', () => {
  it('renders a valid issue for 200 clusters in a dry run, accounts for every cluster, and reads each resource once', async () => {
    const fleet = generateFleet({ clusters: 200, subscriptions: [SUB_A], locations: ['westeurope', 'northeurope'], namePrefix: 'aks' })
    fleet.clusters.forEach((c, i) => {
      c.tags = { ...c.tags, [RING_TAG]: String(i % 3) }
    })
    const e = await start(fleet)

    const result = await runAction(e, { ...baseInputs(e), 'dry-run': 'true' }, { timeoutMs: 90_000 })
    expect(result.code, result.stdout).toBe(0)
    expect(armWrites(e)).toEqual([])

    // Outputs: every cluster in the plan and in exactly one ring.
    const plan = planRows(result)
    expect(new Set(plan.map(p => p.clusterId.toLowerCase())).size).toBe(200)
    expect(plan).toHaveLength(200 * 5)
    const rings = ringsOf(result)
    expect(Object.keys(rings).sort()).toEqual(['0', '1', '2'])
    expect(lower(Object.values(rings).flat())).toEqual(lower(fleet.clusters.map(idOf)))

    // The issue: under GitHub's limit, well formed, and its counts cover all 200 clusters.
    const issue = issueBody(e)
    expect(issue.length).toBeLessThan(65_536)
    expect(issue).toContain('<!-- aks-upgrade-pilot:report-id=')
    expectWellFormed(issue)
    expect(headerCounts(issue)).toEqual({ rows: 1000, clusters: 200 })
    // Each cluster appears by name or in a per-ring count.
    const unnamed = fleet.clusters.filter(c => !issue.includes(`**${c.name}**`))
    expect(unnamed.length === 0 || ringTableClusters(issue) === 200, `${unnamed.length} clusters neither named nor counted per ring`).toBe(true)
    expect(result.outputs['issue-number']).not.toBe('')

    // The job summary keeps every cluster.
    expectWellFormed(result.summary)
    expect(headerCounts(result.summary)).toEqual({ rows: 1000, clusters: 200 })
    const missing = fleet.clusters.map(c => c.name).filter(name => !result.summary.includes(`**${name}**`))
    expect(missing).toEqual([])

    // ARM reads: each GET (path, filter and page) at most once; listKubernetesVersions once per location.
    const gets = e.requests.filter(r => r.service === 'arm' && r.method === 'GET')
    const keys = gets.map(r => `${r.path.toLowerCase()}?${r.query.$filter ?? ''}&${r.query.$skipToken ?? r.query.$skiptoken ?? ''}`)
    const repeated = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))]
    expect(repeated).toEqual([])
    const versionReads = gets.filter(r => /\/locations\/[^/]+\/kubernetesVersions$/i.test(r.path))
    expect(versionReads.map(r => r.path.split('/')[6]?.toLowerCase()).sort()).toEqual(['northeurope', 'westeurope'])
    // Discovery lists the subscription (two pages of 100) and never GETs a listed cluster again.
    const lists = gets.filter(r => r.path.toLowerCase() === `/subscriptions/${SUB_A}/providers/microsoft.containerservice/managedclusters`)
    expect(lists).toHaveLength(2)
    for (const c of fleet.clusters) {
      const id = idOf(c).toLowerCase()
      const reads = gets.filter(r => r.path.toLowerCase() === id || r.path.toLowerCase().startsWith(`${id}/`))
      expect(
        reads.filter(r => r.path.toLowerCase() === id),
        c.name
      ).toEqual([])
      // Pools list, the cluster upgrade profile and one upgrade profile per pool (4).
      expect(reads.length, c.name).toBeLessThanOrEqual(6)
    }
  })
})
