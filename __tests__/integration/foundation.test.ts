// Issue 2: the action end to end, run as the GitHub runner runs dist/index.js, against the
// emulator. Assertions are on what Azure and GitHub received and on what the run reported.
import { describe, expect, it } from 'vitest'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import { NODE_IMAGES, type Fleet } from '../emulator/fleet.ts'
import { armWrites, clusterSeed, planRows, useEmulator } from './support.ts'

const SUB = '8f3c2a71-4b6e-4d19-9a5c-2e7b1f0d6c34'
const OLD_UBUNTU = 'AKSUbuntu-2204gen2containerd-202607.02.0'
const NEW_UBUNTU = 'AKSUbuntu-2204gen2containerd-202607.09.0'

/** Two clusters; dev has two stale pools and a current one, prod one stale pool. All on the newest patch. */
function fleet(overrides: { devSystem?: Record<string, unknown>; prodApps?: Record<string, unknown> } = {}): Fleet {
  return {
    subscriptions: { [SUB]: {} },
    clusters: [
      clusterSeed({
        subscriptionId: SUB,
        resourceGroup: 'rg-dev',
        name: 'aks-dev',
        kubernetesVersion: '1.35.6',
        agentPools: [
          {
            name: 'system',
            mode: 'System',
            orchestratorVersion: '1.35.6',
            nodeImageVersion: OLD_UBUNTU,
            latestNodeImageVersion: NEW_UBUNTU,
            ...overrides.devSystem
          },
          { name: 'apps', mode: 'User', orchestratorVersion: '1.35.6', nodeImageVersion: NEW_UBUNTU, latestNodeImageVersion: NEW_UBUNTU },
          {
            name: 'win22',
            mode: 'User',
            osType: 'Windows',
            osSKU: 'Windows2022',
            orchestratorVersion: '1.35.6',
            nodeImageVersion: NODE_IMAGES.windows2022Old,
            latestNodeImageVersion: NODE_IMAGES.windows2022
          }
        ]
      }),
      clusterSeed({
        subscriptionId: SUB,
        resourceGroup: 'rg-prod',
        name: 'aks-prod',
        kubernetesVersion: '1.35.6',
        agentPools: [
          { name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: NEW_UBUNTU, latestNodeImageVersion: NEW_UBUNTU },
          {
            name: 'apps',
            mode: 'User',
            orchestratorVersion: '1.35.6',
            nodeImageVersion: OLD_UBUNTU,
            latestNodeImageVersion: NEW_UBUNTU,
            ...overrides.prodApps
          }
        ]
      })
    ]
  } as Fleet
}

const CLUSTERS = 'rg-dev/aks-dev\nrg-prod/aks-prod'

// Each test names its operation duration; those that start no operation keep the emulator's default.
const { start } = useEmulator({})

describe('node-image refresh, end to end', () => {
  it('sends exactly one upgradeNodeImageVersion POST per stale pool, waits for them, and opens an issue', async () => {
    const emu = await start(fleet(), { operationDurationMs: 150 })
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image' })

    expect(result.code, result.stdout).toBe(0)
    expect(
      armWrites(emu)
        .map(r => `${r.method} ${r.path}`)
        .sort()
    ).toEqual(
      [
        `POST /subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.ContainerService/managedClusters/aks-dev/agentPools/system/upgradeNodeImageVersion`,
        `POST /subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.ContainerService/managedClusters/aks-dev/agentPools/win22/upgradeNodeImageVersion`,
        `POST /subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod/agentPools/apps/upgradeNodeImageVersion`
      ].sort()
    )
    // Azure really moved them (the run waited to the end).
    const dev = emu.state.fleet.clusters.find(c => c.name === 'aks-dev')
    expect(dev?.agentPools.map(p => p.nodeImageVersion)).toEqual([NEW_UBUNTU, NEW_UBUNTU, NODE_IMAGES.windows2022])
    expect(result.outputs['upgrades-started']).toBe('3')
    expect(result.outputs['upgrades-failed']).toBe('0')

    const rows = planRows(result)
    expect(rows).toHaveLength(7) // 2 control planes + 5 pools
    expect(
      rows
        .filter(r => r.action === 'node-image')
        .map(r => `${r.cluster}/${r.pool} ${r.result}`)
        .sort()
    ).toEqual(['aks-dev/system succeeded', 'aks-dev/win22 succeeded', 'aks-prod/apps succeeded'])
    // Current image; Kubernetes versions were not asked for (upgrade: node-image).
    expect(rows.find(r => r.cluster === 'aks-dev' && r.pool === 'apps')?.reason).toBe('not-selected')

    const issues = emu.state.github.issues
    expect(issues).toHaveLength(1)
    expect(issues[0]?.labels).toContain('aks-upgrade')
    expect(result.outputs['issue-number']).toBe(String(issues[0]?.number))
    expect(result.outputs['issue-url']).toMatch(/\/issues\/\d+$/)
    expect(issues[0]?.body).toContain('aks-dev')
    // The job summary carries a table per cluster.
    expect(result.summary).toContain('aks-prod')
    expect(result.summary).toMatch(/\| *Pool *\|/)
  })

  it('a second run updates the same issue instead of opening another', async () => {
    const emu = await start(fleet(), { operationDurationMs: 100 })
    const inputs = { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image' }
    const first = await runAction(emu, inputs)
    const second = await runAction(emu, inputs)
    expect(first.code).toBe(0)
    expect(second.code).toBe(0)
    expect(emu.state.github.issues).toHaveLength(1)
    expect(second.outputs['issue-number']).toBe(first.outputs['issue-number'])
    const edits = emu.requests.filter(r => r.service === 'github' && r.method === 'PATCH')
    expect(edits).toHaveLength(1)
    // The second run had nothing to do and says so.
    expect(second.outputs['upgrades-started']).toBe('0')
    expect(armWrites(emu).filter(r => r.at > (emu.requests.find(q => q.method === 'PATCH')?.at ?? 0))).toHaveLength(0)
  })

  it('dry-run sends no mutating request and reports what it would do', async () => {
    const emu = await start(fleet(), { operationDurationMs: 100 })
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image', 'dry-run': 'true' })
    expect(result.code, result.stdout).toBe(0)
    expect(armWrites(emu)).toEqual([])
    expect(planRows(result).filter(r => r.result === 'would-start')).toHaveLength(3)
    expect(result.outputs['upgrades-started']).toBe('0')
  })

  it('skips a pool whose operation is already running, with the reason', async () => {
    const emu = await start(fleet({ prodApps: { provisioningState: 'UpgradingNodeImageVersion', stuck: true } }), { operationDurationMs: 100 })
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image' })
    expect(result.code, result.stdout).toBe(0)
    expect(armWrites(emu).some(r => r.path.includes('aks-prod/agentPools/apps'))).toBe(false)
    const row = planRows(result).find(r => r.cluster === 'aks-prod' && r.pool === 'apps')
    expect(row?.reason).toBe('operation-in-progress')
    expect(row?.message).toMatch(/UpgradingNodeImageVersion/)
    expect(emu.state.github.issues[0]?.body).toMatch(/UpgradingNodeImageVersion/)
  })

  it('an operation that ends Failed fails the run and the issue shows the code and message', async () => {
    const emu = await start(
      fleet({
        devSystem: {
          failNextOperation: {
            code: 'PodDrainFailure',
            message:
              "Drain node aks-system-12345-vmss000001 failed when evicting pod payments-7d9: Cannot evict pod as it would violate the pod's disruption budget."
          }
        }
      }),
      { operationDurationMs: 100 }
    )
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image' })
    expect(result.code).not.toBe(0)
    expect(result.outputs['upgrades-failed']).toBe('1')
    const row = planRows(result).find(r => r.cluster === 'aks-dev' && r.pool === 'system')
    expect(row?.result).toBe('failed')
    expect(row?.error?.code).toBe('PodDrainFailure')
    const body = emu.state.github.issues[0]?.body ?? ''
    expect(body).toContain('PodDrainFailure')
    expect(body).toMatch(/disruption budget/)
    expect(body).toMatch(/kubectl get pdb/)
    // The failure is also in the log as an error annotation.
    expect(result.stdout).toMatch(/::error::.*PodDrainFailure/)
  })

  it('without the OIDC variables the run fails with the id-token permission hint and calls nothing in Azure', async () => {
    const emu = await start(fleet())
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS }, { withoutOidc: true })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/permissions: id-token: write/)
    expect(emu.requests.filter(r => r.service === 'arm' || r.service === 'aad')).toEqual([])
    // The job summary still explains the failure.
    expect(result.summary).toMatch(/id-token: write/)
  })

  it('keeps working when tokens live shorter than the run (2-second tokens, longer operations)', async () => {
    const emu = await start(fleet(), { tokenLifetimeSeconds: 2, operationDurationMs: 2500 })
    const result = await runAction(emu, { ...baseInputs(emu), 'resource-group': 'rg-prod', 'cluster-name': 'aks-prod', upgrade: 'node-image' })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.outputs['upgrades-started']).toBe('1')
    expect(planRows(result).find(r => r.pool === 'apps')?.result).toBe('succeeded')
    // More than one token was needed, each from a fresh GitHub ID token.
    expect(emu.state.aad.tokensIssued).toBeGreaterThan(1)
    expect(emu.requests.filter(r => r.service === 'oidc').length).toBeGreaterThan(1)
    // No ARM request was refused for an expired token.
    expect(armWrites(emu).length).toBe(1)
  })

  it('a bad input fails before any request, naming the input, the value and what is allowed', async () => {
    const emu = await start(fleet())
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image,kernel' })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(/Invalid upgrade 'node-image,kernel'.*'node-image', 'patch', 'minor'/)
    expect(emu.requests).toEqual([])
  })

  it('labels and history comments are best effort: the report issue is what must be written', async () => {
    const emu = await start(fleet(), { operationDurationMs: 100 })
    // A GitHub API without the labels endpoints, and one that refuses comments.
    emu.inject({ path: /\/labels(\/|$)/, status: 404, body: { message: 'Not Found' }, count: Infinity })
    emu.inject({ method: 'POST', path: /\/comments$/, status: 403, body: { message: 'Resource not accessible by integration' }, count: Infinity })
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image' })
    expect(result.code, result.stdout).toBe(0)
    expect(emu.state.github.issues).toHaveLength(1)
    expect(result.outputs['issue-number']).toBe(String(emu.state.github.issues[0]?.number))
    expect(result.stdout).toMatch(/::warning::.*history comment could not be added/)
  })

  it('a pool whose upgrade profile cannot be read is held with the reason; the rest of the cluster goes on', async () => {
    const emu = await start(fleet(), { operationDurationMs: 100 })
    emu.inject({
      method: 'GET',
      path: /aks-dev\/agentPools\/win22\/upgradeProfiles\/default$/,
      status: 403,
      body: { error: { code: 'AuthorizationFailed', message: 'no access to the upgrade profile' } },
      count: Infinity
    })
    const result = await runAction(emu, { ...baseInputs(emu), clusters: CLUSTERS, upgrade: 'node-image', issue: 'off' })
    expect(result.code, result.stdout).toBe(0)
    const rows = planRows(result)
    expect(rows.find(r => r.cluster === 'aks-dev' && r.pool === 'win22')?.reason).toBe('no-image-info')
    expect(rows.find(r => r.cluster === 'aks-dev' && r.pool === 'system')?.result).toBe('succeeded')
    expect(armWrites(emu).some(r => r.path.includes('win22'))).toBe(false)
    expect(result.summary).toMatch(/agentPools\/upgradeProfiles\/read/)
  })

  it('a cluster that does not exist is reported and the run fails only when nothing could be read', async () => {
    const emu = await start(fleet())
    const one = await runAction(emu, { ...baseInputs(emu), clusters: 'rg-dev/aks-dev, rg-dev/aks-missing', upgrade: 'node-image', 'dry-run': 'true' })
    expect(one.code, one.stdout).toBe(0)
    expect(one.summary).toMatch(/aks-missing/)
    const none = await runAction(emu, { ...baseInputs(emu), clusters: 'rg-dev/aks-missing', upgrade: 'node-image', 'dry-run': 'true' })
    expect(none.code).not.toBe(0)
  })
})
