// Kubernetes patch and minor upgrades (issue 3), end to end: dist/index.js against the
// emulator. The assertions are on what reached ARM (method, path, If-Match, body), on the
// fleet afterwards and on the `plan` output, never on timing.
import { describe, expect, it } from 'vitest'
import { DEFAULT_MINORS, NODE_IMAGES, PREVIEW_MINOR, kubernetesVersionsFrom } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet, PoolSeed } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { Emulator, RecordedRequest } from '../emulator/server.ts'
import { armWrites, clusterSeed, expectSuccess, label, liveCluster, livePool, planRow, planRows, useEmulator } from './support.ts'

const SUB = '3e9b7c51-6d2a-4f80-b1c4-8a5d2e7f9c36'
const RG = 'rg-it-versions'
/** A fixed eTag so the test knows what the GET handed out before the run changes it. */
const CLUSTER_ETAG = 'a3f1c9e2-5b7d-4e60-9c18-2d4b6f8a0e57'

// ---------------------------------------------------------------------------
// Fleet builders

function pool(name: string, overrides: Partial<PoolSeed> = {}): PoolSeed {
  return {
    name,
    mode: 'User',
    osType: 'Linux',
    osSKU: 'Ubuntu',
    orchestratorVersion: '1.35.5',
    nodeImageVersion: NODE_IMAGES.ubuntu2204Old,
    ...overrides
  }
}

function cluster(name: string, version: string, pools: PoolSeed[], overrides: Partial<ClusterSeed> = {}): ClusterSeed {
  return clusterSeed({
    subscriptionId: SUB,
    resourceGroup: RG,
    name,
    tags: { environment: 'test' },
    kubernetesVersion: version,
    agentPools: pools,
    ...overrides
  })
}

function fleetOf(...clusters: ClusterSeed[]): Fleet {
  return { subscriptions: { [SUB]: {} }, clusters }
}

// ---------------------------------------------------------------------------
// Reading what happened

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function armRequests(emu: Emulator): RecordedRequest[] {
  return emu.requests.filter(r => r.service === 'arm')
}

function properties(r: RecordedRequest): Record<string, unknown> {
  const props = isRecord(r.body) ? r.body.properties : undefined
  if (!isRecord(props)) throw new Error(`${label(r)} carried no properties: ${JSON.stringify(r.body)}`)
  return props
}

/** The version a PUT asks for: kubernetesVersion (cluster) or orchestratorVersion (pool). */
function requestedVersion(r: RecordedRequest): unknown {
  const props = properties(r)
  return r.path.toLowerCase().includes('/agentpools/') ? props.orchestratorVersion : props.kubernetesVersion
}

function unquote(eTag: string | undefined): string | undefined {
  return eTag?.replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
}

function inputsFor(emu: Emulator, clusterName: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseInputs(emu), 'resource-group': RG, 'cluster-name': clusterName, issue: 'off', ...extra }
}

// ---------------------------------------------------------------------------

const { start } = useEmulator()

describe('patch upgrade', () => {
  it('upgrades the control plane with If-Match on the eTag it read, then each pool by PUT, system pools first, and no node-image call on those pools', async () => {
    // `apps` sorts before `system`: the order seen must come from the pool mode, not the name.
    const e = await start(
      fleetOf(
        cluster(
          'aks-patch',
          '1.35.5',
          [
            pool('apps'),
            pool('system', { mode: 'System' }),
            pool('win22', { osType: 'Windows', osSKU: 'Windows2022', nodeImageVersion: NODE_IMAGES.windows2022Old })
          ],
          { eTag: CLUSTER_ETAG }
        )
      )
    )

    const result = await runAction(e, inputsFor(e, 'aks-patch'))
    expectSuccess(result)

    const writes = armWrites(e)
    expect(writes.map(label).slice(0, 2)).toEqual(['PUT aks-patch', 'PUT aks-patch/agentPools/system'])
    expect(writes.map(label).slice(2).sort()).toEqual(['PUT aks-patch/agentPools/apps', 'PUT aks-patch/agentPools/win22'])
    expect(writes.map(requestedVersion)).toEqual(['1.35.6', '1.35.6', '1.35.6', '1.35.6'])
    expect(armRequests(e).some(r => /upgradeNodeImageVersion$/i.test(r.path))).toBe(false)

    // The control plane PUT carries the eTag the GET returned and changes nothing but the version.
    const [cpPut] = writes
    if (cpPut === undefined) throw new Error('no control plane PUT')
    const all = armRequests(e)
    const get = all.findIndex(r => r.method === 'GET' && label(r) === 'GET aks-patch')
    expect(get).toBeGreaterThanOrEqual(0)
    expect(get).toBeLessThan(all.indexOf(cpPut))
    expect(unquote(cpPut.headers['if-match'])).toBe(CLUSTER_ETAG)
    const cpBody = properties(cpPut)
    const profiles = Array.isArray(cpBody.agentPoolProfiles) ? cpBody.agentPoolProfiles : []
    // Without this the loop below would pass on a PUT that carries no pool at all.
    expect(profiles.length, 'agentPoolProfiles in the control-plane PUT').toBe(3)
    for (const p of profiles) {
      // A changed pool version here would make AKS upgrade that pool together with the control plane.
      if (isRecord(p)) expect(p.orchestratorVersion, `agentPoolProfiles[${String(p.name)}]`).toBe('1.35.5')
    }
    expect(isRecord(cpPut.body) ? cpPut.body.tags : undefined).toEqual({ environment: 'test' })

    // One operation at a time: each request arrives after the previous operation ended.
    for (let i = 1; i < writes.length; i++) {
      const previous = e.state.operations[i - 1]
      const next = writes[i]
      expect(previous?.status).toBe('Succeeded')
      expect(previous?.endTime ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(next?.at ?? 0)
    }

    const live = liveCluster(e, 'aks-patch')
    expect(live.currentKubernetesVersion).toBe('1.35.6')
    for (const p of live.agentPools) {
      expect({ pool: p.name, version: p.currentOrchestratorVersion, image: p.nodeImageVersion }).toEqual({
        pool: p.name,
        version: '1.35.6',
        image: p.latestNodeImageVersion
      })
    }

    const plan = planRows(result)
    expect(planRow(plan, 'aks-patch', null)).toMatchObject({
      action: 'patch',
      reason: 'upgrade-due',
      kubernetesVersion: { current: '1.35.5', target: '1.35.6' },
      result: 'succeeded'
    })
    for (const name of ['system', 'apps', 'win22']) {
      const r = planRow(plan, 'aks-patch', name)
      expect(r).toMatchObject({ action: 'patch', kubernetesVersion: { current: '1.35.5', target: '1.35.6' }, result: 'succeeded' })
      expect(r.nodeImageVersion?.target).toBe(livePool(e, 'aks-patch', name).latestNodeImageVersion)
    }
    expect(result.outputs['upgrades-started']).toBe('4')
    expect(result.outputs['upgrades-failed']).toBe('0')
  })

  it('lists the Kubernetes versions of a location once per run, not once per cluster', async () => {
    const upToDate = (name: string, location: string): ClusterSeed => cluster(name, '1.35.5', [pool('system', { mode: 'System' })], { location })
    const e = await start(fleetOf(upToDate('aks-weu-1', 'westeurope'), upToDate('aks-weu-2', 'westeurope'), upToDate('aks-neu-1', 'northeurope')))
    const result = await runAction(e, {
      ...baseInputs(e),
      clusters: `${RG}/aks-weu-1, ${RG}/aks-weu-2, ${RG}/aks-neu-1`,
      'dry-run': 'true',
      issue: 'off'
    })
    expectSuccess(result)
    const lists = armRequests(e)
      .filter(r => /\/kubernetesVersions$/i.test(r.path))
      .map(r => r.path.split('/')[6]?.toLowerCase())
    expect(lists.sort()).toEqual(['northeurope', 'westeurope'])
    expect(armWrites(e)).toEqual([])
  })
})

describe('minor upgrade', () => {
  it('moves one minor per run even when the upgrade profile offers two', async () => {
    // The profile offers 1.35 and 1.36: the jump to 1.36 must not happen in one step,
    // although the emulator (like an over-generous profile) would accept it.
    const e = await start(
      fleetOf(
        cluster(
          'aks-minor',
          '1.34.9',
          [
            pool('apps', { orchestratorVersion: '1.34.9', nodeImageVersion: NODE_IMAGES.ubuntu2204 }),
            pool('system', { mode: 'System', orchestratorVersion: '1.34.9', nodeImageVersion: NODE_IMAGES.ubuntu2204 })
          ],
          {
            controlPlaneUpgrades: ['1.35.5', '1.35.6', '1.36.1', '1.36.2'].map(kubernetesVersion => ({ kubernetesVersion }))
          }
        )
      )
    )
    const inputs = inputsFor(e, 'aks-minor', { upgrade: 'node-image,patch,minor' })

    const first = await runAction(e, inputs)
    expectSuccess(first)
    expect(armWrites(e).map(r => `${label(r)} ${String(requestedVersion(r))}`)).toEqual([
      'PUT aks-minor 1.35.6',
      'PUT aks-minor/agentPools/system 1.35.6',
      'PUT aks-minor/agentPools/apps 1.35.6'
    ])
    expect(planRow(planRows(first), 'aks-minor', null)).toMatchObject({ action: 'minor', kubernetesVersion: { current: '1.34.9', target: '1.35.6' } })
    expect(liveCluster(e, 'aks-minor').currentKubernetesVersion).toBe('1.35.6')
    expect(liveCluster(e, 'aks-minor').agentPools.map(p => p.currentOrchestratorVersion)).toEqual(['1.35.6', '1.35.6'])

    // The next run takes the next minor, and only that one.
    const before = e.requests.length
    const second = await runAction(e, inputs)
    expectSuccess(second)
    expect(armWrites(e, before).map(r => `${label(r)} ${String(requestedVersion(r))}`)).toEqual([
      'PUT aks-minor 1.36.2',
      'PUT aks-minor/agentPools/system 1.36.2',
      'PUT aks-minor/agentPools/apps 1.36.2'
    ])
    expect(planRow(planRows(second), 'aks-minor', null)).toMatchObject({
      action: 'minor',
      kubernetesVersion: { current: '1.35.6', target: '1.36.2' }
    })
  })
})

describe('AKS auto-upgrade channel', () => {
  const channelFleet = (): Fleet =>
    fleetOf(
      cluster(
        'aks-channel',
        '1.35.5',
        [
          pool('apps'), // an older node image: node images stay this workflow's job
          pool('system', { mode: 'System', nodeImageVersion: NODE_IMAGES.ubuntu2204 })
        ],
        { autoUpgradeProfile: { upgradeChannel: 'patch', nodeOSUpgradeChannel: 'None' } }
      )
    )

  it('holds version upgrades while the channel owns the version (aks-auto-upgrade: respect, the default)', async () => {
    const e = await start(channelFleet())
    const result = await runAction(e, inputsFor(e, 'aks-channel'))
    expectSuccess(result)

    expect(armWrites(e).map(label)).toEqual(['POST aks-channel/agentPools/apps/upgradeNodeImageVersion'])
    const cp = planRow(planRows(result), 'aks-channel', null)
    expect(cp).toMatchObject({ action: 'none', reason: 'aks-auto-upgrade-channel', kubernetesVersion: { current: '1.35.5' } })
    expect(cp.message).toContain("'patch'")
    expect(cp.message).toContain('aks-auto-upgrade: override')
    expect(liveCluster(e, 'aks-channel').currentKubernetesVersion).toBe('1.35.5')
  })

  it('upgrades the version with aks-auto-upgrade: override', async () => {
    const e = await start(channelFleet())
    const result = await runAction(e, inputsFor(e, 'aks-channel', { 'aks-auto-upgrade': 'override' }))
    expectSuccess(result)

    expect(armWrites(e).map(r => `${label(r)} ${String(requestedVersion(r))}`)).toEqual([
      'PUT aks-channel 1.35.6',
      'PUT aks-channel/agentPools/system 1.35.6',
      'PUT aks-channel/agentPools/apps 1.35.6'
    ])
    expect(planRow(planRows(result), 'aks-channel', null)).toMatchObject({ action: 'patch', reason: 'upgrade-due', result: 'succeeded' })
  })
})

describe('preview versions', () => {
  const previewFleet = (): Fleet => ({
    ...fleetOf(
      cluster('aks-preview', '1.36.2', [pool('system', { mode: 'System', orchestratorVersion: '1.36.2', nodeImageVersion: NODE_IMAGES.ubuntu2204 })])
    ),
    // 1.36.2 is the newest GA patch; only the preview minor 1.37 is newer.
    kubernetesVersions: { default: kubernetesVersionsFrom([...DEFAULT_MINORS, PREVIEW_MINOR]) }
  })

  it('does not take a version that only exists as a preview', async () => {
    const e = await start(previewFleet())
    const result = await runAction(e, inputsFor(e, 'aks-preview', { upgrade: 'node-image,patch,minor' }))
    expectSuccess(result)

    expect(armWrites(e)).toEqual([])
    expect(planRow(planRows(result), 'aks-preview', null)).toMatchObject({
      action: 'none',
      reason: 'preview-only',
      kubernetesVersion: { current: '1.36.2', target: '1.37.0' }
    })
    expect(result.outputs['upgrades-started']).toBe('0')
  })

  it('takes it with allow-preview: true', async () => {
    const e = await start(previewFleet())
    const result = await runAction(e, inputsFor(e, 'aks-preview', { upgrade: 'node-image,patch,minor', 'allow-preview': 'true' }))
    expectSuccess(result)

    expect(armWrites(e).map(r => `${label(r)} ${String(requestedVersion(r))}`)).toEqual([
      'PUT aks-preview 1.37.0',
      'PUT aks-preview/agentPools/system 1.37.0'
    ])
  })
})

describe('pools behind the control plane', () => {
  it('brings a pool up to the control plane patch by pool PUT, and a pool a minor behind only with minor', async () => {
    // 1.36.2 is the newest version, so the control plane itself has nothing to do.
    const e = await start(
      fleetOf(
        cluster('aks-behind', '1.36.2', [
          pool('apps', { orchestratorVersion: '1.36.1' }), // same minor, a patch behind, old image
          pool('batch', { orchestratorVersion: '1.35.6', nodeImageVersion: NODE_IMAGES.ubuntu2204 }), // a minor behind
          pool('system', { mode: 'System', orchestratorVersion: '1.36.2', nodeImageVersion: NODE_IMAGES.ubuntu2204 })
        ])
      )
    )

    const patchRun = await runAction(e, inputsFor(e, 'aks-behind'))
    expectSuccess(patchRun)
    // The version upgrade brings the newest image: no separate node-image POST for apps.
    expect(armWrites(e).map(r => `${label(r)} ${String(requestedVersion(r))}`)).toEqual(['PUT aks-behind/agentPools/apps 1.36.2'])
    const plan = planRows(patchRun)
    expect(planRow(plan, 'aks-behind', null)).toMatchObject({ action: 'none', reason: 'up-to-date' })
    expect(planRow(plan, 'aks-behind', 'apps')).toMatchObject({
      action: 'patch',
      kubernetesVersion: { current: '1.36.1', target: '1.36.2' },
      result: 'succeeded'
    })
    expect(planRow(plan, 'aks-behind', 'batch')).toMatchObject({
      action: 'none',
      reason: 'not-selected',
      kubernetesVersion: { current: '1.35.6', target: '1.36.2' }
    })
    expect(planRow(plan, 'aks-behind', 'system')).toMatchObject({ action: 'none', reason: 'up-to-date' })
    expect(livePool(e, 'aks-behind', 'apps')).toMatchObject({ currentOrchestratorVersion: '1.36.2', nodeImageVersion: NODE_IMAGES.ubuntu2204 })
    expect(livePool(e, 'aks-behind', 'batch').currentOrchestratorVersion).toBe('1.35.6')

    const before = e.requests.length
    const minorRun = await runAction(e, inputsFor(e, 'aks-behind', { upgrade: 'node-image,patch,minor' }))
    expectSuccess(minorRun)
    const writes = armWrites(e, before)
    expect(writes.map(r => `${label(r)} ${String(requestedVersion(r))}`)).toEqual(['PUT aks-behind/agentPools/batch 1.36.2'])
    expect(planRow(planRows(minorRun), 'aks-behind', 'batch')).toMatchObject({ action: 'minor', result: 'succeeded' })
    expect(livePool(e, 'aks-behind', 'batch').currentOrchestratorVersion).toBe('1.36.2')
  })
})
