// The emulator checked against the REAL SDKs (in-process, CA passed through tlsOptions) and,
// for the runner harness, against a child process that uses @actions/core and Octokit.
import { httpsJson as rawHttpsJson, type HttpsReply } from './emulator/https-json.ts'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ContainerServiceClient } from '@azure/arm-containerservice'
import type { ManagedCluster } from '@azure/arm-containerservice'
import type { AccessToken, TokenCredential } from '@azure/identity'
import { ClientAssertionCredential } from '@azure/identity'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import {
  NODE_IMAGES,
  controlPlaneUpgradesFor,
  generateFleet,
  kubernetesVersionsFor,
  loadFleet,
  normalizeFleet,
  poolUpgradesFor,
  resolveVersion,
  DEFAULT_KUBERNETES_VERSIONS
} from './emulator/fleet.ts'
import type { Fleet, PoolSeed } from './emulator/fleet.ts'
import { decodeJwt } from './emulator/jwt.ts'
import { actionDefaults, baseInputs, inputEnvName, parseFileCommands, runAction, TEST_CLIENT_ID, TEST_TENANT_ID } from './emulator/run-action.ts'
import { startEmulator } from './emulator/server.ts'
import type { Emulator } from './emulator/server.ts'

const SUB = '1d7e5b3a-2c4f-4a68-9e01-b5c3d7f9a2e4'
const FORBIDDEN_SUB = '6a0c2e4f-8b1d-4f3a-a5c7-e9b1d3f5a7c9'

function testFleet(): Fleet {
  const generated = generateFleet({ clusters: 5, subscriptions: [SUB], clustersPerResourceGroup: 3 })
  const first = generated.clusters[0]
  if (first === undefined) throw new Error('generateFleet returned no cluster')
  const failing = first.agentPools.find(p => p.name === 'azl')
  if (failing !== undefined)
    failing.failNextOperation = {
      code: 'PodDrainFailure',
      message:
        "Drain of node aks-azl-12345678-vmss000001 did not complete: Too many requests. Pod 'payments-7d9f' is protected by a PodDisruptionBudget."
    }
  return {
    subscriptions: { [SUB]: {}, [FORBIDDEN_SUB]: { forbidden: true } },
    clusters: [
      ...generated.clusters,
      {
        subscriptionId: SUB,
        resourceGroup: 'rg-secret',
        name: 'aks-secret',
        location: 'westeurope',
        kubernetesVersion: '1.35.5',
        forbidden: true,
        agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.5', nodeImageVersion: NODE_IMAGES.ubuntu2204Old }]
      }
    ]
  }
}

/** Poll fast: the emulator sends no Retry-After. */
const FAST = { updateIntervalInMs: 10 }

let emu: Emulator
let ca: string
let skewMs = 0

async function oidcAssertion(on: Emulator = emu): Promise<string> {
  const res = await httpsJson('GET', `${on.url}/_oidc/token?api-version=2.0&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, {
    authorization: `Bearer ${on.oidcRequestToken}`
  })
  const body = res.body as { value?: unknown }
  if (typeof body.value !== 'string') throw new Error(`no OIDC token: ${JSON.stringify(res.body)}`)
  return body.value
}

function credential(on: Emulator = emu): ClientAssertionCredential {
  return new ClientAssertionCredential(TEST_TENANT_ID, TEST_CLIENT_ID, () => oidcAssertion(on), {
    authorityHost: on.url,
    disableInstanceDiscovery: true,
    tlsOptions: { ca }
  })
}

function client(cred: TokenCredential = credential()): ContainerServiceClient {
  return new ContainerServiceClient(cred, SUB, { endpoint: emu.url, tlsOptions: { ca }, retryOptions: { maxRetries: 0 } })
}

/** A raw call with this file's CA (the emulator's). */
function httpsJson(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<HttpsReply> {
  return rawHttpsJson(method, url, ca, headers, body)
}

async function armToken(): Promise<string> {
  const token = await credential().getToken(`${emu.url}/.default`)
  return token.token
}

/** Keeps the next operation on a pool running until release(), so "while running" checks cannot race the clock. */
function hold(clusterName: string, poolName: string): () => void {
  const pool = emu.state.fleet.clusters.find(c => c.name === clusterName)?.agentPools.find(p => p.name === poolName)
  if (pool === undefined) throw new Error(`no pool ${clusterName}/${poolName}`)
  pool.stuck = true
  return () => {
    pool.stuck = false
    for (const op of emu.state.operations) {
      if (op.status === 'InProgress' && op.resourceId.endsWith(`/${clusterName}/agentPools/${poolName}`)) op.dueAt = 0
    }
  }
}

function rgOf(name: string): string {
  const cluster = emu.state.fleet.clusters.find(c => c.name === name)
  if (cluster === undefined) throw new Error(`no cluster ${name}`)
  return cluster.resourceGroup
}

beforeAll(async () => {
  emu = await startEmulator({ fleet: testFleet(), operationDurationMs: 120, pageSize: 2, tokenLifetimeSeconds: 2, now: () => Date.now() + skewMs })
  ca = readFileSync(emu.caPath, 'utf8')
})

afterAll(async () => {
  await emu.stop()
})

beforeEach(() => {
  skewMs = 0
})

describe('fleet data', () => {
  const versions = DEFAULT_KUBERNETES_VERSIONS
  it.each([
    ['1.35.5', ['1.35.6', '1.36.1', '1.36.2']],
    ['1.35.6', ['1.36.1', '1.36.2']],
    ['1.34.7', ['1.34.8', '1.34.9', '1.35.5', '1.35.6']], // a patch AKS no longer lists
    ['1.33.13', ['1.34.8', '1.34.9']],
    ['1.36.2', []]
  ])('control plane on %s may go to %j', (current, expected) => {
    expect(controlPlaneUpgradesFor(current, versions).map(u => u.kubernetesVersion)).toEqual(expected)
  })

  it.each([
    ['1.34.9', '1.35.6', ['1.35.5', '1.35.6']],
    ['1.33.13', '1.35.5', ['1.34.8', '1.34.9', '1.35.5']],
    ['1.35.6', '1.35.6', []]
  ])('pool on %s under a %s control plane may go to %j', (pool, cp, expected) => {
    expect(poolUpgradesFor(pool, cp, versions).map(u => u.kubernetesVersion)).toEqual(expected)
  })

  it.each([
    ['1.35', '1.35.6'],
    ['1.33', '1.33.13'],
    ['1.34.8', '1.34.8'],
    ['1.29', undefined]
  ])('resolves %s to %s', (requested, expected) => {
    expect(resolveVersion(requested, versions)).toBe(expected)
  })

  it('fills server defaults and keeps the demo fleet realistic', () => {
    const demo = normalizeFleet(loadFleet('demo'))
    expect(demo.clusters.map(c => `${c.resourceGroup}/${c.name}`)).toEqual(['rg-platform-dev/aks-dev-weu', 'rg-platform-prod/aks-prod-weu'])
    for (const cluster of demo.clusters) {
      expect(cluster.agentPools.map(p => p.osType)).toEqual(['Linux', 'Linux', 'Windows'])
      expect(cluster.eTag).toMatch(/^[0-9a-f-]{36}$/)
    }
    const pools = demo.clusters.flatMap(c => c.agentPools)
    expect(pools.filter(p => p.nodeImageVersion === p.latestNodeImageVersion)).toHaveLength(1)
    expect(pools.filter(p => p.stuck === true && p.provisioningState === 'UpgradingNodeImageVersion')).toHaveLength(1)
    expect(kubernetesVersionsFor(demo, 'westeurope').find(v => v.isDefault === true)?.version).toBe('1.35')
  })
})

describe('identity', () => {
  it('issues a GitHub OIDC token with the requested audience and the repository subject', async () => {
    const claims = decodeJwt(await oidcAssertion())
    expect(claims).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'api://AzureADTokenExchange',
      sub: 'repo:octo-org/platform:ref:refs/heads/main'
    })
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(2)
  })

  it('refuses an OIDC request without the request token', async () => {
    const res = await httpsJson('GET', `${emu.url}/_oidc/token?api-version=2.0&audience=x`)
    expect(res.status).toBe(401)
  })

  it('gives ClientAssertionCredential an access token through MSAL', async () => {
    const token = await credential().getToken('https://management.azure.com/.default')
    expect(decodeJwt(token.token)).toMatchObject({ appid: TEST_CLIENT_ID, tid: TEST_TENANT_ID, aud: 'https://management.azure.com' })
    const tokenRequest = emu.requests.filter(r => r.service === 'aad' && r.path.endsWith('/oauth2/v2.0/token')).at(-1)
    expect(tokenRequest?.body).toMatchObject({ grant_type: 'client_credentials', client_id: TEST_CLIENT_ID })
  })

  it('rejects an expired client assertion with AADSTS700024', async () => {
    const stale = await oidcAssertion()
    skewMs = 5_000
    const cred = new ClientAssertionCredential(TEST_TENANT_ID, TEST_CLIENT_ID, () => Promise.resolve(stale), {
      authorityHost: emu.url,
      disableInstanceDiscovery: true,
      tlsOptions: { ca }
    })
    await expect(cred.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS700024/)
  })
})

describe('ARM', () => {
  it('lists clusters across nextLink pages and leaves forbidden ones out', async () => {
    const names: string[] = []
    for await (const cluster of client().managedClusters.list()) names.push(cluster.name ?? '')
    expect(names).toEqual(['aks-001', 'aks-002', 'aks-003', 'aks-004', 'aks-005'])
    const pages = emu.requests.filter(r => r.service === 'arm' && r.path.endsWith('/managedClusters'))
    expect(pages.slice(-3).map(r => r.query.$skipToken)).toEqual([undefined, '2', '4'])
    expect(pages.at(-1)?.query['api-version']).toBe('2026-06-01')
  })

  it('serves the agent pool upgrade profile', async () => {
    const profile = await client().agentPools.getUpgradeProfile('rg-aks-01', 'aks-001', 'win22')
    expect(profile).toMatchObject({
      kubernetesVersion: '1.35.5',
      osType: 'Windows',
      latestNodeImageVersion: NODE_IMAGES.windows2022,
      upgrades: []
    })
  })

  it('serves the cluster upgrade profile with the next patches and minor', async () => {
    const profile = await client().managedClusters.getUpgradeProfile('rg-aks-01', 'aks-002')
    expect(profile.controlPlaneProfile.upgrades?.map(u => u.kubernetesVersion)).toEqual(['1.35.6', '1.36.1', '1.36.2'])
    expect(profile.agentPoolProfiles.map(p => p.name)).toEqual(['system', 'apps', 'azl', 'win22'])
  })

  it('lists Kubernetes versions under "values"', async () => {
    const result = await client().managedClusters.listKubernetesVersions('westeurope')
    expect(result.values?.map(v => v.version)).toEqual(['1.33', '1.34', '1.35', '1.36'])
    expect(result.values?.find(v => v.isDefault === true)?.version).toBe('1.35')
    expect(result.values?.[0]?.capabilities?.supportPlan).toEqual(['AKSLongTermSupport'])
  })

  it('runs a node image upgrade to completion (final Location GET answers 200)', async () => {
    const c = client()
    const release = hold('aks-002', 'system')
    const poller = await c.agentPools.beginUpgradeNodeImageVersion('rg-aks-01', 'aks-002', 'system', FAST)
    await poller.submitted()
    const during = await c.agentPools.get('rg-aks-01', 'aks-002', 'system')
    expect(during.provisioningState).toBe('UpgradingNodeImageVersion')
    release()
    await poller.pollUntilDone()
    const after = await c.agentPools.get('rg-aks-01', 'aks-002', 'system')
    expect(after).toMatchObject({ provisioningState: 'Succeeded', nodeImageVersion: NODE_IMAGES.ubuntu2204 })
    const results = emu.requests.filter(r => r.path.includes('/operationresults/'))
    expect(results.length).toBeGreaterThan(0)
    const profile = await c.agentPools.getUpgradeProfile('rg-aks-01', 'aks-002', 'system')
    expect(profile.recentlyUsedVersions?.[0]).toMatchObject({ orchestratorVersion: '1.35.5', nodeImageVersion: NODE_IMAGES.ubuntu2204Old })
  })

  it('answers 409 OperationNotAllowed while the pool is busy', async () => {
    const c = client()
    const release = hold('aks-003', 'apps')
    const poller = await c.agentPools.beginUpgradeNodeImageVersion('rg-aks-01', 'aks-003', 'apps', FAST)
    await poller.submitted()
    await expect(c.agentPools.beginUpgradeNodeImageVersion('rg-aks-01', 'aks-003', 'apps', FAST)).rejects.toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
      message: expect.stringMatching(
        /^Operation is not allowed because there's an in progress upgrade node image version operation \(operation ID: [0-9a-f-]{36}\) on the agent pool/
      )
    })
    release()
    await poller.pollUntilDone()
  })

  it('reports a failed operation the way the SDK surfaces it and leaves the pool Failed', async () => {
    const finished: string[] = []
    emu.onOperationFinished = op => finished.push(`${op.resourceId.split('/managedClusters/')[1] ?? ''}:${op.kind}:${op.status}`)
    const c = client()
    await expect(c.agentPools.beginUpgradeNodeImageVersion('rg-aks-01', 'aks-001', 'azl', FAST).then(p => p.pollUntilDone())).rejects.toThrow(
      /^The long-running operation has failed\. PodDrainFailure\. Drain of node/
    )
    emu.onOperationFinished = undefined
    const pool = await c.agentPools.get('rg-aks-01', 'aks-001', 'azl')
    expect(pool.provisioningState).toBe('Failed')
    expect(pool.status?.provisioningError?.code).toBe('PodDrainFailure')
    expect(pool.nodeImageVersion).toBe(NODE_IMAGES.azureLinux3Old)
    expect(finished).toEqual(['aks-001/agentPools/azl:node-image:Failed'])
  })

  it('upgrades the control plane through a full-cluster PUT', async () => {
    const c = client()
    const cluster: ManagedCluster = await c.managedClusters.get('rg-aks-02', 'aks-004')
    const oldTag = cluster.eTag
    const poolTag = (await c.agentPools.get('rg-aks-02', 'aks-004', 'apps')).eTag
    await c.managedClusters
      .beginCreateOrUpdate('rg-aks-02', 'aks-004', { ...cluster, kubernetesVersion: '1.35.6' }, { ...FAST, ifMatch: oldTag ?? '' })
      .then(p => p.pollUntilDone())
    const after = await c.managedClusters.get('rg-aks-02', 'aks-004')
    expect(after).toMatchObject({ kubernetesVersion: '1.35.6', currentKubernetesVersion: '1.35.6', provisioningState: 'Succeeded' })
    expect(after.eTag).not.toBe(oldTag)
    expect(after.agentPoolProfiles?.map(p => p.currentOrchestratorVersion)).toEqual(['1.35.5', '1.35.5', '1.35.5', '1.35.5'])
    // AKS documents that a cluster-level operation also renews every agent pool eTag.
    const staleTag = poolTag ?? ''
    expect((await c.agentPools.get('rg-aks-02', 'aks-004', 'apps')).eTag).not.toBe(staleTag)
  })

  it('upgrades a pool version through an agent pool PUT', async () => {
    const c = client()
    const pool = await c.agentPools.get('rg-aks-02', 'aks-004', 'apps')
    await c.agentPools
      .beginCreateOrUpdate('rg-aks-02', 'aks-004', 'apps', { ...pool, orchestratorVersion: '1.35.6' }, FAST)
      .then(p => p.pollUntilDone())
    const after = await c.agentPools.get('rg-aks-02', 'aks-004', 'apps')
    expect(after).toMatchObject({
      orchestratorVersion: '1.35.6',
      currentOrchestratorVersion: '1.35.6',
      nodeImageVersion: NODE_IMAGES.ubuntu2204,
      provisioningState: 'Succeeded'
    })
  })

  it('rejects a pool version above the control plane with NodePoolMcVersionIncompatible', async () => {
    const c = client()
    const pool = await c.agentPools.get('rg-aks-02', 'aks-005', 'apps')
    await expect(
      c.agentPools.beginCreateOrUpdate('rg-aks-02', 'aks-005', 'apps', { ...pool, orchestratorVersion: '1.36.2' }, FAST)
    ).rejects.toMatchObject({ statusCode: 400, code: 'NodePoolMcVersionIncompatible' })
  })

  it('rejects a PUT with a stale If-Match with 412', async () => {
    const c = client()
    const pool = await c.agentPools.get('rg-aks-02', 'aks-005', 'system')
    await expect(
      c.agentPools.beginCreateOrUpdate(
        'rg-aks-02',
        'aks-005',
        'system',
        { ...pool, count: 4 },
        { ...FAST, ifMatch: 'd3a1c0de-0000-4000-8000-000000000000' }
      )
    ).rejects.toMatchObject({ statusCode: 412, code: 'PreconditionFailed' })
  })

  it('answers 401 ExpiredAuthenticationToken once the access token expired', async () => {
    const token = await armToken()
    const frozen: TokenCredential = { getToken: (): Promise<AccessToken> => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) }
    skewMs = 3_000
    await expect(client(frozen).managedClusters.get('rg-aks-01', 'aks-001')).rejects.toMatchObject({
      statusCode: 401,
      code: 'ExpiredAuthenticationToken'
    })
  })

  it('answers 403 AuthorizationFailed with the real message for a forbidden cluster and subscription', async () => {
    await expect(client().managedClusters.get('rg-secret', 'aks-secret')).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
      message: expect.stringMatching(
        /^The client '[0-9a-f-]{36}' with object id '[0-9a-f-]{36}' does not have authorization to perform action 'Microsoft\.ContainerService\/managedClusters\/read' over scope '\/subscriptions\/.+\/resourceGroups\/rg-secret\/providers\/Microsoft\.ContainerService\/managedClusters\/aks-secret' or the scope is invalid\. If access was recently granted, please refresh your credentials\.$/
      )
    })
    const forbidden = new ContainerServiceClient(credential(), FORBIDDEN_SUB, {
      endpoint: emu.url,
      tlsOptions: { ca },
      retryOptions: { maxRetries: 0 }
    })
    const names: string[] = []
    await expect(
      (async () => {
        for await (const c of forbidden.managedClusters.list()) names.push(c.name ?? '')
      })()
    ).rejects.toMatchObject({ code: 'AuthorizationFailed' })
  })

  it('answers 404 ResourceNotFound for an unknown cluster', async () => {
    await expect(client().managedClusters.get('rg-aks-01', 'aks-nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' })
  })

  it('returns maintenance configurations and 404 for a missing one', async () => {
    const demo = await startEmulator({ fleet: loadFleet('demo') })
    try {
      const sub = demo.state.fleet.clusters[0]?.subscriptionId ?? ''
      const demoClient = new ContainerServiceClient(
        {
          getToken: async () => {
            const t = await new ClientAssertionCredential(
              TEST_TENANT_ID,
              TEST_CLIENT_ID,
              async () => {
                const res = await httpsJson('GET', `${demo.url}/_oidc/token?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange`, {
                  authorization: `Bearer ${demo.oidcRequestToken}`
                })
                return String((res.body as { value: string }).value)
              },
              { authorityHost: demo.url, disableInstanceDiscovery: true, tlsOptions: { ca } }
            ).getToken('https://management.azure.com/.default')
            return t
          }
        },
        sub,
        { endpoint: demo.url, tlsOptions: { ca }, retryOptions: { maxRetries: 0 } }
      )
      const configs: string[] = []
      for await (const m of demoClient.maintenanceConfigurations.listByManagedCluster('rg-platform-prod', 'aks-prod-weu')) configs.push(m.name ?? '')
      expect(configs).toEqual(['aksManagedAutoUpgradeSchedule', 'aksManagedNodeOSUpgradeSchedule'])
      const weekly = await demoClient.maintenanceConfigurations.get('rg-platform-prod', 'aks-prod-weu', 'aksManagedAutoUpgradeSchedule')
      expect(weekly.maintenanceWindow?.schedule?.weekly).toEqual({ intervalWeeks: 1, dayOfWeek: 'Saturday' })
      await expect(demoClient.maintenanceConfigurations.get('rg-platform-dev', 'aks-dev-weu', 'default')).rejects.toMatchObject({ statusCode: 404 })
      const stuck = await demoClient.agentPools.get('rg-platform-prod', 'aks-prod-weu', 'apps')
      expect(stuck.provisioningState).toBe('UpgradingNodeImageVersion')
      const prod = await demoClient.managedClusters.get('rg-platform-prod', 'aks-prod-weu')
      await expect(
        demoClient.managedClusters.beginCreateOrUpdate('rg-platform-prod', 'aks-prod-weu', { ...prod, kubernetesVersion: '1.35.6' })
      ).rejects.toMatchObject({
        statusCode: 409,
        code: 'OperationNotAllowed',
        message: expect.stringContaining('Another agentpool operation (apps - UpgradingNodeImageVersion)')
      })
    } finally {
      await demo.stop()
    }
  })

  it('returns an injected fault once, then serves normally', async () => {
    const path = `/subscriptions/${SUB}/resourceGroups/rg-aks-01/providers/Microsoft.ContainerService/managedClusters/aks-001`
    emu.inject({ method: 'GET', path, status: 400, body: { error: { code: 'InjectedFault', message: 'injected by the test' } } })
    const c = client()
    await expect(c.managedClusters.get('rg-aks-01', 'aks-001')).rejects.toMatchObject({ statusCode: 400, code: 'InjectedFault' })
    expect((await c.managedClusters.get('rg-aks-01', 'aks-001')).name).toBe('aks-001')
  })

  it.each([
    ['', 400, 'MissingApiVersionParameter'],
    ['?api-version=1999-01-01', 400, 'NoRegisteredProviderFound'],
    ['?api-version=2026-04-01', 200, undefined]
  ])('checks api-version %j', async (query, status, code) => {
    const token = await armToken()
    const res = await httpsJson(
      'GET',
      `${emu.url}/subscriptions/${SUB}/resourceGroups/rg-aks-01/providers/Microsoft.ContainerService/managedClusters/aks-001${query}`,
      { authorization: `Bearer ${token}` }
    )
    expect(res.status).toBe(status)
    if (code !== undefined) expect(res.body).toMatchObject({ error: { code } })
  })

  it('answers 401 without a bearer token', async () => {
    const res = await httpsJson('GET', `${emu.url}/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`)
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ error: { code: 'AuthenticationFailed' } })
  })

  it('keeps the cluster eTag when only a pool changes', async () => {
    const c = client()
    const before = await c.managedClusters.get('rg-aks-02', 'aks-005')
    const poolBefore = before.agentPoolProfiles?.find(p => p.name === 'win22')?.eTag
    await c.agentPools.beginUpgradeNodeImageVersion(rgOf('aks-005'), 'aks-005', 'win22', FAST).then(p => p.pollUntilDone())
    const after = await c.managedClusters.get('rg-aks-02', 'aks-005')
    expect(after.eTag).toBe(before.eTag)
    expect(after.agentPoolProfiles?.find(p => p.name === 'win22')?.eTag).not.toBe(poolBefore)
  })
})

describe('latency', () => {
  it('delays ARM requests and records the peak concurrency', async () => {
    const slow = await startEmulator({ fleet: generateFleet({ clusters: 1, subscriptions: [SUB] }), latencyMs: 60 })
    try {
      const token = await new ClientAssertionCredential(
        TEST_TENANT_ID,
        TEST_CLIENT_ID,
        async () => {
          const res = await httpsJson('GET', `${slow.url}/_oidc/token?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange`, {
            authorization: `Bearer ${slow.oidcRequestToken}`
          })
          return String((res.body as { value: string }).value)
        },
        { authorityHost: slow.url, disableInstanceDiscovery: true, tlsOptions: { ca } }
      ).getToken('https://management.azure.com/.default')
      const url = `${slow.url}/subscriptions/${SUB}/resourceGroups/rg-aks-01/providers/Microsoft.ContainerService/managedClusters/aks-001?api-version=2026-06-01`
      const replies = await Promise.all([1, 2, 3, 4].map(() => httpsJson('GET', url, { authorization: `Bearer ${token.token}` })))
      expect(replies.map(r => r.status)).toEqual([200, 200, 200, 200])
      expect(slow.peakConcurrency).toBe(4)
    } finally {
      await slow.stop()
    }
  })
})

describe('GitHub REST', () => {
  const api = (path: string): string => `${emu.url}/api/v3/repos/octo-org/platform${path}`
  const auth = { authorization: 'token ghs_emulator', 'content-type': 'application/json' }

  it('creates, filters by all labels, edits and closes issues', async () => {
    const created = await httpsJson(
      'POST',
      api('/issues'),
      auth,
      JSON.stringify({ title: 'AKS upgrade report', body: '- [ ] approve 1.36', labels: ['aks-upgrade-pilot', 'report'] })
    )
    expect(created.status).toBe(201)
    const issue = created.body as { number: number; html_url: string; user: { login: string } }
    expect(issue.html_url).toBe(`https://github.com/octo-org/platform/issues/${issue.number}`)
    expect(issue.user.login).toBe('github-actions[bot]')
    await httpsJson('POST', api('/issues'), auth, JSON.stringify({ title: 'other', labels: ['aks-upgrade-pilot'] }))

    const both = await httpsJson('GET', api('/issues?labels=aks-upgrade-pilot,report&state=open'), auth)
    expect((both.body as Array<{ number: number }>).map(i => i.number)).toEqual([issue.number])

    emu.state.github.editIssueBody(issue.number, '- [x] approve 1.36', 'alice')
    const read = await httpsJson('GET', api(`/issues/${issue.number}`), auth)
    expect(read.body).toMatchObject({ body: '- [x] approve 1.36' })
    expect(emu.state.github.issue(issue.number)?.edits.at(-1)).toMatchObject({ login: 'alice', before: '- [ ] approve 1.36' })

    const closed = await httpsJson('PATCH', api(`/issues/${issue.number}`), auth, JSON.stringify({ state: 'closed' }))
    expect(closed.body).toMatchObject({ state: 'closed', state_reason: 'completed' })
    const timeline = await httpsJson('GET', api(`/issues/${issue.number}/timeline`), auth)
    expect((timeline.body as Array<{ event: string }>).map(e => e.event)).toEqual(['labeled', 'labeled', 'closed'])
  })

  it('pages issue lists with a Link header, newest first', async () => {
    for (const n of [1, 2, 3]) await httpsJson('POST', api('/issues'), auth, JSON.stringify({ title: `paged ${n}`, labels: ['paged'] }))
    const first = await httpsJson('GET', api('/issues?labels=paged&per_page=2'), auth)
    expect((first.body as Array<{ title: string }>).map(i => i.title)).toEqual(['paged 3', 'paged 2'])
    expect(String(first.headers.link)).toMatch(/page=2>; rel="next"/)
  })

  it('rejects bodies over 65536 characters, bad tokens and disabled issues', async () => {
    const long = await httpsJson('POST', api('/issues'), auth, JSON.stringify({ title: 'long', body: 'x'.repeat(65537) }))
    expect(long.status).toBe(422)
    const bad = await httpsJson('GET', api('/issues'), { authorization: 'token nope' })
    expect(bad.status).toBe(401)
    emu.state.github.issuesDisabled = true
    try {
      const gone = await httpsJson('GET', api('/issues'), auth)
      expect(gone).toMatchObject({ status: 410, body: { message: 'Issues are disabled for this repo' } })
    } finally {
      emu.state.github.issuesDisabled = false
    }
  })

  it('serves labels and 404 for a missing one', async () => {
    expect((await httpsJson('GET', api('/labels/nope'), auth)).status).toBe(404)
    expect((await httpsJson('POST', api('/labels'), auth, JSON.stringify({ name: 'aks-ring-0', color: '0e8a16' }))).status).toBe(201)
    expect((await httpsJson('GET', api('/labels/aks-ring-0'), auth)).body).toMatchObject({ name: 'aks-ring-0', color: '0e8a16' })
  })
})

describe('runner harness', () => {
  it('parses both GITHUB_OUTPUT forms', () => {
    expect(parseFileCommands('a=1\nplan<<ghadelimiter_x\n{"x":1}\nsecond\nghadelimiter_x\nb=two=2\n')).toEqual({
      a: '1',
      plan: '{"x":1}\nsecond',
      b: 'two=2'
    })
  })

  it('evaluates action.yml defaults like the runner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'action-yml-'))
    const file = join(dir, 'action.yml')
    writeFileSync(
      file,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression in action.yml, not a JS template
      'inputs:\n  github-token:\n    default: ${{ github.token }}\n  wait:\n    default: true\n  upgrade:\n    default: node-image,patch\n  client-id:\n    required: true\n'
    )
    expect(actionDefaults({ 'github.token': 'ghs_x' }, file)).toEqual({ 'github-token': 'ghs_x', wait: 'true', upgrade: 'node-image,patch' })
    expect(inputEnvName('client-id')).toBe('INPUT_CLIENT-ID')
  })

  it('runs a script like the runner: inputs, OIDC, MSAL, ARM, Octokit and file commands', async () => {
    const before = emu.state.github.issues.length
    const result = await runAction(
      emu,
      { ...baseInputs(emu), 'github-token': emu.githubToken },
      {
        entry: '__tests__/emulator/probe-action.ts',
        env: { GITHUB_WORKFLOW: 'Nightly AKS' }
      }
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.outputs.clusters).toBe('aks-001,aks-002,aks-003,aks-004,aks-005')
    expect(result.outputs.report).toBe('line one\nline two')
    expect(result.state.probe).toBe('saved')
    expect(result.summary).toContain('workflow=Nightly AKS')
    expect(emu.state.github.issues.length).toBe(before + 3)
    const numbers = emu.state.github.issues
      .slice(-3)
      .map(i => i.number)
      .reverse()
    expect(result.outputs.issues).toBe(numbers.join(','))
    const oidc = emu.requests.filter(r => r.service === 'oidc').at(-1)
    expect(oidc?.query.audience).toBe('api://AzureADTokenExchange')
  })

  it('fails the OIDC step when the workflow lacks id-token permission', async () => {
    const result = await runAction(
      emu,
      { ...baseInputs(emu), 'github-token': emu.githubToken },
      {
        entry: '__tests__/emulator/probe-action.ts',
        withoutOidc: true
      }
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('::error::')
  })
})

// ---------------------------------------------------------------------------
// Pre-flight reads: Compute SKUs and usages, virtual network usages, the user kubeconfig and
// the cluster's Kubernetes API, and the quota/subnet/PDB failures of upgrades that ignore them.

const PRE_SUB = '3f6b1d2e-7a4c-4e89-b0d1-c2e3f4a5b6c7'
const VNET_HUB = `/subscriptions/${PRE_SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub`
const AKS_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default'

describe('pre-flight', () => {
  let pre: Emulator
  let armBearer: string

  beforeAll(async () => {
    pre = await startEmulator({ fleet: loadFleet('preflight'), operationDurationMs: 60, pageSize: 4 })
    armBearer = (await credential(pre).getToken(`${pre.url}/.default`)).token
  })

  afterAll(async () => {
    await pre.stop()
  })

  const preClient = (): ContainerServiceClient =>
    new ContainerServiceClient(credential(pre), PRE_SUB, { endpoint: pre.url, tlsOptions: { ca }, retryOptions: { maxRetries: 0 } })

  /** Every `value` of an ARM list, following nextLink as the action does. */
  async function armValues(path: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = []
    let next: string | undefined = `${pre.url}${path}`
    while (next !== undefined) {
      const res = await httpsJson('GET', next, { authorization: `Bearer ${armBearer}` })
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`)
      const body = res.body as { value: Array<Record<string, unknown>>; nextLink?: string }
      out.push(...body.value)
      next = body.nextLink
    }
    return out
  }

  const usagesPath = (location: string): string =>
    `/subscriptions/${PRE_SUB}/providers/Microsoft.Compute/locations/${location}/usages?api-version=2025-11-01`

  async function usage(location: string, name: string): Promise<{ currentValue: number; limit: number } | undefined> {
    const rows = await armValues(usagesPath(location))
    const row = rows.find(r => (r.name as { value: string }).value === name)
    return row === undefined ? undefined : { currentValue: Number(row.currentValue), limit: Number(row.limit) }
  }

  function prePool(cluster: string, pool: string): PoolSeed {
    const found = pre.state.fleet.clusters.find(c => c.name === cluster)?.agentPools.find(p => p.name === pool)
    if (found === undefined) throw new Error(`no pool ${cluster}/${pool}`)
    return found
  }

  describe('Compute and Network reads', () => {
    it.each([
      ["location eq 'westeurope'", ['westeurope']],
      ["location eq 'SwedenCentral'", ['swedencentral']],
      [undefined, ['northeurope', 'westeurope']]
    ])('lists VM SKUs for $filter %j across pages', async (filter, locations) => {
      const query = filter === undefined ? '' : `&$filter=${encodeURIComponent(filter)}`
      const skus = await armValues(`/subscriptions/${PRE_SUB}/providers/Microsoft.Compute/skus?api-version=2021-07-01${query}`)
      expect([...new Set(skus.flatMap(s => s.locations as string[]))].sort()).toEqual(locations)
      const d4 = skus.find(s => s.name === 'Standard_D4s_v3')
      expect(d4).toMatchObject({ resourceType: 'virtualMachines', tier: 'Standard', size: 'D4s_v3', family: 'standardDSv3Family', restrictions: [] })
      expect(d4?.capabilities).toContainEqual({ name: 'vCPUs', value: '4' })
      expect(d4?.locationInfo).toEqual([{ location: (d4?.locations as string[] | undefined)?.[0], zones: ['1', '2', '3'] }])
      // pageSize 4: the SKU table is longer, so the filter had to survive the nextLink.
      const pages = pre.requests.filter(r => r.path.endsWith('/Microsoft.Compute/skus'))
      expect(pages.at(-1)?.query.$skipToken).toBeDefined()
      if (filter !== undefined) expect(pages.at(-1)?.query.$filter).toBe(filter)
    })

    it.each([
      // westeurope: DSv3 = 3 x 4 + 2 x 2, DDSv5 = (2 + 3 + 1 + 1 + 1 + 1 + 1) x 4, Spot D8s_v3 = 2 x 8.
      ['westeurope', 'standardDSv3Family', 16, 1000, 'Standard DSv3 Family vCPUs'],
      ['westeurope', 'standardDDSv5Family', 40, 1000, 'Standard DDSv5 Family vCPUs'],
      ['westeurope', 'cores', 56, 1000, 'Total Regional vCPUs'],
      ['westeurope', 'lowPriorityCores', 16, 1000, 'Total Regional Low-priority vCPUs'],
      // northeurope: the seeded limit, the fleet's own use (2 clusters x 2 x 4).
      ['northeurope', 'standardDSv3Family', 16, 20, 'Standard DSv3 Family vCPUs'],
      ['northeurope', 'standardBSFamily', 0, 1000, 'Standard BS Family vCPUs']
    ])('reports %s usage of %s as the fleet uses it', async (location, name, currentValue, limit, localizedValue) => {
      const rows = await armValues(usagesPath(location))
      expect(rows.find(r => (r.name as { value: string }).value === name)).toEqual({
        unit: 'Count',
        currentValue,
        limit,
        name: { value: name, localizedValue }
      })
    })

    it.each([
      ['usages of a forbidden location', usagesPath('eastus'), 'Microsoft.Compute/locations/usages/read'],
      [
        'a forbidden virtual network',
        `/subscriptions/${PRE_SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-locked/usages?api-version=2024-05-01`,
        'Microsoft.Network/virtualNetworks/usages/read'
      ]
    ])('answers 403 AuthorizationFailed for %s', async (_, path, action) => {
      const res = await httpsJson('GET', `${pre.url}${path}`, { authorization: `Bearer ${armBearer}` })
      expect(res.status).toBe(403)
      expect(res.body).toMatchObject({
        error: { code: 'AuthorizationFailed', message: expect.stringContaining(`perform action '${action}' over scope`) }
      })
    })

    it('reports subnet usage: a /28 with a classic Azure CNI pool, a /24, and a seeded value', async () => {
      const rows = await armValues(`${VNET_HUB}/usages?api-version=2024-05-01`)
      const name = { localizedValue: 'Subnet size and usage', value: 'SubnetSpace' }
      expect(rows).toEqual([
        // 2 nodes x (1 + maxPods 4) on the /28 (11 usable addresses).
        { name, currentValue: 10, id: `${VNET_HUB}/subnets/aks-small`, limit: 11, unit: 'Count' },
        // 3 nodes x (1 + the classic default of 30 pods).
        { name, currentValue: 93, id: `${VNET_HUB}/subnets/aks-nodes`, limit: 251, unit: 'Count' },
        { name, currentValue: 3, id: `${VNET_HUB}/subnets/GatewaySubnet`, limit: 27, unit: 'Count' }
      ])
    })

    it('answers 404 ResourceNotFound for an unknown virtual network', async () => {
      const path = `/subscriptions/${PRE_SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-nope/usages?api-version=2024-05-01`
      const res = await httpsJson('GET', `${pre.url}${path}`, { authorization: `Bearer ${armBearer}` })
      expect(res).toMatchObject({
        status: 404,
        body: {
          error: {
            code: 'ResourceNotFound',
            message: expect.stringMatching(
              /^The Resource 'Microsoft\.Network\/virtualNetworks\/vnet-nope' under resource group 'rg-net' was not found\./
            )
          }
        }
      })
    })

    it('shows the network fields pre-flight reads on the pool and cluster wire', async () => {
      const c = preClient()
      expect(await c.agentPools.get('rg-pre', 'aks-entra', 'cni')).toMatchObject({ vnetSubnetID: `${VNET_HUB}/subnets/aks-small`, maxPods: 4 })
      expect((await c.agentPools.get('rg-pre', 'aks-entra', 'system')).maxPods).toBe(30)
      expect((await c.agentPools.get('rg-pre', 'aks-local', 'apps')).maxPods).toBe(110)
      expect(await c.agentPools.get('rg-pre', 'aks-local', 'spot')).toMatchObject({ scaleSetPriority: 'Spot', scaleSetEvictionPolicy: 'Delete' })
      expect((await c.agentPools.get('rg-pre', 'aks-local', 'cordon')).upgradeSettings?.undrainableNodeBehavior).toBe('Cordon')
      const entra = await c.managedClusters.get('rg-pre', 'aks-entra')
      expect(entra.networkProfile?.networkPlugin).toBe('azure')
      expect(entra.networkProfile?.networkPluginMode).toBeUndefined()
      expect(entra).toMatchObject({ disableLocalAccounts: true, aadProfile: { managed: true, enableAzureRbac: true, tenantID: TEST_TENANT_ID } })
      const priv = await c.managedClusters.get('rg-pre', 'aks-private')
      expect(priv.apiServerAccessProfile?.enablePrivateCluster).toBe(true)
      expect(priv.privateFqdn).toMatch(/\.privatelink\.westeurope\.azmk8s\.io$/)
    })
  })

  describe('listClusterUserCredential', () => {
    async function kubeconfigOf(name: string): Promise<Record<string, unknown>> {
      const result = await preClient().managedClusters.listClusterUserCredentials('rg-pre', name, { format: 'exec' })
      expect(result.kubeconfigs?.map(k => k.name)).toEqual(['clusterUser'])
      const value = result.kubeconfigs?.[0]?.value
      if (value === undefined) throw new Error('no kubeconfig')
      return parseYaml(Buffer.from(value).toString('utf8')) as Record<string, unknown>
    }

    it('gives an Entra cluster an exec (kubelogin) user and the emulator CA', async () => {
      const config = await kubeconfigOf('aks-entra')
      expect(config).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'aks-entra' })
      expect(config.clusters).toEqual([
        {
          name: 'aks-entra',
          cluster: { 'certificate-authority-data': Buffer.from(ca).toString('base64'), server: `${pre.url}/_kube/${PRE_SUB}/rg-pre/aks-entra` }
        }
      ])
      const [user] = config.users as Array<{ name: string; user: Record<string, unknown> }>
      expect(user?.name).toBe('clusterUser_rg-pre_aks-entra')
      expect(user?.user.token).toBeUndefined()
      expect(user?.user.exec).toMatchObject({
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'kubelogin',
        args: [
          'get-token',
          '--environment',
          'AzurePublicCloud',
          '--server-id',
          '6dae42f8-4368-4678-94ff-3960e28e3630',
          '--client-id',
          '80faf920-1908-4b52-b5ef-a8e7bedfc67a',
          '--tenant-id',
          TEST_TENANT_ID,
          '--login',
          'devicecode'
        ]
      })
    })

    it('gives a local-account cluster a token the API server accepts', async () => {
      const config = await kubeconfigOf('aks-local')
      const [user] = config.users as Array<{ user: { token?: string; exec?: unknown } }>
      const [cluster] = config.clusters as Array<{ cluster: { server: string } }>
      expect(user?.user.exec).toBeUndefined()
      expect(user?.user.token).toMatch(/^[0-9a-f]{64}$/)
      const res = await httpsJson('GET', `${cluster?.cluster.server}/api/v1/nodes`, { authorization: `Bearer ${user?.user.token ?? ''}` })
      expect(res.status).toBe(200)
    })

    it('points a private cluster at a closed loopback port', async () => {
      const config = await kubeconfigOf('aks-private')
      const server = (config.clusters as Array<{ cluster: { server: string } }>)[0]?.cluster.server ?? ''
      expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(server).not.toBe(pre.url)
      await expect(httpsJson('GET', `${server}/api/v1/nodes`)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    })

    it.each([
      ['aks-nolocal', 400, 'BadRequest', /^Getting static credential is not allowed because this cluster is set to disable local accounts\.$/],
      ['aks-nocred', 403, 'AuthorizationFailed', /perform action 'Microsoft\.ContainerService\/managedClusters\/listClusterUserCredential\/action'/]
    ])('refuses %s with %i %s', async (name, statusCode, code, message) => {
      await expect(preClient().managedClusters.listClusterUserCredentials('rg-pre', name)).rejects.toMatchObject({
        statusCode,
        code,
        message: expect.stringMatching(message)
      })
    })
  })

  describe('Kubernetes API', () => {
    const kubeUrl = (cluster: string, path: string): string => `${pre.url}/_kube/${PRE_SUB}/rg-pre/${cluster}${path}`
    const localToken = (): string => pre.state.fleet.clusters.find(c => c.name === 'aks-local')?.kubeToken ?? ''
    const local = (path: string) => httpsJson('GET', kubeUrl('aks-local', path), { authorization: `Bearer ${localToken()}` })
    const names = (body: unknown): string[] => (body as { items: Array<{ metadata: { name: string } }> }).items.map(i => i.metadata.name)

    it.each([
      ['no token', 'aks-local', undefined],
      ['a wrong local token', 'aks-local', 'nope'],
      ['an ARM token on an Entra cluster', 'aks-entra', 'arm']
    ])('answers 401 Unauthorized for %s', async (_, cluster, token) => {
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token === 'arm' ? armBearer : token}` }
      const res = await httpsJson('GET', kubeUrl(cluster, '/api/v1/nodes'), headers)
      expect(res).toMatchObject({
        status: 401,
        body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }
      })
    })

    it('lists nodes of an Entra cluster for a token of the AKS server app, with agent pool labels', async () => {
      const token = (await credential(pre).getToken(AKS_SCOPE)).token
      const res = await httpsJson('GET', kubeUrl('aks-entra', '/api/v1/nodes?labelSelector=kubernetes.azure.com%2Fagentpool%3Dcni'), {
        authorization: `Bearer ${token}`
      })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: expect.any(String) } })
      expect(names(res.body)).toEqual(['aks-cni-12345678-vmss000000', 'aks-cni-12345678-vmss000001'])
      const [node] = (res.body as { items: Array<{ metadata: { labels: Record<string, string> } }> }).items
      expect(node?.metadata.labels).toMatchObject({
        'kubernetes.azure.com/agentpool': 'cni',
        agentpool: 'cni',
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'Standard_D2s_v3'
      })
    })

    it('computes PDB status from the pods the selector picks', async () => {
      const res = await local('/apis/policy/v1/poddisruptionbudgets')
      expect(res.body).toMatchObject({ kind: 'PodDisruptionBudgetList', apiVersion: 'policy/v1' })
      const status = Object.fromEntries(
        (res.body as { items: Array<{ metadata: { namespace: string; name: string }; status: Record<string, unknown> }> }).items.map(i => [
          `${i.metadata.namespace}/${i.metadata.name}`,
          [i.status.expectedPods, i.status.currentHealthy, i.status.desiredHealthy, i.status.disruptionsAllowed]
        ])
      )
      expect(status).toEqual({
        'batch/everything': [1, 1, 1, 0], // `{}` selects the namespace's pods; maxUnavailable 0
        'batch/nothing': [0, 0, 1, 0], // no selector: no pods
        'data/db': [1, 1, 1, 0],
        'shop/api': [2, 2, 1, 1], // maxUnavailable 50% of 2, rounded up
        'shop/web': [3, 3, 3, 0] // minAvailable = replicas
      })
      const namespaced = await local('/apis/policy/v1/namespaces/shop/poddisruptionbudgets')
      expect(names(namespaced.body)).toEqual(['api', 'web'])
    })

    it.each([
      ['app=web', ['web-0', 'web-1', 'web-2']],
      ['app in (web,api),tier!=front', ['api-0', 'api-1']],
      ['tier,app notin (web)', ['cache-0']],
      ['!tier', ['api-0', 'api-1']],
      ['app==cache', ['cache-0']]
    ])('selects shop pods by labelSelector %j', async (selector, expected) => {
      const res = await local(`/api/v1/namespaces/shop/pods?labelSelector=${encodeURIComponent(selector)}`)
      expect(res.status).toBe(200)
      expect(names(res.body)).toEqual(expected)
    })

    it('selects pods by node (fieldSelector) and places pool pods round-robin', async () => {
      const res = await local(`/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=aks-system-12345678-vmss000001')}`)
      expect(names(res.body)).toEqual(['api-1', 'cache-0'])
      const bad = await local('/api/v1/pods?fieldSelector=spec.containers%3Dx')
      expect(bad).toMatchObject({ status: 400, body: { reason: 'BadRequest', message: 'field label not supported: spec.containers' } })
    })

    it('pages lists with limit and continue', async () => {
      const all = names((await local('/api/v1/pods')).body)
      expect(all).toHaveLength(8)
      const seen: string[] = []
      let token: string | undefined
      let pages = 0
      do {
        const res = await local(`/api/v1/pods?limit=3${token === undefined ? '' : `&continue=${encodeURIComponent(token)}`}`)
        const body = res.body as { metadata: { continue?: string; remainingItemCount?: number } }
        seen.push(...names(res.body))
        pages++
        if (body.metadata.continue !== undefined) expect(body.metadata.remainingItemCount).toBe(all.length - seen.length)
        token = body.metadata.continue
      } while (token !== undefined)
      expect(pages).toBe(3)
      expect(seen).toEqual(all)
    })

    it('serves the deprecated-API metric as Prometheus text', async () => {
      const res = await local('/metrics')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
      const lines = String(res.body).split('\n')
      expect(lines.filter(l => l.startsWith('apiserver_requested_deprecated_apis'))).toEqual([
        'apiserver_requested_deprecated_apis{group="",removed_release="",resource="componentstatuses",subresource="",version="v1"} 1',
        'apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.32",resource="flowschemas",subresource="",version="v1beta3"} 1'
      ])
      expect(lines).toContain('# TYPE apiserver_requested_deprecated_apis gauge')
      expect(lines.some(l => l.startsWith('apiserver_storage_objects{resource="pods"} 8'))).toBe(true)
    })

    it.each([
      [
        '/apis/policy/v1/poddisruptionbudgets',
        'poddisruptionbudgets.policy is forbidden: User "clusterUser" cannot list resource "poddisruptionbudgets" in API group "policy" at the cluster scope'
      ],
      ['/api/v1/namespaces/shop/pods', 'pods is forbidden: User "clusterUser" cannot list resource "pods" in API group "" in the namespace "shop"'],
      ['/metrics', 'forbidden: User "clusterUser" cannot get path "/metrics"']
    ])('answers 403 Forbidden on %s when RBAC denies it', async (path, message) => {
      const token = pre.state.fleet.clusters.find(c => c.name === 'aks-locked')?.kubeToken ?? ''
      const res = await httpsJson('GET', kubeUrl('aks-locked', path), { authorization: `Bearer ${token}` })
      expect(res).toMatchObject({ status: 403, body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message } })
    })

    it('answers 404 for an unknown cluster and 405 for a write', async () => {
      expect((await httpsJson('GET', kubeUrl('aks-nope', '/api/v1/pods'))).status).toBe(404)
      const write = await httpsJson('POST', kubeUrl('aks-local', '/api/v1/namespaces/shop/pods'), { authorization: `Bearer ${localToken()}` }, '{}')
      expect(write).toMatchObject({ status: 405, body: { kind: 'Status', reason: 'MethodNotAllowed' } })
      expect(pre.requests.at(-1)?.service).toBe('kube')
    })
  })

  describe('upgrades that meet the limits', () => {
    it.each([
      [
        'aks-entra',
        'cni',
        'SubnetIsFull',
        /^Failed to scale node pool 'cni' in Kubernetes service 'aks-entra'\. .*Subnet aks-small with address prefix 10\.240\.0\.0\/28 doesn't have enough capacity for IP addresses\./
      ],
      [
        'aks-local',
        'apps',
        'PodDrainFailure',
        /^Drain node aks-apps-12345678-vmss000000 failed when evicting pod web-0 failed with Too Many Requests error\..*PDB debug info: shop\/web-0 blocked by pdb web with 0 unready pods\.$/
      ],
      ['aks-local', 'cordon', undefined, undefined], // the PDB blocks, but undrainableNodeBehavior Cordon goes on
      ['aks-local', 'system', undefined, undefined] // its PDB still allows a disruption
    ])('%s/%s: a node image upgrade ends with %s', async (cluster, pool, code, message) => {
      const c = preClient()
      const run = c.agentPools.beginUpgradeNodeImageVersion('rg-pre', cluster, pool, FAST).then(p => p.pollUntilDone())
      if (code === undefined) await run
      else await expect(run).rejects.toThrow(new RegExp(`^The long-running operation has failed\\. ${code}\\.`))
      const after = await c.agentPools.get('rg-pre', cluster, pool)
      expect(after.provisioningState).toBe(code === undefined ? 'Succeeded' : 'Failed')
      expect(after.status?.provisioningError?.code).toBe(code)
      if (message !== undefined) expect(after.status?.provisioningError?.message).toMatch(message)
    })

    it('fails the second of two upgrades started at once beyond the family quota, then lets it run alone', async () => {
      const c = preClient()
      const first = prePool('aks-q1', 'apps')
      first.stuck = true
      const running = await c.agentPools.beginUpgradeNodeImageVersion('rg-quota', 'aks-q1', 'apps', FAST)
      await running.submitted()
      // The first upgrade's surge node (1 x 4 vCPUs) counts while it runs.
      expect(await usage('northeurope', 'standardDSv3Family')).toEqual({ currentValue: 20, limit: 20 })
      expect(await usage('northeurope', 'cores')).toMatchObject({ currentValue: 20 })
      await expect(c.agentPools.beginUpgradeNodeImageVersion('rg-quota', 'aks-q2', 'apps', FAST).then(p => p.pollUntilDone())).rejects.toThrow(
        /QuotaExceeded\. .*Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota\. Additional details - Deployment Model: Resource Manager, Location: northeurope, Current Limit: 20, Current Usage: 20, Additional Required: 4, \(Minimum\) New Limit Required: 24\./
      )
      first.stuck = false
      for (const op of pre.state.operations) if (op.status === 'InProgress' && op.resourceId.includes('/aks-q1/')) op.dueAt = 0
      await running.pollUntilDone()
      expect(await usage('northeurope', 'standardDSv3Family')).toEqual({ currentValue: 16, limit: 20 })
      // Alone, the same upgrade fits: it was the concurrency that did not.
      await c.agentPools.beginUpgradeNodeImageVersion('rg-quota', 'aks-q2', 'apps', FAST).then(p => p.pollUntilDone())
      expect((await c.agentPools.get('rg-quota', 'aks-q2', 'apps')).provisioningState).toBe('Succeeded')
    })
  })
})
