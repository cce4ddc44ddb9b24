// Kubernetes list items (policy/v1 PodDisruptionBudget, v1 Pod, v1 Node) reduced to what
// pre-flight needs (pure). Unknown or missing fields read as absent, never as a crash.
import type { LabelSelector, Pdb, PodInfo } from './types.js'

type Json = Record<string, unknown>

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function labels(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === 'string') out[k] = v
  return out
}

/** `minAvailable: 3` or `"50%"`. */
function intOrString(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value)
  return str(value)
}

function selector(value: unknown): LabelSelector | undefined {
  if (value === undefined || value === null) return undefined
  const s = obj(value)
  const expressions = Array.isArray(s.matchExpressions) ? s.matchExpressions : []
  return {
    matchLabels: labels(s.matchLabels),
    matchExpressions: expressions.map(e => {
      const x = obj(e)
      return {
        key: str(x.key) ?? '',
        operator: str(x.operator) ?? '',
        values: Array.isArray(x.values) ? x.values.filter((v): v is string => typeof v === 'string') : []
      }
    })
  }
}

export function parsePdbs(items: readonly unknown[]): Pdb[] {
  return items.map(item => {
    const it = obj(item)
    const meta = obj(it.metadata)
    const spec = obj(it.spec)
    const status = obj(it.status)
    const pdb: Pdb = {
      namespace: str(meta.namespace) ?? 'default',
      name: str(meta.name) ?? '',
      disruptionsAllowed: int(status.disruptionsAllowed),
      currentHealthy: int(status.currentHealthy),
      desiredHealthy: int(status.desiredHealthy),
      expectedPods: int(status.expectedPods)
    }
    const minAvailable = intOrString(spec.minAvailable)
    if (minAvailable !== undefined) pdb.minAvailable = minAvailable
    const maxUnavailable = intOrString(spec.maxUnavailable)
    if (maxUnavailable !== undefined) pdb.maxUnavailable = maxUnavailable
    const sel = selector(spec.selector)
    if (sel) pdb.selector = sel
    return pdb
  })
}

export function parsePods(items: readonly unknown[]): PodInfo[] {
  return items.map(item => {
    const it = obj(item)
    const meta = obj(it.metadata)
    const pod: PodInfo = { namespace: str(meta.namespace) ?? 'default', labels: labels(meta.labels) }
    const node = str(obj(it.spec).nodeName)
    if (node) pod.nodeName = node
    return pod
  })
}

export function parseNodes(items: readonly unknown[]): Array<{ name: string; labels: Record<string, string> }> {
  return items.map(item => {
    const meta = obj(obj(item).metadata)
    return { name: str(meta.name) ?? '', labels: labels(meta.labels) }
  })
}
