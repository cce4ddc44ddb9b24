// Scheduling ("Start everything that may start now"), end to end: dist/index.js against the
// emulator. A held version upgrade no longer swallows a pool's node-image refresh; `wait:
// false` starts every due node-image refresh of a cluster in one run; `max-parallel-pools`
// refreshes several pools of a cluster at once; a slot freed by a cluster or a pool is used at
// once. The action's clock is injected (AKS_UPGRADE_PILOT_TEST_NOW), and what ran at the same
// time is read from the emulator's operation records, never from wall-clock luck.
import { describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet, MaintenanceConfigurationSeed, PoolSeed } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { RunOptions } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { peakInFlight, peakInFlightPerCluster } from '../emulator/timeline.ts'
import type { OperationRecord } from '../emulator/types.ts'
import { armWrites, clusterSeed, expectSuccess, label, liveCluster, livePool, planRows, useEmulator } from './support.ts'
import type { PlanRow } from './support.ts'

const SUB = '6a4e2c81-9f3d-4b57-8e16-0d2c7b9a5f43'
const RG = 'rg-it-scheduling'

/** A node image AKS released after the first run refreshed the pools to 202607.09.0. */
const U0716 = 'AKSUbuntu-2204gen2containerd-202607.16.0'

// Sat 2026-11-28 21:30 UTC: the node-OS schedule below is open, the auto-upgrade one closed.
const SATURDAY = '2026-11-28T21:30:00Z'
// The auto-upgrade schedule's next opening after SATURDAY: Tue 1 Dec 10:00 UTC.
const TUESDAY_1000 = '2026-12-01T10:00:00Z'
// Both schedules open.
const TUESDAY_1030 = '2026-12-01T10:30:00Z'
// Tests without a window: the instant only makes the report's times deterministic.
const NOW = '2026-11-23T02:00:00Z'

// ---------------------------------------------------------------------------
// Fleet

/** A pool on 1.35.6 (the newest patch of 1.35) with last week's node image. */
function pool(name: string, fields: Partial<PoolSeed> = {}): PoolSeed {
  return {
    name,
    mode: name === 'system' ? 'System' : 'User',
    osType: 'Linux',
    osSKU: 'Ubuntu',
    orchestratorVersion: '1.35.6',
    nodeImageVersion: NODE_IMAGES.ubuntu2204Old,
    ...fields
  }
}

/** Four pools of three image families, every image outdated. */
function fourPools(fields: Partial<PoolSeed> = {}): PoolSeed[] {
  return [
    pool('system', fields),
    pool('apps', fields),
    pool('azl', { osSKU: 'AzureLinux', nodeImageVersion: NODE_IMAGES.azureLinux3Old, ...fields }),
    pool('win22', { osType: 'Windows', osSKU: 'Windows2022', nodeImageVersion: NODE_IMAGES.windows2022Old, ...fields })
  ]
}

function cluster(name: string, agentPools: PoolSeed[], fields: Partial<ClusterSeed> = {}): ClusterSeed {
  return clusterSeed({ subscriptionId: SUB, resourceGroup: RG, name, kubernetesVersion: '1.35.6', agentPools, ...fields })
}

function fleetOf(...clusters: ClusterSeed[]): Fleet {
  return { subscriptions: { [SUB]: {} }, clusters }
}

function schedule(name: string, maintenanceWindow: Record<string, unknown>): MaintenanceConfigurationSeed {
  return { name, properties: { maintenanceWindow } }
}

/** Node images: every day, all day. */
const NODE_OS_DAILY = schedule('aksManagedNodeOSUpgradeSchedule', {
  schedule: { daily: { intervalDays: 1 } },
  durationHours: 24,
  utcOffset: '+00:00',
  startDate: '2026-01-01',
  startTime: '00:00'
})

/** Version upgrades: Tuesdays 10:00-14:00 UTC (closed at SATURDAY, open at TUESDAY_1030). */
const AUTO_UPGRADE_TUESDAY = schedule('aksManagedAutoUpgradeSchedule', {
  schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Tuesday' } },
  durationHours: 4,
  utcOffset: '+00:00',
  startDate: '2026-01-06',
  startTime: '10:00'
})

/** A patch is due (1.35.5 → 1.35.6) and both pools run an outdated image; each kind has its own AKS schedule. */
function patchFleet(): Fleet {
  return fleetOf(
    cluster('aks-sched', [pool('system', { orchestratorVersion: '1.35.5' }), pool('apps', { orchestratorVersion: '1.35.5' })], {
      kubernetesVersion: '1.35.5',
      maintenanceConfigurations: [NODE_OS_DAILY, AUTO_UPGRADE_TUESDAY]
    })
  )
}

// ---------------------------------------------------------------------------
// Reading what happened

function inputs(e: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseInputs(e), clusters: e.state.fleet.clusters.map(c => `${c.resourceGroup}/${c.name}`).join('\n'), issue: 'off', ...extra }
}

const at = (iso: string): RunOptions => ({ env: { AKS_UPGRADE_PILOT_TEST_NOW: iso } })

/** `POST <cluster>/agentPools/<pool>/upgradeNodeImageVersion` labels from request `since` on, sorted. */
function nodeImagePosts(e: Emulator, since = 0): string[] {
  return armWrites(e, since)
    .filter(r => r.method === 'POST' && /\/upgradeNodeImageVersion$/i.test(r.path))
    .map(label)
    .sort()
}

function posts(clusterName: string, pools: string[]): string[] {
  return pools.map(p => `POST ${clusterName}/agentPools/${p}/upgradeNodeImageVersion`).sort()
}

/** Every `plan` entry of one pool (or of the control plane: `pool` null). */
function entriesOf(rows: PlanRow[], clusterName: string, poolName: string | null): PlanRow[] {
  return rows.filter(r => r.cluster === clusterName && r.pool === poolName)
}

/** The one entry of that pool with that action. */
function entry(rows: PlanRow[], clusterName: string, poolName: string | null, action: PlanRow['action']): PlanRow {
  const all = entriesOf(rows, clusterName, poolName)
  const found = all.filter(r => r.action === action)
  const where = `${clusterName}/${poolName ?? '(control plane)'}`
  expect(
    found,
    `${action} entries of ${where}; its entries: ${JSON.stringify(all.map(r => ({ action: r.action, reason: r.reason, result: r.result })))}`
  ).toHaveLength(1)
  const [first] = found
  if (first === undefined) throw new Error(`no ${action} entry for ${where}`)
  return first
}

function opsOf(e: Emulator, clusterName: string): OperationRecord[] {
  return e.state.operations.filter(o => o.cluster === clusterName)
}

function opOf(e: Emulator, clusterName: string, poolName: string): OperationRecord {
  const found = opsOf(e, clusterName).filter(o => o.pool === poolName)
  expect(found, `operations on ${clusterName}/${poolName}`).toHaveLength(1)
  const [first] = found
  if (first === undefined) throw new Error(`no operation on ${clusterName}/${poolName}`)
  return first
}

function endOf(op: OperationRecord): number {
  if (op.endTime === undefined) throw new Error(`operation on ${op.cluster}/${op.pool ?? ''} has not ended`)
  return op.endTime
}

function sameInstant(actual: string | null | undefined, expected: string): void {
  expect(actual, 'an ISO 8601 instant').toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/)
  expect(Date.parse(actual ?? '')).toBe(Date.parse(expected))
}

// ---------------------------------------------------------------------------

const { start } = useEmulator({ operationDurationMs: 100 })

describe('a held version upgrade does not swallow the node-image refresh', () => {
  it('refreshes the images in the open aksManagedNodeOSUpgradeSchedule and keeps the patch pending until aksManagedAutoUpgradeSchedule opens', async () => {
    const e = await start(patchFleet())
    const result = await runAction(e, inputs(e, { 'maintenance-window': 'cluster' }), at(SATURDAY))
    expectSuccess(result)

    // Counts first: one node-image POST per pool, no version PUT.
    expect(armWrites(e).map(label).sort()).toEqual(posts('aks-sched', ['apps', 'system']))
    expect(liveCluster(e, 'aks-sched').currentKubernetesVersion).toBe('1.35.5')
    for (const name of ['system', 'apps']) {
      expect(livePool(e, 'aks-sched', name), name).toMatchObject({ nodeImageVersion: NODE_IMAGES.ubuntu2204, currentOrchestratorVersion: '1.35.5' })
    }

    const rows = planRows(result)
    const cp = entry(rows, 'aks-sched', null, 'patch')
    expect(cp).toMatchObject({ kubernetesVersion: { current: '1.35.5', target: '1.35.6' }, result: 'pending', hold: { reason: 'outside-window' } })
    sameInstant(cp.hold?.nextWindow, TUESDAY_1000)
    for (const name of ['system', 'apps']) {
      // Both for the pool: the image refreshed now, the patch pending with its next window.
      expect(
        entriesOf(rows, 'aks-sched', name)
          .map(r => r.action)
          .sort(),
        name
      ).toEqual(['node-image', 'patch'])
      expect(entry(rows, 'aks-sched', name, 'node-image'), name).toMatchObject({
        nodeImageVersion: { current: NODE_IMAGES.ubuntu2204Old, target: NODE_IMAGES.ubuntu2204 },
        result: 'succeeded',
        hold: null
      })
      const patch = entry(rows, 'aks-sched', name, 'patch')
      expect(patch, name).toMatchObject({
        kubernetesVersion: { current: '1.35.5', target: '1.35.6' },
        result: 'pending',
        hold: { reason: 'outside-window' }
      })
      sameInstant(patch.hold?.nextWindow, TUESDAY_1000)
    }
    expect(result.outputs['upgrades-started']).toBe('2')
    expect(result.outputs['upgrades-failed']).toBe('0')
    // The report says when the patch can go.
    expect(result.summary).toContain('1 Dec 2026, 10:00')
  })

  it('once the auto-upgrade window opens, the patch runs and brings the newest image: no pool is reimaged separately', async () => {
    const e = await start(patchFleet())
    expectSuccess(await runAction(e, inputs(e, { 'maintenance-window': 'cluster' }), at(SATURDAY)))
    // AKS releases a newer image before Tuesday, so a refresh is due again, and both windows are open.
    for (const p of liveCluster(e, 'aks-sched').agentPools) p.latestNodeImageVersion = U0716
    const before = e.requests.length

    const result = await runAction(e, inputs(e, { 'maintenance-window': 'cluster' }), at(TUESDAY_1030))
    expectSuccess(result)

    const writes = armWrites(e, before)
    expect(nodeImagePosts(e, before)).toEqual([])
    expect(writes.map(label)).toEqual(['PUT aks-sched', 'PUT aks-sched/agentPools/system', 'PUT aks-sched/agentPools/apps'])
    expect(liveCluster(e, 'aks-sched').currentKubernetesVersion).toBe('1.35.6')
    for (const name of ['system', 'apps']) {
      expect(livePool(e, 'aks-sched', name), name).toMatchObject({ currentOrchestratorVersion: '1.35.6', nodeImageVersion: U0716 })
    }

    const rows = planRows(result)
    expect(entry(rows, 'aks-sched', null, 'patch').result).toBe('succeeded')
    for (const name of ['system', 'apps']) {
      // Just the patch entry: the image came with it.
      expect(
        entriesOf(rows, 'aks-sched', name).map(r => r.action),
        name
      ).toEqual(['patch'])
      expect(entry(rows, 'aks-sched', name, 'patch'), name).toMatchObject({
        kubernetesVersion: { current: '1.35.5', target: '1.35.6' },
        nodeImageVersion: { target: U0716 },
        result: 'succeeded',
        hold: null
      })
    }
    expect(result.outputs['upgrades-started']).toBe('3')
  })

  it('a pool whose minor upgrade waits for approval still gets its node image', async () => {
    // The control plane runs the newest version; `apps` is a minor behind and its move to 1.36
    // waits for its checkbox. Both pools run an outdated image.
    const e = await start(
      fleetOf(cluster('aks-approve', [pool('system', { orchestratorVersion: '1.36.2' }), pool('apps')], { kubernetesVersion: '1.36.2' }))
    )
    const result = await runAction(e, inputs(e, { upgrade: 'node-image,patch,minor', 'minor-approval': 'issue', issue: 'dashboard' }), at(NOW))
    expectSuccess(result)

    expect(armWrites(e).map(label).sort()).toEqual(posts('aks-approve', ['apps', 'system']))
    expect(livePool(e, 'aks-approve', 'apps')).toMatchObject({ nodeImageVersion: NODE_IMAGES.ubuntu2204, currentOrchestratorVersion: '1.35.6' })
    expect(livePool(e, 'aks-approve', 'system').nodeImageVersion).toBe(NODE_IMAGES.ubuntu2204)

    const rows = planRows(result)
    const apps = entriesOf(rows, 'aks-approve', 'apps')
    expect(
      apps.filter(r => r.reason === 'awaiting-approval').map(r => ({ target: r.kubernetesVersion.target, result: r.result })),
      'the minor of apps still waits for its box'
    ).toEqual([{ target: '1.36.2', result: null }])
    for (const name of ['system', 'apps']) {
      expect(entry(rows, 'aks-approve', name, 'node-image'), name).toMatchObject({ result: 'succeeded', target: NODE_IMAGES.ubuntu2204 })
    }
    expect(result.outputs['upgrades-started']).toBe('2')
    // The approval box is still offered, unticked.
    const body = e.state.github.issues[0]?.body ?? ''
    const box = body.split('\n').find(l => /^- \[[ xX]\] /.test(l) && l.includes('**aks-approve**'))
    expect(box, body).toMatch(/^- \[ \] .*1\.36\.2/)
  })
})

describe('wait: false', () => {
  it('starts every due node-image refresh of a cluster in one run; a later run sends nothing new and reports them in progress', async () => {
    // Long operations: still running when the second run reads the cluster.
    const e = await start(fleetOf(cluster('aks-nowait', fourPools())), { operationDurationMs: 60_000 })
    const first = await runAction(e, inputs(e, { wait: 'false' }), at(NOW))
    expectSuccess(first)

    expect(armWrites(e).map(label).sort()).toEqual(posts('aks-nowait', ['apps', 'azl', 'system', 'win22']))
    expect(e.state.operations).toHaveLength(4)
    expect(peakInFlight(e.state.operations)).toBe(4)
    const firstRows = planRows(first)
    for (const name of ['system', 'apps', 'azl', 'win22']) {
      expect(entry(firstRows, 'aks-nowait', name, 'node-image').result, name).toBe('started')
    }
    expect(first.outputs['upgrades-started']).toBe('4')

    const before = e.requests.length
    const second = await runAction(e, inputs(e, { wait: 'false' }), at(NOW))
    expectSuccess(second)

    expect(armWrites(e, before).map(label)).toEqual([])
    expect(e.state.operations).toHaveLength(4)
    const secondRows = planRows(second)
    for (const name of ['system', 'apps', 'azl', 'win22']) {
      expect(
        entriesOf(secondRows, 'aks-nowait', name).map(r => r.reason),
        name
      ).toEqual(['operation-in-progress'])
    }
    expect(second.outputs['upgrades-started']).toBe('0')
    expect(second.summary).toContain('🔄 In progress (4)')
  })

  it('starts only the control-plane upgrade when a patch is due; no pool operation is sent beside it', async () => {
    const e = await start(
      fleetOf(
        cluster('aks-cp', [pool('system', { orchestratorVersion: '1.35.5' }), pool('apps', { orchestratorVersion: '1.35.5' })], {
          kubernetesVersion: '1.35.5'
        })
      ),
      { operationDurationMs: 60_000 }
    )
    const result = await runAction(e, inputs(e, { wait: 'false' }), at(NOW))
    expectSuccess(result)

    // Anything sent to a pool while the cluster upgrades would be refused (409) by AKS.
    expect(armWrites(e).map(label)).toEqual(['PUT aks-cp'])
    const rows = planRows(result)
    expect(entry(rows, 'aks-cp', null, 'patch').result).toBe('started')
    expect(rows.filter(r => r.result === 'failed')).toEqual([])
    expect(result.outputs['upgrades-started']).toBe('1')
    expect(result.outputs['upgrades-failed']).toBe('0')
  })
})

describe('max-parallel-pools', () => {
  it('max-parallel-pools: 2 refreshes two pools of a cluster at a time, never more, until every pool is done', async () => {
    const e = await start(fleetOf(cluster('aks-pools', [...fourPools(), pool('batch')])), { operationDurationMs: 500 })
    const result = await runAction(e, inputs(e, { 'max-parallel-pools': '2' }), at(NOW))
    expectSuccess(result)

    expect(nodeImagePosts(e)).toEqual(posts('aks-pools', ['apps', 'azl', 'batch', 'system', 'win22']))
    const ops = e.state.operations
    expect(ops.map(o => `${o.pool ?? ''} ${o.status}`).sort()).toEqual(['apps', 'azl', 'batch', 'system', 'win22'].map(p => `${p} Succeeded`))
    expect(peakInFlight(ops), 'node-image operations in flight at once in aks-pools').toBe(2)
    for (const p of liveCluster(e, 'aks-pools').agentPools) expect(p.nodeImageVersion, p.name).toBe(p.latestNodeImageVersion)
    const rows = planRows(result)
    for (const name of ['system', 'apps', 'azl', 'win22', 'batch']) {
      expect(entry(rows, 'aks-pools', name, 'node-image').result, name).toBe('succeeded')
    }
    expect(result.outputs['upgrades-started']).toBe('5')
  })

  it('uses a pool slot as soon as it is free: fast pools go through while a slow pool still runs', async () => {
    const e = await start(
      fleetOf(
        cluster(
          'aks-slowpool',
          fourPools().map(p => (p.name === 'system' ? { ...p, operationDurationMs: 4000 } : p))
        )
      ),
      {
        operationDurationMs: 100
      }
    )
    const result = await runAction(e, inputs(e, { 'max-parallel-pools': '2' }), at(NOW))
    expectSuccess(result)

    expect(nodeImagePosts(e)).toEqual(posts('aks-slowpool', ['apps', 'azl', 'system', 'win22']))
    const ops = e.state.operations
    expect(ops.filter(o => o.status === 'Succeeded')).toHaveLength(4)
    expect(peakInFlight(ops)).toBe(2)
    const slow = opOf(e, 'aks-slowpool', 'system')
    expect(endOf(slow) - slow.startTime, 'the slow pool took its own operation time').toBeGreaterThanOrEqual(4000)
    // System pools go first, so the slow pool holds one slot from the start...
    const order = [...ops].sort((a, b) => a.startTime - b.startTime).map(o => o.pool)
    expect(order.slice(0, 2), `pools in the order they started: ${order.join(', ')}`).toContain('system')
    // ...and the other slot takes the three fast pools one after another meanwhile (no waves).
    for (const name of ['apps', 'azl', 'win22']) {
      expect(opOf(e, 'aks-slowpool', name).startTime, `${name} started before the slow pool ended`).toBeLessThan(endOf(slow))
    }
  })

  it('keeps version upgrades to one operation per cluster at a time, whatever max-parallel-pools says', async () => {
    const e = await start(
      fleetOf(
        cluster(
          'aks-versions',
          ['system', 'apps', 'batch'].map(name => pool(name, { orchestratorVersion: '1.35.5' })),
          { kubernetesVersion: '1.35.5' }
        )
      ),
      { operationDurationMs: 150 }
    )
    const result = await runAction(e, inputs(e, { 'max-parallel-pools': '3' }), at(NOW))
    expectSuccess(result)

    const writes = armWrites(e).map(label)
    expect(writes).toHaveLength(4)
    expect(writes.slice(0, 2)).toEqual(['PUT aks-versions', 'PUT aks-versions/agentPools/system'])
    expect(writes.slice(2).sort()).toEqual(['PUT aks-versions/agentPools/apps', 'PUT aks-versions/agentPools/batch'])
    expect(e.state.operations.filter(o => o.status === 'Succeeded')).toHaveLength(4)
    expect(peakInFlight(e.state.operations), 'operations in flight at once in aks-versions').toBe(1)
  })

  it.each(['0', '101', '1.5', 'two'])('max-parallel-pools %j fails before any request, naming the input and what is allowed', async value => {
    const e = await start(fleetOf(cluster('aks-input', [pool('system')])))
    const result = await runAction(e, inputs(e, { 'max-parallel-pools': value }), at(NOW))

    expect(result.code).not.toBe(0)
    expect(e.requests).toEqual([])
    const errors = result.stdout
      .split('\n')
      .filter(line => line.startsWith('::error'))
      .join('\n')
    expect(errors).toContain(`Invalid max-parallel-pools '${value}'`)
    expect(errors).toMatch(/1 to 100/)
  })
})

describe('max-parallel', () => {
  it('uses a cluster slot as soon as a fast cluster frees it, while a slow cluster still runs', async () => {
    // Listed slow first (also first by name), so the slow cluster takes one of the two slots from the start.
    const e = await start(
      fleetOf(
        cluster('aks-a-slow', [pool('system')], { operationDurationMs: 4000 }),
        cluster('aks-b-fast', [pool('system'), pool('apps')]),
        cluster('aks-c-fast', [pool('system'), pool('apps')])
      ),
      { operationDurationMs: 100 }
    )
    const result = await runAction(e, inputs(e, { 'max-parallel': '2' }), at(NOW))
    expectSuccess(result)

    expect(nodeImagePosts(e)).toEqual(
      [...posts('aks-a-slow', ['system']), ...posts('aks-b-fast', ['apps', 'system']), ...posts('aks-c-fast', ['apps', 'system'])].sort()
    )
    const ops = e.state.operations
    expect(ops.filter(o => o.status === 'Succeeded')).toHaveLength(5)
    const slow = opOf(e, 'aks-a-slow', 'system')
    expect(endOf(slow) - slow.startTime, 'the slow cluster took its own operation time').toBeGreaterThanOrEqual(4000)

    const firstStart = (name: string): number => Math.min(...opsOf(e, name).map(o => o.startTime))
    const order = ['aks-a-slow', 'aks-b-fast', 'aks-c-fast'].sort((a, b) => firstStart(a) - firstStart(b))
    expect(order.indexOf('aks-a-slow'), `clusters in the order they started: ${order.join(', ')}`).toBeLessThan(2)
    const third = order[2] ?? ''
    expect(firstStart(third), `${third} started before the slow cluster ended (no waves)`).toBeLessThan(endOf(slow))
    // Never more than two clusters at once, one operation each.
    expect(peakInFlight(ops)).toBeLessThanOrEqual(2)
    expect([...peakInFlightPerCluster(ops).values()]).toEqual([1, 1, 1])
  })
})
