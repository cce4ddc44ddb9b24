// Rings: promotion of node images and Kubernetes versions across clusters, derived only
// from the snapshot ("a new node image must reach dev first, and prod must get the image
// that dev ran, not a newer one").
import type { ClusterSnapshot, PoolSnapshot } from '../model.js'
import { compareK8s, parseK8s, type K8sVersion } from './kubernetes.js'
import { compareNodeImages, parseNodeImage, type NodeImage } from './versions.js'

const SUCCEEDED = 'succeeded'

export function isSucceeded(state: string | undefined): boolean {
  return (state ?? '').toLowerCase() === SUCCEEDED
}

export function isFailed(state: string | undefined): boolean {
  return (state ?? '').toLowerCase() === 'failed'
}

/** One wording for a halted ring, shared with the executor (failures during this run). */
export function haltMessage(ring: number, cluster: string, pool: string | null, code: string): string {
  return `halted: ring ${ring} failed on ${pool === null ? cluster : `${cluster}/${pool}`} (${code})`
}

export interface RingAssignment {
  ring: number
  /** Set when the tag exists but is not a whole number. */
  warning?: string
}

function tagValue(tags: Record<string, string>, name: string): string | undefined {
  // Azure tag names are case-insensitive.
  const wanted = name.toLowerCase()
  for (const [k, v] of Object.entries(tags)) if (k.toLowerCase() === wanted) return v
  return undefined
}

/** Rings for every cluster (by id). Untagged clusters go first (ring 0) or after the highest tagged ring. */
export function assignRings(clusters: ClusterSnapshot[], ringTag: string, untagged: 'first' | 'last'): Map<string, RingAssignment> {
  const out = new Map<string, RingAssignment>()
  const pendingUntagged: string[] = []
  let highest = -1
  for (const c of clusters) {
    const value = tagValue(c.tags, ringTag)
    if (value === undefined) {
      pendingUntagged.push(c.id)
      continue
    }
    const trimmed = value.trim()
    if (/^\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed))) {
      const ring = Number(trimmed)
      out.set(c.id, { ring })
      highest = Math.max(highest, ring)
    } else {
      out.set(c.id, {
        ring: 0,
        warning: `Tag ${ringTag}='${value}' is not a whole number (0, 1, 2…); the cluster is treated as ring 0.`
      })
      highest = Math.max(highest, 0)
    }
  }
  const untaggedRing = untagged === 'last' ? highest + 1 : 0
  for (const id of pendingUntagged) out.set(id, { ring: untaggedRing })
  return out
}

/** The newest recentlyUsedVersions timestamp of an entry whose `field` differs from what the pool runs now. */
export function runningSince(pool: PoolSnapshot, field: 'nodeImageVersion' | 'orchestratorVersion', current: string): Date | undefined {
  // AKS-API-NOTES §5.3: each entry is a pair that was active before the pool moved on, so
  // the newest one that differs from today's value marks when the pool moved to it. An
  // empty list means no move within the rollback window: it has run it for longer.
  let newest: number | undefined
  for (const e of pool.recentlyUsedVersions) {
    if (e[field] !== undefined && e[field] === current) continue
    const t = e.timestamp === undefined ? Number.NaN : Date.parse(e.timestamp)
    if (Number.isNaN(t)) continue
    if (newest === undefined || t > newest) newest = t
  }
  return newest === undefined ? undefined : new Date(newest)
}

export interface Halt {
  ring: number
  cluster: string
  clusterId: string
  pool: string | null
  code: string
}

export type Gate<T> =
  /** Ring 0 or nothing upstream to wait for. */
  | { kind: 'open'; fallback: boolean; ring?: undefined }
  /**
   * Some upstream cluster/pool is not Succeeded, so no version is proven there. `unreadable`
   * (Azure's error code) says the cluster could not be read at all: it has reached nothing.
   */
  | { kind: 'unsettled'; ring: number; where: string; state: string; unreadable?: string }
  /** The oldest version every upstream cluster/pool has reached, and since when (undefined: longer than the rollback window). */
  | { kind: 'upstream'; ring: number; version: T; since: Date | undefined }

/** Code-point order: the plan's order must not depend on the runner's locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return byText(a.name, b.name)
}

/** Rings, their clusters and the gates between them. */
export class RingIndex {
  readonly byRing = new Map<number, ClusterSnapshot[]>()
  readonly ringOf = new Map<string, number>()
  readonly halt: Halt | undefined
  private readonly imageGates = new Map<string, Gate<NodeImage>>()
  private readonly versionGates = new Map<number, Gate<K8sVersion>>()

  constructor(clusters: ClusterSnapshot[], rings: Map<string, RingAssignment>) {
    for (const c of clusters) {
      const ring = rings.get(c.id)?.ring ?? 0
      this.ringOf.set(c.id, ring)
      const list = this.byRing.get(ring) ?? []
      list.push(c)
      this.byRing.set(ring, list)
    }
    for (const list of this.byRing.values()) list.sort(byName)
    this.halt = this.findHalt()
  }

  sortedRings(): number[] {
    return [...this.byRing.keys()].sort((a, b) => a - b)
  }

  private earlierRings(ring: number): number[] {
    return this.sortedRings()
      .filter(r => r < ring)
      .reverse()
  }

  /** The nearest ring before `ring` that has clusters, whose state gates `ring`. */
  previousRing(ring: number): number | undefined {
    return this.earlierRings(ring)[0]
  }

  /**
   * A cluster of `ring` that could not be read: it may run anything (or nothing of an image
   * family), so it counts as having reached no version and the ring cannot be settled.
   */
  private unreadable<T>(ring: number): Gate<T> | undefined {
    const c = (this.byRing.get(ring) ?? []).find(x => x.readError !== undefined)
    if (!c) return undefined
    return { kind: 'unsettled', ring, where: c.name, state: c.provisioningState, unreadable: c.readError?.code ?? 'Unknown' }
  }

  /** The first failure in the lowest ring: it holds every later ring. */
  private findHalt(): Halt | undefined {
    for (const ring of this.sortedRings()) {
      for (const c of this.byRing.get(ring) ?? []) {
        if (isFailed(c.provisioningState)) return { ring, cluster: c.name, clusterId: c.id, pool: null, code: 'Failed' }
        const failed = [...c.pools].sort(byName).find(p => isFailed(p.provisioningState))
        if (failed) {
          return { ring, cluster: c.name, clusterId: c.id, pool: failed.name, code: failed.provisioningError?.code ?? 'Failed' }
        }
      }
    }
    return undefined
  }

  /**
   * Node images of `family` for `ring`: what every pool of that family in the nearest
   * earlier ring that has one runs (the oldest of them). Stopped pools count: they are
   * part of the ring and did not validate anything newer.
   */
  imageGate(ring: number, family: string): Gate<NodeImage> {
    const cacheKey = `${ring}\u0000${family}`
    const cached = this.imageGates.get(cacheKey)
    if (cached) return cached
    let gate: Gate<NodeImage> = { kind: 'open', fallback: ring > 0 }
    if (ring > 0) {
      for (const r of this.earlierRings(ring)) {
        // Checked before looking for the family: an unreadable cluster may have such pools.
        const unread = this.unreadable<NodeImage>(r)
        if (unread) {
          gate = unread
          break
        }
        const pools: Array<{ cluster: ClusterSnapshot; pool: PoolSnapshot; image: NodeImage }> = []
        for (const cluster of this.byRing.get(r) ?? []) {
          for (const pool of cluster.pools) {
            const image = pool.nodeImageVersion ? parseNodeImage(pool.nodeImageVersion) : undefined
            if (image?.family === family) pools.push({ cluster, pool, image })
          }
        }
        if (pools.length === 0) continue
        gate = this.settle(
          r,
          pools,
          p => p.image,
          (a, b) => compareNodeImages(a, b),
          p => runningSince(p.pool, 'nodeImageVersion', p.image.raw)
        )
        break
      }
    }
    this.imageGates.set(cacheKey, gate)
    return gate
  }

  /**
   * Kubernetes versions for `ring`: the oldest version every component (control plane and
   * pools) of every cluster in the nearest earlier ring has reached.
   */
  versionGate(ring: number): Gate<K8sVersion> {
    const cached = this.versionGates.get(ring)
    if (cached) return cached
    let gate: Gate<K8sVersion> = { kind: 'open', fallback: ring > 0 }
    const r = this.earlierRings(ring)[0]
    if (ring > 0 && r !== undefined) {
      const parts: Array<{ cluster: ClusterSnapshot; pool: PoolSnapshot | null; version: K8sVersion }> = []
      let unsettled: Gate<K8sVersion> | undefined
      for (const cluster of this.byRing.get(r) ?? []) {
        if (!isSucceeded(cluster.provisioningState)) {
          unsettled ??= { kind: 'unsettled', ring: r, where: cluster.name, state: cluster.provisioningState }
        }
        const cp = parseK8s(cluster.currentKubernetesVersion ?? cluster.kubernetesVersion)
        if (cp) parts.push({ cluster, pool: null, version: cp })
        for (const pool of cluster.pools) {
          const v = parseK8s(pool.currentOrchestratorVersion ?? pool.orchestratorVersion)
          if (v) parts.push({ cluster, pool, version: v })
        }
      }
      gate =
        this.unreadable<K8sVersion>(r) ??
        unsettled ??
        this.settle(
          r,
          parts,
          p => p.version,
          compareK8s,
          p => (p.pool ? runningSince(p.pool, 'orchestratorVersion', p.version.raw) : undefined)
        )
    }
    this.versionGates.set(ring, gate)
    return gate
  }

  private settle<P extends { cluster: ClusterSnapshot; pool: PoolSnapshot | null }, T>(
    ring: number,
    parts: P[],
    value: (p: P) => T,
    compare: (a: T, b: T) => number,
    since: (p: P) => Date | undefined
  ): Gate<T> {
    for (const p of parts) {
      const state = p.pool ? p.pool.provisioningState : p.cluster.provisioningState
      if (!isSucceeded(p.cluster.provisioningState)) {
        return { kind: 'unsettled', ring, where: p.cluster.name, state: p.cluster.provisioningState }
      }
      if (!isSucceeded(state)) return { kind: 'unsettled', ring, where: `${p.cluster.name}/${p.pool?.name ?? ''}`, state }
    }
    let oldest: T | undefined
    for (const p of parts) {
      const v = value(p)
      if (oldest === undefined || compare(v, oldest) < 0) oldest = v
    }
    if (oldest === undefined) return { kind: 'open', fallback: true }
    const found = oldest
    // The ring has run the version since the last of its pools running exactly it moved there.
    let latestMove: Date | undefined
    for (const p of parts) {
      if (compare(value(p), found) !== 0) continue
      const s = since(p)
      if (s && (!latestMove || s > latestMove)) latestMove = s
    }
    return { kind: 'upstream', ring, version: found, since: latestMove }
  }
}
