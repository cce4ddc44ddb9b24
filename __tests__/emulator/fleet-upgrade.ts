// What a Fleet update run does to the emulated AKS clusters: target versions per member, the
// "already at target" and "not available in region" checks, maintenance windows, and applying
// the upgrade to the cluster seed when a member completes (so ARM reads show it). This is the
// executor's RunEnv (fleet-run.ts) for one run of one fleet.
import { randomUUID } from 'node:crypto'
import { clusterId, compareVersions, isBusyState, kubernetesVersionsFor, resolveVersion } from './fleet.ts'
import type { ClusterSeed, FleetError, PoolSeed } from './fleet.ts'
import type { LiveFleetManager, LiveRun, MemberUpgradeRecord } from './fleet-manager.ts'
import type { MemberNode, RunEnv } from './fleet-run.ts'
import { imageFamily } from './fleet-validate.ts'
import { armTime } from './types.ts'
import type { EmulatorState } from './types.ts'

/** The numbers after the family (`202607.09.0` → [202607, 9, 0]). */
function imageStamp(version: string): number[] {
  const match = /-(\d+)\.(\d+)\.(\d+)$/.exec(version)
  return match === null ? [] : [Number(match[1]), Number(match[2]), Number(match[3])]
}

/** <0, 0, >0 like a comparator; images of different families compare by their stamps alone. */
function compareImages(a: string, b: string): number {
  const x = imageStamp(a)
  const y = imageStamp(b)
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Consistent: per family, the newest image any pool of the run's clusters is offered (§3.4). */
export function consistentImages(clusters: ClusterSeed[]): string[] {
  const newest = new Map<string, string>()
  for (const pool of clusters.flatMap(c => c.agentPools)) {
    const latest = pool.latestNodeImageVersion ?? pool.nodeImageVersion
    const family = imageFamily(latest)
    const current = newest.get(family)
    if (current === undefined || compareImages(latest, current) > 0) newest.set(family, latest)
  }
  return [...newest.values()].sort()
}

const clusterIndexes = new WeakMap<ClusterSeed[], { size: number; byId: Map<string, ClusterSeed> }>()

/** The cluster with this resource id (case-insensitive); indexed per cluster list, rebuilt when it grows or shrinks. */
export function findClusterById(state: EmulatorState, id: string): ClusterSeed | undefined {
  const clusters = state.fleet.clusters
  let index = clusterIndexes.get(clusters)
  if (index === undefined || index.size !== clusters.length) {
    index = { size: clusters.length, byId: new Map(clusters.map(c => [clusterId(c).toLowerCase(), c])) }
    clusterIndexes.set(clusters, index)
  }
  return index.byId.get(id.toLowerCase())
}

interface PoolPlan {
  pool: PoolSeed
  /** The image this upgrade gives the pool; undefined: the pool keeps its image. */
  image?: string
  /** Why the pool's image is left alone (docs text), when it is. */
  skipped?: string
}

function poolPlans(run: LiveRun, cluster: ClusterSeed): PoolPlan[] {
  const type = run.input.managedClusterUpdate.upgrade.type
  if (type === 'ControlPlaneOnly') return cluster.agentPools.map(pool => ({ pool }))
  const selection = run.input.managedClusterUpdate.nodeImageSelection?.type ?? 'Latest'
  const listed = selection === 'Latest' ? [] : (run.selectedNodeImageVersions ?? [])
  return cluster.agentPools.map(pool => {
    const target =
      selection === 'Latest'
        ? (pool.latestNodeImageVersion ?? pool.nodeImageVersion)
        : listed.find(v => imageFamily(v) === imageFamily(pool.nodeImageVersion))
    if (target === undefined) return { pool, skipped: `agent pool "${pool.name}" has no matching node image version in this update run` }
    if (compareImages(pool.nodeImageVersion, target) >= 0) {
      return {
        pool,
        skipped: `current node image version "${pool.nodeImageVersion}" of agent pool "${pool.name}" is already at or ahead of target upgrade version "${target}"`
      }
    }
    return { pool, image: target }
  })
}

function kubernetesTarget(state: EmulatorState, run: LiveRun, cluster: ClusterSeed): string | undefined {
  const requested = run.input.managedClusterUpdate.upgrade.kubernetesVersion
  if (requested === undefined) return undefined
  return resolveVersion(requested, kubernetesVersionsFor(state.fleet, cluster.location)) ?? requested
}

function pushRecentlyUsed(pool: PoolSeed, now: number): void {
  const entry = {
    orchestratorVersion: pool.currentOrchestratorVersion ?? pool.orchestratorVersion,
    nodeImageVersion: pool.nodeImageVersion,
    timestamp: armTime(now)
  }
  pool.recentlyUsedVersions = [entry, ...(pool.recentlyUsedVersions ?? [])].slice(0, 3)
}

function skippedPoolsText(plans: PoolPlan[]): string | undefined {
  const skipped = plans.filter(p => p.skipped !== undefined).map(p => p.skipped)
  return skipped.length === 0 ? undefined : `Skipped upgrade of following agent pool(s): ${skipped.join('; ')}.`
}

function operationDuration(state: EmulatorState, cluster: ClusterSeed): number {
  const each = state.fleetManager.operationDurationMs
  return cluster.agentPools.reduce((sum, p) => sum + (p.operationDurationMs ?? cluster.operationDurationMs ?? each), 0)
}

/** The executor's view of one run of one fleet. */
export function runEnvironment(state: EmulatorState, fm: LiveFleetManager, run: LiveRun): RunEnv {
  const type = run.input.managedClusterUpdate.upgrade.type
  const memberSeed = (m: MemberNode) => fm.members.find(x => x.name === m.name)?.seed
  const clusterOf = (m: MemberNode): ClusterSeed | undefined => findClusterById(state, m.clusterResourceId)
  const recordOf = (m: MemberNode): MemberUpgradeRecord | undefined =>
    state.fleetManager.upgrades.findLast(r => r.runId === run.id && r.member === m.name && r.endMs === undefined)

  return {
    alreadyAtTarget(m, _t) {
      const cluster = clusterOf(m)
      if (cluster === undefined) return undefined
      if (type !== 'NodeImageOnly') {
        const target = kubernetesTarget(state, run, cluster) ?? ''
        const current = cluster.currentKubernetesVersion ?? cluster.kubernetesVersion
        // Assumption: Fleet's text for a member already at the Kubernetes target is not documented.
        return compareVersions(current, target) >= 0
          ? `Skipped upgrade of managed cluster "${cluster.name}": current Kubernetes version "${current}" is already at or ahead of target upgrade version "${target}".`
          : undefined
      }
      const plans = poolPlans(run, cluster)
      return plans.every(p => p.image === undefined) ? skippedPoolsText(plans) : undefined
    },

    unavailable(m, t) {
      const cluster = clusterOf(m)
      if (cluster === undefined) return undefined
      const region = cluster.location.toLowerCase()
      const missing = (version: string): boolean =>
        (fm.seed.unavailable ?? []).some(
          u => u.location.toLowerCase() === region && u.version === version && (u.untilMs === undefined || t < u.untilMs)
        )
      const k8s = type === 'NodeImageOnly' ? undefined : kubernetesTarget(state, run, cluster)
      // Assumption: the brief names one code for both; Fleet's own text for a Kubernetes version is not documented.
      if (k8s !== undefined && missing(k8s)) {
        return {
          code: 'NodeImageVersionNotAvailable',
          message: `set member: ${m.name} to Pending due to failed validation err: target upgrade kubernetes version "${k8s}" is not available in region "${cluster.location}"`
        }
      }
      if (type === 'ControlPlaneOnly') return undefined
      const blocked = poolPlans(run, cluster).find(p => p.image !== undefined && missing(p.image))
      if (blocked?.image === undefined) return undefined
      return {
        code: 'NodeImageVersionNotAvailable',
        message: `set member: ${m.name} to Pending due to failed validation err: target upgrade node image version "${blocked.image}" for agent pool ${blocked.pool.name} is not available in region "${cluster.location}"`
      }
    },

    windowOpen(m, t) {
      const cluster = clusterOf(m)
      const check = fm.seed.windowOpen
      return cluster === undefined || check === undefined ? true : check(cluster.name, t, type)
    },

    begin(m, t) {
      const cluster = clusterOf(m)
      if (cluster === undefined) return { error: { code: 'ResourceNotFound', message: `The member cluster '${m.clusterResourceId}' was not found.` } }
      // §7: a stopped member fails the run. Assumption: a cluster busy with another operation fails too.
      if (cluster.powerState === 'Stopped') {
        return {
          error: {
            code: 'OperationNotAllowed',
            message: `Managed cluster ${cluster.name} is in stopped state, please start the cluster before performing this operation.`
          }
        }
      }
      const busy = isBusyState(cluster.provisioningState)
        ? cluster.provisioningState
        : cluster.agentPools.find(p => isBusyState(p.provisioningState))?.provisioningState
      if (busy !== undefined) {
        return {
          error: {
            code: 'OperationNotAllowed',
            message: `Operation is not allowed: Another operation (${busy}) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details`
          }
        }
      }
      const seed = memberSeed(m)
      const durationMs = seed?.durationMs ?? fm.seed.memberDurationMs ?? operationDuration(state, cluster)
      if (type !== 'NodeImageOnly') {
        cluster.provisioningState = 'Upgrading'
        cluster.eTag = randomUUID()
      }
      const plans = type === 'ControlPlaneOnly' ? [] : poolPlans(run, cluster)
      for (const plan of plans) {
        if (type === 'Full') plan.pool.provisioningState = 'Upgrading'
        else if (plan.image !== undefined) plan.pool.provisioningState = 'UpgradingNodeImageVersion'
        else continue
        plan.pool.eTag = randomUUID()
      }
      const record: MemberUpgradeRecord = {
        fleet: fm.name,
        run: run.name,
        runId: run.id,
        member: m.name,
        cluster: cluster.name,
        clusterResourceId: m.clusterResourceId,
        upgradeType: type,
        startMs: t
      }
      state.fleetManager.upgrades.push(record)
      return { durationMs }
    },

    end(m, t) {
      const record = recordOf(m)
      const cluster = clusterOf(m)
      const fail: FleetError | undefined =
        cluster === undefined
          ? { code: 'ResourceNotFound', message: `The member cluster '${m.clusterResourceId}' was deleted during the upgrade.` }
          : memberSeed(m)?.fail
      if (record !== undefined) {
        record.endMs = t
        record.result = fail === undefined ? 'Completed' : 'Failed'
      }
      if (cluster === undefined || fail !== undefined) {
        if (cluster !== undefined && fail !== undefined) {
          const touched =
            type === 'NodeImageOnly'
              ? cluster.agentPools.filter(p => isBusyState(p.provisioningState))
              : [cluster, ...cluster.agentPools.filter(p => isBusyState(p.provisioningState))]
          for (const subject of touched) {
            subject.provisioningState = 'Failed'
            subject.provisioningError = fail
            subject.eTag = randomUUID()
          }
        }
        return { message: fail?.message ?? 'The member upgrade failed.', error: fail }
      }
      const target = kubernetesTarget(state, run, cluster)
      const requested = run.input.managedClusterUpdate.upgrade.kubernetesVersion
      const plans = type === 'ControlPlaneOnly' ? [] : poolPlans(run, cluster)
      if (type !== 'NodeImageOnly' && target !== undefined && requested !== undefined) {
        cluster.kubernetesVersion = requested
        cluster.currentKubernetesVersion = target
      }
      for (const plan of plans) {
        if (type === 'Full' || plan.image !== undefined) pushRecentlyUsed(plan.pool, t)
        if (type === 'Full' && target !== undefined && requested !== undefined) {
          plan.pool.orchestratorVersion = requested
          plan.pool.currentOrchestratorVersion = target
        }
        if (plan.image !== undefined) plan.pool.nodeImageVersion = plan.image
      }
      for (const pool of cluster.agentPools) {
        if (isBusyState(pool.provisioningState)) pool.provisioningState = 'Succeeded'
        pool.eTag = randomUUID()
      }
      if (isBusyState(cluster.provisioningState)) cluster.provisioningState = 'Succeeded'
      cluster.eTag = randomUUID()
      const done =
        type === 'NodeImageOnly'
          ? `Upgraded the node images of member ${m.name}.`
          : `Upgraded member ${m.name} to Kubernetes ${target ?? ''}${type === 'Full' ? ' (control plane and agent pools)' : ' (control plane)'}.`
      const partly = skippedPoolsText(plans)
      return { message: partly === undefined ? done : `${done} ${partly}` }
    },

    openGate(scope, t) {
      const name = randomUUID()
      const id = `${fm.id}/gates/${name}`
      const gate = {
        name,
        id,
        runName: run.name,
        runId: run.id,
        stage: scope.stage,
        timing: scope.timing,
        state: 'Pending' as const,
        eTag: newETag(),
        systemData: {
          createdBy: 'Microsoft.ContainerService',
          createdByType: 'Application',
          createdAt: t,
          lastModifiedBy: 'Microsoft.ContainerService',
          lastModifiedByType: 'Application',
          lastModifiedAt: t
        }
      }
      fm.gates.push({
        ...gate,
        ...(scope.group === undefined ? {} : { group: scope.group }),
        ...(scope.displayName === undefined ? {} : { displayName: scope.displayName })
      })
      return id
    },

    skipGate(gateId, t) {
      const gate = fm.gates.find(g => g.id.toLowerCase() === gateId.toLowerCase())
      if (gate === undefined || gate.state !== 'Pending') return
      gate.state = 'Skipped'
      gate.eTag = newETag()
      gate.systemData.lastModifiedAt = t
    },

    newOperationId: () => randomUUID()
  }
}

/** eTags look like the examples' (`"\"EtagValue\""`): a quoted opaque string. */
export function newETag(): string {
  return `"${randomUUID()}"`
}
