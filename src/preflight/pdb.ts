// Drain-blocking PodDisruptionBudgets (pure): which PDBs allow no disruption, and on which
// pools their pods run. A node whose pods such a PDB protects cannot be drained, so the
// upgrade of its pool stops there (PodDrainFailure).
import type { LabelSelector, Pdb, PodInfo } from './types.js'

/** Allows no eviction now, and protects pods that exist. */
export function isBlocking(pdb: Pdb): boolean {
  return pdb.disruptionsAllowed <= 0 && pdb.expectedPods > 0
}

function expressionMatches(expr: LabelSelector['matchExpressions'][number], labels: Record<string, string>): boolean {
  const value = labels[expr.key]
  switch (expr.operator) {
    case 'In':
      return value !== undefined && expr.values.includes(value)
    case 'NotIn':
      return value === undefined || !expr.values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    default:
      return false
  }
}

/** Kubernetes label selector semantics: an empty selector selects every pod of the namespace. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false
  return selector.matchExpressions.every(e => expressionMatches(e, labels))
}

/** The `labelSelector` query of a selector, so the API server sends only the PDB's pods. */
export function selectorQuery(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`)
  for (const e of selector.matchExpressions) {
    if (e.operator === 'In') parts.push(`${e.key} in (${e.values.join(',')})`)
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${e.values.join(',')})`)
    else if (e.operator === 'Exists') parts.push(e.key)
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`)
  }
  return parts.join(',')
}

/** The label AKS puts on every node with its pool's name (the older `agentpool` too). */
export function poolOfNode(labels: Record<string, string>): string | undefined {
  return labels['kubernetes.azure.com/agentpool'] ?? labels.agentpool
}

/** Pools that run the PDB's pods; empty when none could be placed (not scheduled, or nodes unknown). */
export function poolsOf(pdb: Pdb, pods: readonly PodInfo[], nodePools: ReadonlyMap<string, string>): string[] {
  const pools = new Set<string>()
  for (const pod of pods) {
    if (pod.namespace !== pdb.namespace || !selects(pdb.selector, pod.labels) || pod.nodeName === undefined) continue
    const pool = nodePools.get(pod.nodeName)
    if (pool !== undefined) pools.add(pool)
  }
  return [...pools].sort()
}

/** `apps/web (minAvailable 3; 3 of 3 pods healthy, 0 disruptions allowed)` */
export function describePdb(pdb: Pdb): string {
  const rule =
    pdb.minAvailable !== undefined
      ? `minAvailable ${pdb.minAvailable}`
      : pdb.maxUnavailable !== undefined
        ? `maxUnavailable ${pdb.maxUnavailable}`
        : 'no rule'
  return `${pdb.namespace}/${pdb.name} (${rule}; ${pdb.currentHealthy} of ${pdb.expectedPods} pods healthy, ${pdb.desiredHealthy} required, ${pdb.disruptionsAllowed} disruptions allowed)`
}
