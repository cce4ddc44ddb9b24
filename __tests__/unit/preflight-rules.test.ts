// The pre-flight rules one at a time: surge nodes, addresses per node, drain-blocking PDBs,
// deprecated APIs, the kubeconfig and the Kubernetes list items. Real shapes and numbers.
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { addressNeeds } from '../../src/preflight/addresses.ts'
import { apiName, parseDeprecatedApiMetric, parseUsageDetails, removedBy } from '../../src/preflight/deprecated.ts'
import { describePdb, isBlocking, poolsOf, selectorQuery, selects } from '../../src/preflight/pdb.ts'
import { surgeNodes } from '../../src/preflight/surge.ts'
import type { LabelSelector, Pdb } from '../../src/preflight/types.ts'
import { parseNodes, parsePdbs, parsePods } from '../../src/preflight/wire.ts'
import { parseKubeconfig } from '../../src/kube/kubeconfig.ts'

describe('surge nodes from upgradeSettings', () => {
  it.each([
    { name: 'a count', settings: { count: 10, maxSurge: '3', version: '1.35.6' }, nodes: 3, assumed: false },
    { name: 'a percentage rounds up', settings: { count: 10, maxSurge: '33%', version: '1.35.6' }, nodes: 4, assumed: false },
    { name: '100% of 3 nodes', settings: { count: 3, maxSurge: '100%', version: '1.35.6' }, nodes: 3, assumed: false },
    { name: 'maxSurge 0 (maxUnavailable does the work)', settings: { count: 5, maxSurge: '0', version: '1.35.6' }, nodes: 0, assumed: false },
    { name: 'unset on 1.35: 10% of 25 nodes', settings: { count: 25, version: '1.35.6' }, nodes: 3, assumed: true },
    { name: 'unset on 1.35: 10% of 3 nodes is still one', settings: { count: 3, version: '1.35.6' }, nodes: 1, assumed: true },
    { name: 'unset on 1.27: one node', settings: { count: 25, version: '1.27.9' }, nodes: 1, assumed: true },
    { name: 'empty string is unset', settings: { count: 10, maxSurge: '', version: '1.34.9' }, nodes: 1, assumed: true },
    { name: 'never more than the pool has', settings: { count: 3, maxSurge: '5', version: '1.35.6' }, nodes: 3, assumed: false },
    { name: 'an empty pool surges nothing', settings: { count: 0, version: '1.35.6' }, nodes: 0, assumed: true },
    { name: 'a count stands when the node count is unknown', settings: { maxSurge: '2', version: '1.35.6' }, nodes: 2, assumed: false },
    { name: 'a percentage of an unknown node count is one node', settings: { maxSurge: '33%', version: '1.35.6' }, nodes: 1, assumed: false }
  ])('$name', ({ settings, nodes, assumed }) => {
    const surge = surgeNodes(settings)
    expect(surge.nodes).toBe(nodes)
    expect(surge.assumed !== undefined).toBe(assumed)
  })

  it('says which default it assumed', () => {
    expect(surgeNodes({ count: 25, version: '1.35.6' }).assumed).toContain("AKS's default of 10% (3 nodes)")
  })
})

const SUBNET = '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks-nodes'
const PODS = '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks-pods'

describe('addresses each surge node takes', () => {
  it.each([
    { name: 'classic Azure CNI, maxPods 30', network: { plugin: 'azure' }, pool: { vnetSubnetId: SUBNET, maxPods: 30 }, needs: [[SUBNET, 31]] },
    { name: 'classic Azure CNI, default maxPods', network: { plugin: 'azure' }, pool: { vnetSubnetId: SUBNET }, needs: [[SUBNET, 31]] },
    {
      name: 'Azure CNI Overlay',
      network: { plugin: 'azure', pluginMode: 'overlay' },
      pool: { vnetSubnetId: SUBNET, maxPods: 250 },
      needs: [[SUBNET, 1]]
    },
    { name: 'kubenet', network: { plugin: 'kubenet' }, pool: { vnetSubnetId: SUBNET, maxPods: 110 }, needs: [[SUBNET, 1]] },
    {
      name: 'pod subnet, dynamic allocation',
      network: { plugin: 'azure' },
      pool: { vnetSubnetId: SUBNET, podSubnetId: PODS, maxPods: 30 },
      needs: [
        [SUBNET, 1],
        [PODS, 16]
      ]
    },
    {
      name: 'pod subnet, static blocks for maxPods 30',
      network: { plugin: 'azure' },
      pool: { vnetSubnetId: SUBNET, podSubnetId: PODS, maxPods: 30, podIpAllocationMode: 'StaticBlock' },
      needs: [
        [SUBNET, 1],
        [PODS, 32]
      ]
    },
    {
      name: 'pod subnet, static blocks for maxPods 250',
      network: { plugin: 'azure' },
      pool: { vnetSubnetId: SUBNET, podSubnetId: PODS, maxPods: 250, podIpAllocationMode: 'StaticBlock' },
      needs: [
        [SUBNET, 1],
        [PODS, 256]
      ]
    }
  ])('$name', ({ network, pool, needs }) => {
    const got = addressNeeds(network, pool)
    expect(typeof got).not.toBe('string')
    expect((got as Array<{ subnetId: string; perNode: number }>).map(n => [n.subnetId, n.perNode])).toEqual(needs)
  })

  it('skips a pool on an AKS-managed virtual network, and says so', () => {
    expect(addressNeeds({ plugin: 'azure' }, { maxPods: 30 })).toMatch(/AKS-managed virtual network/)
  })
})

function pdb(over: Partial<Pdb> = {}): Pdb {
  return {
    namespace: 'shop',
    name: 'web',
    minAvailable: '3',
    selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
    disruptionsAllowed: 0,
    currentHealthy: 3,
    desiredHealthy: 3,
    expectedPods: 3,
    ...over
  }
}

describe('drain-blocking PodDisruptionBudgets', () => {
  it.each([
    { name: 'minAvailable equal to replicas', over: {}, blocking: true },
    { name: 'one disruption allowed', over: { disruptionsAllowed: 1, desiredHealthy: 2 }, blocking: false },
    { name: 'no pods behind it', over: { expectedPods: 0, currentHealthy: 0 }, blocking: false }
  ])('$name', ({ over, blocking }) => {
    expect(isBlocking(pdb(over))).toBe(blocking)
  })

  it.each<{ selector: LabelSelector | undefined; labels: Record<string, string>; selected: boolean }>([
    { selector: { matchLabels: { app: 'web' }, matchExpressions: [] }, labels: { app: 'web', tier: 'fe' }, selected: true },
    { selector: { matchLabels: { app: 'web' }, matchExpressions: [] }, labels: { app: 'api' }, selected: false },
    { selector: { matchLabels: {}, matchExpressions: [] }, labels: { anything: 'x' }, selected: true },
    {
      selector: { matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] },
      labels: { tier: 'be' },
      selected: true
    },
    {
      selector: { matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] },
      labels: { tier: 'fe' },
      selected: false
    },
    { selector: { matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'Exists', values: [] }] }, labels: {}, selected: false },
    {
      selector: { matchLabels: {}, matchExpressions: [{ key: 'canary', operator: 'DoesNotExist', values: [] }] },
      labels: { app: 'x' },
      selected: true
    },
    { selector: undefined, labels: { app: 'web' }, selected: false }
  ])('selector $selector on $labels: $selected', ({ selector, labels, selected }) => {
    expect(selects(selector, labels)).toBe(selected)
  })

  it('writes the selector as a labelSelector query', () => {
    expect(
      selectorQuery({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['fe', 'be'] },
          { key: 'canary', operator: 'DoesNotExist', values: [] }
        ]
      })
    ).toBe('app=web,tier in (fe,be),!canary')
  })

  it('maps the PDB to the pools its pods run on', () => {
    const pods = [
      { namespace: 'shop', labels: { app: 'web' }, nodeName: 'aks-apps-12345678-vmss000000' },
      { namespace: 'shop', labels: { app: 'web' }, nodeName: 'aks-apps-12345678-vmss000001' },
      { namespace: 'other', labels: { app: 'web' }, nodeName: 'aks-system-12345678-vmss000000' },
      { namespace: 'shop', labels: { app: 'web' } }
    ]
    const nodes = new Map([
      ['aks-apps-12345678-vmss000000', 'apps'],
      ['aks-apps-12345678-vmss000001', 'apps'],
      ['aks-system-12345678-vmss000000', 'system']
    ])
    expect(poolsOf(pdb(), pods, nodes)).toEqual(['apps'])
    expect(poolsOf(pdb(), pods, new Map())).toEqual([])
  })

  it('names the PDB with its rule and numbers', () => {
    expect(describePdb(pdb())).toBe('shop/web (minAvailable 3; 3 of 3 pods healthy, 3 required, 0 disruptions allowed)')
  })
})

describe('deprecated APIs', () => {
  const metrics = [
    '# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.',
    '# TYPE apiserver_requested_deprecated_apis gauge',
    'apiserver_requested_deprecated_apis{group="",removed_release="",resource="componentstatuses",subresource="",version="v1"} 1',
    'apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.32",resource="flowschemas",subresource="",version="v1beta3"} 1',
    'apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.29",resource="prioritylevelconfigurations",subresource="status",version="v1beta2"} 1',
    'apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",subresource="",version="v1beta1"} 0',
    'apiserver_request_total{code="200"} 4711'
  ].join('\n')

  it('reads the series in use from /metrics', () => {
    expect(parseDeprecatedApiMetric(metrics).map(apiName)).toEqual([
      'v1 componentstatuses',
      'flowcontrol.apiserver.k8s.io/v1beta3 flowschemas',
      'flowcontrol.apiserver.k8s.io/v1beta2 prioritylevelconfigurations/status'
    ])
  })

  it.each([
    {
      target: '1.32',
      removed: ['flowcontrol.apiserver.k8s.io/v1beta3 flowschemas', 'flowcontrol.apiserver.k8s.io/v1beta2 prioritylevelconfigurations/status']
    },
    { target: '1.30', removed: ['flowcontrol.apiserver.k8s.io/v1beta2 prioritylevelconfigurations/status'] },
    { target: '1.28', removed: [] }
  ])('a minor upgrade to $target stops on $removed', ({ target, removed }) => {
    expect(removedBy(parseDeprecatedApiMetric(metrics), target).map(apiName)).toEqual(removed)
  })

  it('parses the usage details of UpgradeBlockedOnDeprecatedAPIUsage', () => {
    const message =
      'Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version. Please refer to https://kubernetes.io/docs/reference/using-api/deprecation-guide to migrate the usage. ' +
      'AKS records the usage over the last 12 hours, so you may need to wait that long after migrating before this error stops. To bypass this error, set forceUpgrade in upgradeSettings.overrideSettings. ' +
      'Usage details: 2 errors occurred:\n\t* usage has been detected on API flowcontrol.apiserver.k8s.io.flowschemas.v1beta2.list, and was recently seen at: 2026-11-28 21:00:00 +0000 UTC, which will be removed in 1.29\n' +
      '\t* usage has been detected on API autoscaling.horizontalpodautoscalers.v2beta2.watch, and was recently seen at: 2026-11-28 20:00:00 +0000 UTC, which will be removed in 1.26\n\n'
    expect(parseUsageDetails(message)).toEqual([
      { api: 'flowcontrol.apiserver.k8s.io.flowschemas.v1beta2.list', lastSeen: '2026-11-28 21:00:00 +0000 UTC', removedIn: '1.29' },
      { api: 'autoscaling.horizontalpodautoscalers.v2beta2.watch', lastSeen: '2026-11-28 20:00:00 +0000 UTC', removedIn: '1.26' }
    ])
    expect(parseUsageDetails('Drain of node aks-sys-1 failed')).toEqual([])
  })
})

describe('kubeconfig', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
  const b64 = (s: string): string => Buffer.from(s).toString('base64')

  it('takes server and CA of the current context; an Entra exec user carries no secret', () => {
    const yaml = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'aks-prod', cluster: { server: 'https://aks-prod-dns-1a2b3c.hcp.westeurope.azmk8s.io:443', 'certificate-authority-data': b64(ca) } }
      ],
      contexts: [{ name: 'aks-prod', context: { cluster: 'aks-prod', user: 'clusterUser_rg_aks-prod' } }],
      'current-context': 'aks-prod',
      users: [
        {
          name: 'clusterUser_rg_aks-prod',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'kubelogin',
              args: ['get-token', '--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630']
            }
          }
        }
      ]
    })
    expect(parseKubeconfig(yaml)).toEqual({ server: 'https://aks-prod-dns-1a2b3c.hcp.westeurope.azmk8s.io:443', ca })
  })

  it('takes a local account token and client certificate', () => {
    const yaml = stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://c:443', 'certificate-authority-data': b64(ca) } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
      users: [
        { name: 'u', user: { token: 'e9f2f819a4496538b02cefff94e61d35', 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } }
      ]
    })
    expect(parseKubeconfig(yaml)).toMatchObject({ token: 'e9f2f819a4496538b02cefff94e61d35', clientCert: 'CERT', clientKey: 'KEY' })
  })

  it('fails with what is missing', () => {
    expect(() => parseKubeconfig('kind: Config\n')).toThrow(/names no API server/)
  })
})

describe('Kubernetes list items', () => {
  it('reads a policy/v1 PodDisruptionBudget, its int-or-string rule and status', () => {
    const [p] = parsePdbs([
      {
        metadata: { name: 'web', namespace: 'shop' },
        spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } },
        status: { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 }
      }
    ])
    expect(p).toEqual({
      namespace: 'shop',
      name: 'web',
      minAvailable: '50%',
      selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
      disruptionsAllowed: 0,
      currentHealthy: 2,
      desiredHealthy: 2,
      expectedPods: 3
    })
  })

  it('reads pods and nodes, and ignores what is missing', () => {
    expect(parsePods([{ metadata: { namespace: 'shop', labels: { app: 'web' } }, spec: { nodeName: 'n1' } }, {}])).toEqual([
      { namespace: 'shop', labels: { app: 'web' }, nodeName: 'n1' },
      { namespace: 'default', labels: {} }
    ])
    expect(parseNodes([{ metadata: { name: 'n1', labels: { 'kubernetes.azure.com/agentpool': 'apps' } } }])).toEqual([
      { name: 'n1', labels: { 'kubernetes.azure.com/agentpool': 'apps' } }
    ])
  })
})
