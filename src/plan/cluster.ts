// One cluster's plan: the facts read once (ring, the location's versions, holds, AKS
// automation), the control plane's decision, then each pool's (system pools first), then the
// operations in execution order.
import type { ClusterPlan, ClusterSnapshot, FleetSnapshot, KubernetesMinorVersion, Operation, PlanEntry, PoolSnapshot } from '../model.js'
import { locationVersions, parseK8s, supportWarning, type K8sVersion } from './kubernetes.js'
import { decideControlPlane } from './control-plane.js'
import { poolOrder, type ClusterFacts, type Context } from './decision.js'
import { aksAutomationHold, entryHolds, holdControlPlane, holdPool, type EntryHolds } from './holds.js'
import {
  controlPlaneEntry,
  entryBase,
  imageCompanion,
  mergePool,
  orderOperations,
  poolEntry,
  poolOperation,
  unreadClusterEntry,
  type EntryBase
} from './operations.js'
import { decidePoolImage } from './pool-image.js'
import { decidePoolVersion, type ControlPlaneOutcome } from './pool-version.js'

/** What every pool of a cluster is decided against. */
interface PoolContext {
  base: EntryBase
  facts: ClusterFacts
  cp: ControlPlaneOutcome
  holds: EntryHolds
}

export function planCluster(cluster: ClusterSnapshot, snapshot: FleetSnapshot, ctx: Context, ringWarning: string | undefined): ClusterPlan {
  const ring = ctx.index.ringOf.get(cluster.id) ?? 0
  const warnings: string[] = []
  if (ringWarning) warnings.push(ringWarning)
  const location = locationVersions(snapshot.kubernetesVersions, cluster.location)
  const cpCurrent = parseK8s(cluster.currentKubernetesVersion ?? cluster.kubernetesVersion)
  const base = entryBase(cluster, ring)

  if (cluster.readError) {
    // A placeholder: its ring is known, its state is not. The ring gate counts it as having
    // reached nothing, so later rings wait for it (RingIndex).
    return { cluster, ring, operations: [], entries: [unreadClusterEntry(base, cpCurrent, cluster.readError)], warnings }
  }

  const channelHold = aksAutomationHold(cluster, ctx, warnings)
  const cpWarnings = versionWarnings(cluster, cpCurrent, location, ring, ctx, warnings)
  const pools = [...cluster.pools].sort(poolOrder)
  const holds = entryHolds(cluster, pools, ring, ctx)
  const facts: ClusterFacts = { cluster, ring, location, cpCurrent, channelHold, poolHolds: holds.pools }

  // Control plane: intent, then cluster state, then ring halt.
  const intent = decideControlPlane(facts, ctx)
  const cpDecision = holdControlPlane(intent.decision, holds)
  const cpPlanned = cpDecision.reason === 'upgrade-due' ? intent.op : undefined
  const cp: ControlPlaneOutcome = { intent: { ...intent, decision: cpDecision }, planned: cpPlanned }
  const preTargets = new Map<string, K8sVersion>(cpPlanned ? intent.preUpgrade.map(p => [p.pool.name, p.to]) : [])
  const entries: PlanEntry[] = [controlPlaneEntry(base, cpCurrent, cpDecision, cpWarnings)]

  const preOps: Operation[] = []
  const poolOps: Operation[] = []
  const poolContext: PoolContext = { base, facts, cp, holds }
  const imageOps: Operation[] = []
  for (const pool of pools) {
    const pre = preTargets.get(pool.name)
    const { entry, op, companion } = planPool(pool, pre, poolContext, ctx, warnings)
    entries.push(entry)
    if (companion) {
      entries.push(companion.entry)
      imageOps.push(companion.op)
    }
    if (!op) continue
    if (op.kind === 'pool-version' && pre !== undefined) preOps.push(op)
    else poolOps.push(op)
  }
  poolOps.push(...imageOps)

  return { cluster, ring, operations: orderOperations(cluster.id, cpCurrent, cpPlanned, preOps, poolOps), entries, warnings }
}

/** Cluster-level version notes: the support status of the control plane's minor, and a ring with no earlier ring to follow. */
function versionWarnings(
  cluster: ClusterSnapshot,
  cpCurrent: K8sVersion | undefined,
  location: KubernetesMinorVersion[],
  ring: number,
  ctx: Context,
  warnings: string[]
): string[] {
  const cpWarnings: string[] = []
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
  return cpWarnings
}

/** One pool: its version and image decisions, merged, then held; its entry and its operation, if due. */
function planPool(
  pool: PoolSnapshot,
  pre: K8sVersion | undefined,
  pc: PoolContext,
  ctx: Context,
  clusterWarnings: string[]
): { entry: PlanEntry; op: Operation | undefined; companion: ReturnType<typeof imageCompanion> } {
  const poolWarnings: string[] = []
  const version = decidePoolVersion(pool, pc.facts, pc.cp, pre, ctx, poolWarnings)
  const image = decidePoolImage(pool, pc.facts, ctx, poolWarnings, clusterWarnings)
  const merged = mergePool(version, image, poolWarnings)
  const d = holdPool(merged, pool.name, pc.holds)
  const entry = poolEntry(pc.base, pool, version, image, d, poolWarnings)
  const op = poolOperation(pc.facts.cluster.id, pool, d)
  // The version decision took the entry: the image may still be refreshed on its own.
  const companion = merged === version ? imageCompanion(pc.base, pool, holdPool(image, pool.name, pc.holds), entry, op) : undefined
  return { entry, op, companion }
}
