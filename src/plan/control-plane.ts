// The control plane's Kubernetes version: which offered version it would move to, then what
// holds it (AKS's channel, long-term support, the previous ring, skew with its pools, a
// minor's approval), and which pools must move one minor first to keep skew.
import type { ClusterSnapshot, KubernetesMinorVersion } from '../model.js'
import {
  compareK8s,
  minorOf,
  minorsAhead,
  newest,
  offeredControlPlaneVersions,
  parseK8s,
  sameMinor,
  supportPlanBlock,
  type K8sVersion,
  type OfferedVersion
} from './kubernetes.js'
import {
  allowed,
  approvalNote,
  awaitingApproval,
  due,
  findApproval,
  held,
  NOT_CHECKED,
  poolOrder,
  settled,
  versionsChecked,
  type ClusterFacts,
  type Context,
  type ControlPlaneIntent,
  type Decision,
  type PlannedVersion,
  type PreUpgrade
} from './decision.js'
import { soakHold, unsettledHold } from './holds.js'
import { nextMinorName, nextMinorStep } from './pool-version.js'

/** The newest versions offered to the control plane, by kind. */
interface Candidates {
  /** Newest allowed patch of the current minor. */
  patch: OfferedVersion | undefined
  /** Newest allowed patch of the next minor. */
  minor: OfferedVersion | undefined
  /** Newest version held back as preview. */
  preview: OfferedVersion | undefined
}

export function decideControlPlane(f: ClusterFacts, ctx: Context): ControlPlaneIntent {
  const { cluster, cpCurrent, location } = f
  if (!cpCurrent) {
    return heldIntent(held('read-failed', 'The control plane reported no Kubernetes version, so no version upgrade is planned.', null))
  }
  // Without `patch` or `minor` the snapshot reads neither the upgrade profile nor the
  // location's versions: nothing was compared, so nothing may be called up to date.
  if (!versionsChecked(ctx)) return heldIntent({ ...held('not-selected', NOT_CHECKED, null), unchecked: true })
  const cur = cpCurrent.raw
  const offered = offeredControlPlaneVersions(cluster, location, cpCurrent)
  const candidates = controlPlaneCandidates(offered, cpCurrent, ctx)
  const wanted = wantedVersion(candidates, ctx)
  if (!wanted) return heldIntent(nothingWanted(candidates, cur))

  if (f.channelHold) return heldIntent(held(f.channelHold.reason, f.channelHold.message, wanted.to.raw))
  const lts = ltsHold(cluster, location, wanted)
  if (lts) return heldIntent(lts)
  const gated = ringCappedVersion(wanted, offered, f, ctx)
  if ('held' in gated) return heldIntent(gated.held)
  const { want, note } = gated
  const target = want.to.raw
  const skew = skewPreUpgrades(want, cpCurrent, f, ctx)
  if ('held' in skew) return heldIntent(skew.held)
  const preUpgrade = skew.preUpgrade

  let approvedBy = ''
  if (want.upgradeClass === 'minor' && ctx.options.minorApproval === 'issue') {
    const approval = findApproval(ctx, cluster.id, minorOf(want.to))
    if (!approval) return heldIntent(awaitingApproval(cur, target))
    approvedBy = approvalNote(approval)
  }

  const first = preUpgrade.length > 0 ? ` after ${preUpgrade.map(p => `${p.pool.name} moves to ${p.to.raw}`).join(', ')}` : ''
  return {
    decision: due(want.upgradeClass, `Kubernetes ${cur} → ${target} (${want.upgradeClass}${approvedBy})${note}${first}.`, target),
    op: want,
    preUpgrade
  }
}

/** A decision that plans nothing for the control plane, so no pool moves first either. */
function heldIntent(decision: Decision): ControlPlaneIntent {
  return { decision, preUpgrade: [] }
}

function controlPlaneCandidates(offered: OfferedVersion[], cpCurrent: K8sVersion, ctx: Context): Candidates {
  const samePatch = offered.filter(o => sameMinor(o.version, cpCurrent))
  const nextMinor = offered.filter(o => !sameMinor(o.version, cpCurrent))
  return {
    patch: newest(samePatch.filter(o => allowed(o, ctx))),
    minor: newest(nextMinor.filter(o => allowed(o, ctx))),
    preview: newest(offered.filter(o => !allowed(o, ctx)))
  }
}

/** The version the control plane would move to with the selected upgrade kinds, before any hold. */
function wantedVersion(c: Candidates, ctx: Context): PlannedVersion | undefined {
  if (c.patch && ctx.selected.has('patch')) {
    // Patch first, minor in a later run: one small step at a time, and the minor's
    // checks (approval, skew) then start from the newest patch.
    return { to: c.patch.version, upgradeClass: 'patch' }
  }
  if (c.minor && ctx.selected.has('minor')) {
    // Without `patch` selected, go straight to the next minor's newest patch (AKS allows it).
    return { to: c.minor.version, upgradeClass: 'minor' }
  }
  return undefined
}

/** Nothing selected to take: say what is available and what would take it, or that it is up to date. */
function nothingWanted(c: Candidates, cur: string): Decision {
  if (c.patch) {
    return held(
      'not-selected',
      `Kubernetes ${cur} → ${c.patch.version.raw} (patch) is available; add \`patch\` to the \`upgrade\` input to take it.`,
      c.patch.version.raw
    )
  }
  if (c.minor) {
    return held(
      'not-selected',
      `Kubernetes ${cur} → ${c.minor.version.raw} (next minor) is available; add \`minor\` to the \`upgrade\` input to take it.`,
      c.minor.version.raw
    )
  }
  if (c.preview) {
    return held(
      'preview-only',
      `Only preview versions are newer than Kubernetes ${cur} (newest: ${c.preview.version.raw}); set allow-preview: true to take them.`,
      c.preview.version.raw
    )
  }
  return settled(`Kubernetes ${cur} is the newest version available to this control plane.`)
}

/** Long-term support: a minor upgrade must land on a minor the cluster's support plan offers. */
function ltsHold(cluster: ClusterSnapshot, location: KubernetesMinorVersion[], want: PlannedVersion): Decision | undefined {
  if (want.upgradeClass !== 'minor') return undefined
  const block = supportPlanBlock(cluster.supportPlan, location, want.to, cluster.location)
  if (!block) return undefined
  const rule =
    cluster.supportPlan === 'AKSLongTermSupport'
      ? 'a long-term support cluster may only move between LTS versions'
      : 'switch the cluster to long-term support to take it'
  return held('lts-rules', `Held: ${block}, and ${rule}.`, want.to.raw)
}

/** Rings: never newer than what the previous ring has fully reached, and soaked there for ring-soak-days. */
function ringCappedVersion(
  wanted: PlannedVersion,
  offered: OfferedVersion[],
  f: ClusterFacts,
  ctx: Context
): { want: PlannedVersion; note: string } | { held: Decision } {
  const wantedRaw = wanted.to.raw
  let want = wanted
  const gate = ctx.index.versionGate(f.ring)
  const unsettled = unsettledHold(gate, `Kubernetes ${wantedRaw}`)
  if (unsettled) return { held: held(unsettled.reason, unsettled.message, wantedRaw) }
  let note = ''
  if (gate.kind === 'upstream') {
    const cap = gate.version
    if (compareK8s(cap, want.to) < 0) {
      const capped = newest(offered.filter(o => allowed(o, ctx) && sameMinor(o.version, want.to) && compareK8s(o.version, cap) <= 0))
      if (!capped) {
        return {
          held: held(
            'ring-waiting',
            `Held: ring ${gate.ring} has not reached Kubernetes ${wantedRaw} yet (the oldest version there is ${cap.raw}).`,
            wantedRaw
          )
        }
      }
      note = `, the version ring ${gate.ring} runs (${wantedRaw} waits for ring ${gate.ring})`
      want = { to: capped.version, upgradeClass: want.upgradeClass }
    }
    if (compareK8s(gate.version, want.to) === 0) {
      const soak = soakHold(gate, ctx.options.ringSoakDays, ctx.now, `Kubernetes ${want.to.raw}`)
      if (soak) return { held: held(soak.reason, soak.message, want.to.raw) }
    }
  }
  return { want, note }
}

/**
 * Skew: the control plane may be at most three minors ahead of any pool, never behind.
 * Pools move one minor at a time, so a pool exactly three behind is pre-upgraded by one
 * minor; one further behind cannot be brought into skew in this run.
 */
function skewPreUpgrades(
  want: PlannedVersion,
  cpCurrent: K8sVersion,
  f: ClusterFacts,
  ctx: Context
): { preUpgrade: PreUpgrade[] } | { held: Decision } {
  const preUpgrade: PreUpgrade[] = []
  if (want.upgradeClass !== 'minor') return { preUpgrade }
  for (const pool of [...f.cluster.pools].sort(poolOrder)) {
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
      const step = nextMinorStep(pool, pv, f.location, ctx)
      if (step.version && compareK8s(step.version, cpCurrent) <= 0) {
        preUpgrade.push({ pool, to: step.version })
        continue
      }
      why = `, and no generally available ${nextMinorName(pv)} patch is offered to upgrade the pool first`
    }
    return {
      held: held(
        'skew-violation',
        `Held: upgrading the control plane to ${want.to.raw} would leave pool ${pool.name} (${pv.raw}) more than three minors behind${why}.`,
        want.to.raw
      )
    }
  }
  return { preUpgrade }
}
