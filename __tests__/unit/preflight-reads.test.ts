// Pre-flight reads with fake ARM and API server: each thing is read once per run, only for
// clusters with an operation, and every read that fails becomes a check not run with what to
// grant, never a failed run.
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { readPreflightFacts, type PreflightReadDeps } from '../../src/azure/preflight-reads.ts'
import { KubeStatusError, KubeUnreachableError } from '../../src/kube/client.ts'
import type { ClusterPlan, ClusterSnapshot, FleetPlan } from '../../src/model.ts'
import { clusterSnapshot, poolSnapshot, U0702, U0709 } from './fixtures.ts'

const SUB_A = '0b1f6471-1bf0-4dda-aec3-111122223333'
const SUB_B = '9c2e1d00-aaaa-4bbb-8ccc-444455556666'
const VNET = `/subscriptions/${SUB_B}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub`

function clusterPlan(name: string, sub: string, over: Partial<ClusterSnapshot> = {}, operations = true): ClusterPlan {
  const pools = [poolSnapshot('apps', { nodeImageVersion: U0702, vmSize: 'Standard_D4s_v3', count: 3, vnetSubnetId: `${VNET}/subnets/${name}` })]
  const cluster = clusterSnapshot(name, { subscriptionId: sub, location: 'westeurope', pools, ...over })
  const ops = operations
    ? [
        {
          key: `${cluster.id}/agentPools/apps#node-image`,
          kind: 'node-image' as const,
          upgradeClass: 'node-image' as const,
          clusterId: cluster.id,
          pool: 'apps',
          from: U0702,
          to: U0709
        }
      ]
    : []
  return { cluster, ring: 0, operations: ops, entries: [], warnings: [] }
}

function fleet(clusters: ClusterPlan[]): FleetPlan {
  return { clusters, rings: {} }
}

const KUBECONFIG = stringify({
  clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
  contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
  'current-context': 'c',
  users: [{ name: 'u', user: { token: 'local-secret' } }]
})

function fakes(over: Partial<PreflightReadDeps> = {}): { deps: PreflightReadDeps; gets: string[] } {
  const gets: string[] = []
  const deps: PreflightReadDeps = {
    armGet: async (_sub, path) => {
      gets.push(path.split('?')[0] ?? path)
      if (path.includes('/skus'))
        return {
          value: [
            { resourceType: 'virtualMachines', name: 'Standard_D4s_v3', family: 'standardDSv3Family', capabilities: [{ name: 'vCPUs', value: '4' }] }
          ]
        }
      if (path.includes('/usages') && path.includes('Microsoft.Compute'))
        return { value: [{ name: { value: 'cores' }, currentValue: 10, limit: 100 }] }
      return { value: [{ id: `${VNET}/subnets/aks-a`, currentValue: 3, limit: 11 }] }
    },
    userKubeconfig: async () => KUBECONFIG,
    apiServerToken: async () => 'entra-token',
    kube: () => ({ list: async () => [], getText: async () => '' }),
    readsPerSubscription: 6,
    log: { info: () => {} },
    secret: () => {},
    ...over
  }
  return { deps, gets }
}

describe('pre-flight reads', () => {
  it('reads SKUs once per location, usages once per subscription and location, each virtual network once', async () => {
    const { deps, gets } = fakes()
    const plan = fleet([
      clusterPlan('aks-a', SUB_A),
      clusterPlan('aks-b', SUB_A),
      clusterPlan('aks-c', SUB_B),
      clusterPlan('aks-idle', SUB_B, {}, false)
    ])
    const facts = await readPreflightFacts(plan, ['quota', 'subnet', 'pdb'], deps)
    expect(gets.filter(g => g.endsWith('/skus'))).toHaveLength(1)
    expect(gets.filter(g => g.includes('Microsoft.Compute/locations')).sort()).toEqual([
      `/subscriptions/${SUB_A}/providers/Microsoft.Compute/locations/westeurope/usages`,
      `/subscriptions/${SUB_B}/providers/Microsoft.Compute/locations/westeurope/usages`
    ])
    expect(gets.filter(g => g.includes('virtualNetworks'))).toEqual([`${VNET}/usages`])
    // 1 SKU list + 2 usages + 1 virtual network + 3 credentials (the idle cluster is not read).
    expect(facts.armRequests).toBe(7)
    expect(facts.subnetUsages.get(`${VNET}/subnets/aks-a`.toLowerCase())).toEqual({ current: 3, limit: 11 })
    expect(facts.notRun).toEqual([])
  })

  it('turns a 403 into a check not run with the role action', async () => {
    const forbidden = Object.assign(new Error('does not have authorization'), { statusCode: 403, code: 'AuthorizationFailed' })
    const { deps } = fakes({
      armGet: async (_sub, path) => {
        if (path.includes('Microsoft.Compute/locations')) throw forbidden
        return { value: [] }
      },
      userKubeconfig: async () => {
        throw forbidden
      }
    })
    const facts = await readPreflightFacts(fleet([clusterPlan('aks-a', SUB_A)]), ['quota', 'pdb'], deps)
    expect(facts.notRun.map(n => [n.check, n.roleAction])).toEqual([
      ['quota', 'Microsoft.Compute/locations/usages/read'],
      ['pdb', 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action']
    ])
  })

  it.each([
    {
      name: 'an unreachable API server',
      error: new KubeUnreachableError('127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1'),
      reason: /^API server not reachable \(private cluster\? use a self-hosted runner in the VNet\)/
    },
    {
      name: 'an API server that refuses',
      error: new KubeStatusError(403, 'forbidden'),
      reason: /refused to list poddisruptionbudgets.*403.*RBAC Reader/
    }
  ])('lists $name as a check not run', async ({ error, reason }) => {
    const { deps } = fakes({
      kube: () => ({
        list: async () => {
          throw error
        },
        getText: async () => ''
      })
    })
    const facts = await readPreflightFacts(fleet([clusterPlan('aks-a', SUB_A)]), ['pdb'], deps)
    expect(facts.notRun).toHaveLength(1)
    expect(facts.notRun[0]?.reason).toMatch(reason)
    expect(facts.clusters.size).toBe(0)
  })

  it("masks a local account's token in the log", async () => {
    const masked: string[] = []
    const { deps } = fakes({ secret: value => masked.push(value) })
    await readPreflightFacts(fleet([clusterPlan('aks-a', SUB_A)]), ['pdb'], deps)
    expect(masked).toEqual(['local-secret'])
  })

  it('asks Entra for an AKS server token for Entra-integrated clusters, and uses the local account otherwise', async () => {
    const tokens: Array<string | undefined> = []
    const { deps } = fakes({
      kube: (_target, token) => {
        tokens.push(token)
        return { list: async () => [], getText: async () => '' }
      }
    })
    const entra = clusterPlan('aks-a', SUB_A, { apiAccess: { entra: true, localAccounts: false, private: false } })
    const local = clusterPlan('aks-b', SUB_A, { apiAccess: { entra: false, localAccounts: true, private: false } })
    await readPreflightFacts(fleet([entra, local]), ['pdb'], deps)
    expect(tokens.sort()).toEqual(['entra-token', undefined])
  })

  it('maps a blocking PDB to the pools its pods run on', async () => {
    const lists: Record<string, unknown[]> = {
      '/apis/policy/v1/poddisruptionbudgets': [
        {
          metadata: { namespace: 'shop', name: 'web' },
          spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
          status: { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 }
        },
        {
          metadata: { namespace: 'shop', name: 'api' },
          spec: { maxUnavailable: 1, selector: {} },
          status: { disruptionsAllowed: 1, expectedPods: 2 }
        }
      ],
      '/api/v1/nodes': [{ metadata: { name: 'aks-apps-1', labels: { 'kubernetes.azure.com/agentpool': 'apps' } } }],
      '/api/v1/namespaces/shop/pods': [{ metadata: { namespace: 'shop', labels: { app: 'web' } }, spec: { nodeName: 'aks-apps-1' } }]
    }
    const queries: string[] = []
    const { deps } = fakes({
      kube: () => ({
        list: async (path, query) => {
          if (query?.labelSelector) queries.push(query.labelSelector)
          return lists[path] ?? []
        },
        getText: async () => ''
      })
    })
    const cp = clusterPlan('aks-a', SUB_A)
    const facts = await readPreflightFacts(fleet([cp]), ['pdb'], deps)
    expect(facts.clusters.get(cp.cluster.id.toLowerCase())?.pdbs.map(p => [p.pdb.name, p.pools])).toEqual([['web', ['apps']]])
    expect(queries).toEqual(['app=web'])
  })
})
