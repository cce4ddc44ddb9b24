// The planner: a fleet snapshot in, one decision per control plane and node pool out,
// each with a stable reason code and a sentence for the operator. Pure: `now` is a
// parameter and nothing here reads the network, the clock or the environment.
//
// Reading guide: every entry first gets its *intent* (the version it would move to),
// then holds are applied from the most local to the most global, and only entries whose
// reason ends up `upgrade-due` produce operations.
import type {
  ClusterPlan,
  ClusterSnapshot,
  EntryAction,
  FleetPlan,
  FleetSnapshot,
  KubernetesMinorVersion,
  Operation,
  PlanEntry,
  PoolSnapshot,
  ReasonCode,
  UpgradeKind
} from '../model.js'
import {
  compareK8s,
  locationVersions,
  minorOf,
  minorsAhead,
  newest,
  offeredControlPlaneVersions,
  offeredNextMinorVersions,
  parseK8s,
  sameMinor,
  supportPlanBlock,
  supportWarning,
  type K8sVersion,
  type OfferedVersion
} from './kubernetes.js'
import { assignRings, byText, haltMessage, isFailed, isSucceeded, RingIndex, type Gate, type Halt } from './rings.js'
import { compareNodeImages, imageEligibleAt, imageVersionPart, parseNodeImage, type NodeImage } from './versions.js'

// The executor reports failures of this run with the same wording.
export { haltMessage }

export interface Approval {
  /** Compared case-insensitively. */
  clusterId: string
  /** `1.36` */
  minor: string
  approvedBy?: string
}

export interface PlannerOptions {
  /** Input `upgrade`, default ['node-image', 'patch']. */
  upgrade: UpgradeKind[]
  allowPreview: boolean
  aksAutoUpgrade: 'respect' | 'override'
  /** Bake time: node images younger than this many days are not adopted. */
  nodeImageMinAgeDays: number
  minorApproval: 'none' | 'issue'
  /** Ticked checkboxes read from the dashboard issue. */
  approvals: Approval[]
  ringTag: string
  ringUntagged: 'first' | 'last'
  ringSoakDays: number
}

const DAY_MS = 86_400_000

/** Reasons that mean "this entry would act (or waits on its ring)": a halted ring replaces them. */
const ACTIVE_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'upgrade-due',
  'awaiting-approval',
  'ring-waiting',
  'ring-soaking',
  'waiting-for-control-plane'
])

/** Control plane outcomes that leave pools at its version with nothing to wait for. */
const QUIET_CP_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['up-to-date', 'not-selected', 'preview-only', 'read-failed'])

interface Context {
  options: PlannerOptions
  selected: ReadonlySet<UpgradeKind>
  now: Date
  index: RingIndex
}

/** One dimension (Kubernetes version or node image) of an entry. */
interface Decision {
  reason: ReasonCode
  message: string
  target: string | null
  action: EntryAction
  /** Nothing to do and nothing worth saying beyond "up to date". */
  settled: boolean
  /** Kubernetes versions were not evaluated at all (neither `patch` nor `minor` selected). */
  unchecked?: boolean
}

interface Hold {
  reason: ReasonCode
  message: string
}

function fmtInstant(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function fmtDate(d: Date): string {
  return d.toISOString().slice(0, 10)
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`
}

function settled(message: string): Decision {
  return { reason: 'up-to-date', message, target: null, action: 'none', settled: true }
}

function held(reason: ReasonCode, message: string, target: string | null): Decision {
  return { reason, message, target, action: 'none', settled: false }
}

function due(action: EntryAction, message: string, target: string): Decision {
  return { reason: 'upgrade-due', message, target, action, settled: false }
}

function poolOrder(a: PoolSnapshot, b: PoolSnapshot): number {
  // System pools first: AKS needs them healthy while user pools drain onto new nodes.
  const sa = a.mode.toLowerCase() === 'system' ? 0 : 1
  const sb = b.mode.toLowerCase() === 'system' ? 0 : 1
  return sa - sb || byText(a.name, b.name)
}

function stateHold(
  what: 'cluster' | 'pool',
  state: string,
  power: string,
  inspect: string,
  code: string | undefined
): Hold | undefined {
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

function unsettledHold<T>(gate: Gate<T>, what: string): Hold | undefined {
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

function soakHold<T>(gate: Gate<T>, soakDays: number, now: Date, show: string): Hold | undefined {
  if (gate.kind !== 'upstream' || soakDays <= 0 || gate.since === undefined) return undefined
  const eligible = new Date(gate.since.getTime() + soakDays * DAY_MS)
  if (now.getTime() >= eligible.getTime()) return undefined
  return {
    reason: 'ring-soaking',
    message: `Held: ring ${gate.ring} runs ${show} since ${fmtInstant(gate.since)}, eligible on ${fmtInstant(eligible)} (ring-soak-days ${soakDays}).`
  }
}

interface PlannedVersion {
  to: K8sVersion
  upgradeClass: 'patch' | 'minor'
}

interface PreUpgrade {
  pool: PoolSnapshot
  /** One minor up from the pool's version: enough to stay within three minors of the control plane's target. */
  to: K8sVersion
}

interface ControlPlaneIntent {
  decision: Decision
  /** Set when the decision is upgrade-due. */
  op?: PlannedVersion
  /** Pools to upgrade by one minor first, so the control plane's minor upgrade keeps skew. */
  preUpgrade: PreUpgrade[]
}

const NOT_CHECKED = 'Kubernetes versions are not checked: add `patch` (or `minor`) to the `upgrade` input.'

function versionsChecked(ctx: Context): boolean {
  return ctx.selected.has('patch') || ctx.selected.has('minor')
}

interface NextMinor {
  /** The newest allowed (GA unless allow-preview) patch of the pool's next minor. */
  version?: K8sVersion
  /** The newest patch of that minor held back as preview. */
  preview?: K8sVersion
}

/** A pool's next step: the newest GA patch of the minor after its own, as offered to it. */
function nextMinorStep(pool: PoolSnapshot, current: K8sVersion, location: KubernetesMinorVersion[], ctx: Context): NextMinor {
  const offered = offeredNextMinorVersions(pool.upgrades, location, current)
  const version = newest(offered.filter(o => allowed(o, ctx)))?.version
  const preview = newest(offered.filter(o => !allowed(o, ctx)))?.version
  const out: NextMinor = {}
  if (version) out.version = version
  if (preview) out.preview = preview
  return out
}

function nextMinorName(current: K8sVersion): string {
  return `${current.major}.${current.minor + 1}`
}

interface ClusterFacts {
  cluster: ClusterSnapshot
  ring: number
  location: KubernetesMinorVersion[]
  cpCurrent: K8sVersion | undefined
  /** AKS's auto-upgrade channel owns the version and the user did not override it. */
  channelHold: Hold | undefined
  poolHolds: Map<string, Hold | undefined>
}

function allowed(o: OfferedVersion, ctx: Context): boolean {
  return ctx.options.allowPreview || !o.isPreview
}

function findApproval(ctx: Context, clusterId: string, minor: string): Approval | undefined {
  const id = clusterId.toLowerCase()
  return ctx.options.approvals.find(
    a => a.clusterId.trim().toLowerCase() === id && a.minor.trim().replace(/^v/i, '') === minor
  )
}

function decideControlPlane(f: ClusterFacts, ctx: Context): ControlPlaneIntent {
  const { cluster, cpCurrent, location } = f
  const none: PreUpgrade[] = []
  if (!cpCurrent) {
    return {
      decision: held('read-failed', 'The control plane reported no Kubernetes version, so no version upgrade is planned.', null),
      preUpgrade: none
    }
  }
  // Without `patch` or `minor` the snapshot reads neither the upgrade profile nor the
  // location's versions: nothing was compared, so nothing may be called up to date.
  if (!versionsChecked(ctx)) return { decision: { ...held('not-selected', NOT_CHECKED, null), unchecked: true }, preUpgrade: none }
  const cur = cpCurrent.raw
  const offered = offeredControlPlaneVersions(cluster, location, cpCurrent)
  const samePatch = offered.filter(o => sameMinor(o.version, cpCurrent))
  const nextMinor = offered.filter(o => !sameMinor(o.version, cpCurrent))
  const patch = newest(samePatch.filter(o => allowed(o, ctx)))
  const minor = newest(nextMinor.filter(o => allowed(o, ctx)))
  const preview = newest(offered.filter(o => !allowed(o, ctx)))

  let want: PlannedVersion
  if (patch && ctx.selected.has('patch')) {
    // Patch first, minor in a later run: one small step at a time, and the minor's
    // checks (approval, skew) then start from the newest patch.
    want = { to: patch.version, upgradeClass: 'patch' }
  } else if (minor && ctx.selected.has('minor')) {
    // Without `patch` selected, go straight to the next minor's newest patch (AKS allows it).
    want = { to: minor.version, upgradeClass: 'minor' }
  } else if (patch) {
    return {
      decision: held(
        'not-selected',
        `Kubernetes ${cur} → ${patch.version.raw} (patch) is available; add \`patch\` to the \`upgrade\` input to take it.`,
        patch.version.raw
      ),
      preUpgrade: none
    }
  } else if (minor) {
    return {
      decision: held(
        'not-selected',
        `Kubernetes ${cur} → ${minor.version.raw} (next minor) is available; add \`minor\` to the \`upgrade\` input to take it.`,
        minor.version.raw
      ),
      preUpgrade: none
    }
  } else if (preview) {
    return {
      decision: held(
        'preview-only',
        `Only preview versions are newer than Kubernetes ${cur} (newest: ${preview.version.raw}); set allow-preview: true to take them.`,
        preview.version.raw
      ),
      preUpgrade: none
    }
  } else {
    return { decision: settled(`Kubernetes ${cur} is the newest version available to this control plane.`), preUpgrade: none }
  }

  const wantedRaw = want.to.raw
  if (f.channelHold) return { decision: held(f.channelHold.reason, f.channelHold.message, wantedRaw), preUpgrade: none }

  if (want.upgradeClass === 'minor') {
    const block = supportPlanBlock(cluster.supportPlan, location, want.to, cluster.location)
    if (block) {
      const rule =
        cluster.supportPlan === 'AKSLongTermSupport'
          ? 'a long-term support cluster may only move between LTS versions'
          : 'switch the cluster to long-term support to take it'
      return { decision: held('lts-rules', `Held: ${block}, and ${rule}.`, wantedRaw), preUpgrade: none }
    }
  }

  // Rings: never newer than what the previous ring has fully reached.
  const gate = ctx.index.versionGate(f.ring)
  const unsettled = unsettledHold(gate, `Kubernetes ${wantedRaw}`)
  if (unsettled) return { decision: held(unsettled.reason, unsettled.message, wantedRaw), preUpgrade: none }
  let note = ''
  if (gate.kind === 'upstream') {
    const cap = gate.version
    if (compareK8s(cap, want.to) < 0) {
      const capped = newest(
        offered.filter(o => allowed(o, ctx) && sameMinor(o.version, want.to) && compareK8s(o.version, cap) <= 0)
      )
      if (!capped) {
        return {
          decision: held(
            'ring-waiting',
            `Held: ring ${gate.ring} has not reached Kubernetes ${wantedRaw} yet (the oldest version there is ${cap.raw}).`,
            wantedRaw
          ),
          preUpgrade: none
        }
      }
      note = `, the version ring ${gate.ring} runs (${wantedRaw} waits for ring ${gate.ring})`
      want = { to: capped.version, upgradeClass: want.upgradeClass }
    }
    if (compareK8s(gate.version, want.to) === 0) {
      const soak = soakHold(gate, ctx.options.ringSoakDays, ctx.now, `Kubernetes ${want.to.raw}`)
      if (soak) return { decision: held(soak.reason, soak.message, want.to.raw), preUpgrade: none }
    }
  }
  const target = want.to.raw

  // Skew: the control plane may be at most three minors ahead of any pool, never behind.
  // Pools move one minor at a time, so a pool exactly three behind is pre-upgraded by one
  // minor; one further behind cannot be brought into skew in this run.
  const preUpgrade: PreUpgrade[] = []
  if (want.upgradeClass === 'minor') {
    for (const pool of [...cluster.pools].sort(poolOrder)) {
      const pv = parseK8s(pool.currentOrchestratorVersion ?? pool.orchestratorVersion)
      if (!pv) continue
      const ahead = minorsAhead(want.to, pv)
      if (ahead !== undefined && ahead <= 3) continue
      const hold = f.poolHolds.get(pool.name)
      let why: string
      if (ahead === undefined) why = ' (different major version)'
      else if (hold) why = `, and the pool cannot be upgraded first (${hold.reason})`
      else if (ahead > 4) why = `, even after one minor up; the pool moves up one minor per run first`
      else {
        const step = nextMinorStep(pool, pv, location, ctx)
        if (step.version && compareK8s(step.version, cpCurrent) <= 0) {
          preUpgrade.push({ pool, to: step.version })
          continue
        }
        why = `, and no generally available ${nextMinorName(pv)} patch is offered to upgrade the pool first`
      }
      return {
        decision: held(
          'skew-violation',
          `Held: upgrading the control plane to ${target} would leave pool ${pool.name} (${pv.raw}) more than three minors behind${why}.`,
          target
        ),
        preUpgrade: none
      }
    }
  }

  let approvedBy = ''
  if (want.upgradeClass === 'minor' && ctx.options.minorApproval === 'issue') {
    const approval = findApproval(ctx, cluster.id, minorOf(want.to))
    if (!approval) return { decision: awaitingApproval(cur, target), preUpgrade: none }
    approvedBy = approvalNote(approval)
  }

  const first = preUpgrade.length > 0 ? ` after ${preUpgrade.map(p => `${p.pool.name} moves to ${p.to.raw}`).join(', ')}` : ''
  return {
    decision: due(want.upgradeClass, `Kubernetes ${cur} → ${target} (${want.upgradeClass}${approvedBy})${note}${first}.`, target),
    op: want,
    preUpgrade
  }
}

function approvalNote(approval: Approval): string {
  // GitHub's REST API does not say who ticked a box; say where the approval came from.
  return approval.approvedBy ? `, approved by ${approval.approvedBy}` : ', approved in the issue'
}

function awaitingApproval(cur: string, target: string): Decision {
  return {
    reason: 'awaiting-approval',
    message: `Kubernetes ${cur} → ${target} (minor) awaits approval: tick its checkbox in the dashboard issue.`,
    target,
    action: 'minor',
    settled: false
  }
}

function decidePoolVersion(
  pool: PoolSnapshot,
  f: ClusterFacts,
  cp: { intent: ControlPlaneIntent; planned: PlannedVersion | undefined },
  pre: K8sVersion | undefined,
  ctx: Context,
  warnings: string[]
): Decision {
  const poolCur = parseK8s(pool.currentOrchestratorVersion ?? pool.orchestratorVersion)
  const cpCurrent = f.cpCurrent
  if (!poolCur || !cpCurrent) return settled('No Kubernetes version to compare for this pool.')
  const cur = poolCur.raw
  const behind = minorsAhead(cpCurrent, poolCur)
  if (behind === undefined || behind < 0 || compareK8s(poolCur, cpCurrent) > 0) {
    const relation = behind === undefined ? 'a different major version than' : 'newer than'
    return held(
      'skew-violation',
      `Held: the pool runs Kubernetes ${cur}, ${relation} the control plane (${cpCurrent.raw}); AKS does not support this, so fix the pool's version by hand.`,
      null
    )
  }
  if (behind > 3) warnings.push(`The pool is ${behind} minors behind the control plane (${cpCurrent.raw}); AKS supports at most three.`)

  // The control plane's version once this run is done: no pool ever passes it.
  const cpAfter = cp.planned?.to ?? cpCurrent
  if (!pre && compareK8s(poolCur, cpAfter) >= 0) {
    if (!versionsChecked(ctx)) return { ...held('not-selected', NOT_CHECKED, null), unchecked: true }
    const cpd = cp.intent.decision
    if (!cp.planned && cpd.target !== null && !QUIET_CP_REASONS.has(cpd.reason)) {
      return held(
        'waiting-for-control-plane',
        `Kubernetes ${cur} waits for the control plane's upgrade to ${cpd.target} (${cpd.reason}).`,
        cpd.target
      )
    }
    return settled(`Kubernetes ${cur} matches the control plane.`)
  }

  // One minor per operation, never two: a pool further behind takes the newest GA patch of
  // its next minor now and reaches the control plane over several runs.
  const lag = minorsAhead(cpAfter, poolCur) ?? 0
  let step: NextMinor | undefined
  let target: K8sVersion | undefined
  if (pre) target = pre
  else if (lag <= 1) target = cpAfter
  else {
    step = nextMinorStep(pool, poolCur, f.location, ctx)
    target = step.version
  }

  // The control plane's own target already passed the ring gate (and pools that follow it
  // or are pre-upgraded stay below it); a pool catching up on its own still must not pass it.
  let gate: Gate<K8sVersion> = { kind: 'open', fallback: false }
  if (!cp.planned && !pre) {
    gate = ctx.index.versionGate(f.ring)
    if (target && gate.kind === 'upstream' && compareK8s(gate.version, target) < 0) {
      if (compareK8s(gate.version, poolCur) <= 0) {
        return held(
          'ring-waiting',
          `Held: ring ${gate.ring} has not reached Kubernetes ${target.raw} yet (the oldest version there is ${gate.version.raw}).`,
          target.raw
        )
      }
      target = gate.version
    }
  }
  const upgradeClass: 'patch' | 'minor' = target && sameMinor(poolCur, target) ? 'patch' : 'minor'
  const to = target?.raw ?? null
  const toward = lag > 1 ? `one minor toward the control plane's ${cpAfter.raw}` : 'to match the control plane'

  if (f.channelHold) return held(f.channelHold.reason, f.channelHold.message, to)
  if (!ctx.selected.has(upgradeClass)) {
    return held(
      'not-selected',
      `Kubernetes ${cur} → ${to ?? nextMinorName(poolCur)} (${upgradeClass}, ${toward}) needs \`${upgradeClass}\` in the \`upgrade\` input.`,
      to
    )
  }
  if (!target) {
    const next = nextMinorName(poolCur)
    if (step?.preview) {
      return held(
        'preview-only',
        `Held: only preview versions of Kubernetes ${next} are offered to the pool (newest: ${step.preview.raw}), and it moves one minor at a time toward ${cpAfter.raw}; set allow-preview: true to take them.`,
        step.preview.raw
      )
    }
    if (f.location.length === 0) {
      return held(
        'read-failed',
        `Held: the Kubernetes versions of ${f.cluster.location} were not read, so the pool's next minor (${next}) cannot be chosen; it moves one minor at a time toward ${cpAfter.raw}.`,
        null
      )
    }
    return held(
      'skew-violation',
      `Held: no generally available Kubernetes ${next} patch is offered to the pool, and it moves one minor at a time (never ${cur} → ${cpAfter.raw} in one step); check \`az aks nodepool get-upgrades -g ${f.cluster.resourceGroup} --cluster-name ${f.cluster.name} -n ${pool.name}\`.`,
      null
    )
  }
  const targetRaw = target.raw
  const unsettled = unsettledHold(gate, `Kubernetes ${targetRaw}`)
  if (unsettled) return held(unsettled.reason, unsettled.message, targetRaw)
  if (gate.kind === 'upstream' && compareK8s(gate.version, target) === 0) {
    const soak = soakHold(gate, ctx.options.ringSoakDays, ctx.now, `Kubernetes ${targetRaw}`)
    if (soak) return held(soak.reason, soak.message, targetRaw)
  }

  // Approvals are per cluster and minor. A pre-upgrade is part of the approved control plane
  // upgrade, and a pool following an approved control plane minor shares its approval.
  let approvedBy = ''
  const followsCp = cp.planned?.upgradeClass === 'minor' && sameMinor(target, cp.planned.to)
  if (upgradeClass === 'minor' && ctx.options.minorApproval === 'issue' && !pre && !followsCp) {
    const approval = findApproval(ctx, f.cluster.id, minorOf(target))
    if (!approval) return awaitingApproval(cur, targetRaw)
    approvedBy = approvalNote(approval)
  }

  const when = pre
    ? ` before the control plane, to stay within three minors of its target ${cp.planned?.to.raw ?? ''}`.trimEnd()
    : cp.planned
      ? ' after the control plane'
      : ''
  const step1 = lag > 1 && !pre ? `, ${toward}` : ''
  const image = pool.latestNodeImageVersion ? `, which also brings node image ${pool.latestNodeImageVersion}` : ''
  return due(upgradeClass, `Kubernetes ${cur} → ${targetRaw} (${upgradeClass}${approvedBy})${when}${step1}${image}.`, targetRaw)
}

function shortTarget(from: NodeImage, to: NodeImage): string {
  return from.family === to.family ? imageVersionPart(to) : to.raw
}

function decidePoolImage(pool: PoolSnapshot, f: ClusterFacts, ctx: Context, warnings: string[], clusterWarnings: string[]): Decision {
  const cur = pool.nodeImageVersion
  const latest = pool.latestNodeImageVersion
  if (!latest) {
    return held('no-image-info', 'The pool\'s upgrade profile reports no latest node image, so no node image upgrade is planned.', null)
  }
  if (!cur) return held('no-image-info', 'The pool reports no node image version, so no node image upgrade is planned.', latest)
  if (cur === latest) return settled(`Node image ${cur} is the newest available.`)
  const curImg = parseNodeImage(cur)
  const latestImg = parseNodeImage(latest)
  if (curImg && latestImg) {
    if (curImg.family !== latestImg.family) {
      return held(
        'no-image-info',
        `The newest node image ${latest} is of another family than ${cur}; images of different families are never compared, so none is planned.`,
        latest
      )
    }
    if (compareNodeImages(latestImg, curImg) <= 0) return settled(`Node image ${cur} is the newest available.`)
  }
  // Strings the parser cannot read still follow the basic rule (an image that differs from
  // the latest one is upgraded), unless a rule below must date or compare them.
  const short = curImg && latestImg ? shortTarget(curImg, latestImg) : latest

  if (!ctx.selected.has('node-image')) {
    return held(
      'not-selected',
      `Node image ${cur} → ${short} is available; add \`node-image\` to the \`upgrade\` input to take it.`,
      latest
    )
  }

  if (latestImg) {
    // The upgrade installs `latest`, so the gate is that image's family.
    const family = latestImg.family
    const gate = ctx.index.imageGate(f.ring, family)
    if (gate.kind === 'open' && gate.fallback) {
      const w = `No ${family} pool in a ring before ring ${f.ring}: these node images are promoted as in ring 0.`
      warnings.push(w)
      if (!clusterWarnings.includes(w)) clusterWarnings.push(w)
    }
    const unsettled = unsettledHold(gate, `node image ${short}`)
    if (unsettled) return held(unsettled.reason, unsettled.message, latest)
    if (gate.kind === 'upstream') {
      const up = gate.version
      if (curImg && compareNodeImages(up, curImg) <= 0) {
        return held(
          'ring-waiting',
          `Held: ring ${gate.ring} runs no newer ${family} image than this pool (the oldest there is ${imageVersionPart(up)}); ${short} waits until ring ${gate.ring} runs it.`,
          latest
        )
      }
      if (compareNodeImages(up, latestImg) < 0) {
        // The node image upgrade always installs latestNodeImageVersion (AKS-API-NOTES §5.3),
        // so starting it now would give this ring a newer image than the previous ring ran.
        return held(
          'ring-waiting',
          `Held: ring ${gate.ring} runs ${imageVersionPart(up)}, but a node image upgrade installs the newest image ${short}, which ring ${gate.ring} does not run yet.`,
          latest
        )
      }
      if (compareNodeImages(up, latestImg) === 0) {
        const soak = soakHold(gate, ctx.options.ringSoakDays, ctx.now, `node image ${short}`)
        if (soak) return held(soak.reason, soak.message, latest)
      }
    }
  } else {
    const prev = f.ring > 0 ? ctx.index.previousRing(f.ring) : undefined
    if (prev !== undefined) {
      return held(
        'no-image-info',
        `Held: node image ${latest} cannot be read as a version, so it cannot be checked against the images ring ${prev} runs; no node image upgrade is planned.`,
        latest
      )
    }
  }

  const minAge = ctx.options.nodeImageMinAgeDays
  if (minAge > 0) {
    if (!latestImg) {
      return held(
        'no-image-info',
        `Held: node image ${latest} cannot be read as a version, so its build date for node-image-min-age-days (${minAge}) is unknown; no node image upgrade is planned.`,
        latest
      )
    }
    const eligible = imageEligibleAt(latestImg, minAge)
    if (ctx.now.getTime() < eligible.getTime()) {
      return held(
        'node-image-too-new',
        `Held: node image ${latest} was built on ${latestImg.date}, less than ${days(minAge)} ago; it becomes eligible on ${fmtDate(eligible)}.`,
        latest
      )
    }
  }
  const unread = [curImg ? undefined : cur, latestImg ? undefined : latest].filter((x): x is string => x !== undefined)
  if (unread.length > 0) {
    warnings.push(
      `Node image ${unread.join(' and ')} could not be read as a version; the upgrade is planned because the pool's image differs from the latest its upgrade profile offers.`
    )
  }
  return due('node-image', `Node image ${cur} → ${short}.`, latest)
}

function mergePool(version: Decision, image: Decision, warnings: string[]): Decision {
  if (version.reason === 'upgrade-due') {
    // A version upgrade reimages the nodes with the newest image regardless of the node image checks.
    const quiet: ReasonCode[] = ['upgrade-due', 'not-selected', 'no-image-info']
    if (!image.settled && !quiet.includes(image.reason)) {
      warnings.push(`The version upgrade also installs the newest node image, which the node image checks alone would hold (${image.reason}).`)
    }
    return version
  }
  if (version.unchecked) {
    // The control plane's entry says versions were not checked; the pool's image decides,
    // but an image that is current does not make the pool up to date.
    if (!image.settled) return image
    return {
      reason: 'not-selected',
      message: `${image.message.replace(/\.$/, '')}; ${NOT_CHECKED}`,
      target: null,
      action: 'none',
      settled: false
    }
  }
  if (version.reason === 'awaiting-approval') {
    // The approval checkbox is rendered from this entry, so a due node image must not take
    // its place; once approved, the version upgrade brings the newest image anyway.
    if (image.reason === 'upgrade-due') {
      warnings.push(`Node image ${image.target ?? ''} waits for this approval: the approved version upgrade installs the newest node image.`)
    } else if (!image.settled) warnings.push(image.message)
    return version
  }
  if (image.reason === 'upgrade-due') {
    if (!version.settled) warnings.push(version.message)
    return image
  }
  if (version.settled && image.settled) {
    return settled(`${version.message.replace(/\.$/, '')}, and ${image.message.charAt(0).toLowerCase()}${image.message.slice(1)}`)
  }
  if (!version.settled) {
    if (!image.settled) warnings.push(image.message)
    return version
  }
  return image
}

function planCluster(cluster: ClusterSnapshot, snapshot: FleetSnapshot, ctx: Context, ringWarning: string | undefined): ClusterPlan {
  const ring = ctx.index.ringOf.get(cluster.id) ?? 0
  const warnings: string[] = []
  const cpWarnings: string[] = []
  if (ringWarning) warnings.push(ringWarning)
  const location = locationVersions(snapshot.kubernetesVersions, cluster.location)
  const cpCurrent = parseK8s(cluster.currentKubernetesVersion ?? cluster.kubernetesVersion)
  const rg = cluster.resourceGroup
  const name = cluster.name
  const base = {
    clusterId: cluster.id,
    cluster: name,
    resourceGroup: rg,
    subscriptionId: cluster.subscriptionId,
    ring
  }

  if (cluster.readError) {
    // A placeholder: its ring is known, its state is not. The ring gate counts it as having
    // reached nothing, so later rings wait for it (RingIndex).
    const e = cluster.readError
    const entry: PlanEntry = {
      ...base,
      pool: null,
      os: null,
      mode: null,
      kubernetesVersion: { current: cpCurrent?.raw ?? null, target: null },
      nodeImageVersion: null,
      action: 'none',
      reason: 'read-failed',
      message: `The cluster could not be read (${e.code}: ${e.message.trim()}), so nothing is planned for it.`,
      warnings: []
    }
    return { cluster, ring, operations: [], entries: [entry], warnings }
  }

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

  if (cpCurrent) {
    const support = supportWarning(cpCurrent, cluster.supportPlan, location, cluster.location)
    if (support) {
      warnings.push(support)
      cpWarnings.push(support)
    }
  }
  const vGate = ctx.index.versionGate(ring)
  if (vGate.kind === 'open' && vGate.fallback) {
    warnings.push(`No cluster in a ring before ring ${ring}: Kubernetes versions are promoted as in ring 0.`)
  }

  const clusterHold = stateHold('cluster', cluster.provisioningState, cluster.powerState, `az aks show -g ${rg} -n ${name}`, undefined)
  const halt: Halt | undefined = ctx.index.halt && ctx.index.halt.ring < ring ? ctx.index.halt : undefined
  const haltHold: Hold | undefined = halt
    ? { reason: 'ring-halted', message: haltMessage(halt.ring, halt.cluster, halt.pool, halt.code) }
    : undefined

  const pools = [...cluster.pools].sort(poolOrder)
  const poolHolds = new Map<string, Hold | undefined>()
  for (const p of pools) {
    poolHolds.set(
      p.name,
      stateHold('pool', p.provisioningState, p.powerState, `az aks nodepool show -g ${rg} --cluster-name ${name} -n ${p.name}`, p.provisioningError?.code)
    )
  }
  const facts: ClusterFacts = { cluster, ring, location, cpCurrent, channelHold, poolHolds }

  // Control plane: intent, then cluster state, then ring halt.
  const intent = decideControlPlane(facts, ctx)
  let cpDecision = intent.decision
  if (clusterHold) cpDecision = applyHold(cpDecision, clusterHold)
  else if (haltHold && ACTIVE_REASONS.has(cpDecision.reason)) cpDecision = applyHold(cpDecision, haltHold)
  const cpPlanned = cpDecision.reason === 'upgrade-due' ? intent.op : undefined
  const finalIntent: ControlPlaneIntent = { ...intent, decision: cpDecision }
  const preTargets = new Map<string, K8sVersion>(cpPlanned ? intent.preUpgrade.map(p => [p.pool.name, p.to]) : [])
  const entries: PlanEntry[] = [
    {
      ...base,
      pool: null,
      os: null,
      mode: null,
      kubernetesVersion: { current: cpCurrent?.raw ?? null, target: cpDecision.target },
      nodeImageVersion: null,
      action: cpDecision.action,
      reason: cpDecision.reason,
      message: cpDecision.message,
      warnings: cpWarnings
    }
  ]

  const preOps: Operation[] = []
  const poolOps: Operation[] = []
  for (const pool of pools) {
    const poolWarnings: string[] = []
    const pre = preTargets.get(pool.name)
    const version = decidePoolVersion(pool, facts, { intent: finalIntent, planned: cpPlanned }, pre, ctx, poolWarnings)
    const image = decidePoolImage(pool, facts, ctx, poolWarnings, warnings)
    let d = mergePool(version, image, poolWarnings)
    const poolHold = poolHolds.get(pool.name)
    if (clusterHold) d = applyHold(d, clusterHold)
    else if (poolHold) d = applyHold(d, poolHold)
    else if (haltHold && ACTIVE_REASONS.has(d.reason)) d = applyHold(d, haltHold)

    const versionDue = d.reason === 'upgrade-due' && (d.action === 'patch' || d.action === 'minor')
    const imageTarget = versionDue ? (pool.latestNodeImageVersion ?? null) : image.target
    const poolCurrent = pool.currentOrchestratorVersion ?? pool.orchestratorVersion ?? null
    entries.push({
      ...base,
      pool: pool.name,
      os: pool.osType,
      mode: pool.mode,
      kubernetesVersion: { current: poolCurrent, target: version.target },
      nodeImageVersion: { current: pool.nodeImageVersion ?? null, target: imageTarget },
      action: d.action,
      reason: d.reason,
      message: d.message,
      warnings: poolWarnings
    })
    if (d.reason !== 'upgrade-due' || d.target === null) continue
    const poolKey = `${cluster.id}/agentPools/${pool.name}`
    if (versionDue) {
      const op: Operation = {
        key: `${poolKey}#pool-version`,
        kind: 'pool-version',
        upgradeClass: d.action === 'minor' ? 'minor' : 'patch',
        clusterId: cluster.id,
        pool: pool.name,
        from: poolCurrent ?? '',
        to: d.target
      }
      if (pre !== undefined) preOps.push(op)
      else poolOps.push(op)
    } else if (d.action === 'node-image') {
      poolOps.push({
        key: `${poolKey}#node-image`,
        kind: 'node-image',
        upgradeClass: 'node-image',
        clusterId: cluster.id,
        pool: pool.name,
        from: pool.nodeImageVersion ?? '',
        to: d.target
      })
    }
  }

  const operations: Operation[] = [...preOps]
  if (cpPlanned && cpCurrent) {
    operations.push({
      key: `${cluster.id}#control-plane`,
      kind: 'control-plane',
      upgradeClass: cpPlanned.upgradeClass,
      clusterId: cluster.id,
      from: cpCurrent.raw,
      to: cpPlanned.to.raw
    })
  }
  operations.push(...poolOps)

  return { cluster, ring, operations, entries, warnings }
}

export function planFleet(snapshot: FleetSnapshot, options: PlannerOptions, now: Date): FleetPlan {
  const assignments = assignRings(snapshot.clusters, options.ringTag, options.ringUntagged)
  const index = new RingIndex(snapshot.clusters, assignments)
  const ctx: Context = { options, selected: new Set(options.upgrade), now, index }
  const clusters = snapshot.clusters
    .map(c => planCluster(c, snapshot, ctx, assignments.get(c.id)?.warning))
    .sort((a, b) => a.ring - b.ring || byText(a.cluster.name, b.cluster.name) || byText(a.cluster.id, b.cluster.id))
  const rings: Record<string, string[]> = {}
  for (const c of clusters) (rings[String(c.ring)] ??= []).push(c.cluster.id)
  return { clusters, rings }
}
