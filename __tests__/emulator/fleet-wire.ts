// Fleet Manager resources on the wire (FLEET-API-NOTES §3, shapes of fleet-api-examples/*.json).
import { findClusterById } from './fleet-upgrade.ts'
import type { LiveFleetManager, LiveGate, LiveMember, LiveRun, LiveStrategy, SystemDataRecord } from './fleet-manager.ts'
import type { GateNode, GroupNode, MemberNode, StageNode, UpdateStatusRecord } from './fleet-run.ts'
import type { GateInput, StrategyInput } from './fleet-validate.ts'
import { armTime } from './types.ts'
import type { EmulatorState } from './types.ts'

const RP = 'Microsoft.ContainerService'

function systemDataWire(s: SystemDataRecord): Record<string, unknown> {
  return {
    createdBy: s.createdBy,
    createdByType: s.createdByType,
    createdAt: armTime(s.createdAt),
    lastModifiedBy: s.lastModifiedBy,
    lastModifiedByType: s.lastModifiedByType,
    lastModifiedAt: armTime(s.lastModifiedAt)
  }
}

export function fleetToWire(fm: LiveFleetManager): Record<string, unknown> {
  return {
    id: fm.id,
    name: fm.name,
    type: `${RP}/fleets`,
    location: fm.location,
    tags: {},
    systemData: systemDataWire(fm.systemData),
    eTag: fm.eTag,
    identity: { type: 'None' },
    properties: { provisioningState: 'Succeeded', status: { lastOperationId: fm.lastOperationId } }
  }
}

export function memberToWire(state: EmulatorState, fm: LiveFleetManager, m: LiveMember): Record<string, unknown> {
  const cluster = findClusterById(state, m.clusterResourceId)
  const labels: Record<string, string> = { ...m.labels }
  if (cluster !== undefined) {
    // Fleet's system labels (FleetMembers_Get.json), describing the member cluster.
    labels['fleet.azure.com/cluster-name'] = cluster.name
    labels['fleet.azure.com/location'] = cluster.location
    labels['fleet.azure.com/member-name'] = m.name
    labels['fleet.azure.com/resource-group'] = cluster.resourceGroup
    labels['fleet.azure.com/subscription-id'] = cluster.subscriptionId
  }
  const properties: Record<string, unknown> = {
    clusterResourceId: m.clusterResourceId,
    labels,
    provisioningState: 'Succeeded',
    // FleetMembers_ListByFleet.json shows a no-error `lastOperationError`; we always send it so.
    status: { lastOperationId: m.lastOperationId, lastOperationError: { code: 'None', message: 'No error' } }
  }
  if (m.group !== undefined) properties.group = m.group
  return {
    id: `${fm.id}/members/${m.name}`,
    name: m.name,
    type: `${RP}/fleets/members`,
    systemData: systemDataWire(m.systemData),
    eTag: m.eTag,
    properties
  }
}

function gatesConfigWire(gates: GateInput[]): Array<Record<string, unknown>> {
  return gates.map(g => (g.displayName === undefined ? { type: g.type } : { displayName: g.displayName, type: g.type }))
}

/** The strategy echoed with the fields it was given (no defaults filled in). */
function strategyBodyWire(strategy: StrategyInput): Record<string, unknown> {
  return {
    stages: strategy.stages.map(s => {
      const stage: Record<string, unknown> = { name: s.name }
      if (s.maxConcurrency !== undefined) stage.maxConcurrency = s.maxConcurrency
      stage.groups = s.groups.map(g => {
        const group: Record<string, unknown> = { name: g.name }
        if (g.maxConcurrency !== undefined) group.maxConcurrency = g.maxConcurrency
        if (g.beforeGates !== undefined) group.beforeGates = gatesConfigWire(g.beforeGates)
        if (g.afterGates !== undefined) group.afterGates = gatesConfigWire(g.afterGates)
        return group
      })
      if (s.beforeGates !== undefined) stage.beforeGates = gatesConfigWire(s.beforeGates)
      if (s.afterGates !== undefined) stage.afterGates = gatesConfigWire(s.afterGates)
      if (s.afterStageWaitInSeconds !== undefined) stage.afterStageWaitInSeconds = s.afterStageWaitInSeconds
      return stage
    })
  }
}

export function strategyToWire(fm: LiveFleetManager, s: LiveStrategy): Record<string, unknown> {
  return {
    id: `${fm.id}/updateStrategies/${s.name}`,
    name: s.name,
    type: `${RP}/fleets/updateStrategies`,
    systemData: systemDataWire(s.systemData),
    properties: { provisioningState: 'Succeeded', strategy: strategyBodyWire(s.strategy) },
    eTag: s.eTag
  }
}

function statusWire(s: UpdateStatusRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (s.startTime !== undefined) out.startTime = armTime(s.startTime)
  if (s.completedTime !== undefined) out.completedTime = armTime(s.completedTime)
  out.state = s.state
  if (s.error !== undefined) out.error = { code: s.error.code, message: s.error.message }
  return out
}

function gateStatusWire(g: GateNode): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (g.displayName !== undefined) out.displayName = g.displayName
  if (g.gateId !== undefined) out.gateId = g.gateId
  out.status = statusWire(g.status)
  return out
}

function memberStatusWire(m: MemberNode): Record<string, unknown> {
  const out: Record<string, unknown> = { status: statusWire(m.status), name: m.name, clusterResourceId: m.clusterResourceId }
  if (m.operationId !== undefined) out.operationId = m.operationId
  if (m.message !== undefined) out.message = m.message
  return out
}

/** Gate lists appear in the status when the strategy configures them (as in the examples). */
function groupStatusWire(g: GroupNode, configured: { before: boolean; after: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: statusWire(g.status),
    name: g.name,
    maxConcurrency: g.maxConcurrency,
    members: g.members.map(memberStatusWire)
  }
  if (configured.before) out.beforeGates = g.beforeGates.map(gateStatusWire)
  if (configured.after) out.afterGates = g.afterGates.map(gateStatusWire)
  return out
}

function stageStatusWire(s: StageNode, strategy: StrategyInput | undefined): Record<string, unknown> {
  const config = strategy?.stages.find(x => x.name === s.name)
  const out: Record<string, unknown> = {
    status: statusWire(s.status),
    name: s.name,
    maxConcurrency: s.maxConcurrency,
    groups: s.groups.map(g => {
      const gc = config?.groups.find(x => x.name === g.name)
      return groupStatusWire(g, { before: gc?.beforeGates !== undefined, after: gc?.afterGates !== undefined })
    })
  }
  if (config?.beforeGates !== undefined) out.beforeGates = s.beforeGates.map(gateStatusWire)
  if (config?.afterGates !== undefined) out.afterGates = s.afterGates.map(gateStatusWire)
  // Assumption: a stage without a wait has no afterStageWaitStatus.
  if (s.afterStageWaitInSeconds > 0) out.afterStageWaitStatus = { status: statusWire(s.waitStatus), waitDurationInSeconds: s.afterStageWaitInSeconds }
  return out
}

export function runToWire(run: LiveRun): Record<string, unknown> {
  const status: Record<string, unknown> = { status: statusWire(run.status), stages: run.stages.map(s => stageStatusWire(s, run.strategy)) }
  if (run.selectedNodeImageVersions !== undefined) {
    status.nodeImageSelection = { selectedNodeImageVersions: run.selectedNodeImageVersions.map(version => ({ version })) }
  }
  const properties: Record<string, unknown> = { provisioningState: 'Succeeded' }
  if (run.input.updateStrategyId !== undefined) properties.updateStrategyId = run.input.updateStrategyId
  if (run.strategy !== undefined) properties.strategy = strategyBodyWire(run.strategy)
  properties.managedClusterUpdate = run.input.managedClusterUpdate
  properties.status = status
  return {
    id: run.id,
    name: run.name,
    type: `${RP}/fleets/updateRuns`,
    systemData: systemDataWire(run.systemData),
    properties,
    eTag: run.eTag
  }
}

export function gateToWire(fm: LiveFleetManager, g: LiveGate): Record<string, unknown> {
  const updateRunProperties: Record<string, unknown> = { name: g.runName, stage: g.stage }
  if (g.group !== undefined) updateRunProperties.group = g.group
  updateRunProperties.timing = g.timing
  const properties: Record<string, unknown> = { provisioningState: 'Succeeded' }
  if (g.displayName !== undefined) properties.displayName = g.displayName
  properties.target = { id: g.runId, updateRunProperties }
  properties.gateType = 'Approval'
  properties.state = g.state
  return {
    id: `${fm.id}/gates/${g.name}`,
    name: g.name,
    type: `${RP}/fleets/gates`,
    systemData: systemDataWire(g.systemData),
    eTag: g.eTag,
    properties
  }
}
