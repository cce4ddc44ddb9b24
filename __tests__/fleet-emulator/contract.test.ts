// The Fleet Manager emulator against the official 2026-06-01 examples (examples/*.json, verbatim):
// each example's request (path, api-version, body) goes to an emulator seeded to match; the answer
// must have the example's status, every key of the example's body at every level, plausible states
// and the headers the example shows (202 LRO headers in async mode, ETag on gates).
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet } from '../emulator/fleet.ts'
import { fleetResourceId, seedUpdateRun, settleFleetManagers } from '../emulator/fleet-manager.ts'
import type { FleetMemberSeed } from '../emulator/fleet-manager.ts'
import { allStates, at, HOUR, header, missingKeys, obj, states, UPDATE_STATES, useFleetEmulator } from './support.ts'
import type { Harness, Json, Response } from './support.ts'

interface Example {
  operationId: string
  parameters: Record<string, unknown>
  responses: Record<string, { headers?: Record<string, string>; body?: unknown }>
}

function example(file: string): Example {
  return JSON.parse(readFileSync(new URL(`./examples/${file}`, import.meta.url), 'utf8')) as Example
}

function exampleBody(ex: Example, status: string): unknown {
  const body = ex.responses[status]?.body
  if (body === undefined) throw new Error(`${ex.operationId}: no ${status} body`)
  return body
}

function examplePath(ex: Example, gateName?: string): string {
  const p = ex.parameters as Record<string, string>
  const f = `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.ContainerService/fleets/${p.fleetName}`
  const run = `${f}/updateRuns/${p.updateRunName}`
  const paths: Record<string, string> = {
    FleetMembers_Get: `${f}/members/${p.fleetMemberName}`,
    FleetMembers_ListByFleet: `${f}/members`,
    FleetUpdateStrategies_CreateOrUpdate: `${f}/updateStrategies/${p.updateStrategyName}`,
    UpdateRuns_CreateOrUpdate: run,
    UpdateRuns_Get: run,
    UpdateRuns_Start: `${run}/start`,
    UpdateRuns_Stop: `${run}/stop`,
    UpdateRuns_Skip: `${run}/skip`,
    Gates_ListByFleet: `${f}/gates`,
    Gates_Update: `${f}/gates/${gateName ?? p.gateName}`
  }
  const path = paths[ex.operationId]
  if (path === undefined) throw new Error(`no path for ${ex.operationId}`)
  return path
}

/** The request body parameter (its name differs per operation). */
function requestBody(ex: Example): unknown {
  return ex.parameters.resource ?? ex.parameters.properties ?? ex.parameters.body
}

const SUB0 = '00000000-0000-0000-0000-000000000000'
const FLEET1 = fleetResourceId({ subscriptionId: SUB0, resourceGroup: 'rg1', name: 'fleet1' })
/** Clusters whose maintenance window is closed (read live by the seed's windowOpen). */
const closed = new Set<string>()

/**
 * rg1/fleet1: group-a (member-one + 49 more, so the examples' "20%" / "5" concurrency is valid and
 * resolves to the examples' 10), group-b (member-two + 4), group1 (1); rgfleets/fleet1: member1.
 * Clusters run 1.25.11 so the examples' 1.26.1 is an upgrade.
 */
function contractFleet(lroMode: 'sync' | 'async' = 'sync'): Fleet {
  const c = (name: string): ClusterSeed => ({
    subscriptionId: SUB0,
    resourceGroup: 'myClusters',
    name,
    location: 'eastus',
    kubernetesVersion: '1.25.11',
    agentPools: [{ name: 'nodepool1', mode: 'System', orchestratorVersion: '1.25.11', nodeImageVersion: NODE_IMAGES.ubuntu2204Old }]
  })
  const many = (prefix: string, group: string, n: number): FleetMemberSeed[] =>
    Array.from({ length: n }, (_, i) => ({ name: `member-${prefix}${i + 2}`, clusterName: `cluster-${prefix}${i + 2}`, group }))
  const members: FleetMemberSeed[] = [
    { name: 'member-one', clusterName: 'myCluster', group: 'group-a' },
    ...many('a', 'group-a', 49),
    { name: 'member-two', clusterName: 'myCluster-2', group: 'group-b' },
    ...many('b', 'group-b', 4),
    { name: 'member-g1', clusterName: 'cluster-g1', group: 'group1' }
  ]
  return {
    subscriptions: { [SUB0]: {} },
    clusters: [...members.map(m => c(m.clusterName)), c('cluster-1')],
    fleetManagers: [
      { subscriptionId: SUB0, resourceGroup: 'rg1', name: 'fleet1', location: 'eastus', members, lroMode, windowOpen: name => !closed.has(name) },
      {
        subscriptionId: SUB0,
        resourceGroup: 'rgfleets',
        name: 'fleet1',
        lroMode,
        members: [{ name: 'member1', clusterName: 'cluster-1', group: 'fleet1', labels: { env: 'production' } }]
      }
    ]
  }
}

const emulator = useFleetEmulator()
beforeEach(() => closed.clear())

function send(
  h: Harness,
  method: string,
  ex: Example,
  options: { gateName?: string; body?: unknown; headers?: Record<string, string> } = {}
): Promise<Response> {
  const body = options.body ?? requestBody(ex)
  const apiVersion = String(ex.parameters['api-version'])
  return h.call(method, examplePath(ex, options.gateName), body === undefined ? { apiVersion } : { apiVersion, body })
}

function expectShape(ex: Example, status: string, res: Response, ignore?: (path: string) => boolean): void {
  expect(res.status, JSON.stringify(res.body)).toBe(Number(status))
  expect(missingKeys(exampleBody(ex, status), res.body, ignore)).toEqual([])
  for (const state of allStates(res.body)) expect(UPDATE_STATES).toContain(state)
}

/** The example's states, wherever the example shows one, equal ours. */
function expectStatesLike(ex: Example, status: string, res: Response, except: string[] = []): void {
  const ours = states(res.body)
  for (const [key, state] of Object.entries(states(exampleBody(ex, status)))) {
    if (!except.includes(key)) expect({ key, state: ours[key] }).toEqual({ key, state })
  }
}

/** Async mode: 202 with the example's 202 headers (Retry-After 0); monitor Succeeded; Location answers 200 with the resource. */
async function expectAccepted(h: Harness, ex: Example, res: Response): Promise<Json> {
  expect(res.status, JSON.stringify(res.body)).toBe(202)
  for (const name of Object.keys(ex.responses['202']?.headers ?? {})) expect(header(res, name), name).toBeDefined()
  expect(header(res, 'retry-after')).toBe('0')
  const monitor = await h.call('GET', header(res, 'azure-asyncoperation') ?? '')
  expect(monitor.status).toBe(200)
  expect(obj(monitor.body).status).toBe('Succeeded')
  const final = await h.call('GET', header(res, 'location') ?? '')
  expect(final.status).toBe(200)
  return obj(final.body)
}

/** A run seeded from an example response's own strategy and managedClusterUpdate. */
function seedRunLike(h: Harness, ex: Example, start: boolean): void {
  const props = obj(at(exampleBody(ex, '200'), 'properties'))
  seedUpdateRun(
    h.emu.state,
    FLEET1,
    'run1',
    { properties: { strategy: props.strategy, managedClusterUpdate: props.managedClusterUpdate } },
    { start }
  )
}

describe('Fleet Manager emulator: the official 2026-06-01 examples', () => {
  it('FleetMembers_Get: group, user and fleet.azure.com labels, ETag', async () => {
    const h = await emulator.start(contractFleet())
    const ex = example('FleetMembers_Get.json')
    const res = await send(h, 'GET', ex)
    expectShape(ex, '200', res)
    expect(at(res.body, 'properties.group')).toBe('fleet1')
    expect(at(res.body, 'properties.labels')).toMatchObject({
      env: 'production',
      'fleet.azure.com/member-name': 'member1',
      'fleet.azure.com/cluster-name': 'cluster-1'
    })
    expect(at(res.body, 'properties.clusterResourceId')).toBe(
      `/subscriptions/${SUB0}/resourceGroups/myClusters/providers/Microsoft.ContainerService/managedClusters/cluster-1`
    )
    expect(header(res, 'etag')).toBe(obj(res.body).eTag)
  })

  it('FleetMembers_ListByFleet: every member, list shape', async () => {
    const h = await emulator.start(contractFleet())
    const ex = example('FleetMembers_ListByFleet.json')
    const res = await send(h, 'GET', ex)
    expectShape(ex, '200', res)
    expect((obj(res.body).value as unknown[]).length).toBe(56)
  })

  it.each(['sync', 'async'] as const)('FleetUpdateStrategies_CreateOrUpdate (%s): 201 then 200, strategy echoed', async mode => {
    const h = await emulator.start(contractFleet(mode))
    const ex = example('UpdateStrategies_CreateOrUpdate.json')
    const created = await send(h, 'PUT', ex)
    expectShape(ex, '201', created)
    expect(at(created.body, 'properties.strategy')).toEqual(at(requestBody(ex), 'properties.strategy'))
    const updated = await send(h, 'PUT', ex)
    expectShape(ex, '200', updated)
    expect(obj(updated.body).eTag).not.toBe(obj(created.body).eTag)
    if (mode === 'async') {
      const monitor = await h.call('GET', header(created, 'azure-asyncoperation') ?? '')
      expect(obj(monitor.body).status).toBe('Succeeded')
    } else {
      expect(header(created, 'azure-asyncoperation')).toBeUndefined()
    }
  })

  it.each(['sync', 'async'] as const)('UpdateRuns_CreateOrUpdate (%s): 201 from a strategy id, 200 once started, both fields refused', async mode => {
    const h = await emulator.start(contractFleet(mode))
    const ex = example('UpdateRuns_CreateOrUpdate.json')
    // The example sends updateStrategyId and strategy together, which the spec calls invalid (§3.4).
    const both = await send(h, 'PUT', ex)
    expect(both.status).toBe(400)
    expect(at(both.body, 'error.code')).toBe('BadRequest')
    const props = obj(at(requestBody(ex), 'properties'))
    const strategy = await h.call('PUT', `${FLEET1}/updateStrategies/strategy1`, { body: { properties: { strategy: props.strategy } } })
    expect(strategy.status).toBe(201)
    const body = { properties: { updateStrategyId: `${FLEET1}/updateStrategies/strategy1`, managedClusterUpdate: props.managedClusterUpdate } }
    const created = await send(h, 'PUT', ex, { body })
    // A new run has reached no gate yet, so no gateId (the example's 201 is illustrative there).
    expectShape(ex, '201', created, path => path.endsWith('.gateId'))
    expect(new Set(Object.values(states(created.body)))).toEqual(new Set(['NotStarted']))
    if (mode === 'async') expect(header(created, 'azure-asyncoperation')).toMatch(/\/operations\/[0-9a-f-]{36}\?api-version=2026-06-01$/)
    expect((await h.call('POST', `${examplePath(ex)}/start`)).status).toBe(mode === 'async' ? 202 : 200)
    const again = await send(h, 'PUT', ex, { body })
    expectShape(ex, '200', again)
    expectStatesLike(ex, '200', again)
    expect(at(again.body, 'properties.status.stages.0.beforeGates.0.gateId')).toMatch(new RegExp(`^${FLEET1}/gates/[0-9a-f-]{36}$`))
    const inline = await h.call('PUT', `${FLEET1}/updateRuns/run2`, {
      body: { properties: { strategy: props.strategy, managedClusterUpdate: props.managedClusterUpdate } }
    })
    expectShape(ex, '201', inline, path => path.endsWith('.gateId') || path.endsWith('.updateStrategyId'))
  })

  it('UpdateRuns_Get: the status tree while the stage gate waits', async () => {
    const h = await emulator.start(contractFleet())
    const ex = example('UpdateRuns_Get.json')
    seedRunLike(h, ex, true)
    const res = await send(h, 'GET', ex)
    expectShape(ex, '200', res)
    expectStatesLike(ex, '200', res)
    expect(header(res, 'etag')).toBe(obj(res.body).eTag)
  })

  it.each(['sync', 'async'] as const)('UpdateRuns_Start (%s): Running with startTime', async mode => {
    const h = await emulator.start(contractFleet(mode))
    const ex = example('UpdateRuns_Start.json')
    seedRunLike(h, ex, false)
    const res = await send(h, 'POST', ex)
    const body = mode === 'async' ? await expectAccepted(h, ex, res) : obj(res.body)
    expectShape(ex, '200', { ...res, status: 200, body })
    expectStatesLike(ex, '200', { ...res, body })
    expect(at(body, 'properties.status.status.startTime')).toBe('2026-10-05T08:00:00.0000000Z')
  })

  it.each(['sync', 'async'] as const)('UpdateRuns_Stop (%s): Stopping while members finish', async mode => {
    const h = await emulator.start(contractFleet(mode))
    const ex = example('UpdateRuns_Stop.json')
    seedRunLike(h, ex, true)
    const res = await send(h, 'POST', ex)
    const body = mode === 'async' ? await expectAccepted(h, ex, res) : obj(res.body)
    expectShape(ex, '200', { ...res, status: 200, body })
    expectStatesLike(ex, '200', { ...res, body })
    // 20% of the stage's 50 members, as the example resolves it.
    expect(at(body, 'properties.status.stages.0.maxConcurrency')).toBe(10)
  })

  it.each(['sync', 'async'] as const)('UpdateRuns_Skip (%s): a waiting member and the after-stage wait', async mode => {
    const h = await emulator.start(contractFleet(mode))
    const ex = example('UpdateRuns_Skip.json')
    // group-a's windows are closed, so member-one waits (Pending) while member-two runs.
    for (let i = 0; i <= 50; i++) closed.add(i === 0 ? 'myCluster' : `cluster-a${i}`)
    seedRunLike(h, ex, true)
    const res = await send(h, 'POST', ex)
    const body = mode === 'async' ? await expectAccepted(h, ex, res) : obj(res.body)
    expectShape(ex, '200', { ...res, status: 200, body })
    // The example's group-a is Skipped because its only member is; ours has 50, the rest still waiting.
    expectStatesLike(ex, '200', { ...res, body }, ['stage1/group-a'])
    expect(states(body)['stage1/group-a']).toBe('Pending')
  })

  it('Gates_ListByFleet: a group gate the run created on arrival', async () => {
    const h = await emulator.start(contractFleet())
    const ex = example('Gates_ListByFleet.json')
    const gate = { displayName: 'Perform health checks after Group 1', type: 'Approval' }
    const update = { upgrade: { type: 'Full', kubernetesVersion: '1.26.1' } }
    seedUpdateRun(
      h.emu.state,
      FLEET1,
      'run1',
      { properties: { strategy: { stages: [{ name: 'stage1', groups: [{ name: 'group1', afterGates: [gate] }] }] }, managedClusterUpdate: update } },
      {
        start: true
      }
    )
    expect(obj((await send(h, 'GET', ex)).body).value).toEqual([])
    h.clock.advance(HOUR)
    const res = await send(h, 'GET', ex)
    expectShape(ex, '200', res)
    const listed = (obj(res.body).value as Json[])[0]
    expect(at(listed, 'properties.target')).toEqual({
      id: `${FLEET1}/updateRuns/run1`,
      updateRunProperties: { name: 'run1', stage: 'stage1', group: 'group1', timing: 'After' }
    })
    expect(at(listed, 'properties.state')).toBe('Pending')
  })

  it.each(['sync', 'async'] as const)('Gates_Update (%s): approve with ETag', async mode => {
    const h = await emulator.start(contractFleet(mode))
    const ex = example('Gates_Update.json')
    const update = { upgrade: { type: 'Full', kubernetesVersion: '1.26.1' } }
    const stages = [
      { name: 'stage1', groups: [{ name: 'group1', afterGates: [{ displayName: 'Perform health checks after Group 1', type: 'Approval' }] }] }
    ]
    seedUpdateRun(h.emu.state, FLEET1, 'run1', { properties: { strategy: { stages }, managedClusterUpdate: update } }, { start: true })
    h.clock.advance(HOUR)
    // State read without a request: bring the runs to the clock first.
    settleFleetManagers(h.emu.state)
    const gateName = h.emu.state.fleetManager.fleets[0]?.gates[0]?.name ?? ''
    const res = await send(h, 'PATCH', ex, { gateName })
    if (mode === 'async') {
      const final = await expectAccepted(h, ex, res)
      expect(at(final, 'properties.state')).toBe('Completed')
      return
    }
    expectShape(ex, '200', res)
    expect(at(res.body, 'properties.state')).toBe('Completed')
    expect(header(res, 'etag')).toBe(obj(res.body).eTag)
    const got = await h.call('GET', `${FLEET1}/gates/${gateName}`)
    expect(header(got, 'etag')).toBe(obj(got.body).eTag)
  })
})
