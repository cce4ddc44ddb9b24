// The planner: a fleet snapshot in, one decision per control plane and node pool out,
// each with a stable reason code and a sentence for the operator. Pure: `now` is a
// parameter and nothing here reads the network, the clock or the environment.
//
// Reading guide: every entry first gets its *intent* (the version it would move to),
// then holds are applied from the most local to the most global, and only entries whose
// reason ends up `upgrade-due` produce operations.
//
//   planner.ts        the fleet: rings, their gates and halts over the whole fleet, one plan per cluster
//   cluster.ts        one cluster: facts read once, the control plane, then each pool
//   control-plane.ts  the control plane's version (patch/minor, LTS, ring cap, skew, approval)
//   pool-version.ts   a pool's version (following the control plane, one minor per operation)
//   pool-image.ts     a pool's node image (family, ring promotion, bake time)
//   holds.ts          holds from state, ring gates and soak, a halted ring, AKS automation
//   operations.ts     merging a pool's decisions, entries, and operations in execution order
//   decision.ts       what those share: context, facts, the decision shape, small helpers
import type { Approval } from '../approvals.js'
import type { FleetPlan, FleetSnapshot, UpgradeKind } from '../model.js'
import { planCluster } from './cluster.js'
import type { Context } from './decision.js'
import { assignRings, byText, RingIndex } from './rings.js'

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

export function planFleet(snapshot: FleetSnapshot, options: PlannerOptions, now: Date): FleetPlan {
  const assignments = assignRings(snapshot.clusters, options.ringTag, options.ringUntagged)
  const index = new RingIndex(snapshot.clusters, assignments)
  const ctx: Context = { options, selected: new Set(options.upgrade), now, index }
  const clusters = snapshot.clusters
    .map(c => planCluster(c, snapshot, ctx, assignments.get(c.id)?.warning))
    .sort((a, b) => a.ring - b.ring || byText(a.cluster.name, b.cluster.name) || byText(a.cluster.id, b.cluster.id))
  const rings: Record<string, string[]> = {}
  for (const c of clusters) {
    const ids = rings[String(c.ring)]
    if (ids) ids.push(c.cluster.id)
    else rings[String(c.ring)] = [c.cluster.id]
  }
  return { clusters, rings }
}
