// SDK models into the plain snapshot types of model.ts (pure): what the planner and the
// pre-flight checks read of a cluster, its pools and its schedules, with ARM's defaults made
// explicit, and nothing the SDK's classes carry besides.
import type {
  AgentPool,
  AgentPoolUpgradeProfile,
  KubernetesVersion,
  MaintenanceConfiguration,
  ManagedCluster,
  ManagedClusterUpgradeProfile
} from '@azure/arm-containerservice'
import type { ClusterRef, ClusterSnapshot, KubernetesMinorVersion, MaintenanceConfig, OsType, PoolSnapshot } from '../model.js'
import { clusterId } from '../util/cluster-id.js'

/** Dates the SDK deserialises into `Date` back to the `YYYY-MM-DD` the wire carried. */
function isoDate(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return value.slice(0, 10)
  return Number.isNaN(value.getTime()) ? undefined : value.toISOString().slice(0, 10)
}

function isoInstant(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return value
  return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
}

function osType(value: string | undefined): OsType {
  return value?.toLowerCase() === 'windows' ? 'Windows' : 'Linux'
}

export function toPoolSnapshot(pool: AgentPool, profile: AgentPoolUpgradeProfile | undefined): PoolSnapshot {
  const snapshot: PoolSnapshot = {
    name: pool.name ?? '',
    mode: pool.mode ?? 'User',
    osType: osType(pool.osType),
    upgrades: (profile?.upgrades ?? []).map(u => ({
      kubernetesVersion: u.kubernetesVersion ?? '',
      isPreview: u.isPreview === true
    })),
    recentlyUsedVersions: (profile?.recentlyUsedVersions ?? []).map(r => {
      const entry: PoolSnapshot['recentlyUsedVersions'][number] = {}
      if (r.orchestratorVersion !== undefined) entry.orchestratorVersion = r.orchestratorVersion
      if (r.nodeImageVersion !== undefined) entry.nodeImageVersion = r.nodeImageVersion
      const ts = isoInstant(r.timestamp)
      if (ts !== undefined) entry.timestamp = ts
      return entry
    }),
    provisioningState: pool.provisioningState ?? 'Succeeded',
    powerState: pool.powerState?.code ?? 'Running'
  }
  if (pool.osSKU !== undefined) snapshot.osSku = pool.osSKU
  if (pool.orchestratorVersion !== undefined) snapshot.orchestratorVersion = pool.orchestratorVersion
  if (pool.currentOrchestratorVersion !== undefined) snapshot.currentOrchestratorVersion = pool.currentOrchestratorVersion
  if (pool.nodeImageVersion !== undefined) snapshot.nodeImageVersion = pool.nodeImageVersion
  if (profile?.latestNodeImageVersion !== undefined) snapshot.latestNodeImageVersion = profile.latestNodeImageVersion
  if (pool.count !== undefined) snapshot.count = pool.count
  if (pool.maxPods !== undefined) snapshot.maxPods = pool.maxPods
  if (pool.upgradeSettings?.maxSurge !== undefined) snapshot.maxSurge = pool.upgradeSettings.maxSurge
  if (pool.upgradeSettings?.drainTimeoutInMinutes !== undefined) {
    snapshot.drainTimeoutInMinutes = pool.upgradeSettings.drainTimeoutInMinutes
  }
  copyPoolNetwork(pool, snapshot)
  const err = pool.status?.provisioningError
  if (err) snapshot.provisioningError = { code: err.code ?? 'Unknown', message: err.message ?? '' }
  return snapshot
}

/** What pre-flight needs of a pool: its size, drain behaviour and subnets (empty strings are unset). */
function copyPoolNetwork(pool: AgentPool, snapshot: PoolSnapshot): void {
  const set = (value: string | undefined): string | undefined => (value ? value : undefined)
  const fields = {
    undrainableNodeBehavior: set(pool.upgradeSettings?.undrainableNodeBehavior),
    vmSize: set(pool.vmSize),
    scaleSetPriority: set(pool.scaleSetPriority),
    vnetSubnetId: set(pool.vnetSubnetID),
    podSubnetId: set(pool.podSubnetID),
    podIpAllocationMode: set(pool.podIPAllocationMode)
  }
  for (const [key, value] of Object.entries(fields) as Array<[keyof typeof fields, string | undefined]>) {
    if (value !== undefined) snapshot[key] = value
  }
}

export function toClusterSnapshot(ref: ClusterRef, cluster: ManagedCluster, pools: PoolSnapshot[]): ClusterSnapshot {
  const snapshot: ClusterSnapshot = {
    id: cluster.id ?? clusterId(ref),
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    name: cluster.name ?? ref.name,
    location: cluster.location,
    tags: { ...(cluster.tags ?? {}) },
    provisioningState: cluster.provisioningState ?? 'Succeeded',
    powerState: cluster.powerState?.code ?? 'Running',
    supportPlan: cluster.supportPlan ?? 'KubernetesOfficial',
    upgradeChannel: cluster.autoUpgradeProfile?.upgradeChannel ?? 'none',
    // AKS's default since API 2023-06-01 when the field is absent.
    nodeOSUpgradeChannel: cluster.autoUpgradeProfile?.nodeOSUpgradeChannel ?? 'NodeImage',
    pools
  }
  if (cluster.kubernetesVersion !== undefined) snapshot.kubernetesVersion = cluster.kubernetesVersion
  if (cluster.currentKubernetesVersion !== undefined) snapshot.currentKubernetesVersion = cluster.currentKubernetesVersion
  if (cluster.eTag !== undefined) snapshot.eTag = cluster.eTag
  const network = cluster.networkProfile
  if (network) {
    snapshot.network = {}
    if (network.networkPlugin) snapshot.network.plugin = network.networkPlugin
    if (network.networkPluginMode) snapshot.network.pluginMode = network.networkPluginMode
  }
  snapshot.apiAccess = {
    entra: cluster.aadProfile !== undefined && cluster.aadProfile !== null,
    localAccounts: cluster.disableLocalAccounts !== true,
    private: cluster.apiServerAccessProfile?.enablePrivateCluster === true
  }
  return snapshot
}

export function toControlPlaneUpgrades(profile: ManagedClusterUpgradeProfile): ClusterSnapshot['controlPlaneUpgrades'] {
  return (profile.controlPlaneProfile?.upgrades ?? []).map(u => ({
    kubernetesVersion: u.kubernetesVersion ?? '',
    isPreview: u.isPreview === true
  }))
}

export function toKubernetesVersions(values: KubernetesVersion[]): KubernetesMinorVersion[] {
  return values.map(v => ({
    version: v.version ?? '',
    isPreview: v.isPreview === true,
    isDefault: v.isDefault === true,
    supportPlan: [...(v.capabilities?.supportPlan ?? [])],
    patchVersions: Object.fromEntries(Object.entries(v.patchVersions ?? {}).map(([patch, info]) => [patch, [...(info.upgrades ?? [])]]))
  }))
}

export function toMaintenanceConfig(config: MaintenanceConfiguration): MaintenanceConfig {
  const out: MaintenanceConfig = { name: config.name ?? '' }
  const w = config.maintenanceWindow
  if (w) {
    const schedule: NonNullable<MaintenanceConfig['maintenanceWindow']>['schedule'] = {}
    if (w.schedule.daily) schedule.daily = { intervalDays: w.schedule.daily.intervalDays }
    if (w.schedule.weekly) {
      schedule.weekly = { intervalWeeks: w.schedule.weekly.intervalWeeks, dayOfWeek: w.schedule.weekly.dayOfWeek }
    }
    if (w.schedule.absoluteMonthly) {
      schedule.absoluteMonthly = {
        intervalMonths: w.schedule.absoluteMonthly.intervalMonths,
        dayOfMonth: w.schedule.absoluteMonthly.dayOfMonth
      }
    }
    if (w.schedule.relativeMonthly) {
      schedule.relativeMonthly = {
        intervalMonths: w.schedule.relativeMonthly.intervalMonths,
        weekIndex: w.schedule.relativeMonthly.weekIndex,
        dayOfWeek: w.schedule.relativeMonthly.dayOfWeek
      }
    }
    const window: NonNullable<MaintenanceConfig['maintenanceWindow']> = {
      schedule,
      durationHours: w.durationHours,
      startTime: w.startTime
    }
    if (w.utcOffset !== undefined) window.utcOffset = w.utcOffset
    const startDate = isoDate(w.startDate)
    if (startDate !== undefined) window.startDate = startDate
    if (w.notAllowedDates) {
      window.notAllowedDates = w.notAllowedDates.map(d => ({ start: isoDate(d.start) ?? '', end: isoDate(d.end) ?? '' }))
    }
    out.maintenanceWindow = window
  }
  if (config.timeInWeek) {
    out.timeInWeek = config.timeInWeek.map(t => ({ day: t.day ?? '', hourSlots: [...(t.hourSlots ?? [])] }))
  }
  if (config.notAllowedTime) {
    out.notAllowedTime = config.notAllowedTime.map(t => ({ start: isoInstant(t.start) ?? '', end: isoInstant(t.end) ?? '' }))
  }
  return out
}
