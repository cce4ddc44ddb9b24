// Pre-flight end to end: dist/index.js against the emulator, which now answers Compute SKUs and
// usages, virtual network usages, listClusterUserCredential and a small Kubernetes API, and
// fails an operation the way AKS does when the surge does not fit (QuotaExceeded, SubnetIsFull)
// or a PodDisruptionBudget blocks the drain. What ran at once is read from the emulator's
// operation records, never from wall-clock luck.
import { describe, expect, it } from 'vitest'
import { kubernetesVersionsFrom, NODE_IMAGES } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet, PoolSeed } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { peakInFlight } from '../emulator/timeline.ts'
import { armWrites, clusterSeed, expectSuccess, label, livePool, planRow, planRows, useEmulator } from './support.ts'

const SUB = '3f1c9a27-5d84-4e6b-9a0c-7e2b4d6f8a13'
const RG = 'rg-it-preflight'
const NOW = '2026-11-28T21:30:00Z'
const VNET = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-spoke`
const SUBNET = `${VNET}/subnets/aks-nodes`

/** A Standard_D4s_v3 pool (standardDSv3Family, 4 vCPUs a node) of two nodes, one surge node, last week's image. */
function pool(name: string, fields: Partial<PoolSeed> = {}): PoolSeed {
  return {
    name,
    mode: name === 'system' ? 'System' : 'User',
    osType: 'Linux',
    osSKU: 'Ubuntu',
    count: 2,
    vmSize: 'Standard_D4s_v3',
    orchestratorVersion: '1.35.6',
    nodeImageVersion: NODE_IMAGES.ubuntu2204Old,
    upgradeSettings: { maxSurge: '1' },
    ...fields
  }
}

function cluster(name: string, agentPools: PoolSeed[], fields: Partial<ClusterSeed> = {}): ClusterSeed {
  return clusterSeed({ subscriptionId: SUB, resourceGroup: RG, name, kubernetesVersion: '1.35.6', agentPools, ...fields })
}

/** The fleet with a standardDSv3Family quota of `limit` vCPUs in westeurope (its nodes use the rest). */
function fleetOf(clusters: ClusterSeed[], extra: Partial<Fleet> = {}, limit = 1000): Fleet {
  return {
    subscriptions: { [SUB]: {} },
    clusters,
    compute: { usages: { [`${SUB}/westeurope`]: { standardDSv3Family: { limit } as { currentValue: number; limit: number } } } },
    ...extra
  }
}

function inputs(e: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseInputs(e), clusters: e.state.fleet.clusters.map(c => `${c.resourceGroup}/${c.name}`).join('\n'), issue: 'off', ...extra }
}

const at = { env: { AKS_UPGRADE_PILOT_TEST_NOW: NOW } }

function imagePosts(e: Emulator): string[] {
  return armWrites(e)
    .filter(r => /\/upgradeNodeImageVersion$/i.test(r.path))
    .map(label)
    .sort()
}

/** The summary between a heading and the next one. */
function section(summary: string, heading: string): string {
  const startAt = summary.indexOf(heading)
  if (startAt < 0) return ''
  const next = summary.indexOf('\n### ', startAt + 1)
  return summary.slice(startAt, next < 0 ? undefined : next)
}

const { start } = useEmulator({ operationDurationMs: 150 })

describe('quota', () => {
  // Two pools of 2 × 4 vCPUs use 16; a limit of 22 leaves 6 free: one surge node (4) fits, two (8) do not.
  it('runs the second pool after the first when both surges do not fit at once (max-parallel-pools: 2)', async () => {
    const e = await start(fleetOf([cluster('aks-quota', [pool('apps1'), pool('apps2')])], {}, 22))
    const result = await runAction(e, inputs(e, { 'max-parallel-pools': '2' }), at)
    expectSuccess(result)
    const ops = e.state.operations.filter(o => o.cluster === 'aks-quota')
    expect(ops.map(o => [o.pool, o.status]).sort()).toEqual([
      ['apps1', 'Succeeded'],
      ['apps2', 'Succeeded']
    ])
    expect(peakInFlight(ops)).toBe(1)
    expect(result.stdout).toMatch(/Queued aks-quota\/apps\d: node-image .* waits for 4 vCPUs of standardDSv3Family in westeurope/)
  })

  it('without the limit both start at once (the emulator would fail the second one otherwise)', async () => {
    const e = await start(fleetOf([cluster('aks-roomy', [pool('apps1'), pool('apps2')])], {}, 100))
    expectSuccess(await runAction(e, inputs(e, { 'max-parallel-pools': '2' }), at))
    expect(peakInFlight(e.state.operations.filter(o => o.cluster === 'aks-roomy'))).toBe(2)
  })

  it('holds a pool whose surge never fits, with the numbers, and refreshes the one that fits', async () => {
    // system: 2 × 4 vCPUs; big: 2 × 4 with maxSurge 2 (8 vCPUs). 16 used, limit 22: 6 free.
    const e = await start(fleetOf([cluster('aks-tight', [pool('system'), pool('big', { upgradeSettings: { maxSurge: '2' } })])], {}, 22))
    const result = await runAction(e, inputs(e), at)
    expectSuccess(result)
    expect(imagePosts(e)).toEqual(['POST aks-tight/agentPools/system/upgradeNodeImageVersion'])
    expect(planRow(planRows(result), 'aks-tight', 'big')).toMatchObject({
      action: 'node-image',
      reason: 'upgrade-due',
      result: 'pending',
      hold: {
        reason: 'preflight-quota',
        detail: 'needs 8 vCPUs of standardDSv3Family in westeurope (2 surge nodes × 4 vCPUs of Standard_D4s_v3), 6 free (limit 22, 16 used)'
      }
    })
    expect(section(result.summary, '### 🔎 Pre-flight predictions')).toMatch(/raise the quota .* or lower upgradeSettings\.maxSurge of pool big/)
  })

  it('lists a 403 on the Compute usages as a check not run, with the role action, and upgrades anyway', async () => {
    const e = await start(fleetOf([cluster('aks-noquota', [pool('apps')])], { compute: { forbiddenUsages: ['*'] } }))
    const result = await runAction(e, inputs(e), at)
    expectSuccess(result)
    expect(imagePosts(e)).toEqual(['POST aks-noquota/agentPools/apps/upgradeNodeImageVersion'])
    expect(result.summary).toContain('<details><summary>Checks not run (1)</summary>')
    expect(result.summary).toContain('`Microsoft.Compute/locations/usages/read`')
  })
})

describe('subnet', () => {
  // A /28: 16 addresses less Azure's 5. Classic Azure CNI takes 1 + maxPods (31) per surge node.
  it.each([
    { name: 'classic Azure CNI with maxPods 30 is held', networkProfile: { networkPlugin: 'azure' }, held: true },
    { name: 'Azure CNI Overlay is fine', networkProfile: { networkPlugin: 'azure', networkPluginMode: 'overlay' }, held: false }
  ])('a /28 node subnet: $name', async ({ networkProfile, held }) => {
    const e = await start(
      fleetOf([cluster('aks-subnet', [pool('apps', { count: 1, maxPods: 30, vnetSubnetID: SUBNET })], { networkProfile })], {
        virtualNetworks: [{ id: VNET, subnets: [{ name: 'aks-nodes', limit: 11, currentValue: held ? 5 : 1 }] }]
      })
    )
    const result = await runAction(e, inputs(e), at)
    expectSuccess(result)
    const row = planRow(planRows(result), 'aks-subnet', 'apps')
    if (held) {
      expect(imagePosts(e)).toEqual([])
      expect(row.hold).toMatchObject({ reason: 'preflight-subnet' })
      expect(row.hold?.detail).toMatch(/^needs 31 addresses in subnet aks-nodes .* 6 free of 11$/)
    } else {
      expect(row).toMatchObject({ result: 'succeeded', hold: null })
    }
  })
})

describe('PodDisruptionBudgets', () => {
  /** Three `web` pods on the apps pool behind a PDB with minAvailable 3: no eviction is allowed. */
  function pdbCluster(apps: Partial<PoolSeed> = {}, fields: Partial<ClusterSeed> = {}): ClusterSeed {
    return cluster('aks-pdb', [pool('system'), pool('apps', apps)], {
      aadProfile: { managed: true, enableAzureRBAC: true },
      kubernetes: {
        pods: [0, 1, 2].map(i => ({ metadata: { name: `web-${i}`, namespace: 'shop', labels: { app: 'web' } }, pool: 'apps' })),
        pdbs: [{ metadata: { name: 'web', namespace: 'shop' }, spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } } }]
      },
      ...fields
    })
  }

  it('holds the apps pool and refreshes system (Entra token for the AKS server application)', async () => {
    const e = await start(fleetOf([pdbCluster()]))
    const result = await runAction(e, inputs(e), at)
    expectSuccess(result)
    expect(imagePosts(e)).toEqual(['POST aks-pdb/agentPools/system/upgradeNodeImageVersion'])
    const apps = planRow(planRows(result), 'aks-pdb', 'apps')
    expect(apps.hold).toMatchObject({ reason: 'preflight-pdb' })
    expect(apps.hold?.detail).toContain('shop/web (minAvailable 3; 3 of 3 pods healthy, 3 required, 0 disruptions allowed)')
    expect(section(result.summary, '### 🔎 Pre-flight predictions')).toMatch(/undrainableNodeBehavior: Cordon/)
    // The API server saw a bearer token, and nothing but reads.
    const kube = e.requests.filter(r => r.service === 'kube')
    expect(kube.length).toBeGreaterThan(0)
    expect(kube.every(r => r.method === 'GET')).toBe(true)
  })

  it('warns and runs when the pool cordons nodes it cannot drain', async () => {
    const e = await start(fleetOf([pdbCluster({ upgradeSettings: { maxSurge: '1', undrainableNodeBehavior: 'Cordon' } })]))
    const result = await runAction(e, inputs(e), at)
    expectSuccess(result)
    expect(imagePosts(e)).toEqual(['POST aks-pdb/agentPools/apps/upgradeNodeImageVersion', 'POST aks-pdb/agentPools/system/upgradeNodeImageVersion'])
    expect(section(result.summary, '### 🔎 Pre-flight predictions')).toContain('pdb: warning')
  })

  it('lists a private cluster under checks not run and upgrades it', async () => {
    const e = await start(
      fleetOf([
        cluster('aks-pdb', [pool('system'), pool('apps')], { aadProfile: { managed: true }, apiServerAccessProfile: { enablePrivateCluster: true } })
      ])
    )
    const result = await runAction(e, inputs(e), at)
    expectSuccess(result)
    expect(imagePosts(e)).toHaveLength(2)
    expect(livePool(e, 'aks-pdb', 'apps').nodeImageVersion).toBe(NODE_IMAGES.ubuntu2204)
    expect(result.summary).toMatch(/API server not reachable \(private cluster\? use a self-hosted runner in the VNet\)/)
  })
})

describe('dry run and policy', () => {
  function mixed(): Fleet {
    return fleetOf(
      [
        cluster('aks-tight', [pool('system'), pool('big', { upgradeSettings: { maxSurge: '2' } })]),
        cluster('aks-pdb', [pool('apps')], {
          kubernetes: {
            pods: [{ metadata: { name: 'db-0', namespace: 'data', labels: { app: 'db' } }, pool: 'apps' }],
            pdbs: [{ metadata: { name: 'db', namespace: 'data' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } } }]
          }
        })
      ],
      {},
      22 + 8
    )
  }

  it('dry-run shows every prediction and starts nothing', async () => {
    const e = await start(mixed())
    const result = await runAction(e, inputs(e, { 'dry-run': 'true' }), at)
    expectSuccess(result)
    expect(armWrites(e).filter(r => !/listClusterUserCredential$/i.test(r.path))).toEqual([])
    const rows = planRows(result)
    expect(planRow(rows, 'aks-tight', 'big').hold?.reason).toBe('preflight-quota')
    expect(planRow(rows, 'aks-pdb', 'apps').hold?.reason).toBe('preflight-pdb')
    expect(planRow(rows, 'aks-tight', 'system').result).toBe('would-start')
    expect(section(result.summary, '### 🔎 Pre-flight predictions (2)')).not.toBe('')
  })

  it('preflight-failures: warn starts them anyway and keeps the predictions', async () => {
    const e = await start(mixed())
    const result = await runAction(e, inputs(e, { 'preflight-failures': 'warn' }), at)
    // The emulator fails them as AKS would: the prediction was right.
    expect(result.code).not.toBe(0)
    const rows = planRows(result)
    expect(planRow(rows, 'aks-tight', 'big')).toMatchObject({ result: 'failed', error: { code: 'QuotaExceeded' } })
    expect(section(result.summary, '### 🔎 Pre-flight predictions (2)')).toContain('starts anyway (preflight-failures: warn)')
  })

  it('preflight: none reads nothing extra', async () => {
    const e = await start(mixed())
    expectSuccess(await runAction(e, inputs(e, { preflight: 'none', 'dry-run': 'true' }), at))
    expect(e.requests.filter(r => /Microsoft\.(Compute|Network)|listClusterUserCredential/i.test(r.path) || r.service === 'kube')).toEqual([])
  })
})

describe('deprecated APIs and a minor upgrade', () => {
  const minorInputs = (e: Emulator, extra: Record<string, string> = {}): Record<string, string> =>
    inputs(e, { upgrade: 'node-image,patch,minor', ...extra })

  it('holds the control plane minor while the API server serves APIs it removes, and still refreshes node images', async () => {
    const e = await start(
      fleetOf(
        [
          cluster('aks-minor', [pool('system', { orchestratorVersion: '1.31.9' })], {
            kubernetes: {
              deprecatedApis: [{ group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta3', resource: 'flowschemas', removed_release: '1.32' }]
            },
            kubernetesVersion: '1.31.9'
          })
        ],
        {
          kubernetesVersions: {
            default: kubernetesVersionsFrom([
              { version: '1.31', patches: ['1.31.9'] },
              { version: '1.32', patches: ['1.32.7'], isDefault: true }
            ])
          }
        }
      )
    )
    const result = await runAction(e, minorInputs(e), at)
    expectSuccess(result)
    const cp = planRow(planRows(result), 'aks-minor', null)
    expect(cp).toMatchObject({ action: 'minor', result: 'pending', hold: { reason: 'preflight-deprecated-api' } })
    expect(cp.hold?.detail).toBe(
      'the API server still serves requests for 1 API that 1.32 removes: flowcontrol.apiserver.k8s.io/v1beta3 flowschemas (removed in 1.32)'
    )
    expect(armWrites(e).map(label)).toEqual(['POST aks-minor/agentPools/system/upgradeNodeImageVersion'])
    expect(e.requests.some(r => r.service === 'kube' && r.path.endsWith('/metrics'))).toBe(true)
  })

  it('shows the usage details of UpgradeBlockedOnDeprecatedAPIUsage as a table', async () => {
    const usage =
      'Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version. Please refer to https://kubernetes.io/docs/reference/using-api/deprecation-guide to migrate the usage. ' +
      'AKS records the usage over the last 12 hours, so you may need to wait that long after migrating before this error stops. To bypass this error, set forceUpgrade in upgradeSettings.overrideSettings. ' +
      'Bypassing this error without migrating usage will result in the deprecated Kubernetes API calls failing. See details in https://aka.ms/aks/UpgradeAndDeprecatedAPIs. ' +
      'Usage details: 1 error occurred:\n\t* usage has been detected on API flowcontrol.apiserver.k8s.io.flowschemas.v1beta3.list, and was recently seen at: 2026-11-28 20:00:00 +0000 UTC, which will be removed in 1.32\n\n'
    const e = await start(
      fleetOf(
        [
          cluster('aks-blocked', [pool('system', { orchestratorVersion: '1.31.9', nodeImageVersion: NODE_IMAGES.ubuntu2204 })], {
            kubernetesVersion: '1.31.9',
            failNextOperation: { code: 'UpgradeBlockedOnDeprecatedAPIUsage', message: usage }
          })
        ],
        {
          kubernetesVersions: {
            default: kubernetesVersionsFrom([
              { version: '1.31', patches: ['1.31.9'] },
              { version: '1.32', patches: ['1.32.7'], isDefault: true }
            ])
          }
        }
      )
    )
    const result = await runAction(e, minorInputs(e, { preflight: 'none' }), at)
    expect(result.code).not.toBe(0)
    const failed = section(result.summary, '### ❌ Failed')
    expect(failed).toContain('| Deprecated API | Last seen | Removed in |')
    expect(failed).toContain('| `flowcontrol.apiserver.k8s.io.flowschemas.v1beta3.list` | 2026-11-28 20:00:00 +0000 UTC | 1.32 |')
    expect(failed).toMatch(/--enable-force-upgrade --upgrade-override-until/)
  })
})
