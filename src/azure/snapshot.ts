// Reads the fleet into one FleetSnapshot. Reads run concurrently under a cap per
// subscription (well inside ARM's read throttling), each resource is read once, and the
// Kubernetes versions of a location are listed once per run whatever the number of clusters.
import type { ManagedCluster } from '@azure/arm-containerservice'
import type { ClusterRef, ClusterSnapshot, FleetSnapshot, KubernetesMinorVersion, ReadFailure, UpgradeKind } from '../model.js'
import { toErrorInfo } from '../util/errors.js'
import { keyedLimiter } from '../util/limit.js'
import { clusterId } from '../util/cluster-id.js'
import type { AksAdapter } from './aks.js'
import { toClusterSnapshot, toControlPlaneUpgrades, toPoolSnapshot } from './convert.js'

export interface ReadSettings {
  /** Named clusters; empty means discovery in `subscriptions`. */
  clusters: ClusterRef[]
  subscriptions: string[]
  clusterTags: Record<string, string>
  upgrade: UpgradeKind[]
  /** Read planned-maintenance configurations (`maintenance-window: cluster`). */
  maintenanceConfigs: boolean
  /** Concurrent ARM reads per subscription. */
  readsPerSubscription: number
}

/** ARM spells a location `westeurope`, `WestEurope` or `West Europe`: one key for all. */
function locationKey(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '')
}

export interface ReadLog {
  info(message: string): void
  warning(message: string): void
}

/** The role action each read needs (the SDK's pager drops ARM's message, so we name it). */
const READ_ACTIONS = {
  cluster: 'Microsoft.ContainerService/managedClusters/read',
  pools: 'Microsoft.ContainerService/managedClusters/agentPools/read',
  poolProfile: 'Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles/read',
  clusterProfile: 'Microsoft.ContainerService/managedClusters/upgradeProfiles/read',
  maintenance: 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read',
  versions: 'Microsoft.ContainerService/locations/kubernetesVersions/read'
} as const
export type ReadKind = keyof typeof READ_ACTIONS

/** Tags an error with the read that failed, so the advice names the exact role action. */
class ReadError extends Error {
  readonly kind: ReadKind
  override readonly cause: unknown
  constructor(kind: ReadKind, cause: unknown) {
    super('read failed')
    this.kind = kind
    this.cause = cause
  }
}

function tagged<T>(kind: ReadKind, read: Promise<T>): Promise<T> {
  return read.catch((error: unknown) => {
    throw new ReadError(kind, error)
  })
}

/** What to tell the user when a scope cannot be read. */
export function readAdvice(scope: string, status: number | undefined, code: string, kind: ReadKind = 'cluster'): string {
  if (status === 403 || code === 'AuthorizationFailed') {
    return `Grant the identity '${READ_ACTIONS[kind]}' on '${scope}' (the 'Azure Kubernetes Service Contributor Role' on the cluster or its resource group has every action this action needs).`
  }
  if (status === 404 || code === 'ResourceNotFound' || code === 'ResourceGroupNotFound' || code === 'NotFound') {
    return 'Check the resource group, cluster name and subscription in the inputs.'
  }
  if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId') {
    return 'Check the subscription id and that the identity has access to it.'
  }
  return 'See the error from Azure; the next run will try again.'
}

function matchesTags(cluster: ManagedCluster, wanted: Record<string, string>): boolean {
  const tags = cluster.tags ?? {}
  return Object.entries(wanted).every(([k, v]) => tags[k] === v)
}

/** One run's reads: the shared limiter, the failures so far, and each location's versions read once. */
class FleetReader {
  readonly readFailures: ReadFailure[] = []
  readonly kubernetesVersions: Record<string, KubernetesMinorVersion[]> = {}
  private readonly versionReads = new Map<string, Promise<void>>()
  private readonly limit: ReturnType<typeof keyedLimiter>
  private readonly versions: boolean
  private readonly adapter: AksAdapter
  private readonly settings: ReadSettings
  private readonly log: ReadLog

  constructor(adapter: AksAdapter, settings: ReadSettings, log: ReadLog) {
    this.adapter = adapter
    this.settings = settings
    this.log = log
    this.limit = keyedLimiter(settings.readsPerSubscription)
    this.versions = settings.upgrade.includes('patch') || settings.upgrade.includes('minor')
  }

  fail(scope: string, error: unknown, kind: ReadKind = 'cluster'): void {
    const cause = error instanceof ReadError ? error.cause : error
    const info = toErrorInfo(cause)
    this.readFailures.push({ scope, error: info, advice: readAdvice(scope, info.status, info.code, error instanceof ReadError ? error.kind : kind) })
    this.log.warning(`Could not read ${scope}: ${info.code}: ${info.message}`)
  }

  /** The named clusters, each read by GET. */
  named(refs: ClusterRef[]): Array<Promise<ClusterSnapshot | undefined>> {
    return refs.map(async ref => {
      let cluster: ManagedCluster
      try {
        cluster = await this.limit(ref.subscriptionId)(() => this.adapter.getCluster(ref))
      } catch (error: unknown) {
        this.fail(clusterId(ref), error)
        return undefined
      }
      return this.complete(ref, cluster)
    })
  }

  /** Discovery: every cluster of the subscriptions that carries the wanted tags (one paged list each). */
  async discovered(): Promise<Array<Promise<ClusterSnapshot | undefined>>> {
    const { subscriptions, clusterTags } = this.settings
    const listed = await Promise.all(
      subscriptions.map(async subscriptionId => {
        try {
          const clusters = await this.limit(subscriptionId)(() => this.adapter.listClusters(subscriptionId))
          const matching = clusters.filter(c => matchesTags(c.cluster, clusterTags))
          this.log.info(
            `Subscription ${subscriptionId}: ${clusters.length} cluster(s), ${matching.length} matching` +
              (Object.keys(clusterTags).length > 0 ? ` the tags ${JSON.stringify(clusterTags)}` : '')
          )
          return matching
        } catch (error: unknown) {
          this.fail(`/subscriptions/${subscriptionId}`, error)
          return []
        }
      })
    )
    return listed.flat().map(c => this.complete(c.ref, c.cluster))
  }

  private readVersions(subscriptionId: string, location: string): Promise<void> {
    const key = locationKey(location)
    let read = this.versionReads.get(key)
    if (!read) {
      read = this.limit(subscriptionId)(() => this.adapter.kubernetesVersions(subscriptionId, location)).then(
        v => {
          this.kubernetesVersions[key] = v
        },
        (error: unknown) =>
          this.fail(`/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/locations/${location}`, error, 'versions')
      )
      this.versionReads.set(key, read)
    }
    return read
  }

  /**
   * Without its pools a cluster cannot be planned at all; a missing profile or schedule only
   * holds what depends on it (the planner and the gate hold with a reason), so those reads
   * are recorded as failures and the cluster goes on.
   */
  private async optional<T>(subscriptionId: string, kind: ReadKind, scope: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.limit(subscriptionId)(read)
    } catch (error: unknown) {
      this.fail(scope, new ReadError(kind, error))
      return undefined
    }
  }

  /** The rest of a cluster: its pools with their profiles, its upgrade profile, schedules and location's versions. */
  private async complete(ref: ClusterRef, cluster: ManagedCluster): Promise<ClusterSnapshot | undefined> {
    const id = cluster.id ?? clusterId(ref)
    const { adapter, settings, versions } = this
    const sub = ref.subscriptionId
    try {
      const [pools, profile, configs] = await Promise.all([
        tagged(
          'pools',
          this.limit(sub)(() => adapter.listPools(ref, id))
        ),
        versions
          ? this.optional(sub, 'clusterProfile', `${id}/upgradeProfiles/default`, () => adapter.clusterUpgradeProfile(ref))
          : Promise.resolve(undefined),
        settings.maintenanceConfigs
          ? this.optional(sub, 'maintenance', `${id}/maintenanceConfigurations`, () => adapter.maintenanceConfigs(ref))
          : Promise.resolve(undefined),
        versions ? this.readVersions(sub, cluster.location) : Promise.resolve()
      ])
      const poolSnapshots = await Promise.all(
        pools.map(async pool => {
          const name = pool.name ?? ''
          const poolProfile = await this.optional(sub, 'poolProfile', `${id}/agentPools/${name}/upgradeProfiles/default`, () =>
            adapter.poolUpgradeProfile(ref, name)
          )
          return toPoolSnapshot(pool, poolProfile)
        })
      )
      const snapshot = toClusterSnapshot(ref, cluster, poolSnapshots)
      if (profile) snapshot.controlPlaneUpgrades = toControlPlaneUpgrades(profile)
      if (configs) snapshot.maintenanceConfigs = configs
      return snapshot
    } catch (error: unknown) {
      this.fail(id, error)
      // Its tags (so its ring) are known: keep it as a placeholder so later rings wait for
      // it instead of treating the ring before them as empty.
      const placeholder = toClusterSnapshot(ref, cluster, [])
      const cause = error instanceof ReadError ? error.cause : error
      placeholder.readError = toErrorInfo(cause)
      return placeholder
    }
  }
}

export async function readFleet(adapter: AksAdapter, settings: ReadSettings, log: ReadLog, now: () => Date): Promise<FleetSnapshot> {
  const reader = new FleetReader(adapter, settings, log)
  const found = settings.clusters.length > 0 ? reader.named(settings.clusters) : await reader.discovered()
  // One entry per cluster, whatever the spelling it was named or listed with.
  const unique = new Map<string, ClusterSnapshot>()
  for (const c of await Promise.all(found)) if (c && !unique.has(c.id.toLowerCase())) unique.set(c.id.toLowerCase(), c)
  const clusters = [...unique.values()]
  clusters.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()))
  return { takenAt: now().toISOString(), clusters, kubernetesVersions: reader.kubernetesVersions, readFailures: reader.readFailures }
}
