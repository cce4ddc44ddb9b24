// Azure Kubernetes Fleet Manager, api-version 2026-06-01, as it travels on the wire
// (FLEET-API-NOTES §3). Our own hand-written model: `@azure/arm-containerservicefleet`
// 2.0.0 drops gates and `maxConcurrency` from requests and answers (notes §9). Everything
// read is optional, since the service (or an older one) may leave any field out.

export const ACTIVE_STATES: ReadonlySet<string> = new Set(['Running', 'Pending', 'Stopping'])

export interface ErrorDetail {
  code?: string
  message?: string
}

interface UpdateStatus {
  startTime?: string
  completedTime?: string
  /** NotStarted, Running, Stopping, Stopped, Skipped, Failed, Pending or Completed; a string, since the service may add states. */
  state?: string
  error?: ErrorDetail
}

interface GateConfiguration {
  displayName?: string
  type: 'Approval'
}

interface UpdateGroup {
  name: string
  maxConcurrency?: string
  beforeGates?: GateConfiguration[]
  afterGates?: GateConfiguration[]
}

export interface UpdateStage {
  name: string
  groups?: UpdateGroup[]
  afterStageWaitInSeconds?: number
  maxConcurrency?: string
  beforeGates?: GateConfiguration[]
  afterGates?: GateConfiguration[]
}

type UpgradeType = 'Full' | 'NodeImageOnly' | 'ControlPlaneOnly'

interface ManagedClusterUpdate {
  upgrade: { type: UpgradeType; kubernetesVersion?: string }
  nodeImageSelection?: { type: 'Latest' | 'Consistent' | 'Custom'; customNodeImageVersions?: Array<{ version: string }> }
}

export interface GateStatus {
  displayName?: string
  /** Absent until the run reaches the gate. */
  gateId?: string
  status?: UpdateStatus
}

export interface MemberStatus {
  name?: string
  clusterResourceId?: string
  operationId?: string
  message?: string
  status?: UpdateStatus
}

interface GroupStatus {
  name?: string
  status?: UpdateStatus
  maxConcurrency?: number
  beforeGates?: GateStatus[]
  afterGates?: GateStatus[]
  members?: MemberStatus[]
}

export interface StageStatus {
  name?: string
  status?: UpdateStatus
  maxConcurrency?: number
  beforeGates?: GateStatus[]
  afterGates?: GateStatus[]
  afterStageWaitStatus?: { status?: UpdateStatus; waitDurationInSeconds?: number }
  groups?: GroupStatus[]
}

interface UpdateRunStatus {
  status?: UpdateStatus
  stages?: StageStatus[]
  nodeImageSelection?: { selectedNodeImageVersions?: Array<{ version?: string }> }
}

export interface UpdateRun {
  id?: string
  name?: string
  eTag?: string
  properties?: {
    provisioningState?: string
    updateStrategyId?: string
    strategy?: { stages: UpdateStage[] }
    managedClusterUpdate?: ManagedClusterUpdate
    status?: UpdateRunStatus
  }
}

export interface FleetMember {
  id?: string
  name?: string
  eTag?: string
  properties?: {
    clusterResourceId?: string
    group?: string
    labels?: Record<string, string>
    provisioningState?: string
  }
}

export interface Gate {
  id?: string
  name?: string
  eTag?: string
  properties?: {
    displayName?: string
    gateType?: string
    target?: { id?: string; updateRunProperties?: { name?: string; stage?: string; group?: string; timing?: string } }
    state?: string
  }
}

/** `skip` targets (notes §3.6); for `AfterStageWait` the name is the stage's. */
export interface SkipTarget {
  type: 'Member' | 'Group' | 'Stage' | 'AfterStageWait'
  name: string
}

/** The run's rollout state (never `provisioningState`, which is the resource's). */
export function runState(run: UpdateRun): string {
  return run.properties?.status?.status?.state ?? 'NotStarted'
}
