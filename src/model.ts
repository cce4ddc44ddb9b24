// Shared data types for the one-directional flow:
//   inputs (Config) -> Azure snapshot (FleetSnapshot) -> plan (FleetPlan)
//   -> window gate (WindowDecision) -> execute (OperationResult) -> report (RunReport)
// Everything here is plain data (JSON-serialisable, dates as ISO strings) so pure
// modules can be tested with literal fixtures and no I/O.
import type { Approval, ApprovedBox } from './approvals.js'
import type { FleetEngineReport } from './fleet-engine/types.js'
import type { PreflightReport } from './preflight/types.js'

/** Which kinds of upgrade a run may perform (input `upgrade`). */
export type UpgradeKind = 'node-image' | 'patch' | 'minor'

export type OsType = 'Linux' | 'Windows'

/** A cluster named by the user or found by discovery. */
export interface ClusterRef {
  subscriptionId: string
  resourceGroup: string
  name: string
}

/** One entry of `upgrades[]` in an upgrade profile. */
export interface VersionUpgrade {
  kubernetesVersion: string
  isPreview: boolean
}

/** One entry of an agent pool's `recentlyUsedVersions` (see AKS-API-NOTES §5.3). */
export interface RecentlyUsedVersion {
  orchestratorVersion?: string
  nodeImageVersion?: string
  /** ISO 8601; when that pair was last active. */
  timestamp?: string
}

/** An Azure (or GitHub) error reduced to what the report needs. */
export interface ErrorInfo {
  /** HTTP status when the error came from a response (403, 409, ...). */
  status?: number
  /** Azure's error code, e.g. `PodDrainFailure`; `Unknown` when none was given. */
  code: string
  message: string
}

export interface PoolSnapshot {
  name: string
  /** `System`, `User` or `Gateway` (free string: the API models it as a string). */
  mode: string
  osType: OsType
  /** e.g. `Ubuntu`, `AzureLinux`, `Windows2022`; absent on old pools. */
  osSku?: string
  /** Requested version (`1.35` or `1.35.6`). */
  orchestratorVersion?: string
  /** Full patch version the pool runs. */
  currentOrchestratorVersion?: string
  nodeImageVersion?: string
  /** From the pool upgrade profile. */
  latestNodeImageVersion?: string
  /** Kubernetes upgrades the pool upgrade profile offers. */
  upgrades: VersionUpgrade[]
  recentlyUsedVersions: RecentlyUsedVersion[]
  provisioningState: string
  /** `Running` or `Stopped`. */
  powerState: string
  count?: number
  maxPods?: number
  /** `upgradeSettings.maxSurge`, e.g. `33%` or `1`. */
  maxSurge?: string
  drainTimeoutInMinutes?: number
  /** `upgradeSettings.undrainableNodeBehavior`: `Cordon` lets an upgrade go on past nodes it cannot drain. */
  undrainableNodeBehavior?: string
  /** e.g. `Standard_D4s_v3`: its quota family and vCPUs come from the Compute SKUs list. */
  vmSize?: string
  /** `Spot` pools draw on the low-priority vCPU quota. */
  scaleSetPriority?: string
  /** The pool's node subnet; absent when AKS manages the virtual network. */
  vnetSubnetId?: string
  podSubnetId?: string
  /** `DynamicIndividual` (default) or `StaticBlock` (Azure CNI with a pod subnet). */
  podIpAllocationMode?: string
  /** `status.provisioningError` when AKS left one on the pool. */
  provisioningError?: ErrorInfo
}

/** One `values[]` entry of `listKubernetesVersions` for a location. */
export interface KubernetesMinorVersion {
  /** `1.35` */
  version: string
  isPreview: boolean
  isDefault: boolean
  /** `KubernetesOfficial` and/or `AKSLongTermSupport`. */
  supportPlan: string[]
  /** patch version -> versions it can upgrade to. */
  patchVersions: Record<string, string[]>
}

/** `timeInWeek` entry of the legacy `default` maintenance configuration. */
export interface TimeInWeek {
  day: string
  hourSlots: number[]
}

/** An AKS `MaintenanceWindow` (aksManaged* configurations), wire shape. */
export interface AksMaintenanceWindow {
  schedule: {
    daily?: { intervalDays: number }
    weekly?: { intervalWeeks: number; dayOfWeek: string }
    absoluteMonthly?: { intervalMonths: number; dayOfMonth: number }
    relativeMonthly?: { intervalMonths: number; weekIndex: string; dayOfWeek: string }
  }
  durationHours: number
  /** `+HH:MM` / `-HH:MM`, default `+00:00`. */
  utcOffset?: string
  /** `YYYY-MM-DD` */
  startDate?: string
  /** `HH:MM` */
  startTime: string
  notAllowedDates?: Array<{ start: string; end: string }>
}

export interface MaintenanceConfig {
  /** `default`, `aksManagedAutoUpgradeSchedule` or `aksManagedNodeOSUpgradeSchedule`. */
  name: string
  maintenanceWindow?: AksMaintenanceWindow
  timeInWeek?: TimeInWeek[]
  /** ISO date-times. */
  notAllowedTime?: Array<{ start: string; end: string }>
}

export interface ClusterSnapshot {
  /** Full ARM resource id. */
  id: string
  subscriptionId: string
  resourceGroup: string
  name: string
  location: string
  tags: Record<string, string>
  kubernetesVersion?: string
  currentKubernetesVersion?: string
  provisioningState: string
  powerState: string
  /** `KubernetesOfficial` (default) or `AKSLongTermSupport`. */
  supportPlan: string
  /** `autoUpgradeProfile.upgradeChannel`; `none` when unset. */
  upgradeChannel: string
  /** `autoUpgradeProfile.nodeOSUpgradeChannel`; `NodeImage` when unset (AKS's default). */
  nodeOSUpgradeChannel: string
  eTag?: string
  /** `controlPlaneProfile.upgrades` of the cluster upgrade profile; undefined when not read. */
  controlPlaneUpgrades?: VersionUpgrade[]
  pools: PoolSnapshot[]
  /** `networkProfile.networkPlugin` and `networkPluginMode`: how many addresses a node takes. */
  network?: { plugin?: string; pluginMode?: string }
  /** How the API server can be reached (pre-flight's PodDisruptionBudget check). */
  apiAccess?: {
    /** Entra ID integration (`aadProfile`): tokens for the AKS server application. */
    entra: boolean
    /** `disableLocalAccounts` is not set: the user credential carries its own secret. */
    localAccounts: boolean
    /** `apiServerAccessProfile.enablePrivateCluster`. */
    private: boolean
  }
  /** Only read with `maintenance-window: cluster`. */
  maintenanceConfigs?: MaintenanceConfig[]
  /**
   * Set when the cluster was found (its tags, hence its ring, are known) but could not be
   * read completely: it is a placeholder with no pools, planned as `read-failed`, and it
   * keeps later rings waiting rather than vanish from the promotion gate.
   */
  readError?: ErrorInfo
}

/** A cluster or subscription that could not be read. */
export interface ReadFailure {
  /** Resource id or `/subscriptions/{id}` scope. */
  scope: string
  error: ErrorInfo
  /** What the user should do, e.g. the missing role action. */
  advice: string
}

export interface FleetSnapshot {
  /** ISO instant the snapshot was taken. */
  takenAt: string
  clusters: ClusterSnapshot[]
  /** location -> minors, read once per location per run. */
  kubernetesVersions: Record<string, KubernetesMinorVersion[]>
  readFailures: ReadFailure[]
}

// ---------------------------------------------------------------------------
// Plan

/**
 * Stable reason codes (part of the `plan` output's contract: never rename one).
 * Each comes with a sentence in `PlanEntry.message`.
 */
export type ReasonCode =
  | 'upgrade-due' // an operation is planned
  | 'up-to-date'
  | 'not-selected' // a newer version exists but its kind is not in `upgrade`
  | 'operation-in-progress' // provisioningState is not Succeeded
  | 'failed-state' // provisioningState is Failed: a previous operation failed
  | 'stopped'
  | 'preview-only' // only preview versions are newer
  | 'skew-violation'
  | 'aks-auto-upgrade-channel' // AKS owns the Kubernetes version
  | 'node-image-too-new' // bake time (`node-image-min-age-days`)
  | 'covered-by-version-upgrade' // the pool's version upgrade brings the newest image
  | 'waiting-for-control-plane' // a pool waits for the control plane's upgrade in this run
  | 'awaiting-approval' // minor upgrade needs its checkbox ticked
  | 'lts-rules'
  | 'ring-waiting' // the previous ring does not run this version yet
  | 'ring-soaking' // the previous ring runs it, but not for `ring-soak-days`
  | 'ring-halted' // an earlier ring failed
  | 'no-image-info' // no latestNodeImageVersion in the upgrade profile
  | 'read-failed'

export type EntryAction = 'none' | 'node-image' | 'patch' | 'minor'

/** One row of the `plan` output: the control plane (pool null) or one node pool. */
export interface PlanEntry {
  clusterId: string
  cluster: string
  resourceGroup: string
  subscriptionId: string
  ring: number
  /** null for the control plane. */
  pool: string | null
  os: OsType | null
  mode: string | null
  kubernetesVersion: { current: string | null; target: string | null }
  /** Pools only; null for the control plane. */
  nodeImageVersion: { current: string | null; target: string | null } | null
  action: EntryAction
  reason: ReasonCode
  /** One sentence for the report. */
  message: string
  /** Extra notes (AKS node OS channel, support status...). */
  warnings: string[]
  /**
   * A node-image refresh due alongside a version upgrade of the same pool: it runs only when
   * that version upgrade (this operation key) does not start in the run, since a version
   * upgrade brings the newest image itself. When the version upgrade starts, this entry is
   * left out of the report and the outputs.
   */
  foldsInto?: string
}

export type OperationKind = 'node-image' | 'control-plane' | 'pool-version'

/** One mutating call the executor may make. */
export interface Operation {
  /** Stable key: `<clusterId>` for the control plane, `<clusterId>/agentPools/<pool>` for a pool, plus `#kind`. */
  key: string
  kind: OperationKind
  /** Which window schedule gates it: node-image vs Kubernetes version upgrades. */
  upgradeClass: UpgradeKind
  clusterId: string
  /** Absent for the control plane. */
  pool?: string
  from: string
  to: string
  /** Node-image refreshes only: skipped (folded) when the version operation with this key starts. */
  foldsInto?: string
}

export interface ClusterPlan {
  cluster: ClusterSnapshot
  ring: number
  /** In execution order: control plane, system pools, user pools. One at a time per cluster. */
  operations: Operation[]
  entries: PlanEntry[]
  /** Cluster-level notes (auto-upgrade channels, support status, ring fallbacks). */
  warnings: string[]
}

export interface FleetPlan {
  /** Ordered by ring, then by name. */
  clusters: ClusterPlan[]
  /** ring -> cluster resource ids (output `rings`). */
  rings: Record<string, string[]>
}

// ---------------------------------------------------------------------------
// Window gate

type WindowHoldReason =
  | 'outside-window'
  | 'blackout'
  | 'window-ending' // less than `min-window-left-minutes` remains
  | 'no-cluster-schedule' // `maintenance-window: cluster` and no applicable configuration

export interface WindowDecision {
  open: boolean
  reason?: WindowHoldReason
  /** Human sentence, e.g. "outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)". */
  detail: string
  /** ISO instant the current window closes (when open). */
  closesAt?: string
  /** ISO instant the next window opens (when closed); absent when none in the next year. */
  nextOpen?: string
}

// ---------------------------------------------------------------------------
// Execution

export type OperationOutcome =
  | 'would-start' // dry-run
  | 'started' // started, not waited on (`wait: false`)
  | 'succeeded'
  | 'failed'
  | 'still-running' // the wait timed out; AKS goes on
  | 'pending' // not started: window, blackout, approval
  | 'skipped' // not started because an earlier operation on the cluster did not succeed

export interface OperationResult {
  operation: Operation
  outcome: OperationOutcome
  startedAt?: string
  finishedAt?: string
  error?: ErrorInfo
  /** Why a pending or skipped operation did not start. */
  holdReason?: string
  holdDetail?: string
  nextWindow?: string
}

// ---------------------------------------------------------------------------
// Report

export interface RunReport {
  /** ISO instant the run started. */
  startedAt: string
  timezone: string
  dryRun: boolean
  upgrade: UpgradeKind[]
  reportId: string
  runUrl?: string
  actionVersion: string
  plan: FleetPlan
  results: OperationResult[]
  readFailures: ReadFailure[]
  /** Run-level notes (e.g. "patch is not evaluated yet"). */
  notes: string[]
  /**
   * Ticked approvals read from the dashboard at the start of the run. The renderer keeps
   * each one ticked while its minor upgrade has not happened yet, whatever held it this run.
   */
  approvals?: Approval[]
  /**
   * The ticked boxes the rewritten issue keeps (approvals.ts keptApprovals), decided once
   * before rendering so the issue and the job summary show the same list.
   */
  approved?: ApprovedBox[]
  window: { inWindow: boolean; nextWindow?: string; detail?: string }
  /** What pre-flight predicted and which checks could not run; absent with `preflight: none`. */
  preflight?: PreflightReport
  /** `engine: fleet`: the update runs and what this run did to them. */
  fleet?: FleetEngineReport
}
