// Fleet Manager emulator: write validation (FLEET-API-NOTES §1, §3.3, §3.4, §10), table-driven.
// The error codes are the emulator's assumptions (Fleet documents none, §6); the messages name the rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import { API, at, F, fleetWith, liveRun, membersOf, obj, runBody, startHarness, useFleetEmulator } from './support.ts'
import type { Harness } from './support.ts'

const FULL = { upgrade: { type: 'Full', kubernetesVersion: '1.36.2' } }
const nodeImage = (selection: Record<string, unknown>) => ({ upgrade: { type: 'NodeImageOnly' }, nodeImageSelection: selection })
const rings = [
  { name: 'canary', groups: [{ name: 'ring-0' }] },
  { name: 'main', groups: [{ name: 'ring-1' }, { name: 'ring-2' }], afterStageWaitInSeconds: 600 }
]
const withStrategy = (stages: unknown[], update: Record<string, unknown> = FULL) => runBody(stages, update)

interface Case {
  name: string
  body: unknown
  status: number
  code?: string
  message?: RegExp
}

const cases: Case[] = [
  { name: 'Full with a staged strategy', body: withStrategy(rings), status: 201 },
  { name: 'no strategy (every member, one by one)', body: runBody(undefined), status: 201 },
  { name: 'ControlPlaneOnly', body: runBody(rings, { upgrade: { type: 'ControlPlaneOnly', kubernetesVersion: '1.36.2' } }), status: 201 },
  { name: 'NodeImageOnly, Latest', body: runBody(rings, nodeImage({ type: 'Latest' })), status: 201 },
  { name: 'NodeImageOnly, Consistent', body: runBody(rings, nodeImage({ type: 'Consistent' })), status: 201 },
  {
    name: 'NodeImageOnly, Custom with one version per family',
    body: runBody(
      rings,
      nodeImage({ type: 'Custom', customNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204 }, { version: NODE_IMAGES.azureLinux3 }] })
    ),
    status: 201
  },
  {
    name: 'concurrency within the limits',
    body: withStrategy([{ name: 's', maxConcurrency: '3', groups: [{ name: 'ring-1', maxConcurrency: '3' }] }]),
    status: 201
  },
  {
    name: 'percentages resolved (10% of 5 → 1, 50% of 2 → 1)',
    body: withStrategy([{ name: 's', maxConcurrency: '10%', groups: [{ name: 'ring-0', maxConcurrency: '50%' }, { name: 'ring-1' }] }]),
    status: 201
  },
  {
    name: 'gates of every position',
    body: withStrategy([
      {
        name: 's',
        beforeGates: [{ type: 'Approval' }],
        afterGates: [{ displayName: 'ok?', type: 'Approval' }],
        groups: [{ name: 'ring-0', beforeGates: [{ type: 'Approval' }], afterGates: [{ type: 'Approval' }] }]
      }
    ]),
    status: 201
  },
  // Structure
  { name: 'no properties', body: { strategy: {} }, status: 400, code: 'InvalidRequestContent', message: /properties/ },
  {
    name: 'no managedClusterUpdate',
    body: { properties: { strategy: { stages: rings } } },
    status: 400,
    code: 'InvalidRequestContent',
    message: /managedClusterUpdate is required/
  },
  {
    name: 'unknown upgrade type',
    body: runBody(rings, { upgrade: { type: 'Everything', kubernetesVersion: '1.36.2' } }),
    status: 400,
    code: 'InvalidRequestContent',
    message: /upgrade\.type/
  },
  {
    name: 'malformed kubernetesVersion',
    body: runBody(rings, { upgrade: { type: 'Full', kubernetesVersion: 'latest' } }),
    status: 400,
    code: 'InvalidRequestContent',
    message: /not a Kubernetes version/
  },
  {
    name: 'a stage without groups',
    body: withStrategy([{ name: 's', groups: [] }]),
    status: 400,
    code: 'InvalidRequestContent',
    message: /at least one group/
  },
  {
    name: 'an upper-case stage name',
    body: withStrategy([{ name: 'Canary', groups: [{ name: 'ring-0' }] }]),
    status: 400,
    code: 'InvalidRequestContent',
    message: /name must match/
  },
  {
    name: 'a negative wait',
    body: withStrategy([{ name: 's', groups: [{ name: 'ring-0' }], afterStageWaitInSeconds: -1 }]),
    status: 400,
    code: 'InvalidRequestContent',
    message: /afterStageWaitInSeconds/
  },
  {
    name: 'a gate that is not an approval',
    body: withStrategy([{ name: 's', groups: [{ name: 'ring-0', beforeGates: [{ type: 'ScheduledStart' }] }] }]),
    status: 400,
    code: 'InvalidRequestContent',
    message: /'Approval'/
  },
  ...['0', '101%', '0%', '3.5', '-1', 'all', '1 '].map(value => ({
    name: `maxConcurrency '${value}' (pattern)`,
    body: withStrategy([{ name: 's', maxConcurrency: value, groups: [{ name: 'ring-0' }] }]),
    status: 400,
    code: 'InvalidRequestContent',
    message: /positive number or a percentage/
  })),
  // Rules
  {
    name: 'updateStrategyId and strategy together',
    body: { properties: { updateStrategyId: `${F}/updateStrategies/s`, strategy: { stages: rings }, managedClusterUpdate: FULL } },
    status: 400,
    code: 'BadRequest',
    message: /Only one of updateStrategyId and strategy/
  },
  {
    name: 'an unknown updateStrategyId',
    body: { properties: { updateStrategyId: `${F}/updateStrategies/nope`, managedClusterUpdate: FULL } },
    status: 400,
    code: 'BadRequest',
    message: /was not found/
  },
  {
    name: 'kubernetesVersion with NodeImageOnly',
    body: runBody(rings, { upgrade: { type: 'NodeImageOnly', kubernetesVersion: '1.36.2' } }),
    status: 400,
    code: 'BadRequest',
    message: /must not be set/
  },
  {
    name: 'Full without kubernetesVersion',
    body: runBody(rings, { upgrade: { type: 'Full' } }),
    status: 400,
    code: 'BadRequest',
    message: /required when the upgrade type is Full/
  },
  {
    name: 'ControlPlaneOnly without kubernetesVersion',
    body: runBody(rings, { upgrade: { type: 'ControlPlaneOnly' } }),
    status: 400,
    code: 'BadRequest',
    message: /required when the upgrade type is ControlPlaneOnly/
  },
  {
    name: 'a group no member carries',
    body: withStrategy([{ name: 's', groups: [{ name: 'ring-9' }] }]),
    status: 400,
    code: 'BadRequest',
    message: /'ring-9' does not match the group of any member/
  },
  {
    name: 'a group twice in a stage',
    body: withStrategy([{ name: 's', groups: [{ name: 'ring-0' }, { name: 'ring-0' }] }]),
    status: 400,
    code: 'BadRequest',
    message: /'ring-0' appears more than once/
  },
  {
    name: 'a group in two stages',
    body: withStrategy([
      { name: 'a', groups: [{ name: 'ring-0' }] },
      { name: 'b', groups: [{ name: 'ring-1' }, { name: 'ring-0' }] }
    ]),
    status: 400,
    code: 'BadRequest',
    message: /'ring-0' appears more than once/
  },
  {
    name: 'two stages of one name',
    body: withStrategy([
      { name: 'a', groups: [{ name: 'ring-0' }] },
      { name: 'a', groups: [{ name: 'ring-1' }] }
    ]),
    status: 400,
    code: 'BadRequest',
    message: /unique/
  },
  {
    name: '51 groups in a stage',
    body: withStrategy([{ name: 's', groups: Array.from({ length: 51 }, (_, i) => ({ name: `g-${i}` })) }]),
    status: 400,
    code: 'BadRequest',
    message: /51 groups; a stage can have at most 50/
  },
  {
    name: 'stage maxConcurrency over 50',
    body: withStrategy([{ name: 's', maxConcurrency: '51', groups: [{ name: 'ring-0' }] }]),
    status: 400,
    code: 'BadRequest',
    message: /resolves to 51; the limit is 50/
  },
  {
    name: 'group maxConcurrency over the stage’s',
    body: withStrategy([{ name: 's', maxConcurrency: '1', groups: [{ name: 'ring-1', maxConcurrency: '2' }] }]),
    status: 400,
    code: 'BadRequest',
    message: /exceeds its stage's maxConcurrency \(1\)/
  },
  {
    name: 'group maxConcurrency over the stage’s resolved percentage',
    body: withStrategy([{ name: 's', maxConcurrency: '1%', groups: [{ name: 'ring-1', maxConcurrency: '2' }] }]),
    status: 400,
    code: 'BadRequest',
    message: /exceeds its stage's maxConcurrency \(1\)/
  },
  {
    name: 'group maxConcurrency over the group’s size',
    body: withStrategy([{ name: 's', groups: [{ name: 'ring-0', maxConcurrency: '3' }] }]),
    status: 400,
    code: 'BadRequest',
    message: /exceeds the group's 2 member/
  },
  {
    name: 'Custom without versions',
    body: runBody(rings, nodeImage({ type: 'Custom' })),
    status: 400,
    code: 'BadRequest',
    message: /required when nodeImageSelection.type is Custom/
  },
  {
    name: 'Custom with two versions of one family',
    body: runBody(
      rings,
      nodeImage({ type: 'Custom', customNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204Old }, { version: NODE_IMAGES.ubuntu2204 }] })
    ),
    status: 400,
    code: 'BadRequest',
    message: /two versions of image family 'AKSUbuntu-2204gen2containerd'/
  },
  {
    name: 'versions with Latest',
    body: runBody(rings, nodeImage({ type: 'Latest', customNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204 }] })),
    status: 400,
    code: 'BadRequest',
    message: /must be empty unless/
  },
  {
    name: 'versions with Consistent',
    body: runBody(rings, nodeImage({ type: 'Consistent', customNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204 }] })),
    status: 400,
    code: 'BadRequest',
    message: /must be empty unless/
  }
]

describe('UpdateRuns_CreateOrUpdate validation', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 3, 'ring-2': 1 })))
    const strategy = await h.call('PUT', `${F}/updateStrategies/s`, { body: { properties: { strategy: { stages: rings } } } })
    expect(strategy.status).toBe(201)
  })
  afterAll(async () => {
    await h.emu.stop()
  })

  it.each(cases.map((c, i) => ({ ...c, run: `run-${i}` })))('$name → $status', async c => {
    const res = await h.call('PUT', `${F}/updateRuns/${c.run}`, { body: c.body })
    expect(res.status, JSON.stringify(res.body)).toBe(c.status)
    if (c.status === 201) {
      expect(at(res.body, 'properties.status.status.state')).toBe('NotStarted')
      return
    }
    expect(at(res.body, 'error.code')).toBe(c.code)
    expect(String(at(res.body, 'error.message'))).toMatch(c.message ?? /./)
    expect(h.emu.state.fleetManager.fleets[0]?.runs.some(r => r.name === c.run)).toBe(false)
  })

  it('a run from updateStrategyId follows a snapshot of the strategy', async () => {
    const res = await h.call('PUT', `${F}/updateRuns/from-id`, {
      body: { properties: { updateStrategyId: `${F}/updateStrategies/s`, managedClusterUpdate: FULL } }
    })
    expect(res.status).toBe(201)
    expect(at(res.body, 'properties.updateStrategyId')).toBe(`${F}/updateStrategies/s`)
    await h.call('PUT', `${F}/updateStrategies/s`, {
      body: { properties: { strategy: { stages: [{ name: 'only', groups: [{ name: 'ring-2' }] }] } } }
    })
    const got = await h.call('GET', `${F}/updateRuns/from-id`)
    expect((at(got.body, 'properties.status.stages') as unknown[]).length).toBe(2)
    expect(at(got.body, 'properties.strategy.stages.1.afterStageWaitInSeconds')).toBe(600)
  })

  it('percentages resolve rounded down with a minimum of 1; defaults are 50 (stage) and 1 (group)', async () => {
    const stages = [{ name: 's', maxConcurrency: '10%', groups: [{ name: 'ring-0', maxConcurrency: '50%' }, { name: 'ring-1' }] }]
    const res = await h.call('PUT', `${F}/updateRuns/percent`, { body: withStrategy(stages) })
    expect(at(res.body, 'properties.status.stages.0.maxConcurrency')).toBe(1)
    expect(at(res.body, 'properties.status.stages.0.groups.0.maxConcurrency')).toBe(1)
    const defaults = await h.call('PUT', `${F}/updateRuns/defaults`, { body: withStrategy([{ name: 's', groups: [{ name: 'ring-1' }] }]) })
    expect(at(defaults.body, 'properties.status.stages.0.maxConcurrency')).toBe(50)
    expect(at(defaults.body, 'properties.status.stages.0.groups.0.maxConcurrency')).toBe(1)
    const whole = await h.call('PUT', `${F}/updateRuns/whole`, {
      body: withStrategy([{ name: 's', groups: [{ name: 'ring-1', maxConcurrency: '100%' }] }])
    })
    expect(at(whole.body, 'properties.status.stages.0.groups.0.maxConcurrency')).toBe(3)
  })

  it('strategy resources are validated the same way', async () => {
    const bad = await h.call('PUT', `${F}/updateStrategies/bad`, {
      body: { properties: { strategy: { stages: [{ name: 's', groups: [{ name: 'ring-9' }] }] } } }
    })
    expect(bad.status).toBe(400)
    expect(at(bad.body, 'error.code')).toBe('BadRequest')
    const dup = await h.call('PUT', `${F}/updateStrategies/bad`, {
      body: { properties: { strategy: { stages: [{ name: 's', groups: [{ name: 'ring-0' }, { name: 'ring-0' }] }] } } }
    })
    expect(dup.status).toBe(400)
    expect((await h.call('GET', `${F}/updateStrategies/bad`)).status).toBe(404)
  })
})

describe('names, api-versions and unknown resources', () => {
  const emulator = useFleetEmulator()
  const fleet = () => fleetWith(membersOf({ 'ring-0': 1 }))

  it.each([
    ['an upper-case run name', `${F}/updateRuns/Run-1`],
    ['a run name of 51 characters', `${F}/updateRuns/${'r'.repeat(51)}`],
    ['a run name ending in a hyphen', `${F}/updateRuns/run-`],
    ['an upper-case member name', `${F}/members/Ring-0-1`],
    ['a gate name that is no GUID', `${F}/gates/gate-1`],
    ['a fleet name of 64 characters', `${F.replace(/fleet-1$/, 'f'.repeat(64))}/updateRuns`]
  ])('%s → 400 InvalidResourceName', async (_name, path) => {
    const h = await emulator.start(fleet())
    const res = await h.call('GET', path)
    expect(res.status).toBe(400)
    expect(at(res.body, 'error.code')).toBe('InvalidResourceName')
  })

  it('answers only api-version 2026-06-01', async () => {
    const h = await emulator.start(fleet())
    const old = await h.call('GET', `${F}/updateRuns`, { apiVersion: '2025-03-01' })
    expect(old.status).toBe(400)
    expect(at(old.body, 'error.code')).toBe('NoRegisteredProviderFound')
    const none = await h.call('GET', `${F}/updateRuns`, { apiVersion: null })
    expect(at(none.body, 'error.code')).toBe('MissingApiVersionParameter')
    expect((await h.call('GET', `${F}/updateRuns`, { apiVersion: API })).status).toBe(200)
  })

  it('unknown resources answer 404 ResourceNotFound in the common-types shape', async () => {
    const h = await emulator.start(fleet())
    for (const path of [
      `${F}/updateRuns/nope`,
      `${F}/members/nope`,
      `${F}/updateStrategies/nope`,
      `${F}/gates/00000000-0000-0000-0000-000000000000`,
      F.replace('fleet-1', 'fleet-2')
    ]) {
      const res = await h.call('GET', path)
      expect(res.status, path).toBe(404)
      expect(Object.keys(obj(obj(res.body).error)).sort()).toEqual(['code', 'message'])
      expect(at(res.body, 'error.code')).toBe('ResourceNotFound')
    }
    const unknownType = await h.call('GET', `${F}/somethings`)
    expect(unknownType.status).toBe(404)
    expect(at(unknownType.body, 'error.code')).toBe('InvalidResourceType')
    expect((await h.call('DELETE', `${F}/members/ring-0-1`)).status).toBe(405)
  })

  it('Fleets_Get and the fleet lists', async () => {
    const h = await emulator.start(fleet())
    const got = await h.call('GET', F)
    expect(got.status).toBe(200)
    expect(obj(got.body)).toMatchObject({
      id: F,
      name: 'fleet-1',
      type: 'Microsoft.ContainerService/fleets',
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded' }
    })
    const list = await h.call('GET', F.replace(/\/resourceGroups\/.*$/, '/providers/Microsoft.ContainerService/fleets'))
    expect((obj(list.body).value as unknown[]).length).toBe(1)
  })
})

describe('modifying a run', () => {
  const emulator = useFleetEmulator()
  const stages = [{ name: 's', groups: [{ name: 'ring-0' }] }]

  it('before start: a PUT replaces the definition; after start: the same definition answers 200, another 409', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 1 })))
    expect((await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy(stages) })).status).toBe(201)
    const replaced = await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy([{ name: 's', groups: [{ name: 'ring-1' }] }]) })
    expect(replaced.status).toBe(200)
    expect(at(replaced.body, 'properties.status.stages.0.groups.0.name')).toBe('ring-1')
    expect((await h.call('POST', `${F}/updateRuns/r/start`)).status).toBe(200)
    const same = await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy([{ name: 's', groups: [{ name: 'ring-1' }] }]) })
    expect(same.status).toBe(200)
    expect(at(same.body, 'properties.status.status.state')).toBe('Running')
    const other = await h.call('PUT', `${F}/updateRuns/r`, {
      body: withStrategy([{ name: 's', groups: [{ name: 'ring-1' }] }], { upgrade: { type: 'Full', kubernetesVersion: '1.36.1' } })
    })
    expect(other.status).toBe(409)
    expect(at(other.body, 'error.code')).toBe('Conflict')
  })

  it('If-None-Match: * on an existing run and a stale If-Match answer 412 PreconditionFailed', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2 })))
    const created = await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy(stages), headers: { 'if-none-match': '*' } })
    expect(created.status).toBe(201)
    const again = await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy(stages), headers: { 'if-none-match': '*' } })
    expect(again.status).toBe(412)
    expect(obj(again.body).error).toMatchObject({ code: 'PreconditionFailed' })
    const stale = await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy(stages), headers: { 'if-match': '"not-the-etag"' } })
    expect(stale.status).toBe(412)
    const fresh = await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy(stages), headers: { 'if-match': String(obj(created.body).eTag) } })
    expect(fresh.status).toBe(200)
  })

  it('members are taken from their groups at creation: a later group change does not move them', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 1 })))
    await h.call('PUT', `${F}/updateRuns/r`, { body: withStrategy([{ name: 's', groups: [{ name: 'ring-0' }, { name: 'ring-1' }] }]) })
    const moved = await h.call('PATCH', `${F}/members/ring-0-1`, { body: { properties: { group: 'ring-1' } } })
    expect(moved.status).toBe(200)
    expect(at(moved.body, 'properties.group')).toBe('ring-1')
    const run = liveRun(h, 'r')
    expect(run.stages[0]?.groups.map(g => g.members.map(m => m.name))).toEqual([['ring-0-1', 'ring-0-2'], ['ring-1-1']])
  })
})
