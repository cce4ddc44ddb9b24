// Fleet Manager emulator: the update-run executor on an injected clock (FLEET-API-NOTES §3.5, §7,
// §10). The clock moves only when a test moves it, often by hours or days at once; member upgrades
// take 10 minutes (two pools × the emulator's 5-minute operation) unless a seed says otherwise.
import { describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { MemberUpgradeRecord } from '../emulator/fleet-manager.ts'
import { at, F, fleetWith, HOUR, MINUTE, membersOf, obj, peak, runBody, states, T0, useFleetEmulator } from './support.ts'
import type { Harness, Json } from './support.ts'

const emulator = useFleetEmulator()
const RUN = `${F}/updateRuns/r`

async function put(h: Harness, stages: unknown[] | undefined, update?: Record<string, unknown>): Promise<void> {
  const res = await h.call('PUT', RUN, { body: runBody(stages, update) })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
}

async function post(h: Harness, action: 'start' | 'stop' | 'skip', body?: unknown): Promise<Json> {
  const res = await h.call('POST', `${RUN}/${action}`, body === undefined ? {} : { body })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return obj(res.body)
}

async function run(h: Harness): Promise<Json> {
  const res = await h.call('GET', RUN)
  expect(res.status).toBe(200)
  return obj(res.body)
}

/** `[member, start, end]` in minutes after T0, in start order. */
function timeline(h: Harness): Array<[string, number, number | undefined]> {
  return h.emu.state.fleetManager.upgrades.map(r => [
    r.member,
    (r.startMs - T0) / MINUTE,
    r.endMs === undefined ? undefined : (r.endMs - T0) / MINUTE
  ])
}

const member = (body: unknown, stage: number, group: number, index: number): Json =>
  obj(at(body, `properties.status.stages.${stage}.groups.${group}.members.${index}`))

describe('stages, groups and concurrency', () => {
  it('runs stages one after another, groups in parallel, members one by one by default; a day-long clock jump lands in order', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 3, 'ring-2': 2 })))
    await put(h, [
      { name: 'canary', groups: [{ name: 'ring-0' }] },
      { name: 'early', groups: [{ name: 'ring-1', maxConcurrency: '3' }] },
      { name: 'late', groups: [{ name: 'ring-2' }] }
    ])
    const started = await post(h, 'start')
    expect(states(started)).toMatchObject({
      run: 'Running',
      canary: 'Running',
      'canary/ring-0/ring-0-1': 'Running',
      'canary/ring-0/ring-0-2': 'NotStarted',
      early: 'NotStarted'
    })
    expect(member(started, 0, 0, 0).operationId).toMatch(/^[0-9a-f-]{36}$/)
    h.clock.advance(24 * HOUR)
    const done = await run(h)
    expect(new Set(Object.values(states(done)))).toEqual(new Set(['Completed']))
    expect(timeline(h)).toEqual([
      ['ring-0-1', 0, 10],
      ['ring-0-2', 10, 20],
      ['ring-1-1', 20, 30],
      ['ring-1-2', 20, 30],
      ['ring-1-3', 20, 30],
      ['ring-2-1', 30, 40],
      ['ring-2-2', 40, 50]
    ])
    expect(at(done, 'properties.status.status')).toEqual({
      startTime: '2026-10-05T08:00:00.0000000Z',
      completedTime: '2026-10-05T08:50:00.0000000Z',
      state: 'Completed'
    })
    expect(at(done, 'properties.status.stages.1.status')).toEqual({
      startTime: '2026-10-05T08:20:00.0000000Z',
      completedTime: '2026-10-05T08:30:00.0000000Z',
      state: 'Completed'
    })
  })

  it('honours the group limits and the stage limit over all groups', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'g-a': 5, 'g-b': 4, 'g-c': 3 })))
    await put(h, [
      {
        name: 'one',
        maxConcurrency: '3',
        groups: [
          { name: 'g-a', maxConcurrency: '2' },
          { name: 'g-b', maxConcurrency: '2' }
        ]
      },
      { name: 'two', groups: [{ name: 'g-c', maxConcurrency: '100%' }] }
    ])
    const started = await post(h, 'start')
    const running = Object.entries(states(started)).filter(([k, v]) => k.split('/').length === 3 && v === 'Running')
    expect(running.map(([k]) => k)).toEqual(['one/g-a/g-a-1', 'one/g-a/g-a-2', 'one/g-b/g-b-1'])
    h.clock.advance(3 * 24 * HOUR)
    expect(at(await run(h), 'properties.status.status.state')).toBe('Completed')
    const all = h.emu.state.fleetManager.upgrades
    const of = (prefix: string): MemberUpgradeRecord[] => all.filter(r => r.member.startsWith(prefix))
    expect(peak([...of('g-a'), ...of('g-b')])).toBe(3)
    expect(peak(of('g-a'))).toBe(2)
    expect(peak(of('g-b'))).toBe(2)
    expect(peak(of('g-c'))).toBe(3)
    expect(all.length).toBe(12)
  })

  it('without a strategy: one stage, one group, every member one by one', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 1 })))
    await put(h, undefined)
    await post(h, 'start')
    h.clock.advance(HOUR)
    const done = await run(h)
    expect(at(done, 'properties.status.stages.0.name')).toBe('default')
    expect(timeline(h).map(([m, s]) => [m, s])).toEqual([
      ['ring-0-1', 0],
      ['ring-0-2', 10],
      ['ring-1-1', 20]
    ])
  })
})

describe('fail-fast, stop and start', () => {
  it('a ring-0 failure makes the run Stopping until running members finish, then Failed; stage 2 never starts', async () => {
    const members = membersOf({ 'ring-0': 2, 'ring-1': 2 }).map(m =>
      m.name === 'ring-0-1'
        ? { ...m, durationMs: 3 * MINUTE, fail: { code: 'UpgradeFailed', message: 'Drain of node aks-system-0 did not complete.' } }
        : m
    )
    const h = await emulator.start(fleetWith(members))
    await put(h, [
      { name: 'canary', groups: [{ name: 'ring-0', maxConcurrency: '2' }] },
      { name: 'main', groups: [{ name: 'ring-1' }] }
    ])
    await post(h, 'start')
    h.clock.advance(3 * MINUTE)
    const stopping = await run(h)
    expect(states(stopping)).toMatchObject({
      run: 'Stopping',
      canary: 'Stopping',
      'canary/ring-0': 'Stopping',
      'canary/ring-0/ring-0-1': 'Failed',
      'canary/ring-0/ring-0-2': 'Stopping',
      main: 'NotStarted'
    })
    expect(at(member(stopping, 0, 0, 0), 'status.error')).toEqual({ code: 'UpgradeFailed', message: 'Drain of node aks-system-0 did not complete.' })
    h.clock.advance(24 * HOUR)
    const failed = await run(h)
    expect(states(failed)).toMatchObject({
      run: 'Failed',
      canary: 'Failed',
      'canary/ring-0': 'Failed',
      'canary/ring-0/ring-0-2': 'Completed',
      main: 'NotStarted',
      'main/ring-1/ring-1-1': 'NotStarted'
    })
    expect(at(failed, 'properties.status.status.error.code')).toBe('UpgradeFailed')
    expect(timeline(h)).toEqual([
      ['ring-0-1', 0, 3],
      ['ring-0-2', 0, 10]
    ])
    const cluster = await h.call('GET', h.emu.state.fleetManager.fleets[0]?.members[0]?.clusterResourceId ?? '', { apiVersion: '2026-06-01' })
    expect(at(cluster.body, 'properties.provisioningState')).toBe('Failed')
    // Started again: the failed member stays Failed, the run goes on with what is left.
    await post(h, 'start')
    h.clock.advance(24 * HOUR)
    const resumed = await run(h)
    expect(states(resumed)).toMatchObject({ 'canary/ring-0/ring-0-1': 'Failed', 'main/ring-1/ring-1-2': 'Completed', run: 'Failed' })
    expect(timeline(h).map(([m]) => m)).toEqual(['ring-0-1', 'ring-0-2', 'ring-1-1', 'ring-1-2'])
  })

  it('stop → Stopping → Stopped while the running member finishes; start resumes at the first unprocessed member', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 4 })))
    await put(h, [{ name: 's', groups: [{ name: 'ring-0' }] }])
    await post(h, 'start')
    h.clock.advance(15 * MINUTE)
    const stopping = await post(h, 'stop')
    expect(states(stopping)).toMatchObject({
      run: 'Stopping',
      s: 'Stopping',
      's/ring-0/ring-0-1': 'Completed',
      's/ring-0/ring-0-2': 'Stopping',
      's/ring-0/ring-0-3': 'NotStarted'
    })
    h.clock.advance(2 * 24 * HOUR)
    const stopped = await run(h)
    expect(states(stopped)).toMatchObject({
      run: 'Stopped',
      s: 'Stopped',
      's/ring-0': 'Stopped',
      's/ring-0/ring-0-2': 'Completed',
      's/ring-0/ring-0-3': 'NotStarted'
    })
    expect(at(stopped, 'properties.status.status.completedTime')).toBe('2026-10-05T08:20:00.0000000Z')
    expect(h.emu.state.fleetManager.upgrades.length).toBe(2)
    const resumed = await post(h, 'start')
    expect(states(resumed)).toMatchObject({ run: 'Running', 's/ring-0/ring-0-3': 'Running', 's/ring-0/ring-0-4': 'NotStarted' })
    expect(at(resumed, 'properties.status.status.completedTime')).toBeUndefined()
    h.clock.advance(HOUR)
    expect(at(await run(h), 'properties.status.status.state')).toBe('Completed')
    expect(timeline(h).map(([m, s]) => [m, s])).toEqual([
      ['ring-0-1', 0],
      ['ring-0-2', 10],
      ['ring-0-3', 20 + 2 * 24 * 60 - 5],
      ['ring-0-4', 30 + 2 * 24 * 60 - 5]
    ])
  })

  it('start and stop refuse states they do not apply to (409 Conflict)', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1 })))
    await put(h, [{ name: 's', groups: [{ name: 'ring-0' }] }])
    expect((await h.call('POST', `${RUN}/stop`)).status).toBe(409)
    await post(h, 'start')
    const twice = await h.call('POST', `${RUN}/start`)
    expect(twice.status).toBe(409)
    expect(at(twice.body, 'error.code')).toBe('Conflict')
    h.clock.advance(HOUR)
    expect((await h.call('POST', `${RUN}/start`)).status).toBe(409)
    expect((await h.call('POST', `${RUN}/skip`, { body: { targets: [{ type: 'Stage', name: 's' }] } })).status).toBe(409)
  })
})

describe('gates and the after-stage wait', () => {
  it('a gate appears only when the run reaches it; completing it lets the run go on', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1, 'ring-1': 2 })))
    await put(h, [
      { name: 'canary', groups: [{ name: 'ring-0' }] },
      { name: 'main', beforeGates: [{ displayName: 'Approve main', type: 'Approval' }], groups: [{ name: 'ring-1' }] }
    ])
    const started = await post(h, 'start')
    expect(at(started, 'properties.status.stages.1.beforeGates.0')).toEqual({ displayName: 'Approve main', status: { state: 'NotStarted' } })
    expect(obj((await h.call('GET', `${F}/gates`)).body).value).toEqual([])
    h.clock.advance(24 * HOUR)
    const waiting = await run(h)
    expect(states(waiting)).toMatchObject({
      run: 'Pending',
      canary: 'Completed',
      main: 'Pending',
      'main/before/0': 'Pending',
      'main/ring-1': 'NotStarted'
    })
    const gates = obj((await h.call('GET', `${F}/gates`)).body).value as Json[]
    expect(gates.length).toBe(1)
    const gate = obj(gates[0])
    expect(at(waiting, 'properties.status.stages.1.beforeGates.0.gateId')).toBe(gate.id)
    expect(at(waiting, 'properties.status.stages.1.beforeGates.0.status.startTime')).toBe('2026-10-05T08:10:00.0000000Z')
    expect(gate.properties).toEqual({
      provisioningState: 'Succeeded',
      displayName: 'Approve main',
      target: { id: RUN, updateRunProperties: { name: 'r', stage: 'main', timing: 'Before' } },
      gateType: 'Approval',
      state: 'Pending'
    })
    h.clock.advance(24 * HOUR)
    expect(at(await run(h), 'properties.status.status.state')).toBe('Pending')
    expect(h.emu.state.fleetManager.upgrades.length).toBe(1)
    const stale = await h.call('PATCH', String(gate.id), { body: { properties: { state: 'Completed' } }, headers: { 'if-match': '"stale"' } })
    expect(stale.status).toBe(412)
    expect(obj(stale.body).error).toMatchObject({ code: 'PreconditionFailed' })
    const approved = await h.call('PATCH', String(gate.id), {
      body: { properties: { state: 'Completed' } },
      headers: { 'if-match': String(gate.eTag) }
    })
    expect(approved.status).toBe(200)
    expect(at(approved.body, 'properties.state')).toBe('Completed')
    expect(obj(approved.body).eTag).not.toBe(gate.eTag)
    const going = await run(h)
    expect(states(going)).toMatchObject({ run: 'Running', main: 'Running', 'main/before/0': 'Completed', 'main/ring-1/ring-1-1': 'Running' })
    expect(timeline(h)[1]).toEqual(['ring-1-1', 48 * 60, undefined])
  })

  it('the after-stage wait counts down after the stage; skipping it starts the next stage at once', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 1 })))
    await put(h, [
      { name: 'canary', afterStageWaitInSeconds: 3600, groups: [{ name: 'ring-0', maxConcurrency: '2' }] },
      { name: 'main', groups: [{ name: 'ring-1' }] }
    ])
    await post(h, 'start')
    h.clock.advance(40 * MINUTE)
    const waiting = await run(h)
    expect(states(waiting)).toMatchObject({ canary: 'Running', 'canary/wait': 'Running', 'canary/ring-0': 'Completed', main: 'NotStarted' })
    expect(at(waiting, 'properties.status.stages.0.afterStageWaitStatus')).toEqual({
      status: { startTime: '2026-10-05T08:10:00.0000000Z', state: 'Running' },
      waitDurationInSeconds: 3600
    })
    const skipped = await post(h, 'skip', { targets: [{ type: 'AfterStageWait', name: 'canary' }] })
    expect(states(skipped)).toMatchObject({ canary: 'Completed', 'canary/wait': 'Skipped', main: 'Running', 'main/ring-1/ring-1-1': 'Running' })
    expect(timeline(h)[2]).toEqual(['ring-1-1', 40, undefined])
  })

  it('without a skip the next stage starts when the wait ends', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1, 'ring-1': 1 })))
    await put(h, [
      { name: 'canary', afterStageWaitInSeconds: 3600, groups: [{ name: 'ring-0' }] },
      { name: 'main', groups: [{ name: 'ring-1' }] }
    ])
    await post(h, 'start')
    h.clock.advance(5 * HOUR)
    const done = await run(h)
    expect(at(done, 'properties.status.stages.0.afterStageWaitStatus.status')).toEqual({
      startTime: '2026-10-05T08:10:00.0000000Z',
      completedTime: '2026-10-05T09:10:00.0000000Z',
      state: 'Completed'
    })
    expect(timeline(h)).toEqual([
      ['ring-0-1', 0, 10],
      ['ring-1-1', 70, 80]
    ])
  })
})

describe('maintenance windows and region availability', () => {
  it('a closed window makes the member Pending (checked hourly); the group goes on with the next member, the stage waits', async () => {
    const opensAt = T0 + 2 * 24 * HOUR + 30 * MINUTE
    const asked: string[] = []
    const h = await emulator.start(
      fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 1 }), {
        windowOpen: (cluster, atMs, type) => {
          asked.push(type)
          return cluster !== 'aks-ring-0-1' || atMs >= opensAt
        }
      })
    )
    await put(h, [
      { name: 'canary', groups: [{ name: 'ring-0' }] },
      { name: 'main', groups: [{ name: 'ring-1' }] }
    ])
    const started = await post(h, 'start')
    expect(states(started)).toMatchObject({ 'canary/ring-0/ring-0-1': 'Pending', 'canary/ring-0/ring-0-2': 'Running' })
    expect(member(started, 0, 0, 0).message).toMatch(/maintenance window is closed; next check at 2026-10-05T09:00:00/)
    expect(at(member(started, 0, 0, 0), 'status.error')).toBeUndefined()
    h.clock.advance(24 * HOUR)
    expect(states(await run(h))).toMatchObject({ 'canary/ring-0': 'Pending', canary: 'Pending', run: 'Pending', main: 'NotStarted' })
    h.clock.advance(2 * 24 * HOUR)
    expect(at(await run(h), 'properties.status.status.state')).toBe('Completed')
    const [first, second, third] = h.emu.state.fleetManager.upgrades
    expect(first?.member).toBe('ring-0-2')
    expect(second?.member).toBe('ring-0-1')
    // Fleet looks every 60 minutes from when the member became due: the first look after the opening.
    expect((second?.startMs ?? 0) - opensAt).toBe(30 * MINUTE)
    expect(third?.startMs).toBe(second?.endMs ?? 0)
    expect(new Set(asked)).toEqual(new Set(['Full']))
  })

  it('a version not yet in the region makes the member Pending with NodeImageVersionNotAvailable until it is', async () => {
    const h = await emulator.start(
      fleetWith(membersOf({ 'ring-0': 1 }), {
        unavailable: [{ location: 'westeurope', version: NODE_IMAGES.azureLinux3, untilMs: T0 + 90 * MINUTE }]
      })
    )
    await put(h, [{ name: 's', groups: [{ name: 'ring-0' }] }], { upgrade: { type: 'NodeImageOnly' }, nodeImageSelection: { type: 'Latest' } })
    const started = await post(h, 'start')
    expect(states(started)).toMatchObject({ run: 'Pending', 's/ring-0/ring-0-1': 'Pending' })
    const text = `set member: ring-0-1 to Pending due to failed validation err: target upgrade node image version "${NODE_IMAGES.azureLinux3}" for agent pool apps is not available in region "westeurope"`
    expect(member(started, 0, 0, 0).message).toBe(text)
    expect(at(member(started, 0, 0, 0), 'status.error')).toEqual({ code: 'NodeImageVersionNotAvailable', message: text })
    h.clock.advance(6 * HOUR)
    const done = await run(h)
    expect(states(done)).toMatchObject({ run: 'Completed', 's/ring-0/ring-0-1': 'Completed' })
    expect(at(member(done, 0, 0, 0), 'status.error')).toBeUndefined()
    expect(timeline(h)).toEqual([['ring-0-1', 120, 130]])
    const pools = h.emu.state.fleet.clusters[0]?.agentPools
    expect(pools?.map(p => p.nodeImageVersion)).toEqual([NODE_IMAGES.ubuntu2204, NODE_IMAGES.azureLinux3])
  })
})
