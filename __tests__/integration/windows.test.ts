// Maintenance windows (issue 4), end to end: dist/index.js against the emulator with the
// action's clock injected (AKS_UPGRADE_PILOT_TEST_NOW), so "inside" and "outside" are real
// instants, never the wall clock.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet, MaintenanceConfigurationSeed, PoolSeed } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { RunResult } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { armWrites, clusterSeed, expectSuccess, label, planRows, useEmulator } from './support.ts'

const SUB = '7c2d9e41-3a5b-4f86-9d07-1e8b4c6a2f53'
const RG = 'rg-it-windows'

// Sat 2026-11-28 22:30 in Berlin (CET, +01:00): inside `Sat 22:00-04:00`.
const SAT_2230_BERLIN = '2026-11-28T21:30:00Z'
// Thu 2026-11-26 13:00 in Berlin: outside; the next window opens Sat 22:00 CET = 21:00Z, 57 hours later.
const THU_1300_BERLIN = '2026-11-26T12:00:00Z'
const NEXT_SAT_2200_BERLIN = '2026-11-28T21:00:00Z'
const WINDOW = 'Sat 22:00-04:00'
const ZONE = 'Europe/Berlin'

// ---------------------------------------------------------------------------
// Fleet

function stalePool(name: string, mode = 'User'): PoolSeed {
  return { name, mode, osType: 'Linux', osSKU: 'Ubuntu', orchestratorVersion: '1.35.6', nodeImageVersion: NODE_IMAGES.ubuntu2204Old }
}

/** A cluster on the newest patch whose pools only need a node image upgrade. */
function cluster(
  name: string,
  maintenanceConfigurations: MaintenanceConfigurationSeed[] = [],
  agentPools: PoolSeed[] = [stalePool('system', 'System'), stalePool('apps')]
): ClusterSeed {
  return clusterSeed({ subscriptionId: SUB, resourceGroup: RG, name, kubernetesVersion: '1.35.6', maintenanceConfigurations, agentPools })
}

function fleetOf(...clusters: ClusterSeed[]): Fleet {
  return { subscriptions: { [SUB]: {} }, clusters }
}

function schedule(name: string, maintenanceWindow: Record<string, unknown>): MaintenanceConfigurationSeed {
  return { name, properties: { maintenanceWindow } }
}

// ---------------------------------------------------------------------------
// Reading what happened

/** `cluster/pool -> result` for the pools (the control planes have nothing to do here). */
function poolResults(result: RunResult): Record<string, string | null> {
  return Object.fromEntries(
    planRows(result)
      .filter(r => r.pool !== null)
      .map(r => [`${r.cluster}/${r.pool ?? ''}`, r.result])
  )
}

function sameInstant(actual: string | undefined, expected: string): void {
  expect(actual, 'an ISO 8601 instant').toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/)
  expect(Date.parse(actual ?? '')).toBe(Date.parse(expected))
}

// ---------------------------------------------------------------------------

const { start } = useEmulator()
let scratch: string | undefined

afterEach(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  scratch = undefined
})

function inputs(e: Emulator, extra: Record<string, string>): Record<string, string> {
  return { ...baseInputs(e), clusters: e.state.fleet.clusters.map(c => `${c.resourceGroup}/${c.name}`).join('\n'), issue: 'off', ...extra }
}

const at = (iso: string): { env: Record<string, string> } => ({ env: { AKS_UPGRADE_PILOT_TEST_NOW: iso } })

describe('maintenance-window', () => {
  const windowInputs = { 'maintenance-window': WINDOW, timezone: ZONE }

  it('starts operations inside the window', async () => {
    const e = await start(fleetOf(cluster('aks-win')))
    const result = await runAction(e, inputs(e, windowInputs), at(SAT_2230_BERLIN))
    expectSuccess(result)

    expect(armWrites(e).map(label).sort()).toEqual([
      'POST aks-win/agentPools/apps/upgradeNodeImageVersion',
      'POST aks-win/agentPools/system/upgradeNodeImageVersion'
    ])
    expect(result.outputs['in-window']).toBe('true')
    expect(result.outputs['next-window']).toBe('')
    expect(result.outputs['upgrades-started']).toBe('2')
    expect(result.outputs.pending).toBe('0')
  })

  it('changes nothing outside the window, lists the upgrades as pending and says when the next window opens', async () => {
    const e = await start(fleetOf(cluster('aks-win')))
    const result = await runAction(e, inputs(e, windowInputs), at(THU_1300_BERLIN))
    expectSuccess(result)

    expect(armWrites(e)).toEqual([])
    expect(e.state.operations).toEqual([])
    expect(result.outputs['in-window']).toBe('false')
    sameInstant(result.outputs['next-window'], NEXT_SAT_2200_BERLIN)
    expect(result.outputs['upgrades-started']).toBe('0')
    expect(Number(result.outputs.pending)).toBe(2)
    expect(poolResults(result)).toEqual({ 'aks-win/system': 'pending', 'aks-win/apps': 'pending' })
    // In the user's zone, and relative to the run.
    expect(result.summary).toMatch(/22:00 CET \(in 57 hours\)/)
    expect(result.summary).not.toMatch(/21:00 UTC/)
  })

  it('starts nothing on a blackout date although the window is open', async () => {
    const e = await start(fleetOf(cluster('aks-win')))
    // The whole weekend is frozen, so the window of Sat 28 Nov is lost; the next is Sat 5 Dec 22:00 CET.
    const result = await runAction(e, inputs(e, { ...windowInputs, 'blackout-dates': '2026-12-24, 2026-11-27..2026-11-29' }), at(SAT_2230_BERLIN))
    expectSuccess(result)

    expect(armWrites(e)).toEqual([])
    expect(result.outputs['in-window']).toBe('false')
    sameInstant(result.outputs['next-window'], '2026-12-05T21:00:00Z')
    expect(Number(result.outputs.pending)).toBe(2)
    expect(poolResults(result)).toEqual({ 'aks-win/system': 'pending', 'aks-win/apps': 'pending' })
    expect(result.summary).toMatch(/blackout/i)
    expect(result.summary).toContain('2026-11-27..2026-11-29')
  })
})

describe('maintenance-window: cluster', () => {
  it("gates node images by each cluster's aksManagedNodeOSUpgradeSchedule and holds a cluster that has none", async () => {
    const e = await start(
      fleetOf(
        // Saturdays 22:00-04:00 at +01:00: open at SAT_2230_BERLIN. Its auto-upgrade schedule is
        // closed then, and must not matter for node images.
        cluster('aks-inside', [
          schedule('aksManagedNodeOSUpgradeSchedule', {
            schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Saturday' } },
            durationHours: 6,
            utcOffset: '+01:00',
            startDate: '2026-01-03',
            startTime: '22:00'
          }),
          schedule('aksManagedAutoUpgradeSchedule', {
            schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Tuesday' } },
            durationHours: 4,
            utcOffset: '+00:00',
            startDate: '2026-01-06',
            startTime: '10:00'
          })
        ]),
        // Wednesdays 02:00-06:00 UTC: closed now. Its auto-upgrade schedule is open all day, and
        // must not open the door for node images.
        cluster('aks-outside', [
          schedule('aksManagedNodeOSUpgradeSchedule', {
            schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Wednesday' } },
            durationHours: 4,
            utcOffset: '+00:00',
            startDate: '2026-01-07',
            startTime: '02:00'
          }),
          schedule('aksManagedAutoUpgradeSchedule', {
            schedule: { daily: { intervalDays: 1 } },
            durationHours: 24,
            utcOffset: '+00:00',
            startDate: '2026-01-01',
            startTime: '00:00'
          })
        ]),
        cluster('aks-noconfig')
      )
    )
    const result = await runAction(e, inputs(e, { 'maintenance-window': 'cluster', upgrade: 'node-image' }), at(SAT_2230_BERLIN))
    expectSuccess(result)

    expect(armWrites(e).map(label).sort()).toEqual([
      'POST aks-inside/agentPools/apps/upgradeNodeImageVersion',
      'POST aks-inside/agentPools/system/upgradeNodeImageVersion'
    ])
    const read = e.requests
      .filter(r => r.method === 'GET' && /\/maintenanceConfigurations$/i.test(r.path))
      .map(label)
      .sort()
    expect(read).toEqual([
      'GET aks-inside/maintenanceConfigurations',
      'GET aks-noconfig/maintenanceConfigurations',
      'GET aks-outside/maintenanceConfigurations'
    ])

    const results = poolResults(result)
    expect(results).toMatchObject({ 'aks-inside/system': 'succeeded', 'aks-inside/apps': 'succeeded' })
    for (const pool of ['aks-outside/system', 'aks-outside/apps', 'aks-noconfig/system', 'aks-noconfig/apps']) {
      expect(results[pool], pool).toBe('pending')
    }
    // The closed cluster's next AKS window (Wed 2 Dec 02:00 UTC) and the reason for the unconfigured one.
    expect(result.summary).toContain('2 Dec 2026, 02:00')
    expect(result.summary).toMatch(/no aksManagedNodeOSUpgradeSchedule configuration/)
  })
})

describe('a window that closes during the run', () => {
  it('does not start the second cluster after the window closed while waiting on the first', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'it-windows-clock-'))
    const clock = join(scratch, 'now')
    // Sun 29 Nov 03:00 CET: an hour of `Sat 22:00-04:00` is left.
    await writeFile(clock, '2026-11-29T02:00:00Z')
    const onePool = (): PoolSeed[] => [stalePool('system', 'System')]
    const e = await start(fleetOf(cluster('aks-a', [], onePool()), cluster('aks-b', [], onePool())))
    // When the first operation ends it is 04:10 CET: the window has closed.
    e.onOperationFinished = () => writeFileSync(clock, '2026-11-29T03:10:00Z')

    const result = await runAction(e, inputs(e, { 'maintenance-window': WINDOW, timezone: ZONE, 'max-parallel': '1' }), {
      env: { AKS_UPGRADE_PILOT_TEST_NOW: `@${clock}` }
    })
    expectSuccess(result)

    const writes = armWrites(e)
    expect(writes).toHaveLength(1)
    // Which cluster goes first is the executor's choice; that only one of them starts is not.
    const first = /\/managedClusters\/([^/]+)\//i.exec(writes[0]?.path ?? '')?.[1] ?? ''
    expect(['aks-a', 'aks-b']).toContain(first)
    const second = first === 'aks-a' ? 'aks-b' : 'aks-a'
    // The operation started inside the window was allowed to finish.
    expect(poolResults(result)).toEqual({ [`${first}/system`]: 'succeeded', [`${second}/system`]: 'pending' })
    expect(e.state.fleet.clusters.find(c => c.name === second)?.agentPools[0]?.nodeImageVersion).toBe(NODE_IMAGES.ubuntu2204Old)
    expect(result.outputs['upgrades-started']).toBe('1')
    expect(result.outputs.pending).toBe('1')
    // The pending cluster shows when it can go next: Sat 5 Dec 22:00 CET.
    expect(result.summary).toContain('5 Dec 2026, 22:00 CET')
  })
})

describe('bad window inputs', () => {
  it.each([
    ['maintenance-window', 'Sat 25:00-04:00', "Invalid maintenance-window 'Sat 25:00-04:00'", '<days> <HH:MM>-<HH:MM>'],
    ['maintenance-window', 'Funday 22:00-04:00', "Invalid maintenance-window 'Funday 22:00-04:00'", '<days> <HH:MM>-<HH:MM>'],
    ['maintenance-window', 'Sat 22:00', "Invalid maintenance-window 'Sat 22:00'", '<days> <HH:MM>-<HH:MM>'],
    ['timezone', 'Mars/Olympus_Mons', "Invalid timezone 'Mars/Olympus_Mons'", 'Europe/Berlin'],
    ['blackout-dates', '2027-01-04..2026-12-20', "Invalid blackout-dates '2027-01-04..2026-12-20'", 'YYYY-MM-DD..YYYY-MM-DD']
  ])('%s %j fails before any request, showing the accepted form', async (name, value, problem, form) => {
    const e = await start(fleetOf(cluster('aks-win')))
    const extra: Record<string, string> = { 'maintenance-window': WINDOW, timezone: ZONE, issue: 'dashboard' }
    extra[name] = value
    const result = await runAction(e, inputs(e, extra), at(SAT_2230_BERLIN))

    expect(result.code).not.toBe(0)
    expect(e.requests).toEqual([])
    const errors = result.stdout.split('\n').filter(line => line.startsWith('::error'))
    expect(errors.join('\n')).toContain(problem)
    expect(errors.join('\n')).toContain(form)
  })
})
