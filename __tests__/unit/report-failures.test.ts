import { describe, expect, it } from 'vitest'
import type { ErrorInfo } from '../../src/model.ts'
import { explainFailedState, explainFailure, surgeNodes, type FailureLocation } from '../../src/report/failures.ts'

const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590'
const POOL: FailureLocation = {
  resourceGroup: 'rg-prod',
  cluster: 'aks-weu-01',
  pool: 'apps',
  subscriptionId: SUB,
  location: 'westeurope',
  kind: 'node-image'
}
const CLUSTER: FailureLocation = {
  resourceGroup: 'rg-prod',
  cluster: 'aks-weu-01',
  subscriptionId: SUB,
  location: 'westeurope',
  kind: 'control-plane'
}
const TS = 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/'

interface Expect {
  docs: string
  cause?: string[]
  fix?: string[]
  inspect?: string[]
}

// Real AKS/ARM error texts (from Microsoft's troubleshooting pages and public issues).
const cases: Array<[string, ErrorInfo, FailureLocation, Expect]> = [
  [
    'PodDrainFailure',
    { code: 'PodDrainFailure', message: 'Drain did not complete because of a PodDisruptionBudget.' },
    POOL,
    {
      docs: `${TS}error-code-poddrainfailure`,
      cause: ['PodDisruptionBudget'],
      fix: [
        '`kubectl get pdb -A`',
        'ALLOWED DISRUPTIONS 0',
        '`upgradeSettings.undrainableNodeBehavior: Cordon`',
        '`upgradeSettings.drainTimeoutInMinutes`',
        '--undrainable-node-behavior Cordon'
      ],
      inspect: ['kubectl get pdb -A']
    }
  ],
  [
    'UpgradeFailed caused by a PDB (code is generic, message tells)',
    {
      code: 'UpgradeFailed',
      message:
        'Drain node aks-apps-12345678-vmss000002 failed when evicting pod web-7d9f8 failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures.'
    },
    POOL,
    { docs: `${TS}error-code-poddrainfailure`, fix: ['`kubectl get pdb -A`'] }
  ],
  [
    'a drain timeout',
    { code: 'UpgradeFailed', message: 'Node aks-apps-12345678-vmss000001 drain timed out after 30 minutes.' },
    POOL,
    { docs: `${TS}error-code-poddrainfailure`, fix: ['drainTimeoutInMinutes'] }
  ],
  [
    'QuotaExceeded',
    { code: 'QuotaExceeded', message: 'Provisioning of resource(s) for container service aks-weu-01 failed. Quota exceeded.' },
    POOL,
    {
      docs: `${TS}error-code-quotaexceeded`,
      cause: ['surge nodes'],
      fix: ['`az vm list-usage -l westeurope', '`upgradeSettings.maxSurge`'],
      inspect: ['az vm list-usage -l westeurope']
    }
  ],
  [
    'quota reported as OperationNotAllowed',
    {
      code: 'OperationNotAllowed',
      message:
        'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Location: westeurope, Current Limit: 100.'
    },
    POOL,
    { docs: `${TS}error-code-quotaexceeded` }
  ],
  [
    'AllocationFailed',
    { code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.' },
    POOL,
    { docs: `${TS}error-code-zonalallocationfailed-allocationfailed`, cause: ['capacity'], fix: ['az vm list-usage -l westeurope'] }
  ],
  [
    'ZonalAllocationFailed',
    { code: 'ZonalAllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this zone.' },
    POOL,
    { docs: `${TS}error-code-zonalallocationfailed-allocationfailed` }
  ],
  [
    'OverconstrainedAllocationRequest',
    { code: 'OverconstrainedAllocationRequest', message: 'Allocation failed. VM(s) with the following constraints cannot be allocated.' },
    POOL,
    { docs: `${TS}error-code-zonalallocationfailed-allocationfailed` }
  ],
  [
    'SKUNotAvailable',
    { code: 'SkuNotAvailable', message: "The requested VM size Standard_D4s_v5 is currently not available in location 'westeurope'." },
    POOL,
    { docs: `${TS}error-code-zonalallocationfailed-allocationfailed`, cause: ['not available'], inspect: ['az vm list-skus -l westeurope'] }
  ],
  [
    'SubnetIsFull, with the addresses the surge needs',
    {
      code: 'SubnetIsFull',
      message: "Subnet aks-subnet with address prefix 10.240.0.0/24 doesn't have enough capacity for IP addresses."
    },
    { ...POOL, nodes: 10, maxPods: 30, maxSurge: '33%' },
    { docs: `${TS}error-code-subnetisfull-upgrade`, cause: ['(nodes + maxSurge) × (1 + maxPods)', '(10 + 4) × (1 + 30) = 434 addresses'] }
  ],
  [
    'SubnetIsFull inside a VMSS reconciler message',
    {
      code: 'ReconcileVMSSAgentPoolFailed',
      message:
        "VMSSAgentPoolReconciler retry failed: Code='SubnetIsFull' Message='Subnet aks-subnet with address prefix 10.240.0.0/24 doesn't have enough capacity for IP addresses.'"
    },
    POOL,
    { docs: `${TS}error-code-subnetisfull-upgrade` }
  ],
  [
    'PublicIPCountLimitReached',
    { code: 'PublicIPCountLimitReached', message: 'Cannot create more than 10 public IP addresses for this subscription in this region.' },
    POOL,
    { docs: `${TS}error-code-publicipcountlimitreached`, inspect: ['az network list-usages -l westeurope'] }
  ],
  [
    'UpgradeBlockedOnDeprecatedAPIUsage',
    {
      code: 'UpgradeBlockedOnDeprecatedAPIUsage',
      message: 'Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version.'
    },
    CLUSTER,
    {
      docs: 'https://learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes',
      fix: ['Diagnose and solve problems', '`az aks update -g rg-prod -n aks-weu-01 --enable-force-upgrade --upgrade-override-until', 'never sets it']
    }
  ],
  [
    'the deprecated-API stop as ValidationError with a subcode',
    {
      code: 'ValidationError',
      message:
        'Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version. Usage details: usage has been detected on API flowcontrol.apiserver.k8s.io.prioritylevelconfigurations.v1beta1. subcode: UpgradeBlockedOnDeprecatedAPIUsage'
    },
    CLUSTER,
    { docs: 'https://learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes' }
  ],
  [
    'OperationNotAllowed: another operation is running',
    {
      code: 'OperationNotAllowed',
      message:
        'Operation is not allowed: Another agentpool operation (Scaling) is in progress, please wait for it to finish before starting a new operation.'
    },
    POOL,
    {
      docs: `${TS}operationnotallowed`,
      cause: ['one operation at a time'],
      fix: ['`az aks operation show-latest -g rg-prod -n aks-weu-01 --nodepool-name apps`']
    }
  ],
  [
    "AuthorizationFailed names the action from Azure's message",
    {
      code: 'AuthorizationFailed',
      status: 403,
      message:
        "The client 'a1b2' with object id '6f0c8a3e-2b7d-4c1e-9f3a-0d5e6b7c8a9f' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/agentPools/write' over scope '/subscriptions/x/resourceGroups/rg-prod' or the scope is invalid."
    },
    POOL,
    {
      docs: 'https://learn.microsoft.com/azure/aks/concepts-identity',
      cause: ['`Microsoft.ContainerService/managedClusters/agentPools/write`', "named in Azure's message"],
      fix: [
        '--assignee-object-id 6f0c8a3e-2b7d-4c1e-9f3a-0d5e6b7c8a9f',
        'Azure Kubernetes Service Contributor Role',
        `--scope /subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-weu-01`
      ]
    }
  ],
  [
    'AuthorizationFailed without an action: the node-image upgrade action',
    { code: 'AuthorizationFailed', message: 'Pagination failed with unexpected statusCode 403' },
    POOL,
    {
      docs: 'https://learn.microsoft.com/azure/aks/concepts-identity',
      cause: ['`Microsoft.ContainerService/managedClusters/agentPools/upgradeNodeImageVersion/action`']
    }
  ],
  [
    'AuthorizationFailed without an action: a pool version upgrade',
    { code: 'AuthorizationFailed', message: 'Forbidden' },
    { ...POOL, kind: 'pool-version' },
    { docs: 'https://learn.microsoft.com/azure/aks/concepts-identity', cause: ['`Microsoft.ContainerService/managedClusters/agentPools/write`'] }
  ],
  [
    'AuthorizationFailed without an action: a control plane upgrade',
    { code: 'AuthorizationFailed', message: 'Forbidden' },
    CLUSTER,
    { docs: 'https://learn.microsoft.com/azure/aks/concepts-identity', cause: ['`Microsoft.ContainerService/managedClusters/write`'] }
  ],
  [
    'PreconditionFailed',
    { code: 'PreconditionFailed', status: 412, message: 'Operation failed because the etag does not match.' },
    CLUSTER,
    { docs: 'https://learn.microsoft.com/azure/aks/use-etags', cause: ['eTag'] }
  ],
  [
    'an unknown code',
    { code: 'ProvisioningControlPlaneError', message: 'AKS encountered an internal error while attempting the requested Updating operation.' },
    CLUSTER,
    {
      docs: 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/aks-error-code-page',
      cause: ['ProvisioningControlPlaneError', 'no specific advice'],
      inspect: [`az aks show -g rg-prod -n aks-weu-01 --subscription ${SUB}`]
    }
  ]
]

describe('explainFailure', () => {
  it.each(cases)('%s', (_name, error, where, expected) => {
    const advice = explainFailure(error, where)
    expect(advice.docs).toBe(expected.docs)
    for (const s of expected.cause ?? []) expect(advice.cause).toContain(s)
    for (const s of expected.fix ?? []) expect(advice.fix).toContain(s)
    for (const s of expected.inspect ?? []) expect(advice.inspect).toContain(s)
    // every command marker is closed, so the renderer never mistakes text for code
    for (const text of [advice.cause, advice.fix]) expect((text.match(/`/g) ?? []).length % 2).toBe(0)
  })

  it('never echoes a name that cannot be an ARM name into a command', () => {
    const advice = explainFailure(
      { code: 'PodDrainFailure', message: 'drain failed' },
      { resourceGroup: 'rg`$(curl evil)`', cluster: 'aks <img>', pool: 'np1; rm -rf /', subscriptionId: SUB, location: 'west europe' }
    )
    const text = `${advice.cause} ${advice.fix} ${advice.inspect ?? ''}`
    expect(text).toContain('-g RESOURCE_GROUP --cluster-name CLUSTER -n POOL')
    expect(text).not.toMatch(/curl|<img|rm -rf/)
  })

  it('quotes a resource group with parentheses', () => {
    const advice = explainFailure(
      { code: 'OperationNotAllowed', message: 'Another operation (Updating) is in progress' },
      { ...CLUSTER, resourceGroup: 'rg(eu)' }
    )
    expect(advice.fix).toContain("-g 'rg(eu)' -n aks-weu-01")
  })

  it('uses a placeholder when the region is unknown', () => {
    const { location: _omit, ...where } = POOL
    expect(explainFailure({ code: 'QuotaExceeded', message: 'Quota exceeded' }, where).inspect).toContain('az vm list-usage -l LOCATION')
  })
})

describe('explainFailedState', () => {
  it('uses the provisioning error AKS left on the pool', () => {
    expect(explainFailedState({ code: 'SubnetIsFull', message: 'no capacity for IP addresses' }, POOL).docs).toContain(
      'error-code-subnetisfull-upgrade'
    )
  })
  it('without one, says how to find the failed operation and reconcile', () => {
    const advice = explainFailedState(undefined, POOL)
    expect(advice.cause).toContain('Failed state')
    expect(advice.fix).toContain('`az aks operation show-latest -g rg-prod -n aks-weu-01 --nodepool-name apps`')
  })
})

describe('surgeNodes', () => {
  const cases: Array<[string | undefined, number, number | undefined]> = [
    ['33%', 10, 4],
    ['10%', 3, 1],
    ['50%', 3, 2],
    ['1', 10, 1],
    ['5', 3, 5],
    ['many', 3, undefined],
    [undefined, 3, undefined]
  ]
  it.each(cases)('maxSurge %j of %d nodes → %s', (maxSurge, nodes, expected) => {
    expect(surgeNodes(maxSurge, nodes)).toBe(expected)
  })
})
