// The emulator's seed format ("fleet") and the real AKS version data it defaults to.
// A fleet is plain JSON so other teams can feed the same seeds to their own emulator.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { normalizePreflightCluster } from './fleet-preflight.ts'
import type { FleetManagerSeed } from './fleet-manager.ts'
import type { AadProfileSeed, ComputeSeed, KubeSeed, NetworkProfileSeed, VirtualNetworkSeed } from './fleet-preflight.ts'

/** An error AKS reports for an operation (`{code, message}` of the ARM error shape). */
export interface FleetError {
  code: string
  message: string
}

export interface VersionUpgradeSeed {
  kubernetesVersion: string
  isPreview?: boolean
}

interface RecentlyUsedVersionSeed {
  orchestratorVersion?: string
  nodeImageVersion?: string
  /** ISO date-time: when that pair was last active. */
  timestamp?: string
}

/** `AgentPoolUpgradeSettings`, wire shape. */
interface UpgradeSettingsSeed {
  maxSurge?: string
  maxUnavailable?: string
  drainTimeoutInMinutes?: number
  nodeSoakDurationInMinutes?: number
  undrainableNodeBehavior?: string
}

/**
 * One agent pool. Only `name`, `orchestratorVersion` and `nodeImageVersion` are required;
 * `normalizeFleet` fills the rest with what AKS would show.
 */
export interface PoolSeed {
  /** `^[a-z][a-z0-9]{0,11}$` (Windows pools: at most 6 characters). */
  name: string
  /** `System` | `User` | `Gateway`; default `User`. */
  mode?: string
  /** Default `Linux`. */
  osType?: 'Linux' | 'Windows'
  /** Default `Ubuntu` (Linux) or `Windows2022` (Windows). */
  osSKU?: string
  count?: number
  vmSize?: string
  /** Default by the cluster's network: 250 (Overlay, pod subnet, `none`), 30 (classic Azure CNI), 110 (kubenet). */
  maxPods?: number
  /** Full subnet id the nodes take their addresses from; absent: an AKS-managed virtual network. */
  vnetSubnetID?: string
  /** Full subnet id pods take their addresses from (Azure CNI with a pod subnet). */
  podSubnetID?: string
  /** With `podSubnetID`: `DynamicIndividual` (16 addresses per node) or `StaticBlock` (blocks of 16 for maxPods + 1). */
  podIPAllocationMode?: 'DynamicIndividual' | 'StaticBlock'
  /** `Spot` pools count against `lowPriorityCores` instead of their family and `cores`. */
  scaleSetPriority?: 'Regular' | 'Spot'
  availabilityZones?: string[]
  enableAutoScaling?: boolean
  minCount?: number
  maxCount?: number
  /** Requested version as the user wrote it: `1.35.5` or `1.35`. */
  orchestratorVersion: string
  /** Full patch version the nodes run; default: `orchestratorVersion` resolved to a patch. */
  currentOrchestratorVersion?: string
  nodeImageVersion: string
  /** What the pool upgrade profile offers; default: the newest image for `osSKU` (see LATEST_NODE_IMAGES). */
  latestNodeImageVersion?: string
  /** Default `Succeeded`. A busy state (`UpgradingNodeImageVersion`, `Upgrading`, `Updating`) starts an operation. */
  provisioningState?: string
  /** Default `Running`. */
  powerState?: 'Running' | 'Stopped'
  upgradeSettings?: UpgradeSettingsSeed
  recentlyUsedVersions?: RecentlyUsedVersionSeed[]
  /** Kubernetes upgrades for the pool upgrade profile; derived from the cluster and `kubernetesVersions` when absent. */
  upgrades?: VersionUpgradeSeed[]
  /** The next operation started on this pool ends `Failed` with this error (consumed when it starts). */
  failNextOperation?: FleetError
  /** Every operation on this pool (including one implied by a busy `provisioningState`) stays `InProgress` forever. */
  stuck?: boolean
  /** How long an operation on this pool stays `InProgress`, in ms; default the cluster's, else the emulator's `operationDurationMs`. */
  operationDurationMs?: number
  /** `status.provisioningError`, set by the emulator when an operation fails. */
  provisioningError?: FleetError
  nodeLabels?: Record<string, string>
  tags?: Record<string, string>
  /** Server-managed; generated when absent. */
  eTag?: string
}

/** A maintenance configuration, wire shape (`properties` as in MaintenanceConfigurationsGet*.json). */
export interface MaintenanceConfigurationSeed {
  /** `default`, `aksManagedAutoUpgradeSchedule` or `aksManagedNodeOSUpgradeSchedule`. */
  name: string
  properties: Record<string, unknown>
}

export interface ClusterSeed {
  subscriptionId: string
  resourceGroup: string
  name: string
  /** Azure region name, e.g. `westeurope`. */
  location: string
  tags?: Record<string, string>
  /** Requested control-plane version: `1.35.5` or `1.35`. */
  kubernetesVersion: string
  currentKubernetesVersion?: string
  provisioningState?: string
  powerState?: 'Running' | 'Stopped'
  /** `KubernetesOfficial` (default) or `AKSLongTermSupport`. */
  supportPlan?: string
  /** Default `{ name: 'Base', tier: 'Standard' }` (`Premium` for LTS). */
  sku?: { name: string; tier: string }
  autoUpgradeProfile?: { upgradeChannel?: string; nodeOSUpgradeChannel?: string }
  /**
   * `true`: every request on the cluster answers 403 `AuthorizationFailed` (and lists leave it out).
   * `'write'`: reads work, mutations answer 403.
   */
  forbidden?: boolean | 'write'
  /** The next cluster operation ends `Failed` with this error. */
  failNextOperation?: FleetError
  /** Cluster operations stay `InProgress` forever. */
  stuck?: boolean
  /**
   * How long an operation on this cluster or one of its pools stays `InProgress`, in ms;
   * default the emulator's `operationDurationMs`. Lets one fleet mix slow and fast clusters.
   */
  operationDurationMs?: number
  /** Overrides `controlPlaneProfile.upgrades` of the upgrade profile. */
  controlPlaneUpgrades?: VersionUpgradeSeed[]
  maintenanceConfigurations?: MaintenanceConfigurationSeed[]
  agentPools: PoolSeed[]
  provisioningError?: FleetError
  /** Server-managed; generated when absent. */
  eTag?: string
  /** Default `{ networkPlugin: 'azure', networkPluginMode: 'overlay' }` (what the emulator always showed). */
  networkProfile?: NetworkProfileSeed
  /** Entra ID integration when present (`managed` default true, `tenantID` default DEFAULT_TENANT_ID). */
  aadProfile?: AadProfileSeed
  /** Default false. True without `aadProfile`: listClusterUserCredential answers 400. */
  disableLocalAccounts?: boolean
  /** A private cluster's user kubeconfig points at a closed loopback port. */
  apiServerAccessProfile?: { enablePrivateCluster?: boolean }
  /** listClusterUserCredential answers 403. */
  credentialsForbidden?: boolean
  /** The cluster's Kubernetes API (`<emulator>/_kube/<sub>/<rg>/<name>`). */
  kubernetes?: KubeSeed
  /** Server-managed: the local account's bearer token in the user kubeconfig; generated when absent. */
  kubeToken?: string
}

/** One `values[]` entry of `listKubernetesVersions`, wire shape (KubernetesVersions_List.json). */
export interface KubernetesVersionSeed {
  version: string
  isDefault?: boolean
  isPreview?: boolean
  capabilities: { supportPlan: string[] }
  patchVersions: Record<string, { upgrades: string[] }>
}

interface SubscriptionSeed {
  /** Every request under the subscription answers 403 `AuthorizationFailed`. */
  forbidden?: boolean
  /** Extra (empty) resource groups that exist besides the clusters' own. */
  resourceGroups?: string[]
}

/**
 * The emulator's seed and, after `normalizeFleet`, its live state (tests may mutate it).
 *
 * ```json
 * { "subscriptions": { "<id>": { "forbidden": true } },
 *   "clusters": [{ "subscriptionId": "…", "resourceGroup": "rg", "name": "aks", "location": "westeurope",
 *                  "kubernetesVersion": "1.35.5",
 *                  "agentPools": [{ "name": "system", "mode": "System", "orchestratorVersion": "1.35.5",
 *                                   "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202607.02.0" }] }],
 *   "kubernetesVersions": { "default": [ …KubernetesVersion wire objects… ] } }
 * ```
 * `kubernetesVersions` maps a location (or `default`) to the `values` of `listKubernetesVersions`;
 * when absent, DEFAULT_KUBERNETES_VERSIONS (real AKS data of 2026-07) is used.
 *
 * Pre-flight parts (fleet-preflight.ts, capacity.ts, kube.ts):
 * ```json
 * { "compute": { "vmSizes": { "Standard_X4": { "family": "standardXFamily", "vCPUs": 4 } },
 *                "usages": { "<sub>/westeurope": { "standardDSv3Family": { "limit": 10 } }, "westeurope": { "cores": { "limit": 100 } } },
 *                "forbiddenUsages": ["<sub>/westeurope"], "forbiddenSkus": false },
 *   "virtualNetworks": [{ "id": "/subscriptions/…/providers/Microsoft.Network/virtualNetworks/vnet", "subnets": [{ "name": "aks", "limit": 11 }] }] }
 * ```
 * `compute.vmSizes` adds to DEFAULT_VM_SIZES. A usage row not seeded has limit 1000 (twice the
 * fleet's own use, rounded up to a thousand, when that is more) and, like a row seeded with
 * only `limit`, currentValue = the vCPUs of the fleet's running nodes there (count x vCPUs).
 * Running pool upgrades add their surge vCPUs and addresses; one that would pass a limit
 * ends `QuotaExceeded` / `SubnetIsFull`. A subnet's currentValue defaults to the addresses of
 * the pools on it (classic Azure CNI: count x (1 + maxPods), else count; pod subnet: 16 per node).
 * Clusters add `networkProfile`, `aadProfile`, `disableLocalAccounts`, `apiServerAccessProfile`,
 * `credentialsForbidden` and `kubernetes` (pods, PDBs, deprecated-API metric); pools add
 * `vnetSubnetID`, `podSubnetID`, `podIPAllocationMode`, `scaleSetPriority`.
 */
export interface Fleet {
  subscriptions?: Record<string, SubscriptionSeed>
  clusters: ClusterSeed[]
  kubernetesVersions?: Record<string, KubernetesVersionSeed[]>
  compute?: ComputeSeed
  virtualNetworks?: VirtualNetworkSeed[]
  /** Azure Kubernetes Fleet Manager fleets over these clusters (fleet-manager.ts). */
  fleetManagers?: FleetManagerSeed[]
}

// ---------------------------------------------------------------------------
// Real version data (Azure/AKS release notes 2026-07-17, vhd-notes; see AKS-API-NOTES §7)

export const NODE_IMAGES = {
  ubuntu2204Old: 'AKSUbuntu-2204gen2containerd-202607.02.0',
  ubuntu2204: 'AKSUbuntu-2204gen2containerd-202607.09.0',
  ubuntu2404: 'AKSUbuntu-2404gen2containerd-202607.09.0',
  azureLinux3Old: 'AKSAzureLinux-V3gen2-202607.02.0',
  azureLinux3: 'AKSAzureLinux-V3gen2-202607.09.0',
  windows2022Old: 'AKSWindows-2022-containerd-20348.5256.260610',
  windows2022: 'AKSWindows-2022-containerd-20348.5386.260715',
  windows2019: 'AKSWindows-2019-containerd-17763.8389.260210'
} as const

/** Newest node image per `osSKU` (what `latestNodeImageVersion` defaults to). */
const LATEST_NODE_IMAGES: Record<string, string> = {
  Ubuntu: NODE_IMAGES.ubuntu2204,
  Ubuntu2204: NODE_IMAGES.ubuntu2204,
  Ubuntu2404: NODE_IMAGES.ubuntu2404,
  AzureLinux: NODE_IMAGES.azureLinux3,
  AzureLinux3: NODE_IMAGES.azureLinux3,
  Windows2022: NODE_IMAGES.windows2022,
  Windows2019: NODE_IMAGES.windows2019
}

export interface MinorSpec {
  version: string
  patches: string[]
  isDefault?: boolean
  isPreview?: boolean
  supportPlan?: string[]
}

/**
 * Builds `listKubernetesVersions` values the way AKS fills `patchVersions`: each patch
 * upgrades to the later patches of its minor and to every patch of the next minor.
 */
export function kubernetesVersionsFrom(minors: MinorSpec[]): KubernetesVersionSeed[] {
  const sorted = [...minors].sort((a, b) => compareVersions(a.version, b.version))
  return sorted.map((minor, index) => {
    const next = sorted[index + 1]
    const patches = [...minor.patches].sort(compareVersions)
    const patchVersions: Record<string, { upgrades: string[] }> = {}
    for (const patch of patches) {
      const later = patches.filter(p => compareVersions(p, patch) > 0)
      const nextMinor = next === undefined ? [] : [...next.patches].sort(compareVersions)
      patchVersions[patch] = { upgrades: [...later, ...nextMinor] }
    }
    const entry: KubernetesVersionSeed = {
      version: minor.version,
      capabilities: { supportPlan: minor.supportPlan ?? ['KubernetesOfficial'] },
      patchVersions
    }
    if (minor.isDefault === true) entry.isDefault = true
    if (minor.isPreview === true) entry.isPreview = true
    return entry
  })
}

/** AKS in 2026-07: 1.33 only under LTS, 1.35 the default, 1.36 the newest GA. */
export const DEFAULT_MINORS: MinorSpec[] = [
  { version: '1.33', patches: ['1.33.12', '1.33.13'], supportPlan: ['AKSLongTermSupport'] },
  { version: '1.34', patches: ['1.34.8', '1.34.9'] },
  { version: '1.35', patches: ['1.35.5', '1.35.6'], isDefault: true },
  { version: '1.36', patches: ['1.36.1', '1.36.2'] }
]

/** A preview minor some tests add (`isPreview: true`); not in the default data. */
export const PREVIEW_MINOR: MinorSpec = { version: '1.37', patches: ['1.37.0'], isPreview: true }

export const DEFAULT_KUBERNETES_VERSIONS: KubernetesVersionSeed[] = kubernetesVersionsFrom(DEFAULT_MINORS)

// ---------------------------------------------------------------------------
// Versions

/** [major, minor, patch]; patch is -1 for `1.35`. Non-numeric parts compare as 0. */
export function parseVersion(version: string): [number, number, number] {
  const parts = version.replace(/^v/, '').split(/[.-]/)
  const num = (s: string | undefined): number => {
    const n = Number.parseInt(s ?? '', 10)
    return Number.isNaN(n) ? 0 : n
  }
  return [num(parts[0]), num(parts[1]), parts[2] === undefined ? -1 : num(parts[2])]
}

export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a)
  const pb = parseVersion(b)
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

function minorOf(version: string): string {
  const [major, minor] = parseVersion(version)
  return `${major}.${minor}`
}

export function kubernetesVersionsFor(fleet: Fleet, location: string): KubernetesVersionSeed[] {
  const table = fleet.kubernetesVersions
  if (table === undefined) return DEFAULT_KUBERNETES_VERSIONS
  const key = Object.keys(table).find(k => k.toLowerCase() === location.toLowerCase())
  return (key === undefined ? table.default : table[key]) ?? DEFAULT_KUBERNETES_VERSIONS
}

/** Every patch the location offers, ascending, with its minor's preview flag. */
export function allPatches(versions: KubernetesVersionSeed[]): Array<{ version: string; isPreview: boolean }> {
  const out: Array<{ version: string; isPreview: boolean }> = []
  for (const minor of versions) {
    for (const patch of Object.keys(minor.patchVersions)) out.push({ version: patch, isPreview: minor.isPreview === true })
  }
  return out.sort((a, b) => compareVersions(a.version, b.version))
}

/** `1.35` -> newest GA patch of 1.35 offered there; a full patch stays as is. */
export function resolveVersion(requested: string, versions: KubernetesVersionSeed[]): string | undefined {
  const [, , patch] = parseVersion(requested)
  if (patch >= 0) return requested
  const minor = minorOf(requested)
  const patches = allPatches(versions).filter(p => minorOf(p.version) === minor)
  const ga = patches.filter(p => !p.isPreview)
  return (ga.length > 0 ? ga : patches).at(-1)?.version
}

/**
 * What `controlPlaneProfile.upgrades` offers for a control plane on `current`: the location's
 * `patchVersions[current].upgrades`, or (for a patch no longer listed) the later patches of the
 * same minor and every patch of the next minor.
 */
export function controlPlaneUpgradesFor(current: string, versions: KubernetesVersionSeed[]): VersionUpgradeSeed[] {
  const patches = allPatches(versions)
  const preview = new Map(patches.map(p => [p.version, p.isPreview]))
  for (const minor of versions) {
    const listed = minor.patchVersions[current]
    if (listed !== undefined) {
      return [...listed.upgrades].sort(compareVersions).map(v => ({ kubernetesVersion: v, isPreview: preview.get(v) ?? false }))
    }
  }
  const [major, minorNumber] = parseVersion(current)
  const nextMinor = `${major}.${minorNumber + 1}`
  return patches
    .filter(p => compareVersions(p.version, current) > 0 && (minorOf(p.version) === minorOf(current) || minorOf(p.version) === nextMinor))
    .map(p => ({ kubernetesVersion: p.version, isPreview: p.isPreview }))
}

/** A pool may go to any offered version above its own up to the control plane's (version skew policy). */
export function poolUpgradesFor(poolVersion: string, controlPlane: string, versions: KubernetesVersionSeed[]): VersionUpgradeSeed[] {
  return allPatches(versions)
    .filter(p => compareVersions(p.version, poolVersion) > 0 && compareVersions(p.version, controlPlane) <= 0)
    .map(p => ({ kubernetesVersion: p.version, isPreview: p.isPreview }))
}

// ---------------------------------------------------------------------------
// Normalisation and loading

const BUSY_TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'cancelled'])

/** True for provisioning states that mean an operation is running. */
export function isBusyState(state: string | undefined): boolean {
  return state !== undefined && !BUSY_TERMINAL.has(state.toLowerCase())
}

function defaultOsSku(osType: 'Linux' | 'Windows'): string {
  return osType === 'Windows' ? 'Windows2022' : 'Ubuntu'
}

/** Deep copy of a seed with every server-side default filled in (the emulator's live state). */
export function normalizeFleet(seed: Fleet): Fleet {
  // Fleet Manager seeds may carry a `windowOpen` function, which structuredClone refuses: keep it by reference.
  const { fleetManagers, ...plain } = seed
  const fleet: Fleet = structuredClone(plain)
  if (fleetManagers !== undefined) {
    fleet.fleetManagers = fleetManagers.map(({ windowOpen, ...data }) =>
      windowOpen === undefined ? structuredClone(data) : { ...structuredClone(data), windowOpen }
    )
  }
  for (const cluster of fleet.clusters) {
    const versions = kubernetesVersionsFor(fleet, cluster.location)
    cluster.tags ??= {}
    cluster.currentKubernetesVersion ??= resolveVersion(cluster.kubernetesVersion, versions) ?? cluster.kubernetesVersion
    cluster.provisioningState ??= 'Succeeded'
    cluster.powerState ??= 'Running'
    cluster.supportPlan ??= 'KubernetesOfficial'
    cluster.sku ??= { name: 'Base', tier: cluster.supportPlan === 'AKSLongTermSupport' ? 'Premium' : 'Standard' }
    cluster.maintenanceConfigurations ??= []
    cluster.eTag ??= randomUUID()
    for (const pool of cluster.agentPools) {
      pool.mode ??= 'User'
      pool.osType ??= 'Linux'
      pool.osSKU ??= defaultOsSku(pool.osType)
      pool.count ??= 3
      pool.vmSize ??= pool.osType === 'Windows' ? 'Standard_D4s_v5' : 'Standard_D4ds_v5'
      pool.currentOrchestratorVersion ??= resolveVersion(pool.orchestratorVersion, versions) ?? pool.orchestratorVersion
      pool.latestNodeImageVersion ??= LATEST_NODE_IMAGES[pool.osSKU] ?? pool.nodeImageVersion
      pool.provisioningState ??= 'Succeeded'
      pool.powerState ??= 'Running'
      pool.upgradeSettings ??= { maxSurge: '10%' }
      pool.recentlyUsedVersions ??= []
      pool.eTag ??= randomUUID()
    }
    normalizePreflightCluster(cluster)
  }
  return fleet
}

/** Reads `fleets/<name>.json` beside this file, or a path ending in `.json`. */
export function loadFleet(nameOrPath: string): Fleet {
  const url = nameOrPath.endsWith('.json') ? nameOrPath : new URL(`./fleets/${nameOrPath}.json`, import.meta.url)
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'))
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { clusters?: unknown }).clusters)) {
    throw new Error(`${String(nameOrPath)}: not a fleet (expected an object with "clusters")`)
  }
  return parsed as Fleet
}

export function clusterId(cluster: Pick<ClusterSeed, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`
}

// ---------------------------------------------------------------------------
// Generated fleets (benches, paging tests)

export interface GenerateFleetOptions {
  clusters: number
  /** Round-robin; default one subscription. */
  subscriptions?: string[]
  /** Round-robin; default `westeurope`. */
  locations?: string[]
  /** Clusters per resource group; default 5. */
  clustersPerResourceGroup?: number
  /** Control plane and pool version; default `1.35.5` (a patch behind). */
  kubernetesVersion?: string
  /** Pools already run the newest images; default false. */
  upToDate?: boolean
  namePrefix?: string
}

export const DEFAULT_SUBSCRIPTION = '5b2c8f3e-9d41-4a6b-8e07-3f1c2d9a6b58'

/** N clusters x 4 pools (system Ubuntu, user Ubuntu, user Azure Linux, Windows). */
export function generateFleet(options: GenerateFleetOptions): Fleet {
  const subscriptions = options.subscriptions ?? [DEFAULT_SUBSCRIPTION]
  const locations = options.locations ?? ['westeurope']
  const perGroup = options.clustersPerResourceGroup ?? 5
  const version = options.kubernetesVersion ?? '1.35.5'
  const prefix = options.namePrefix ?? 'aks'
  const fresh = options.upToDate === true
  const clusters: ClusterSeed[] = []
  for (let i = 0; i < options.clusters; i++) {
    const n = String(i + 1).padStart(3, '0')
    clusters.push({
      subscriptionId: subscriptions[i % subscriptions.length] ?? DEFAULT_SUBSCRIPTION,
      resourceGroup: `rg-${prefix}-${String(Math.floor(i / perGroup) + 1).padStart(2, '0')}`,
      name: `${prefix}-${n}`,
      location: locations[i % locations.length] ?? 'westeurope',
      tags: { environment: i % 2 === 0 ? 'dev' : 'prod', index: String(i) },
      kubernetesVersion: version,
      autoUpgradeProfile: { upgradeChannel: 'none', nodeOSUpgradeChannel: 'None' },
      agentPools: [
        {
          name: 'system',
          mode: 'System',
          osType: 'Linux',
          osSKU: 'Ubuntu',
          count: 3,
          orchestratorVersion: version,
          nodeImageVersion: fresh ? NODE_IMAGES.ubuntu2204 : NODE_IMAGES.ubuntu2204Old
        },
        {
          name: 'apps',
          mode: 'User',
          osType: 'Linux',
          osSKU: 'Ubuntu',
          count: 5,
          orchestratorVersion: version,
          nodeImageVersion: fresh ? NODE_IMAGES.ubuntu2204 : NODE_IMAGES.ubuntu2204Old
        },
        {
          name: 'azl',
          mode: 'User',
          osType: 'Linux',
          osSKU: 'AzureLinux',
          count: 2,
          orchestratorVersion: version,
          nodeImageVersion: fresh ? NODE_IMAGES.azureLinux3 : NODE_IMAGES.azureLinux3Old
        },
        {
          name: 'win22',
          mode: 'User',
          osType: 'Windows',
          osSKU: 'Windows2022',
          count: 2,
          orchestratorVersion: version,
          nodeImageVersion: fresh ? NODE_IMAGES.windows2022 : NODE_IMAGES.windows2022Old
        }
      ]
    })
  }
  return { clusters }
}
