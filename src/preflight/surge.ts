// How many surge nodes an upgrade of a pool adds at once, from its upgradeSettings (pure).
import { minorOf } from '../plan/kubernetes.js'

export interface SurgeSettings {
  count?: number
  /** `upgradeSettings.maxSurge`: a count (`3`) or a percentage of the node count (`33%`). */
  maxSurge?: string
  /** The pool's Kubernetes version, for AKS's default when maxSurge is unset. */
  version?: string
}

export interface Surge {
  nodes: number
  /** Set when a default was assumed: said in the report. */
  assumed?: string
}

/** `3` -> 3, `33%` of 10 nodes -> 4 (rounded up, as AKS does); undefined when unreadable. */
function nodesOf(value: string, count: number): number | undefined {
  const text = value.trim()
  const percent = /^(\d+)%$/.exec(text)
  if (percent) return Math.ceil((Number(percent[1]) * count) / 100)
  return /^\d+$/.test(text) ? Number(text) : undefined
}

/**
 * AKS's maxSurge when the pool leaves it unset: 10% (rounded up, so at least one node) for
 * Kubernetes 1.28 and later, one node before (AKS changelog: 10% for clusters on 1.28+ since
 * October 2023, and for every cluster on 1.32+ since March 2025; the API spec says 10%).
 */
function defaultMaxSurge(version: string | undefined): string {
  const minor = minorOf(version)
  if (minor === null) return '10%'
  const [major, min] = minor.split('.').map(Number)
  return (major ?? 0) > 1 || (min ?? 0) >= 28 ? '10%' : '1'
}

/** Surge nodes one upgrade of the pool adds while it runs. */
export function surgeNodes(pool: SurgeSettings): Surge {
  // A pool whose node count is not known is taken as one node: a percentage then surges one,
  // and a count stands as it is.
  const count = pool.count === undefined ? 1 : Math.max(0, pool.count)
  // AKS surges at most the nodes left to upgrade: never more than the pool has.
  const cap = (n: number): number => (pool.count === undefined ? n : Math.min(n, count))
  if (pool.maxSurge !== undefined && pool.maxSurge.trim() !== '') {
    // maxSurge 0 (with maxUnavailable > 0): nodes are upgraded in place, none added.
    const surge = nodesOf(pool.maxSurge, count)
    if (surge !== undefined) return { nodes: cap(surge) }
  }
  const fallback = defaultMaxSurge(pool.version)
  const nodes = cap(Math.max(1, nodesOf(fallback, count) ?? 1))
  return { nodes, assumed: `maxSurge is not set: assumed AKS's default of ${fallback} (${nodes} node${nodes === 1 ? '' : 's'})` }
}
