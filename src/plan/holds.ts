// Holds: what keeps an entry from acting although it has a target. A decision's intent is
// held from the most local to the most global: the entry's own gates (rings, soak), then the
// pool's or cluster's state, then a halted earlier ring. AKS's own automation holds the
// Kubernetes version when its auto-upgrade channel owns it.
import type { ClusterSnapshot, PoolSnapshot, ReasonCode } from '../model.js'
import { DAY_MS } from '../util/duration.js'
import type { Context, Decision, Hold } from './decision.js'
import { fmtInstant } from './decision.js'
import { haltMessage, isFailed, isSucceeded, type Gate, type Halt } from './rings.js'

/** Reasons that mean "this entry would act (or waits on its ring)": a halted ring replaces them. */
const ACTIVE_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'upgrade-due',
  'awaiting-approval',
  'ring-waiting',
  'ring-soaking',
  'waiting-for-control-plane'
])

function stateHold(what: 'cluster' | 'pool', state: string, power: string, inspect: string, code: string | undefined): Hold | undefined {
  if (isFailed(state)) {
    return {
      reason: 'failed-state',
      message: `Held: a previous operation failed on the ${what}${code ? ` (${code})` : ''}; inspect it with \`${inspect} --query status\` and re-run the upgrade.`
    }
  }
  if (!isSucceeded(state)) {
    return {
      reason: 'operation-in-progress',
      message: `Held: the ${what} is ${state || 'in an unknown state'}; nothing new starts until that operation ends.`
    }
  }
  if (power.toLowerCase() === 'stopped') {
    return { reason: 'stopped', message: `Held: the ${what} is stopped; start it to upgrade it.` }
  }
  return undefined
}

function applyHold(d: Decision, hold: Hold): Decision {
  return { reason: hold.reason, message: hold.message, target: d.target, action: 'none', settled: false }
}

export function unsettledHold<T>(gate: Gate<T>, what: string): Hold | undefined {
  if (gate.kind !== 'unsettled') return undefined
  if (gate.unreadable !== undefined) {
    return {
      reason: 'ring-waiting',
      message: `Held: ${what} waits for ring ${gate.ring}: ${gate.where} could not be read (${gate.unreadable}), so it is not known to run it.`
    }
  }
  return {
    reason: 'ring-waiting',
    message: `Held: ring ${gate.ring} is not settled yet (${gate.where} is ${gate.state}); ${what} waits for it.`
  }
}

export function soakHold<T>(gate: Gate<T>, soakDays: number, now: Date, show: string): Hold | undefined {
  if (gate.kind !== 'upstream' || soakDays <= 0 || gate.since === undefined) return undefined
  const eligible = new Date(gate.since.getTime() + soakDays * DAY_MS)
  if (now.getTime() >= eligible.getTime()) return undefined
  return {
    reason: 'ring-soaking',
    message: `Held: ring ${gate.ring} runs ${show} since ${fmtInstant(gate.since)}, eligible on ${fmtInstant(eligible)} (ring-soak-days ${soakDays}).`
  }
}

/**
 * AKS automation: the hold of an auto-upgrade channel that owns the Kubernetes version (unless
 * aks-auto-upgrade is override), and warnings when AKS upgrades on its own schedule.
 */
export function aksAutomationHold(cluster: ClusterSnapshot, ctx: Context, warnings: string[]): Hold | undefined {
  const rg = cluster.resourceGroup
  const name = cluster.name
  const channel = (cluster.upgradeChannel || 'none').trim().toLowerCase()
  let channelHold: Hold | undefined
  if (channel !== 'none') {
    if (ctx.options.aksAutoUpgrade === 'override') {
      warnings.push(
        `AKS auto-upgrade channel '${channel}' is set and aks-auto-upgrade is override: this workflow upgrades the Kubernetes version, and AKS may still upgrade it on its own schedule.`
      )
    } else {
      channelHold = {
        reason: 'aks-auto-upgrade-channel',
        message: `Held: AKS auto-upgrade channel '${channel}' owns the Kubernetes version (set aks-auto-upgrade: override to let this workflow upgrade it).`
      }
      warnings.push(
        `AKS auto-upgrade channel '${channel}' owns the Kubernetes version, so this workflow holds version upgrades (aks-auto-upgrade: respect).`
      )
    }
  }
  const nodeOs = (cluster.nodeOSUpgradeChannel || 'NodeImage').trim()
  if (channel === 'node-image') {
    warnings.push(
      `AKS auto-upgrade channel 'node-image' forces node OS channel NodeImage, so AKS also upgrades node images on its own schedule, possibly outside this workflow's window; to hand timing to this workflow run \`az aks update -g ${rg} -n ${name} --auto-upgrade-channel none --node-os-upgrade-channel None\` or configure the aksManagedNodeOSUpgradeSchedule maintenance configuration.`
    )
  } else if (['nodeimage', 'securitypatch'].includes(nodeOs.toLowerCase())) {
    warnings.push(
      `AKS node OS channel '${nodeOs}' lets AKS upgrade node images on its own schedule, possibly outside this workflow's window; to hand timing to this workflow run \`az aks update -g ${rg} -n ${name} --node-os-upgrade-channel None\` or configure the aksManagedNodeOSUpgradeSchedule maintenance configuration.`
    )
  }
  return channelHold
}

/** The holds of one cluster's entries that do not depend on what each entry would do. */
export interface EntryHolds {
  /** The cluster's own state. */
  cluster: Hold | undefined
  /** Each pool's own state, by pool name. */
  pools: Map<string, Hold | undefined>
  /** A failure in an earlier ring. */
  halt: Hold | undefined
}

export function entryHolds(cluster: ClusterSnapshot, pools: PoolSnapshot[], ring: number, ctx: Context): EntryHolds {
  const rg = cluster.resourceGroup
  const name = cluster.name
  const clusterHold = stateHold('cluster', cluster.provisioningState, cluster.powerState, `az aks show -g ${rg} -n ${name}`, undefined)
  const halt: Halt | undefined = ctx.index.halt && ctx.index.halt.ring < ring ? ctx.index.halt : undefined
  const haltHold: Hold | undefined = halt ? { reason: 'ring-halted', message: haltMessage(halt.ring, halt.cluster, halt.pool, halt.code) } : undefined
  const poolHolds = new Map<string, Hold | undefined>()
  for (const p of pools) {
    poolHolds.set(
      p.name,
      stateHold(
        'pool',
        p.provisioningState,
        p.powerState,
        `az aks nodepool show -g ${rg} --cluster-name ${name} -n ${p.name}`,
        p.provisioningError?.code
      )
    )
  }
  return { cluster: clusterHold, pools: poolHolds, halt: haltHold }
}

/** Control plane: its intent, then the cluster's state, a pool still busy, then a ring halt. */
export function holdControlPlane(d: Decision, holds: EntryHolds): Decision {
  if (holds.cluster) return applyHold(d, holds.cluster)
  // AKS refuses a cluster upgrade while any pool has an operation running (e.g. the node-image
  // upgrades a `wait: false` run left going): wait for them rather than fail and halt the rings.
  const busy = [...holds.pools].find(([, hold]) => hold?.reason === 'operation-in-progress')
  if (busy && d.reason === 'upgrade-due') {
    return applyHold(d, {
      reason: 'operation-in-progress',
      message: `Held: pool ${busy[0]} has an operation running; the control plane waits until it ends.`
    })
  }
  if (holds.halt && ACTIVE_REASONS.has(d.reason)) return applyHold(d, holds.halt)
  return d
}

/** A pool: its merged decision, then the cluster's state, the pool's own state, then a ring halt. */
export function holdPool(d: Decision, pool: string, holds: EntryHolds): Decision {
  const poolHold = holds.pools.get(pool)
  if (holds.cluster) return applyHold(d, holds.cluster)
  if (poolHold) return applyHold(d, poolHold)
  if (holds.halt && ACTIVE_REASONS.has(d.reason)) return applyHold(d, holds.halt)
  return d
}
