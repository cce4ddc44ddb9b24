// The fleet the scheduling and engine benches upgrade: clusters on the newest patch of 1.35
// (no version upgrade due), each with Ubuntu pools on last week's node image, ten clusters to a
// resource group, AKS's own upgrade channels off.
import { NODE_IMAGES } from '../../__tests__/emulator/fleet.ts'
import type { ClusterSeed, PoolSeed } from '../../__tests__/emulator/fleet.ts'

export function outdatedClusters(subscriptionId: string, clusters: number, pools: number, tags?: Record<string, string>): ClusterSeed[] {
  const seeds: ClusterSeed[] = []
  for (let i = 0; i < clusters; i++) {
    const agentPools: PoolSeed[] = []
    for (let p = 0; p < pools; p++) {
      agentPools.push({
        name: p === 0 ? 'system' : `np${String(p).padStart(2, '0')}`,
        mode: p === 0 ? 'System' : 'User',
        osType: 'Linux',
        osSKU: 'Ubuntu',
        count: 3,
        orchestratorVersion: '1.35.6',
        nodeImageVersion: NODE_IMAGES.ubuntu2204Old,
        latestNodeImageVersion: NODE_IMAGES.ubuntu2204
      })
    }
    const seed: ClusterSeed = {
      subscriptionId,
      resourceGroup: `rg-bench-${String(Math.floor(i / 10) + 1).padStart(2, '0')}`,
      name: `aks-${String(i + 1).padStart(3, '0')}`,
      location: 'westeurope',
      kubernetesVersion: '1.35.6',
      autoUpgradeProfile: { upgradeChannel: 'none', nodeOSUpgradeChannel: 'None' },
      agentPools
    }
    if (tags) seed.tags = tags
    seeds.push(seed)
  }
  return seeds
}
