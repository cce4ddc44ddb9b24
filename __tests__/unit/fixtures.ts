// Snapshot builders shared by the pure-module tests: real version strings (Azure/AKS release
// of 2026-07-17, AKS-API-NOTES §7) and a healthy default cluster and pool, so each case
// states only what it is about.
import type { ClusterSnapshot, Operation, PoolSnapshot } from '../../src/model.ts'

export const U0619 = 'AKSUbuntu-2204gen2containerd-202606.19.0'
export const U0702 = 'AKSUbuntu-2204gen2containerd-202607.02.0'
export const U0709 = 'AKSUbuntu-2204gen2containerd-202607.09.0'
export const U2404 = 'AKSUbuntu-2404gen2containerd-202607.09.0'
export const AZL3 = 'AKSAzureLinux-V3gen2-202607.09.0'
export const W0610 = 'AKSWindows-2022-containerd-20348.5256.260610'
export const W0715 = 'AKSWindows-2022-containerd-20348.5386.260715'

/** A running Linux user pool on 1.35.6 with the newest Ubuntu 22.04 image. */
export function poolSnapshot(name: string, over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return {
    name,
    mode: 'User',
    osType: 'Linux',
    osSku: 'Ubuntu',
    orchestratorVersion: '1.35.6',
    currentOrchestratorVersion: '1.35.6',
    nodeImageVersion: U0709,
    latestNodeImageVersion: U0709,
    upgrades: [],
    recentlyUsedVersions: [],
    provisioningState: 'Succeeded',
    powerState: 'Running',
    ...over
  }
}

/** A running cluster on 1.35.6 with no AKS automation; `id` follows the other fields unless given. */
export function clusterSnapshot(name: string, over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const base: ClusterSnapshot = {
    id: '',
    subscriptionId: 's',
    resourceGroup: 'rg',
    name,
    location: 'eastus',
    tags: {},
    kubernetesVersion: '1.35.6',
    currentKubernetesVersion: '1.35.6',
    provisioningState: 'Succeeded',
    powerState: 'Running',
    supportPlan: 'KubernetesOfficial',
    upgradeChannel: 'none',
    nodeOSUpgradeChannel: 'None',
    pools: [],
    ...over
  }
  if (!over.id) {
    base.id = `/subscriptions/${base.subscriptionId}/resourceGroups/${base.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${base.name}`
  }
  return base
}

/** A node-image refresh of `pool` from last week's Ubuntu image to this week's. */
export function nodeImageOperation(c: Pick<ClusterSnapshot, 'id'>, pool: string): Operation {
  return {
    key: `${c.id}/agentPools/${pool}#node-image`,
    kind: 'node-image',
    upgradeClass: 'node-image',
    clusterId: c.id,
    pool,
    from: U0702,
    to: U0709
  }
}
