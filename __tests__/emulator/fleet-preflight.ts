// Seed parts the pre-flight routes read (Compute quota, subnets, access to the cluster's API
// server, its Kubernetes objects) and their defaults. Apart from fleet.ts so that file stays
// about versions and operations; fleet.ts only adds the fields that use these types.
import { randomBytes } from 'node:crypto'
import type { ClusterSeed, Fleet, PoolSeed } from './fleet.ts'

/** A VM size's quota family and size; memory defaults to 4 GiB per vCPU. */
interface VmSizeSeed {
  family: string
  vCPUs: number
  memoryGB?: number
}

/** One `Usage` row of Compute `usages`; `currentValue` defaults to what the fleet's nodes use. */
export interface UsageSeed {
  currentValue?: number
  limit: number
}

export interface ComputeSeed {
  /** VM size name -> quota family and vCPUs; adds to / overrides DEFAULT_VM_SIZES. */
  vmSizes?: Record<string, VmSizeSeed>
  /** `<subscriptionId>/<location>` or `<location>` -> usage name (`standardDSv3Family`, `cores`, `lowPriorityCores`) -> row. */
  usages?: Record<string, Record<string, UsageSeed>>
  /** `<subscriptionId>/<location>` keys (or `*`) whose usages GET answers 403. */
  forbiddenUsages?: string[]
  /** The SKU list answers 403. */
  forbiddenSkus?: boolean
}

export interface SubnetSeed {
  name: string
  /** Usable addresses as Azure reports them (a /28: 16 - 5 reserved = 11). */
  limit: number
  /** Default: what the fleet's pools on the subnet take (see capacity.ts). */
  currentValue?: number
}

export interface VirtualNetworkSeed {
  /** Full `/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/<name>` id. */
  id: string
  subnets: SubnetSeed[]
  /** Its usages GET answers 403. */
  forbidden?: boolean
}

export interface NetworkProfileSeed {
  /** `azure`, `kubenet` or `none`. */
  networkPlugin?: string
  /** `overlay` for Azure CNI Overlay. */
  networkPluginMode?: string
}

export interface AadProfileSeed {
  managed?: boolean
  enableAzureRBAC?: boolean
  tenantID?: string
}

interface DeprecatedApiSeed {
  group: string
  version: string
  resource: string
  subresource?: string
  removed_release: string
}

/** What the cluster's Kubernetes API (kube.ts) serves. */
export interface KubeSeed {
  /** policy/v1 PodDisruptionBudget wire objects (metadata, spec). `status` is computed from the pods unless given. */
  pdbs?: unknown[]
  /** v1 Pod wire objects (metadata.name/namespace/labels, spec.nodeName optional) or with a convenience `pool: '<poolName>'` that places the pod on that pool's nodes round-robin. */
  pods?: Array<Record<string, unknown> & { pool?: string }>
  /** `apiserver_requested_deprecated_apis` series with value 1. */
  deprecatedApis?: DeprecatedApiSeed[]
  /** 403 on the list calls (Kubernetes `Status` body, reason Forbidden). */
  forbidden?: boolean
  /** 403 on /metrics only. */
  metricsForbidden?: boolean
}

/** The tenant an Entra-integrated cluster trusts when its seed names none (the test harness's tenant). */
export const DEFAULT_TENANT_ID = '4c7f9a2e-1b3d-4e5f-8a6b-9c0d1e2f3a4b'

/**
 * Real sizes (Azure VM size docs): at least the ones normalizeFleet defaults to, plus a few
 * common AKS sizes. Family names are the quota names Compute `usages` reports.
 */
const DEFAULT_VM_SIZES: Record<string, Required<VmSizeSeed>> = {
  Standard_B2s: { family: 'standardBSFamily', vCPUs: 2, memoryGB: 4 },
  Standard_DS2_v2: { family: 'standardDSv2Family', vCPUs: 2, memoryGB: 7 },
  Standard_D2s_v3: { family: 'standardDSv3Family', vCPUs: 2, memoryGB: 8 },
  Standard_D4s_v3: { family: 'standardDSv3Family', vCPUs: 4, memoryGB: 16 },
  Standard_D8s_v3: { family: 'standardDSv3Family', vCPUs: 8, memoryGB: 32 },
  Standard_D2s_v5: { family: 'standardDSv5Family', vCPUs: 2, memoryGB: 8 },
  Standard_D4s_v5: { family: 'standardDSv5Family', vCPUs: 4, memoryGB: 16 },
  Standard_D8s_v5: { family: 'standardDSv5Family', vCPUs: 8, memoryGB: 32 },
  Standard_D2ds_v5: { family: 'standardDDSv5Family', vCPUs: 2, memoryGB: 8 },
  Standard_D4ds_v5: { family: 'standardDDSv5Family', vCPUs: 4, memoryGB: 16 },
  Standard_D8ds_v5: { family: 'standardDDSv5Family', vCPUs: 8, memoryGB: 32 }
}

export interface VmSize {
  name: string
  family: string
  vCPUs: number
  memoryGB: number
}

/** Every size the fleet knows, keyed by lower-case name (ARM compares size names case-insensitively). */
export function vmSizesOf(fleet: Fleet): Map<string, VmSize> {
  const sizes = new Map<string, VmSize>()
  const add = (name: string, seed: VmSizeSeed): void => {
    sizes.set(name.toLowerCase(), { name, family: seed.family, vCPUs: seed.vCPUs, memoryGB: seed.memoryGB ?? seed.vCPUs * 4 })
  }
  for (const [name, seed] of Object.entries(DEFAULT_VM_SIZES)) add(name, seed)
  for (const [name, seed] of Object.entries(fleet.compute?.vmSizes ?? {})) add(name, seed)
  return sizes
}

function lower(value: string | undefined): string {
  return (value ?? '').toLowerCase()
}

/** Azure CNI Overlay. */
function isOverlay(network: NetworkProfileSeed | undefined): boolean {
  return lower(network?.networkPluginMode) === 'overlay'
}

/** Classic Azure CNI: every node reserves maxPods addresses of its own subnet up front. */
export function isClassicAzureCni(network: NetworkProfileSeed | undefined, pool: Pick<PoolSeed, 'podSubnetID'>): boolean {
  return lower(network?.networkPlugin) === 'azure' && !isOverlay(network) && (pool.podSubnetID ?? '') === ''
}

/** AKS's maxPods when unset: 250 for Overlay (and BYO CNI), 30 for classic Azure CNI, 110 for kubenet. */
function defaultMaxPods(network: NetworkProfileSeed | undefined, pool: PoolSeed): number {
  const plugin = lower(network?.networkPlugin)
  if (isOverlay(network) || plugin === 'none') return 250
  if (plugin === 'azure') return (pool.podSubnetID ?? '') === '' ? 30 : 250
  return 110
}

/**
 * Pre-flight defaults of one cluster. The network stays what the emulator always showed
 * (Azure CNI Overlay) when the seed names none, so older fleets keep their wire.
 */
export function normalizePreflightCluster(cluster: ClusterSeed): void {
  cluster.networkProfile ??= { networkPlugin: 'azure', networkPluginMode: 'overlay' }
  cluster.networkProfile.networkPlugin ??= 'kubenet'
  if (cluster.aadProfile !== undefined) {
    cluster.aadProfile.managed ??= true
    cluster.aadProfile.enableAzureRBAC ??= false
    cluster.aadProfile.tenantID ??= DEFAULT_TENANT_ID
  }
  // AKS's default; the user kubeconfig of a local-account cluster carries this secret.
  cluster.disableLocalAccounts ??= false
  cluster.kubeToken ??= randomBytes(32).toString('hex')
  for (const pool of cluster.agentPools) pool.maxPods ??= defaultMaxPods(cluster.networkProfile, pool)
}
