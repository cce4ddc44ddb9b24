// Reads the fleet into one FleetSnapshot. Reads run concurrently under a cap per
// subscription (well inside ARM's read throttling), each resource is read once, and the
// Kubernetes versions of a location are listed once per run whatever the number of clusters.
import type { ManagedCluster } from '@azure/arm-containerservice'
import type { ClusterRef, ClusterSnapshot, FleetSnapshot, KubernetesMinorVersion, ReadFailure, UpgradeKind } from '../model.js'
import { toErrorInfo } from '../util/errors.js'
import { keyedLimiter } from '../util/limit.js'
import { clusterId } from '../util/cluster-id.js'
import { toClusterSnapshot, toControlPlaneUpgrades, toPoolSnapshot, type AksAdapter } from './aks.js'

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
export function locationKey(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '')
}

export interface ReadLog {
  info(message: string): void
  warning(message: string): void
}

/** The role action each read needs (the SDK's pager drops ARM's message, so we name it). */
export const READ_ACTIONS = {
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

export async function readFleet(adapter: AksAdapter, settings: ReadSettings, log: ReadLog, now: () => Date): Promise<FleetSnapshot> {
  const limit = keyedLimiter(settings.readsPerSubscription)
  const readFailures: ReadFailure[] = []
  const versions = settings.upgrade.includes('patch') || settings.upgrade.includes('minor')
  const kubernetesVersions: Record<string, KubernetesMinorVersion[]> = {}
  const versionReads = new Map<string, Promise<void>>()

  const fail = (scope: string, error: unknown, kind: ReadKind = 'cluster'): void => {
    const cause = error instanceof ReadError ? error.cause : error
    const info = toErrorInfo(cause)
    readFailures.push({ scope, error: info, advice: readAdvice(scope, info.status, info.code, error instanceof ReadError ? error.kind : kind) })
    log.warning(`Could not read ${scope}: ${info.code}: ${info.message}`)
  }

  const readVersions = (subscriptionId: string, location: string): Promise<void> => {
    const key = locationKey(location)
    let read = versionReads.get(key)
    if (!read) {
      read = limit(subscriptionId)(() => adapter.kubernetesVersions(subscriptionId, location)).then(
        v => {
          kubernetesVersions[key] = v
        },
        (error: unknown) => fail(`/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/locations/${location}`, error, 'versions')
      )
      versionReads.set(key, read)
    }
    return read
  }

  const complete = async (ref: ClusterRef, cluster: ManagedCluster): Promise<ClusterSnapshot | undefined> => {
    const id = cluster.id ?? clusterId(ref)
    const run = limit(ref.subscriptionId)
    // Without its pools a cluster cannot be planned at all; a missing profile or schedule
    // only holds what depends on it (the planner and the gate hold with a reason), so those
    // reads are recorded as failures and the cluster goes on.
    const optional = async <T>(kind: ReadKind, scope: string, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await run(read)
      } catch (error: unknown) {
        fail(scope, new ReadError(kind, error))
        return undefined
      }
    }
    try {
      const [pools, profile, configs] = await Promise.all([
        tagged('pools', run(() => adapter.listPools(ref, id))),
        versions ? optional('clusterProfile', `${id}/upgradeProfiles/default`, () => adapter.clusterUpgradeProfile(ref)) : Promise.resolve(undefined),
        settings.maintenanceConfigs ? optional('maintenance', `${id}/maintenanceConfigurations`, () => adapter.maintenanceConfigs(ref)) : Promise.resolve(undefined),
        versions ? readVersions(ref.subscriptionId, cluster.location) : Promise.resolve()
      ])
      const poolSnapshots = await Promise.all(
        pools.map(async pool => {
          const name = pool.name ?? ''
          return toPoolSnapshot(pool, await optional('poolProfile', `${id}/agentPools/${name}/upgradeProfiles/default`, () => adapter.poolUpgradeProfile(ref, name)))
        })
      )
      const snapshot = toClusterSnapshot(ref, cluster, poolSnapshots)
      if (profile) snapshot.controlPlaneUpgrades = toControlPlaneUpgrades(profile)
      if (configs) snapshot.maintenanceConfigs = configs
      return snapshot
    } catch (error: unknown) {
      fail(id, error)
      // Its tags (so its ring) are known: keep it as a placeholder so later rings wait for
      // it instead of treating the ring before them as empty.
      const placeholder = toClusterSnapshot(ref, cluster, [])
      const cause = error instanceof ReadError ? error.cause : error
      placeholder.readError = toErrorInfo(cause)
      return placeholder
    }
  }

  let found: Array<Promise<ClusterSnapshot | undefined>>
  if (settings.clusters.length > 0) {
    found = settings.clusters.map(async ref => {
      let cluster: ManagedCluster
      try {
        cluster = await limit(ref.subscriptionId)(() => adapter.getCluster(ref))
      } catch (error: unknown) {
        fail(clusterId(ref), error)
        return undefined
      }
      return complete(ref, cluster)
    })
  } else {
    const listed = await Promise.all(
      settings.subscriptions.map(async subscriptionId => {
        try {
          const clusters = await limit(subscriptionId)(() => adapter.listClusters(subscriptionId))
          const matching = clusters.filter(c => matchesTags(c.cluster, settings.clusterTags))
          log.info(
            `Subscription ${subscriptionId}: ${clusters.length} cluster(s), ${matching.length} matching` +
              (Object.keys(settings.clusterTags).length > 0 ? ` the tags ${JSON.stringify(settings.clusterTags)}` : '')
          )
          return matching
        } catch (error: unknown) {
          fail(`/subscriptions/${subscriptionId}`, error)
          return []
        }
      })
    )
    found = listed.flat().map(c => complete(c.ref, c.cluster))
  }

  // One entry per cluster, whatever the spelling it was named or listed with.
  const unique = new Map<string, ClusterSnapshot>()
  for (const c of await Promise.all(found)) if (c && !unique.has(c.id.toLowerCase())) unique.set(c.id.toLowerCase(), c)
  const clusters = [...unique.values()]
  clusters.sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()))
  return { takenAt: now().toISOString(), clusters, kubernetesVersions, readFailures }
}
