// Fixture builders shared by the planner tests (planner-*.test.ts): real versions (Azure/AKS
// release 2026-07-17, AKS-API-NOTES §7), a cluster whose upgrade profile follows the location's
// list, and short ways to plan a fleet and read one cluster's entries and operations.
import type {
  ClusterPlan,
  ClusterSnapshot,
  FleetPlan,
  FleetSnapshot,
  KubernetesMinorVersion,
  PlanEntry,
  PoolSnapshot,
  VersionUpgrade
} from '../../src/model.ts'
import { planFleet, type PlannerOptions } from '../../src/plan/planner.ts'
import { clusterSnapshot, poolSnapshot } from './fixtures.ts'

export const NOW = new Date('2026-07-20T12:00:00Z')
export const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333'

export function minorEntry(version: string, patches: Record<string, string[]>, extra: Partial<KubernetesMinorVersion> = {}): KubernetesMinorVersion {
  return { version, isPreview: false, isDefault: false, supportPlan: ['KubernetesOfficial'], patchVersions: patches, ...extra }
}

export const EASTUS: KubernetesMinorVersion[] = [
  minorEntry('1.33', { '1.33.13': ['1.34.9'] }, { supportPlan: ['AKSLongTermSupport'] }),
  minorEntry('1.34', { '1.34.9': ['1.35.5', '1.35.6'] }),
  minorEntry('1.35', { '1.35.5': ['1.35.6', '1.36.2'], '1.35.6': ['1.36.2'] }, { isDefault: true }),
  minorEntry('1.36', { '1.36.2': ['1.37.0'] }),
  minorEntry('1.37', { '1.37.0': [] }, { isPreview: true })
]

/** What the cluster upgrade profile offers from `current`, as AKS derives it from the location list. */
export function profileFor(current: string): VersionUpgrade[] {
  for (const m of EASTUS) {
    const ups = m.patchVersions[current]
    if (ups) {
      return ups.map(u => ({ kubernetesVersion: u, isPreview: EASTUS.find(x => u.startsWith(`${x.version}.`))?.isPreview ?? false }))
    }
  }
  return []
}

export function pool(name: string, over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return poolSnapshot(name, over)
}

export function sys(name = 'system', over: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return pool(name, { mode: 'System', ...over })
}

export function cluster(name: string, over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const version = over.currentKubernetesVersion ?? '1.35.6'
  return clusterSnapshot(name, {
    subscriptionId: SUB,
    resourceGroup: `rg-${name}`,
    kubernetesVersion: version,
    currentKubernetesVersion: version,
    controlPlaneUpgrades: profileFor(version),
    pools: [sys()],
    ...over
  })
}

/** Pools on `version`, with the cluster's profile computed from it. */
export function onVersion(version: string, pools: PoolSnapshot[]): Partial<ClusterSnapshot> {
  return {
    currentKubernetesVersion: version,
    kubernetesVersion: version,
    controlPlaneUpgrades: profileFor(version),
    pools: pools.map(p => ({ ...p, orchestratorVersion: version, currentOrchestratorVersion: version }))
  }
}

export function options(over: Partial<PlannerOptions> = {}): PlannerOptions {
  return {
    upgrade: ['node-image', 'patch'],
    allowPreview: false,
    aksAutoUpgrade: 'respect',
    nodeImageMinAgeDays: 0,
    minorApproval: 'none',
    approvals: [],
    ringTag: 'aks-upgrade-ring',
    ringUntagged: 'first',
    ringSoakDays: 0,
    ...over
  }
}

export function plan(
  clusters: ClusterSnapshot[],
  over: Partial<PlannerOptions> = {},
  now = NOW,
  kubernetesVersions: FleetSnapshot['kubernetesVersions'] = { eastus: EASTUS }
): FleetPlan {
  const snapshot: FleetSnapshot = {
    takenAt: now.toISOString(),
    clusters,
    kubernetesVersions,
    readFailures: []
  }
  return planFleet(snapshot, options(over), now)
}

export function clusterPlan(p: FleetPlan, name: string): ClusterPlan {
  const c = p.clusters.find(x => x.cluster.name === name)
  if (!c) throw new Error(`no plan for ${name}`)
  return c
}

export function entry(p: FleetPlan, name: string, poolName: string | null): PlanEntry {
  const e = clusterPlan(p, name).entries.find(x => x.pool === poolName)
  if (!e) throw new Error(`no entry ${name}/${poolName ?? 'control plane'}`)
  return e
}

/** `kind pool from→to` per operation, in execution order. */
export function ops(p: FleetPlan, name: string): string[] {
  return clusterPlan(p, name).operations.map(o => `${o.kind} ${o.pool ?? '-'} ${o.upgradeClass} ${o.from}→${o.to}`)
}

export type UpgradeKindList = PlannerOptions['upgrade']

// Pools and clusters on given versions, and options that select minor upgrades.

export function at(version: string, over: Partial<PoolSnapshot> = {}): Partial<PoolSnapshot> {
  return { orchestratorVersion: version, currentOrchestratorVersion: version, ...over }
}

/** A cluster whose control plane runs `cp` and is offered `offers` (the newest GA 1.36.2 is offered nothing GA). */
export function withPools(
  name: string,
  cp: string,
  offers: VersionUpgrade[] | undefined,
  pools: PoolSnapshot[],
  over: Partial<ClusterSnapshot> = {}
): ClusterSnapshot {
  return cluster(name, { currentKubernetesVersion: cp, kubernetesVersion: cp, controlPlaneUpgrades: offers, pools, ...over })
}

export const withMinor: Partial<PlannerOptions> = { upgrade: ['node-image', 'patch', 'minor'] }
