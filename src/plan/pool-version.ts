// A pool's Kubernetes version: it follows its control plane (to the control plane's version
// after this run), one minor per operation, never past the control plane nor the previous
// ring, and a minor of its own needs its approval.
import type { KubernetesMinorVersion, PoolSnapshot, ReasonCode } from '../model.js'
import { compareK8s, minorOf, minorsAhead, newest, offeredNextMinorVersions, parseK8s, sameMinor, type K8sVersion } from './kubernetes.js'
import type { Gate } from './rings.js'
import {
  allowed,
  approvalNote,
  awaitingApproval,
  due,
  findApproval,
  held,
  NOT_CHECKED,
  settled,
  versionsChecked,
  type ClusterFacts,
  type Context,
  type ControlPlaneIntent,
  type Decision,
  type PlannedVersion
} from './decision.js'
import { soakHold, unsettledHold } from './holds.js'

/** Control plane outcomes that leave pools at its version with nothing to wait for. */
const QUIET_CP_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['up-to-date', 'not-selected', 'preview-only', 'read-failed'])

export interface NextMinor {
  /** The newest allowed (GA unless allow-preview) patch of the pool's next minor. */
  version?: K8sVersion
  /** The newest patch of that minor held back as preview. */
  preview?: K8sVersion
}

/** A pool's next step: the newest GA patch of the minor after its own, as offered to it. */
export function nextMinorStep(pool: PoolSnapshot, current: K8sVersion, location: KubernetesMinorVersion[], ctx: Context): NextMinor {
  const offered = offeredNextMinorVersions(pool.upgrades, location, current)
  const version = newest(offered.filter(o => allowed(o, ctx)))?.version
  const preview = newest(offered.filter(o => !allowed(o, ctx)))?.version
  const out: NextMinor = {}
  if (version) out.version = version
  if (preview) out.preview = preview
  return out
}

export function nextMinorName(current: K8sVersion): string {
  return `${current.major}.${current.minor + 1}`
}

/** The control plane's decision after its holds, and the version it moves to in this run (if any). */
export interface ControlPlaneOutcome {
  intent: ControlPlaneIntent
  planned: PlannedVersion | undefined
}

export function decidePoolVersion(
  pool: PoolSnapshot,
  f: ClusterFacts,
  cp: ControlPlaneOutcome,
  pre: K8sVersion | undefined,
  ctx: Context,
  warnings: string[]
): Decision {
  const poolCur = parseK8s(pool.currentOrchestratorVersion ?? pool.orchestratorVersion)
  const cpCurrent = f.cpCurrent
  if (!poolCur || !cpCurrent) return settled('No Kubernetes version to compare for this pool.')
  const cur = poolCur.raw
  const skew = unsupportedSkew(poolCur, cpCurrent, warnings)
  if (skew) return skew

  // The control plane's version once this run is done: no pool ever passes it.
  const cpAfter = cp.planned?.to ?? cpCurrent
  if (!pre && compareK8s(poolCur, cpAfter) >= 0) return atControlPlane(poolCur, cp, ctx)

  const chosen = poolTarget(pool, poolCur, cpAfter, f, cp, pre, ctx)
  if ('held' in chosen) return chosen.held
  const { target, step, gate, lag } = chosen
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
  if (!target) return noNextMinor(pool, poolCur, cpAfter, step, f)
  const targetRaw = target.raw
  const gateHold = poolGateHold(gate, target, ctx)
  if (gateHold) return gateHold

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

/** A pool newer than its control plane, or on another major: AKS does not support it, so only a person can fix it. */
function unsupportedSkew(poolCur: K8sVersion, cpCurrent: K8sVersion, warnings: string[]): Decision | undefined {
  const behind = minorsAhead(cpCurrent, poolCur)
  if (behind === undefined || behind < 0 || compareK8s(poolCur, cpCurrent) > 0) {
    const relation = behind === undefined ? 'a different major version than' : 'newer than'
    return held(
      'skew-violation',
      `Held: the pool runs Kubernetes ${poolCur.raw}, ${relation} the control plane (${cpCurrent.raw}); AKS does not support this, so fix the pool's version by hand.`,
      null
    )
  }
  if (behind > 3) warnings.push(`The pool is ${behind} minors behind the control plane (${cpCurrent.raw}); AKS supports at most three.`)
  return undefined
}

/** A pool already at the control plane's version after this run: settled, or waiting for a control plane that is held. */
function atControlPlane(poolCur: K8sVersion, cp: ControlPlaneOutcome, ctx: Context): Decision {
  const cur = poolCur.raw
  if (!versionsChecked(ctx)) return { ...held('not-selected', NOT_CHECKED, null), unchecked: true }
  const cpd = cp.intent.decision
  if (!cp.planned && cpd.target !== null && !QUIET_CP_REASONS.has(cpd.reason)) {
    return held('waiting-for-control-plane', `Kubernetes ${cur} waits for the control plane's upgrade to ${cpd.target} (${cpd.reason}).`, cpd.target)
  }
  return settled(`Kubernetes ${cur} matches the control plane.`)
}

interface PoolTarget {
  /** Undefined when no allowed patch of the pool's next minor is offered. */
  target: K8sVersion | undefined
  /** Set when the pool steps one minor toward a control plane further ahead. */
  step: NextMinor | undefined
  gate: Gate<K8sVersion>
  /** Minors from the pool to the control plane's version after this run. */
  lag: number
}

/** The version the pool moves to in this run, capped by the previous ring when it catches up on its own. */
function poolTarget(
  pool: PoolSnapshot,
  poolCur: K8sVersion,
  cpAfter: K8sVersion,
  f: ClusterFacts,
  cp: ControlPlaneOutcome,
  pre: K8sVersion | undefined,
  ctx: Context
): PoolTarget | { held: Decision } {
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
        return {
          held: held(
            'ring-waiting',
            `Held: ring ${gate.ring} has not reached Kubernetes ${target.raw} yet (the oldest version there is ${gate.version.raw}).`,
            target.raw
          )
        }
      }
      target = gate.version
    }
  }
  return { target, step, gate, lag }
}

/** Why a pool more than one minor behind has no next minor to take. */
function noNextMinor(pool: PoolSnapshot, poolCur: K8sVersion, cpAfter: K8sVersion, step: NextMinor | undefined, f: ClusterFacts): Decision {
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
    `Held: no generally available Kubernetes ${next} patch is offered to the pool, and it moves one minor at a time (never ${poolCur.raw} → ${cpAfter.raw} in one step); check \`az aks nodepool get-upgrades -g ${f.cluster.resourceGroup} --cluster-name ${f.cluster.name} -n ${pool.name}\`.`,
    null
  )
}

/** The previous ring's gate on the pool's own target: not settled, or reached too recently (ring-soak-days). */
function poolGateHold(gate: Gate<K8sVersion>, target: K8sVersion, ctx: Context): Decision | undefined {
  const targetRaw = target.raw
  const unsettled = unsettledHold(gate, `Kubernetes ${targetRaw}`)
  if (unsettled) return held(unsettled.reason, unsettled.message, targetRaw)
  if (gate.kind === 'upstream' && compareK8s(gate.version, target) === 0) {
    const soak = soakHold(gate, ctx.options.ringSoakDays, ctx.now, `Kubernetes ${targetRaw}`)
    if (soak) return held(soak.reason, soak.message, targetRaw)
  }
  return undefined
}
