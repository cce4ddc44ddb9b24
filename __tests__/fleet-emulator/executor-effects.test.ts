// Fleet Manager emulator: what runs do to the AKS clusters (read back through the AKS routes),
// eTags and conditional requests, skip, delete, paging, and the async LRO mode of every write.
import { describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import { seedUpdateRun, settleFleetManagers } from '../emulator/fleet-manager.ts'
import { at, F, fleetWith, header, HOUR, liveFleet, liveRun, MINUTE, membersOf, obj, runBody, states, SUB, useFleetEmulator } from './support.ts'
import type { Harness, Json, Response } from './support.ts'

const emulator = useFleetEmulator()
const RUN = `${F}/updateRuns/r`
const clusterPath = (name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/rg-clusters/providers/Microsoft.ContainerService/managedClusters/${name}`

async function ok(res: Promise<Response>, status = 200): Promise<Json> {
  const r = await res
  expect(r.status, JSON.stringify(r.body)).toBe(status)
  return obj(r.body)
}

function pool(cluster: Json, name: string): Json {
  const found = (at(cluster, 'properties.agentPoolProfiles') as Json[]).find(p => p.name === name)
  if (found === undefined) throw new Error(`no pool ${name}`)
  return found
}

describe('effects on the AKS clusters', () => {
  it('a completed Full member reads back upgraded through the AKS GET route (Custom image of its family only)', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1 })))
    const update = {
      upgrade: { type: 'Full', kubernetesVersion: '1.36.2' },
      nodeImageSelection: { type: 'Custom', customNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204 }] }
    }
    await ok(h.call('PUT', RUN, { body: runBody([{ name: 's', groups: [{ name: 'ring-0' }] }], update) }), 201)
    await ok(h.call('POST', `${RUN}/start`))
    const during = await ok(h.call('GET', clusterPath('aks-ring-0-1')))
    expect(at(during, 'properties.provisioningState')).toBe('Upgrading')
    const conflict = await h.call('PUT', clusterPath('aks-ring-0-1'), {
      body: { location: 'westeurope', properties: { kubernetesVersion: '1.36.2' } }
    })
    expect(conflict.status).toBe(409)
    h.clock.advance(HOUR)
    const after = await ok(h.call('GET', clusterPath('aks-ring-0-1')))
    expect(at(after, 'properties')).toMatchObject({ provisioningState: 'Succeeded', kubernetesVersion: '1.36.2', currentKubernetesVersion: '1.36.2' })
    expect(pool(after, 'system')).toMatchObject({
      orchestratorVersion: '1.36.2',
      currentOrchestratorVersion: '1.36.2',
      nodeImageVersion: NODE_IMAGES.ubuntu2204,
      provisioningState: 'Succeeded'
    })
    expect(pool(after, 'apps')).toMatchObject({ orchestratorVersion: '1.36.2', nodeImageVersion: NODE_IMAGES.azureLinux3Old })
    const done = await ok(h.call('GET', RUN))
    expect(at(done, 'properties.status.nodeImageSelection')).toEqual({ selectedNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204 }] })
    expect(String(at(done, 'properties.status.stages.0.groups.0.members.0.message'))).toContain(
      `Skipped upgrade of following agent pool(s): agent pool "apps" has no matching node image version`
    )
    const profile = await ok(h.call('GET', `${clusterPath('aks-ring-0-1')}/agentPools/system/upgradeProfiles/default`))
    expect(at(profile, 'properties.recentlyUsedVersions.0')).toMatchObject({
      orchestratorVersion: '1.35.5',
      nodeImageVersion: NODE_IMAGES.ubuntu2204Old
    })
  })

  it('ControlPlaneOnly moves only the control plane; NodeImageOnly Consistent gives every pool its family’s newest image', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1, 'ring-1': 1 })))
    const stages = [{ name: 's', groups: [{ name: 'ring-0' }, { name: 'ring-1' }] }]
    seedUpdateRun(h.emu.state, F, 'cp', runBody(stages, { upgrade: { type: 'ControlPlaneOnly', kubernetesVersion: '1.36.1' } }), { start: true })
    h.clock.advance(HOUR)
    const cp = await ok(h.call('GET', clusterPath('aks-ring-0-1')))
    expect(at(cp, 'properties.currentKubernetesVersion')).toBe('1.36.1')
    expect(pool(cp, 'system')).toMatchObject({ currentOrchestratorVersion: '1.35.5', nodeImageVersion: NODE_IMAGES.ubuntu2204Old })
    const images = seedUpdateRun(
      h.emu.state,
      F,
      'img',
      runBody(stages, { upgrade: { type: 'NodeImageOnly' }, nodeImageSelection: { type: 'Consistent' } })
    )
    expect(images.selectedNodeImageVersions).toEqual([NODE_IMAGES.azureLinux3, NODE_IMAGES.ubuntu2204])
    await ok(h.call('POST', `${F}/updateRuns/img/start`))
    h.clock.advance(HOUR)
    const img = await ok(h.call('GET', clusterPath('aks-ring-0-1')))
    expect([pool(img, 'system').nodeImageVersion, pool(img, 'apps').nodeImageVersion]).toEqual([NODE_IMAGES.ubuntu2204, NODE_IMAGES.azureLinux3])
    expect(at(img, 'properties.currentKubernetesVersion')).toBe('1.36.1')
  })

  it('a member already at the target is Skipped with a message; a stopped cluster fails its member', async () => {
    const h = await emulator.start(
      fleetWith(membersOf({ 'ring-0': 3 }), {}, name => {
        if (name === 'aks-ring-0-1')
          return {
            kubernetesVersion: '1.36.2',
            agentPools: [{ name: 'system', orchestratorVersion: '1.36.2', nodeImageVersion: NODE_IMAGES.ubuntu2204 }]
          }
        return name === 'aks-ring-0-3' ? { powerState: 'Stopped' } : {}
      })
    )
    await ok(h.call('PUT', RUN, { body: runBody([{ name: 's', groups: [{ name: 'ring-0' }] }]) }), 201)
    const started = await ok(h.call('POST', `${RUN}/start`))
    expect(states(started)).toMatchObject({ 's/ring-0/ring-0-1': 'Skipped', 's/ring-0/ring-0-2': 'Running' })
    expect(at(started, 'properties.status.stages.0.groups.0.members.0.message')).toBe(
      'Skipped upgrade of managed cluster "aks-ring-0-1": current Kubernetes version "1.36.2" is already at or ahead of target upgrade version "1.36.2".'
    )
    h.clock.advance(HOUR)
    const done = await ok(h.call('GET', RUN))
    expect(states(done)).toMatchObject({ run: 'Failed', 's/ring-0/ring-0-2': 'Completed', 's/ring-0/ring-0-3': 'Failed' })
    expect(at(done, 'properties.status.stages.0.groups.0.members.2.status.error.code')).toBe('OperationNotAllowed')
    expect(h.emu.state.fleetManager.upgrades.map(u => u.member)).toEqual(['ring-0-2'])
  })

  it('NodeImageOnly Custom: a member whose pools are all at the listed version (or unlisted) is Skipped with the docs text', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1 })))
    const update = {
      upgrade: { type: 'NodeImageOnly' },
      nodeImageSelection: { type: 'Custom', customNodeImageVersions: [{ version: NODE_IMAGES.ubuntu2204Old }] }
    }
    seedUpdateRun(h.emu.state, F, 'r', runBody([{ name: 's', groups: [{ name: 'ring-0' }] }], update), { start: true })
    const run = await ok(h.call('GET', RUN))
    expect(states(run)).toMatchObject({ run: 'Completed', 's/ring-0/ring-0-1': 'Skipped' })
    expect(at(run, 'properties.status.stages.0.groups.0.members.0.message')).toBe(
      `Skipped upgrade of following agent pool(s): current node image version "${NODE_IMAGES.ubuntu2204Old}" of agent pool "system" is already at or ahead of target upgrade version "${NODE_IMAGES.ubuntu2204Old}"; agent pool "apps" has no matching node image version in this update run.`
    )
  })
})

describe('eTags and conditional requests', () => {
  it('every status transition changes the run eTag; reads without one keep it', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2 })))
    const created = await ok(h.call('PUT', RUN, { body: runBody([{ name: 's', groups: [{ name: 'ring-0' }] }]) }), 201)
    const again = await ok(h.call('GET', RUN))
    expect(again.eTag).toBe(created.eTag)
    const started = await ok(h.call('POST', `${RUN}/start`, { headers: { 'if-match': String(created.eTag) } }))
    expect(started.eTag).not.toBe(created.eTag)
    h.clock.advance(5 * MINUTE)
    expect((await ok(h.call('GET', RUN))).eTag).toBe(started.eTag)
    h.clock.advance(5 * MINUTE)
    const moved = await ok(h.call('GET', RUN))
    expect(states(moved)).toMatchObject({ 's/ring-0/ring-0-1': 'Completed', 's/ring-0/ring-0-2': 'Running' })
    expect(moved.eTag).not.toBe(started.eTag)
    expect(liveRun(h, 'r').eTag).toBe(moved.eTag)
  })

  it.each([
    ['start', 'POST', '/start', undefined],
    ['stop', 'POST', '/stop', undefined],
    ['skip', 'POST', '/skip', { targets: [{ type: 'Member', name: 'ring-0-2' }] }],
    ['run PUT', 'PUT', '', runBody([{ name: 's', groups: [{ name: 'ring-0' }] }])],
    ['run DELETE', 'DELETE', '', undefined]
  ])('%s with a stale If-Match answers 412 PreconditionFailed and changes nothing', async (_name, method, suffix, body) => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2 })))
    seedUpdateRun(h.emu.state, F, 'r', runBody([{ name: 's', groups: [{ name: 'ring-0' }] }]), { start: method === 'POST' && suffix === '/stop' })
    const before = liveRun(h, 'r').eTag
    const res = await h.call(method, `${RUN}${suffix}`, {
      headers: { 'if-match': '"0f0f0f0f-0000-0000-0000-000000000000"' },
      ...(body === undefined ? {} : { body })
    })
    expect(res.status).toBe(412)
    expect(res.body).toEqual({ error: { code: 'PreconditionFailed', message: expect.stringContaining('If-Match') } })
    expect(liveRun(h, 'r').eTag).toBe(before)
  })

  it('member PATCH: If-Match, group and labels, system labels kept', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1 })))
    const got = await ok(h.call('GET', `${F}/members/ring-0-1`))
    const stale = await h.call('PATCH', `${F}/members/ring-0-1`, { body: { properties: { group: 'ring-9' } }, headers: { 'if-match': '"nope"' } })
    expect(stale.status).toBe(412)
    const patched = await ok(
      h.call('PATCH', `${F}/members/ring-0-1`, {
        body: { properties: { group: 'ring-9', labels: { tier: 'gold' } } },
        headers: { 'if-match': String(got.eTag) }
      })
    )
    expect(at(patched, 'properties.group')).toBe('ring-9')
    expect(at(patched, 'properties.labels')).toMatchObject({ tier: 'gold', 'fleet.azure.com/member-name': 'ring-0-1' })
    expect(patched.eTag).not.toBe(got.eTag)
    const reserved = await h.call('PATCH', `${F}/members/ring-0-1`, { body: { properties: { labels: { 'fleet.azure.com/location': 'x' } } } })
    expect(reserved.status).toBe(400)
  })
})

describe('skip and delete', () => {
  it('skipping a group skips its waiting members and gates; skipping a stage skips its wait and lets the next stage start', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2, 'ring-1': 1, 'ring-2': 1 })))
    const stages = [
      { name: 'a', afterStageWaitInSeconds: 7200, groups: [{ name: 'ring-0' }, { name: 'ring-1', afterGates: [{ type: 'Approval' }] }] },
      { name: 'b', groups: [{ name: 'ring-2' }] }
    ]
    seedUpdateRun(h.emu.state, F, 'r', runBody(stages), { start: true })
    h.clock.advance(11 * MINUTE)
    const gateId = String(at(await ok(h.call('GET', RUN)), 'properties.status.stages.0.groups.1.afterGates.0.gateId'))
    const afterGroup = await ok(h.call('POST', `${RUN}/skip`, { body: { targets: [{ type: 'Group', name: 'ring-1' }] } }))
    expect(states(afterGroup)).toMatchObject({
      'a/ring-1': 'Skipped',
      'a/ring-1/after/0': 'Skipped',
      'a/ring-1/ring-1-1': 'Completed',
      'a/ring-0/ring-0-2': 'Running'
    })
    expect(at(await ok(h.call('GET', gateId)), 'properties.state')).toBe('Skipped')
    const badMember = await h.call('POST', `${RUN}/skip`, { body: { targets: [{ type: 'Member', name: 'ring-0-2' }] } })
    expect(badMember.status).toBe(400)
    const unknown = await h.call('POST', `${RUN}/skip`, { body: { targets: [{ type: 'Stage', name: 'zzz' }] } })
    expect(unknown.status).toBe(400)
    const stage = await ok(h.call('POST', `${RUN}/skip`, { body: { targets: [{ type: 'Stage', name: 'a' }] } }))
    expect(states(stage)).toMatchObject({ a: 'Skipped', 'a/wait': 'Skipped', b: 'Running', 'b/ring-2/ring-2-1': 'Running' })
  })

  it('deleting a run deletes its gates; a run with members upgrading refuses (409)', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 1 })))
    seedUpdateRun(h.emu.state, F, 'r', runBody([{ name: 's', groups: [{ name: 'ring-0', afterGates: [{ type: 'Approval' }] }] }]), { start: true })
    expect((await h.call('DELETE', RUN)).status).toBe(409)
    h.clock.advance(HOUR)
    expect((obj((await h.call('GET', `${F}/gates`)).body).value as unknown[]).length).toBe(1)
    expect((await h.call('DELETE', RUN)).status).toBe(200)
    expect((await h.call('GET', RUN)).status).toBe(404)
    expect(obj((await h.call('GET', `${F}/gates`)).body).value).toEqual([])
    expect((await h.call('DELETE', RUN)).status).toBe(204)
  })
})

describe('paging', () => {
  it('lists page with an absolute nextLink; $top sets the page size', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 7 })), { pageSize: 5 })
    const names: string[] = []
    let next: string | undefined = `${F}/members`
    let pages = 0
    while (next !== undefined) {
      const body: Json = await ok(h.call('GET', next, pages === 0 ? { query: { $top: '3' } } : {}))
      names.push(...(body.value as Json[]).map(m => String(m.name)))
      next = body.nextLink === undefined ? undefined : String(body.nextLink)
      if (next !== undefined) expect(next.startsWith(`${h.emu.url}${F}/members?api-version=2026-06-01`)).toBe(true)
      pages++
    }
    expect(pages).toBe(3)
    expect(names).toEqual(membersOf({ 'ring-0': 7 }).map(m => m.name))
    const runs = await ok(h.call('GET', `${F}/updateRuns`))
    expect(runs).toEqual({ value: [] })
  })
})

describe('async LRO mode', () => {
  async function accepted(h: Harness, res: Response): Promise<Response> {
    expect(res.status, JSON.stringify(res.body)).toBe(202)
    expect(header(res, 'retry-after')).toBe('0')
    const aao = header(res, 'azure-asyncoperation') ?? ''
    const location = header(res, 'location') ?? ''
    expect(aao).toMatch(
      new RegExp(
        `/subscriptions/${SUB}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/locations/westeurope/operations/[0-9a-f-]{36}\\?api-version=2026-06-01$`
      )
    )
    expect(location).toMatch(/\/operationResults\/[0-9a-f-]{36}\?api-version=2026-06-01$/)
    expect(obj((await h.call('GET', aao)).body)).toMatchObject({ status: 'Succeeded', percentComplete: 100 })
    const final = await h.call('GET', location)
    expect(final.status).toBe(200)
    return final
  }

  it('every write answers as the contract says, and each Location GET answers 200 with the resource', async () => {
    const h = await emulator.start(fleetWith(membersOf({ 'ring-0': 2 }), { lroMode: 'async' }))
    const member = await accepted(h, await h.call('PATCH', `${F}/members/ring-0-2`, { body: { properties: { labels: { a: 'b' } } } }))
    expect(at(member.body, 'properties.labels.a')).toBe('b')
    const strategy = await h.call('PUT', `${F}/updateStrategies/s`, {
      body: { properties: { strategy: { stages: [{ name: 's', groups: [{ name: 'ring-0' }] }] } } }
    })
    expect(strategy.status).toBe(201)
    expect(header(strategy, 'azure-asyncoperation')).toMatch(/\/operations\//)
    const stages = [{ name: 's', groups: [{ name: 'ring-0', afterGates: [{ type: 'Approval' }] }] }]
    const created = await h.call('PUT', RUN, { body: runBody(stages) })
    expect(created.status).toBe(201)
    expect(obj((await h.call('GET', header(created, 'azure-asyncoperation') ?? '')).body).status).toBe('Succeeded')
    const started = await accepted(h, await h.call('POST', `${RUN}/start`))
    expect(at(started.body, 'properties.status.status.state')).toBe('Running')
    const skipped = await accepted(h, await h.call('POST', `${RUN}/skip`, { body: { targets: [{ type: 'Member', name: 'ring-0-2' }] } }))
    expect(states(skipped.body)).toMatchObject({ 's/ring-0/ring-0-2': 'Skipped' })
    const stopped = await accepted(h, await h.call('POST', `${RUN}/stop`))
    expect(at(stopped.body, 'properties.status.status.state')).toBe('Stopping')
    h.clock.advance(HOUR)
    await accepted(h, await h.call('POST', `${RUN}/start`))
    settleFleetManagers(h.emu.state)
    const gate = liveFleet(h).gates[0]
    const approved = await accepted(h, await h.call('PATCH', `${F}/gates/${gate?.name ?? ''}`, { body: { properties: { state: 'Completed' } } }))
    expect(at(approved.body, 'properties.state')).toBe('Completed')
    expect(at(obj((await h.call('GET', RUN)).body), 'properties.status.status.state')).toBe('Completed')
    const deleted = await accepted(h, await h.call('DELETE', RUN))
    expect(deleted.body).toBeUndefined()
    await accepted(h, await h.call('DELETE', `${F}/updateStrategies/s`))
  })
})
