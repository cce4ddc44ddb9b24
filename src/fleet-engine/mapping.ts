// What Fleet Manager is asked to do: the planner's decisions turned into update runs
// (rings -> stages, clusters -> groups, soak -> stage waits, approvals -> gates). Pure.
//
// One run carries one `managedClusterUpdate` through every stage, so a later ring gets
// exactly what ring 0 got. We name the versions ourselves (`Custom`, one per image family,
// filled from the planner's targets), which is our promotion rule stated to Azure: with
// `Consistent` Fleet would pick at start, possibly older than what ring 0 already runs.
import { createHash } from 'node:crypto'
import type { ClusterPlan, Operation, PlanEntry, ReasonCode } from '../model.js'
import { minorOf } from '../plan/kubernetes.js'
import { compareNodeImages, parseNodeImage } from '../plan/versions.js'
import { DAY_MS } from '../util/duration.js'
import type { FleetMember, UpdateRun, UpdateStage } from './wire.js'

export interface FleetMappingOptions {
  /** The Fleet resource id (input `fleet`). */
  fleetId: string
  /** `ring`: one group per ring, set by us; `existing`: the members' own groups. */
  groups: 'ring' | 'existing'
  maxParallel: number
  ringSoakDays: number
  /** `minor-approval: issue`: a minor upgrade waits for approval before each stage. */
  approvalGates: boolean
  now: Date
  /** Lower-case cluster id -> a hold decided before Fleet (pre-flight predicts the upgrade fails). */
  held?: ReadonlyMap<string, FleetHold>
}

type RunKind = 'node-image' | 'patch' | 'minor'

interface RunMember {
  clusterId: string
  cluster: string
  /** Fleet member name (skip targets use it). */
  member: string
  group: string
  ring: number
  /** Keys of this cluster's planned operations the run carries out (none for a ring-held cluster). */
  operations: string[]
}

export interface RunSpec {
  /** `aup-` + a hash of fleet, kind, targets and rings: one run per plan. */
  name: string
  kind: RunKind
  /** Full runs only. */
  kubernetesVersion?: string
  /** The `Custom` node image versions, one per family. */
  images: string[]
  members: RunMember[]
  body: UpdateRun
  /** Members in the run's groups that this plan leaves out (held, powered off, not ours): skipped before start. */
  skip: string[]
  notes: string[]
}

export interface FleetHold {
  /** `not-in-fleet`, `fleet-group-conflict`, or a pre-flight hold reason. */
  reason: string
  detail: string
}

interface GroupChange {
  member: string
  eTag?: string
  from?: string
  to: string
}

export interface FleetMapping {
  runs: RunSpec[]
  /** Member groups to set before the runs are created (a run snapshots its groups). */
  groupChanges: GroupChange[]
  /** Lower-case cluster id -> why the cluster is left out of every run. */
  holds: Map<string, FleetHold>
}

/** Prefix of every run this Action creates: any other run is someone else's. */
export const RUN_PREFIX = 'aup-'
/** Display name prefix of our approval gates. */
export const GATE_PREFIX = 'aup approval'
/** Limits of the service (notes §3.3). */
const MAX_STAGE_CONCURRENCY = 50
/** Node images are valid for 90 days from publication (notes §3.4). */
const IMAGE_LIFETIME_DAYS = 90

const RING_HELD: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['ring-waiting', 'ring-soaking'])
const POOL_STATE_HOLDS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['stopped', 'failed-state'])

const ringGroup = (ring: number): string => `ring-${ring}`
const isRingGroup = (group: string): boolean => /^ring-\d+$/.test(group)

interface Candidate {
  cp: ClusterPlan
  kind: RunKind
  /** Kubernetes version, or the node images by family. */
  version?: string
  images: string[]
  operations: Operation[]
  /** Ring-held: the planner waits for the previous ring, which Fleet's stage order replaces. */
  ringHeld: boolean
}

function differs(t: { current: string | null; target: string | null } | null): t is { current: string | null; target: string } {
  return t?.target != null && t.target !== t.current
}

function versionKind(current: string | null, target: string): RunKind {
  return minorOf(current) !== null && minorOf(current) !== minorOf(target) ? 'minor' : 'patch'
}

/** The Kubernetes version upgrade a cluster is planned (or ring-held) for, if any. */
function kubernetesCandidate(cp: ClusterPlan): Candidate | undefined {
  const ops = cp.operations.filter(op => op.kind !== 'node-image')
  const cpOp = ops.find(op => op.kind === 'control-plane') ?? ops[0]
  const cpEntry = cp.entries.find(e => e.pool === null)
  if (cpOp) {
    const kind: RunKind = cpOp.upgradeClass === 'minor' ? 'minor' : 'patch'
    return { cp, kind, version: cpOp.to, images: versionImages(cp.entries), operations: ops, ringHeld: false }
  }
  const waiting = cpEntry !== undefined && (RING_HELD.has(cpEntry.reason) || cpEntry.reason === 'awaiting-approval')
  if (!waiting || !differs(cpEntry.kubernetesVersion)) return undefined
  const { current, target } = cpEntry.kubernetesVersion
  return { cp, kind: versionKind(current, target), version: target, images: versionImages(cp.entries), operations: [], ringHeld: true }
}

/**
 * The node image of every pool of a cluster a version upgrade moves: its target, else what it
 * runs. With Custom, Fleet leaves a family it finds no version for untouched, and with Latest a
 * later ring could get a newer image than ring 0 did; so every family is named.
 */
function versionImages(entries: readonly PlanEntry[]): string[] {
  return entries.flatMap(e => {
    const image = e.pool === null ? null : (e.nodeImageVersion?.target ?? e.nodeImageVersion?.current ?? null)
    return image === null ? [] : [image]
  })
}

function imageCandidate(cp: ClusterPlan): Candidate | undefined {
  const ops = cp.operations.filter(op => op.kind === 'node-image')
  const held = cp.entries.filter(e => e.pool !== null && RING_HELD.has(e.reason) && differs(e.nodeImageVersion) && !differs(e.kubernetesVersion))
  if (ops.length === 0 && held.length === 0) return undefined
  const images = [...ops.map(op => op.to), ...held.flatMap(e => (e.nodeImageVersion?.target ? [e.nodeImageVersion.target] : []))]
  return { cp, kind: 'node-image', images, operations: ops, ringHeld: ops.length === 0 }
}

/** The newest image of each family; strings that are no image are kept as they are. */
function newestPerFamily(images: readonly string[]): string[] {
  const best = new Map<string, string>()
  for (const raw of images) {
    const img = parseNodeImage(raw)
    const family = familyOf(raw)
    const had = best.get(family)
    const hadImg = had === undefined ? undefined : parseNodeImage(had)
    if (had === undefined || (img && hadImg && compareNodeImages(img, hadImg) > 0)) best.set(family, raw)
  }
  return [...best.values()].sort()
}

const lower = (s: string): string => s.trim().toLowerCase()
const familyOf = (raw: string): string => parseNodeImage(raw)?.family ?? raw

/**
 * The run's images: what the due clusters (the earliest ring) move to decides; a ring-held
 * cluster's target only adds a family no due cluster has, so a later ring never pulls a
 * newer image into the run than the one the first ring gets.
 */
function runImages(list: readonly Candidate[]): string[] {
  const due = newestPerFamily(list.filter(c => !c.ringHeld).flatMap(c => c.images))
  const families = new Set(due.map(familyOf))
  const held = newestPerFamily(list.filter(c => c.ringHeld).flatMap(c => c.images)).filter(v => !families.has(familyOf(v)))
  return [...due, ...held].sort()
}

/** Which member each cluster is, by `clusterResourceId` (ARM ids compare case-insensitively). */
function membersByCluster(members: readonly FleetMember[]): Map<string, FleetMember> {
  const out = new Map<string, FleetMember>()
  for (const m of members) {
    const id = m.properties?.clusterResourceId
    if (id && m.name) out.set(lower(id), m)
  }
  return out
}

function fleetName(fleetId: string): string {
  return fleetId.split('/').filter(Boolean).at(-1) ?? fleetId
}

/** The group each included cluster's member gets, or why it cannot take part. */
function assignGroups(
  candidates: readonly Candidate[],
  byCluster: Map<string, FleetMember>,
  options: FleetMappingOptions,
  holds: Map<string, FleetHold>
): Map<string, string> {
  const groups = new Map<string, string>()
  const name = fleetName(options.fleetId)
  for (const c of candidates) {
    const id = lower(c.cp.cluster.id)
    if (holds.has(id) || groups.has(id)) continue
    const member = byCluster.get(id)
    if (!member) {
      holds.set(id, {
        reason: 'not-in-fleet',
        detail: `${c.cp.cluster.name} is not a member of fleet ${name}; join it to the fleet, or run it with engine: direct.`
      })
      continue
    }
    const current = member.properties?.group ?? ''
    if (options.groups === 'existing') {
      if (current === '')
        holds.set(id, {
          reason: 'fleet-group-conflict',
          detail: `member ${member.name} has no group, and fleet-groups: existing uses the members' own groups.`
        })
      else groups.set(id, current)
    } else if (current !== '' && !isRingGroup(current)) {
      holds.set(id, {
        reason: 'fleet-group-conflict',
        detail: `member ${member.name} is in group '${current}', which this Action does not manage (it sets only empty or ring-* groups); clear it, or use fleet-groups: existing.`
      })
    } else groups.set(id, ringGroup(c.cp.ring))
  }
  if (options.groups === 'existing') {
    // A group is one unit of a stage: it must lie within one ring.
    const rings = new Map<string, Set<number>>()
    for (const c of candidates) {
      const g = groups.get(lower(c.cp.cluster.id))
      if (g !== undefined) rings.set(g, new Set([...(rings.get(g) ?? []), c.cp.ring]))
    }
    for (const c of candidates) {
      const id = lower(c.cp.cluster.id)
      const g = groups.get(id)
      const spans = g === undefined ? undefined : rings.get(g)
      if (g === undefined || !spans || spans.size < 2) continue
      groups.delete(id)
      const list = [...spans].sort((a, b) => a - b).join(', ')
      holds.set(id, {
        reason: 'fleet-group-conflict',
        detail: `group '${g}' holds clusters of rings ${list}; with fleet-groups: existing a group must lie within one ring.`
      })
    }
  }
  return groups
}

function concurrency(limit: number, size: number): string {
  return String(Math.max(1, Math.min(limit, size, MAX_STAGE_CONCURRENCY)))
}

function runName(fleetId: string, kind: RunKind, version: string | undefined, images: readonly string[], members: readonly RunMember[]): string {
  const stages = members.map(m => `${m.ring}:${lower(m.clusterId)}`).sort()
  const key = JSON.stringify({ fleet: lower(fleetId), kind, version: version ?? null, images, stages })
  return `${RUN_PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 24)}`
}

/** Everything but the run's own name: stages, groups, waits, gates and the update. */
function buildRun(
  kind: RunKind,
  version: string | undefined,
  images: string[],
  members: RunMember[],
  held: ReadonlyMap<number, boolean>,
  groupSizes: ReadonlyMap<string, number>,
  options: FleetMappingOptions
): { body: UpdateRun; notes: string[] } {
  const notes: string[] = []
  const rings = [...new Set(members.map(m => m.ring))].sort((a, b) => a - b)
  const stages: UpdateStage[] = rings.map((ring, i) => {
    const groups = [...new Set(members.filter(m => m.ring === ring).map(m => m.group))].sort()
    const stage: UpdateStage = {
      name: ringGroup(ring),
      groups: groups.map(g => ({ name: g, maxConcurrency: concurrency(options.maxParallel, groupSizes.get(g) ?? 1) })),
      maxConcurrency: concurrency(options.maxParallel, MAX_STAGE_CONCURRENCY)
    }
    if (kind === 'minor' && options.approvalGates) {
      stage.beforeGates = [{ type: 'Approval', displayName: `${GATE_PREFIX}: Kubernetes ${minorOf(version) ?? version ?? ''} on ring ${ring}` }]
    }
    const next = rings[i + 1]
    if (next !== undefined && options.ringSoakDays > 0) {
      // The planner's clock (recentlyUsedVersions) already counts the soak: where every
      // cluster of the next ring is due, not soaking, ring N-1 has soaked long enough.
      if (held.get(next) === false) notes.push(`Ring ${ring} already ran this for ring-soak-days (${options.ringSoakDays}): no wait after its stage.`)
      else stage.afterStageWaitInSeconds = options.ringSoakDays * 86_400
    }
    return stage
  })
  const update: UpdateRun['properties'] = {
    strategy: { stages },
    managedClusterUpdate: {
      upgrade: kind === 'node-image' ? { type: 'NodeImageOnly' } : { type: 'Full', kubernetesVersion: version ?? '' },
      nodeImageSelection: images.length > 0 ? { type: 'Custom', customNodeImageVersions: images.map(v => ({ version: v })) } : { type: 'Latest' }
    }
  }
  notes.push(...expiryNotes(images, rings.length, options))
  return { body: { properties: update }, notes }
}

/** Node images expire 90 days after publication: warn when the soak would outlast that. */
function expiryNotes(images: readonly string[], stages: number, options: FleetMappingOptions): string[] {
  if (stages < 2 || options.ringSoakDays <= 0) return []
  const lastStageAt = options.now.getTime() + (stages - 1) * options.ringSoakDays * DAY_MS
  return images.flatMap(raw => {
    const img = parseNodeImage(raw)
    if (!img) return []
    const expires = Date.parse(`${img.date}T00:00:00Z`) + IMAGE_LIFETIME_DAYS * DAY_MS
    if (expires >= lastStageAt) return []
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
    return [
      `Node image ${raw} (built ${img.date}) expires on ${day(expires)}, but with ring-soak-days ${options.ringSoakDays} the last ring gets it around ${day(lastStageAt)}: that ring may fail; shorten the soak or let a newer image through.`
    ]
  })
}

/** Clusters an operation of which is held before Fleet sees it (pre-flight predicts it fails), by lower-case id. */
export function heldBefore(clusters: readonly ClusterPlan[], hold: (opKey: string) => FleetHold | undefined): Map<string, FleetHold> {
  const out = new Map<string, FleetHold>()
  for (const cp of clusters) {
    for (const op of cp.operations) {
      const found = hold(op.key)
      if (found && !out.has(lower(cp.cluster.id))) out.set(lower(cp.cluster.id), found)
    }
  }
  return out
}

/** The runs the plan asks of Fleet, in the order they are created (one at a time). */
export function mapToFleet(clusters: readonly ClusterPlan[], fleetMembers: readonly FleetMember[], options: FleetMappingOptions): FleetMapping {
  const byCluster = membersByCluster(fleetMembers)
  const candidates = clusters.flatMap(cp => [imageCandidate(cp), kubernetesCandidate(cp)].filter((c): c is Candidate => c !== undefined))
  const holds = new Map<string, FleetHold>(options.held ?? [])
  for (const c of candidates) {
    // Fleet upgrades all of a member's pools: one that is stopped or failed fails the member.
    const pool = c.cp.entries.find(e => e.pool !== null && POOL_STATE_HOLDS.has(e.reason))
    const id = lower(c.cp.cluster.id)
    if (pool && !holds.has(id)) {
      holds.set(id, {
        reason: 'fleet-pool-held',
        detail: `pool ${pool.pool ?? ''} is held (${pool.message.replace(/\.$/, '')}); Fleet upgrades all pools of a member together, so ${c.cp.cluster.name} waits until it is fixed.`
      })
    }
  }
  const groups = assignGroups(candidates, byCluster, options, holds)

  // Group sizes after our changes: a group's concurrency may not exceed its member count.
  const finalGroup = new Map<string, string>()
  for (const m of fleetMembers) if (m.name && m.properties?.group) finalGroup.set(m.name, m.properties.group)
  const groupChanges: GroupChange[] = []
  for (const [id, group] of groups) {
    const member = byCluster.get(id)
    if (!member?.name || member.properties?.group === group) continue
    const change: GroupChange = { member: member.name, to: group }
    if (member.properties?.group) change.from = member.properties.group
    if (member.eTag) change.eTag = member.eTag
    groupChanges.push(change)
    finalGroup.set(member.name, group)
  }
  const groupSizes = new Map<string, number>()
  for (const g of finalGroup.values()) groupSizes.set(g, (groupSizes.get(g) ?? 0) + 1)

  const byRun = new Map<string, Candidate[]>()
  for (const c of candidates) {
    if (holds.has(lower(c.cp.cluster.id))) continue
    const key = `${c.kind}|${c.version ?? ''}`
    byRun.set(key, [...(byRun.get(key) ?? []), c])
  }
  const runs: RunSpec[] = []
  for (const list of byRun.values()) {
    const first = list[0]
    if (!first) continue
    const { kind, version } = first
    const images = runImages(list)
    const members: RunMember[] = list.map(c => {
      const id = lower(c.cp.cluster.id)
      return {
        clusterId: c.cp.cluster.id,
        cluster: c.cp.cluster.name,
        member: byCluster.get(id)?.name ?? '',
        group: groups.get(id) ?? '',
        ring: c.cp.ring,
        operations: c.operations.map(op => op.key)
      }
    })
    const held = new Map<number, boolean>()
    for (const c of list) held.set(c.cp.ring, (held.get(c.cp.ring) ?? false) || c.ringHeld)
    const { body, notes } = buildRun(kind, version, images, members, held, groupSizes, options)
    const inRun = new Set(members.map(m => m.member))
    const runGroups = new Set(members.map(m => m.group))
    const skip = [...finalGroup].filter(([member, g]) => runGroups.has(g) && !inRun.has(member)).map(([member]) => member)
    const spec: RunSpec = { name: runName(options.fleetId, kind, version, images, members), kind, images, members, body, skip: skip.sort(), notes }
    if (version !== undefined) spec.kubernetesVersion = version
    runs.push(spec)
  }
  runs.sort((a, b) => order(a) - order(b) || (a.kubernetesVersion ?? '').localeCompare(b.kubernetesVersion ?? '', 'en', { numeric: true }))
  return { runs, groupChanges, holds }
}

const order = (r: RunSpec): number => (r.kind === 'node-image' ? 0 : r.kind === 'patch' ? 1 : 2)
