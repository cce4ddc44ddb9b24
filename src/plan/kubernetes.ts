// Kubernetes version rules: which versions a control plane may move to, and how
// supported its minor still is in its location.
import semver from 'semver'
import { Memo } from '../util/memo.js'
import type { ClusterSnapshot, KubernetesMinorVersion, VersionUpgrade } from '../model.js'

const LTS_PLAN = 'AKSLongTermSupport'
const OFFICIAL_PLAN = 'KubernetesOfficial'

export interface K8sVersion {
  raw: string
  major: number
  minor: number
  patch: number
}

/**
 * `1.35.6` -> {1,35,6}. A minor-only request (`1.35`) parses with patch 0; LTS builds
 * such as `1.30.100-akslts` compare by their numbers. Each text is parsed once (the result
 * is frozen): planning a fleet asks for the same few versions tens of thousands of times.
 */
export function parseK8s(v: string | undefined | null): K8sVersion | undefined {
  if (!v) return undefined
  const trimmed = v.trim()
  return parsedK8s.get(trimmed, () => {
    if (!/^v?\d+\.\d+(\.\d+)?([-+].*)?$/.test(trimmed)) return undefined
    const c = semver.coerce(trimmed)
    if (!c) return undefined
    return Object.freeze({ raw: trimmed, major: c.major, minor: c.minor, patch: c.patch })
  })
}

const parsedK8s = new Memo<K8sVersion | undefined>()

function toSemver(v: K8sVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`
}

/** Negative when `a` is older: by major, minor and patch, as semver compares them (-1, 0 or 1). */
export function compareK8s(a: K8sVersion, b: K8sVersion): number {
  return Math.sign(a.major - b.major || a.minor - b.minor || a.patch - b.patch)
}

/** `1.35` of a parsed version; of a text (`1.35.6`, `v1.35`, `1.35`), null when it is no version. */
export function minorOf(v: K8sVersion): string
export function minorOf(v: string | null | undefined): string | null
export function minorOf(v: K8sVersion | string | null | undefined): string | null {
  const parsed = typeof v === 'object' && v !== null ? v : parseK8s(v)
  return parsed ? `${parsed.major}.${parsed.minor}` : null
}

export function sameMinor(a: K8sVersion, b: K8sVersion): boolean {
  return a.major === b.major && a.minor === b.minor
}

/** How many minors `a` is ahead of `b`; undefined across majors (never comparable in skew terms). */
export function minorsAhead(a: K8sVersion, b: K8sVersion): number | undefined {
  return a.major === b.major ? a.minor - b.minor : undefined
}

function findMinor(location: KubernetesMinorVersion[], v: K8sVersion): KubernetesMinorVersion | undefined {
  const key = minorOf(v)
  return location.find(m => m.version.trim() === key)
}

export interface OfferedVersion {
  version: K8sVersion
  isPreview: boolean
}

function locationKey(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase()
}

/**
 * The location's Kubernetes versions. ARM spells one location several ways (`westeurope`,
 * `WestEurope`, `West Europe`), so keys compare case-insensitively and without spaces.
 */
export function locationVersions(byLocation: Record<string, KubernetesMinorVersion[]>, location: string): KubernetesMinorVersion[] {
  const exact = byLocation[location]
  if (exact) return exact
  const wanted = locationKey(location)
  for (const [key, versions] of Object.entries(byLocation)) if (locationKey(key) === wanted) return versions
  return []
}

/**
 * What a node pool on `current` may step to: versions of the very next minor (one minor
 * at a time, never two). The pool's upgrade profile is authoritative when it lists any
 * version of that minor; otherwise the location's patch list stands in. A minor the
 * location marks preview is preview whatever the profile says.
 */
export function offeredNextMinorVersions(upgrades: VersionUpgrade[], location: KubernetesMinorVersion[], current: K8sVersion): OfferedVersion[] {
  const { add, seen, list } = offeredCollector(location, version => minorsAhead(version, current) === 1)
  for (const u of upgrades) add(u.kubernetesVersion, u.isPreview)
  if (seen.size === 0) {
    for (const m of location) {
      const mv = parseK8s(m.version)
      if (!mv || minorsAhead(mv, current) !== 1) continue
      for (const patch of Object.keys(m.patchVersions)) add(patch, m.isPreview)
    }
  }
  return list()
}

/**
 * What the control plane may move to: versions newer than `current`, at most one minor ahead.
 *
 * The cluster's upgrade profile is authoritative: it is what AKS offers this very
 * cluster (region rollout, LTS, deprecations), so when it was read the location list
 * only adds facts about the offered versions (a minor the location marks preview is
 * preview). When the profile was not read, the location's list stands in: the patch
 * versions of the current and next minor, plus whatever `patchVersions[current]` says
 * it can upgrade to.
 */
export function offeredControlPlaneVersions(
  cluster: Pick<ClusterSnapshot, 'controlPlaneUpgrades'>,
  location: KubernetesMinorVersion[],
  current: K8sVersion
): OfferedVersion[] {
  const { add, list } = offeredCollector(location, version => {
    if (compareK8s(version, current) <= 0) return false
    const ahead = minorsAhead(version, current)
    // Never two minors in one step (Kubernetes skew policy); never a different major.
    return ahead !== undefined && ahead <= 1
  })
  if (cluster.controlPlaneUpgrades !== undefined) {
    for (const u of cluster.controlPlaneUpgrades) add(u.kubernetesVersion, u.isPreview)
  } else {
    for (const m of location) {
      const mv = parseK8s(m.version)
      if (!mv) continue
      const ahead = minorsAhead(mv, current)
      if (ahead !== 0 && ahead !== 1) continue
      for (const [patch, upgrades] of Object.entries(m.patchVersions)) {
        add(patch, m.isPreview)
        const p = parseK8s(patch)
        if (p && compareK8s(p, current) === 0) for (const u of upgrades) add(u, false)
      }
    }
  }
  return list()
}

/**
 * Collects offered versions that pass `accept`, once each: a version is preview when the
 * profile or the location's minor says so.
 */
function offeredCollector(location: KubernetesMinorVersion[], accept: (version: K8sVersion) => boolean) {
  const seen = new Map<string, OfferedVersion>()
  const add = (raw: string, preview: boolean): void => {
    const version = parseK8s(raw)
    if (!version || !accept(version)) return
    const isPreview = preview || findMinor(location, version)?.isPreview === true
    const key = toSemver(version)
    const prior = seen.get(key)
    seen.set(key, { version, isPreview: (prior?.isPreview ?? false) || isPreview })
  }
  const list = (): OfferedVersion[] => [...seen.values()].sort((a, b) => compareK8s(a.version, b.version))
  return { add, seen, list }
}

export function newest(versions: OfferedVersion[]): OfferedVersion | undefined {
  return versions.reduce<OfferedVersion | undefined>((best, v) => (!best || compareK8s(v.version, best.version) > 0 ? v : best), undefined)
}

/**
 * Whether a cluster with `supportPlan` may move into `target`'s minor. LTS clusters may
 * only move between minors the location lists under AKSLongTermSupport; clusters on the
 * standard plan cannot move into a minor offered only under LTS (1.33 since 2026-07).
 * Returns the reason it may not, or undefined.
 */
export function supportPlanBlock(
  supportPlan: string,
  location: KubernetesMinorVersion[],
  target: K8sVersion,
  locationName: string
): string | undefined {
  const minor = findMinor(location, target)
  const key = minorOf(target)
  if (supportPlan === LTS_PLAN) {
    if (!minor) return `${key} is not listed for ${locationName}, so its long-term support cannot be confirmed`
    if (!minor.supportPlan.includes(LTS_PLAN)) return `${key} is not offered under long-term support in ${locationName}`
    return undefined
  }
  if (minor && minor.supportPlan.length > 0 && !minor.supportPlan.includes(OFFICIAL_PLAN)) {
    return `${key} is offered only under long-term support (${minor.supportPlan.join(', ')}) in ${locationName}`
  }
  return undefined
}

/**
 * A warning when the cluster's minor is out of support or about to leave it, judged
 * against the location's newest generally available minor N: AKS supports N..N-2,
 * N-3 gets platform support only, older is unsupported. LTS clusters are supported as
 * long as their minor is listed under AKSLongTermSupport.
 */
export function supportWarning(
  current: K8sVersion,
  supportPlan: string,
  location: KubernetesMinorVersion[],
  locationName: string
): string | undefined {
  if (location.length === 0) return undefined
  const key = minorOf(current)
  if (supportPlan === LTS_PLAN) {
    const m = findMinor(location, current)
    if (m?.supportPlan.includes(LTS_PLAN)) return undefined
    return `Kubernetes ${key} is out of support: ${locationName} no longer lists it under long-term support; move to a minor that is.`
  }
  const ga = location
    .filter(m => !m.isPreview)
    .map(m => parseK8s(m.version))
    .filter((v): v is K8sVersion => v !== undefined && v.major === current.major)
  const n = ga.reduce<K8sVersion | undefined>((best, v) => (!best || v.minor > best.minor ? v : best), undefined)
  if (!n) return undefined
  const behind = n.minor - current.minor
  const newestGa = minorOf(n)
  if (behind > 3) {
    return `Kubernetes ${key} is out of support (the newest generally available minor in ${locationName} is ${newestGa}); upgrade one minor at a time to get back into support.`
  }
  if (behind === 3) {
    return `Kubernetes ${key} is out of support: with ${newestGa} the newest generally available minor in ${locationName}, ${key} gets platform support only; plan a minor upgrade.`
  }
  if (behind === 2) {
    return `Kubernetes ${key} is about to leave support: it is the oldest supported minor in ${locationName} (newest is ${newestGa}) and drops to platform support when the next minor becomes generally available.`
  }
  return undefined
}
