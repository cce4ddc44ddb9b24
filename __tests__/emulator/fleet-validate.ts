// Validation of Fleet Manager names and write bodies (FLEET-API-NOTES §1, §3.3, §3.4, §10).
// Fleet documents no error codes for these (§6): every code below is an assumption, marked so.
// Structural problems (missing or mistyped fields, patterns) answer 400 InvalidRequestContent,
// rule violations (limits, unknown groups, Custom versions) 400 BadRequest.
import { isRecord } from './jwt.ts'

export type UpgradeType = 'Full' | 'NodeImageOnly' | 'ControlPlaneOnly'
type NodeImageSelectionType = 'Latest' | 'Consistent' | 'Custom'

export interface ValidationError {
  code: 'InvalidRequestContent' | 'BadRequest'
  message: string
  target?: string
}

export interface GateInput {
  displayName?: string
  type: 'Approval'
}

interface GroupInput {
  name: string
  maxConcurrency?: string
  beforeGates?: GateInput[]
  afterGates?: GateInput[]
}

interface StageInput {
  name: string
  groups: GroupInput[]
  afterStageWaitInSeconds?: number
  maxConcurrency?: string
  beforeGates?: GateInput[]
  afterGates?: GateInput[]
}

/** `UpdateRunStrategy`, as accepted (and echoed back). */
export interface StrategyInput {
  stages: StageInput[]
}

/** `ManagedClusterUpdate`, as accepted (and echoed back). */
interface ClusterUpdateInput {
  upgrade: { type: UpgradeType; kubernetesVersion?: string }
  nodeImageSelection?: { type: NodeImageSelectionType; customNodeImageVersions?: Array<{ version: string }> }
}

/** §1: member, run, strategy, stage and group names; the fleet's up to 63 characters. */
const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const GATE_NAME_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const CONCURRENCY_PATTERN = /^(?:([1-9]\d*)|([1-9]\d?|100)%)$/
const KUBERNETES_VERSION_PATTERN = /^\d+\.\d+(\.\d+)?$/
/** §3.3 / §7: at most 50 groups per stage, stage concurrency at most 50. */
const MAX_GROUPS_PER_STAGE = 50
const MAX_STAGE_CONCURRENCY = 50
const DEFAULT_STAGE_CONCURRENCY = 50
const DEFAULT_GROUP_CONCURRENCY = 1

export function validName(name: string, maxLength = 50): boolean {
  return name.length >= 1 && name.length <= maxLength && NAME_PATTERN.test(name)
}

export function validGateName(name: string): boolean {
  return name.length === 36 && GATE_NAME_PATTERN.test(name)
}

/** A node image's family: the string without its trailing version (`-202607.02.0`, `-20348.5256.260610`). */
export function imageFamily(version: string): string {
  return version.replace(/-\d+\.\d+\.\d+$/, '')
}

/** `"3"` → 3; `"25%"` of `total` rounded down, at least 1; absent → the default. */
function resolveConcurrency(value: string | undefined, total: number, fallback: number): number {
  if (value === undefined) return fallback
  if (value.endsWith('%')) return Math.max(1, Math.floor((total * Number.parseInt(value, 10)) / 100))
  return Number.parseInt(value, 10)
}

export const stageConcurrency = (value: string | undefined, total: number): number => resolveConcurrency(value, total, DEFAULT_STAGE_CONCURRENCY)
export const groupConcurrency = (value: string | undefined, total: number): number => resolveConcurrency(value, total, DEFAULT_GROUP_CONCURRENCY)

const invalid = (message: string, target?: string): ValidationError =>
  target === undefined ? { code: 'InvalidRequestContent', message } : { code: 'InvalidRequestContent', message, target }
const rule = (message: string, target?: string): ValidationError =>
  target === undefined ? { code: 'BadRequest', message } : { code: 'BadRequest', message, target }

export function isValidationError(value: unknown): value is ValidationError {
  return isRecord(value) && (value.code === 'InvalidRequestContent' || value.code === 'BadRequest') && typeof value.message === 'string'
}

function parseGates(raw: unknown, where: string): GateInput[] | ValidationError | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw)) return invalid(`${where} must be an array.`, where)
  const out: GateInput[] = []
  for (const [i, gate] of raw.entries()) {
    if (!isRecord(gate) || gate.type !== 'Approval') return invalid(`${where}[${i}].type must be 'Approval'.`, `${where}[${i}].type`)
    const gateOut: GateInput = { type: 'Approval' }
    if (gate.displayName !== undefined) {
      if (typeof gate.displayName !== 'string' || gate.displayName.length < 1 || gate.displayName.length > 100) {
        return invalid(`${where}[${i}].displayName must be 1 to 100 characters.`, `${where}[${i}].displayName`)
      }
      gateOut.displayName = gate.displayName
    }
    out.push(gateOut)
  }
  return out
}

function parseConcurrency(raw: unknown, where: string): string | ValidationError | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'string' || !CONCURRENCY_PATTERN.test(raw)) {
    return invalid(`${where} '${String(raw)}' must be a positive number or a percentage from 1% to 100%.`, where)
  }
  return raw
}

function parseGroup(raw: unknown, where: string): GroupInput | ValidationError {
  if (!isRecord(raw) || typeof raw.name !== 'string' || !validName(raw.name)) {
    return invalid(`${where}.name must match ${NAME_PATTERN.source} (1 to 50 characters).`, `${where}.name`)
  }
  const group: GroupInput = { name: raw.name }
  const concurrency = parseConcurrency(raw.maxConcurrency, `${where}.maxConcurrency`)
  if (isValidationError(concurrency)) return concurrency
  if (concurrency !== undefined) group.maxConcurrency = concurrency
  for (const key of ['beforeGates', 'afterGates'] as const) {
    const gates = parseGates(raw[key], `${where}.${key}`)
    if (isValidationError(gates)) return gates
    if (gates !== undefined) group[key] = gates
  }
  return group
}

function parseStage(raw: unknown, where: string): StageInput | ValidationError {
  if (!isRecord(raw) || typeof raw.name !== 'string' || !validName(raw.name)) {
    return invalid(`${where}.name must match ${NAME_PATTERN.source} (1 to 50 characters).`, `${where}.name`)
  }
  if (!Array.isArray(raw.groups) || raw.groups.length === 0) return invalid(`${where}.groups must list at least one group.`, `${where}.groups`)
  const groups: GroupInput[] = []
  for (const [i, g] of raw.groups.entries()) {
    const group = parseGroup(g, `${where}.groups[${i}]`)
    if (isValidationError(group)) return group
    groups.push(group)
  }
  const stage: StageInput = { name: raw.name, groups }
  if (raw.afterStageWaitInSeconds !== undefined && raw.afterStageWaitInSeconds !== null) {
    const wait = raw.afterStageWaitInSeconds
    if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > 2_147_483_647) {
      return invalid(`${where}.afterStageWaitInSeconds must be a non-negative int32.`, `${where}.afterStageWaitInSeconds`)
    }
    stage.afterStageWaitInSeconds = wait
  }
  const concurrency = parseConcurrency(raw.maxConcurrency, `${where}.maxConcurrency`)
  if (isValidationError(concurrency)) return concurrency
  if (concurrency !== undefined) stage.maxConcurrency = concurrency
  for (const key of ['beforeGates', 'afterGates'] as const) {
    const gates = parseGates(raw[key], `${where}.${key}`)
    if (isValidationError(gates)) return gates
    if (gates !== undefined) stage[key] = gates
  }
  return stage
}

/**
 * `UpdateRunStrategy` checked against the fleet's members (group name → member count): groups
 * must exist, appear once in the whole strategy, number at most 50 per stage, and their
 * `maxConcurrency` must fit the stage's and the group's size.
 */
export function parseStrategy(raw: unknown, groupSizes: ReadonlyMap<string, number>, where = 'strategy'): StrategyInput | ValidationError {
  if (!isRecord(raw) || !Array.isArray(raw.stages) || raw.stages.length === 0) {
    return invalid(`${where}.stages must list at least one stage.`, `${where}.stages`)
  }
  const stages: StageInput[] = []
  const seenGroups = new Set<string>()
  const seenStages = new Set<string>()
  for (const [i, s] of raw.stages.entries()) {
    const at = `${where}.stages[${i}]`
    const stage = parseStage(s, at)
    if (isValidationError(stage)) return stage
    if (seenStages.has(stage.name)) return rule(`Stage name '${stage.name}' is used more than once; stage names must be unique.`, `${at}.name`)
    seenStages.add(stage.name)
    if (stage.groups.length > MAX_GROUPS_PER_STAGE) {
      return rule(`Stage '${stage.name}' has ${stage.groups.length} groups; a stage can have at most ${MAX_GROUPS_PER_STAGE}.`, `${at}.groups`)
    }
    let stageTotal = 0
    for (const g of stage.groups) {
      if (seenGroups.has(g.name))
        return rule(`Group '${g.name}' appears more than once in the strategy; duplicate groups are not allowed.`, `${at}.groups`)
      seenGroups.add(g.name)
      const size = groupSizes.get(g.name) ?? 0
      if (size === 0) return rule(`Group '${g.name}' does not match the group of any member of the fleet.`, `${at}.groups`)
      stageTotal += size
    }
    const stageMax = stageConcurrency(stage.maxConcurrency, stageTotal)
    if (stageMax > MAX_STAGE_CONCURRENCY) {
      return rule(
        `Stage '${stage.name}' maxConcurrency '${stage.maxConcurrency ?? ''}' resolves to ${stageMax}; the limit is ${MAX_STAGE_CONCURRENCY}.`,
        `${at}.maxConcurrency`
      )
    }
    for (const [j, g] of stage.groups.entries()) {
      if (g.maxConcurrency === undefined) continue
      const size = groupSizes.get(g.name) ?? 0
      const groupMax = groupConcurrency(g.maxConcurrency, size)
      if (groupMax > size) {
        return rule(
          `Group '${g.name}' maxConcurrency '${g.maxConcurrency}' exceeds the group's ${size} member(s).`,
          `${at}.groups[${j}].maxConcurrency`
        )
      }
      if (groupMax > stageMax) {
        return rule(
          `Group '${g.name}' maxConcurrency '${g.maxConcurrency}' (${groupMax}) exceeds its stage's maxConcurrency (${stageMax}).`,
          `${at}.groups[${j}].maxConcurrency`
        )
      }
    }
    stages.push(stage)
  }
  return { stages }
}

const UPGRADE_TYPES: readonly string[] = ['Full', 'NodeImageOnly', 'ControlPlaneOnly']
const SELECTION_TYPES: readonly string[] = ['Latest', 'Consistent', 'Custom']

function parseClusterUpdate(raw: unknown): ClusterUpdateInput | ValidationError {
  const where = 'properties.managedClusterUpdate'
  if (!isRecord(raw)) return invalid(`${where} is required.`, where)
  const upgrade = raw.upgrade
  if (!isRecord(upgrade) || typeof upgrade.type !== 'string' || !UPGRADE_TYPES.includes(upgrade.type)) {
    return invalid(`${where}.upgrade.type must be one of ${UPGRADE_TYPES.join(', ')}.`, `${where}.upgrade.type`)
  }
  const type = upgrade.type as UpgradeType
  const out: ClusterUpdateInput = { upgrade: { type } }
  const version = upgrade.kubernetesVersion
  if (version !== undefined && version !== null) {
    if (typeof version !== 'string' || !KUBERNETES_VERSION_PATTERN.test(version)) {
      return invalid(`${where}.upgrade.kubernetesVersion '${String(version)}' is not a Kubernetes version.`, `${where}.upgrade.kubernetesVersion`)
    }
    if (type === 'NodeImageOnly') {
      return rule('kubernetesVersion must not be set when the upgrade type is NodeImageOnly.', `${where}.upgrade.kubernetesVersion`)
    }
    out.upgrade.kubernetesVersion = version
  } else if (type !== 'NodeImageOnly') {
    return rule(`kubernetesVersion is required when the upgrade type is ${type}.`, `${where}.upgrade.kubernetesVersion`)
  }
  const selection = raw.nodeImageSelection
  if (selection === undefined || selection === null) return out
  if (!isRecord(selection) || typeof selection.type !== 'string' || !SELECTION_TYPES.includes(selection.type)) {
    return invalid(`${where}.nodeImageSelection.type must be one of ${SELECTION_TYPES.join(', ')}.`, `${where}.nodeImageSelection.type`)
  }
  const selectionType = selection.type as NodeImageSelectionType
  const listed = selection.customNodeImageVersions ?? []
  if (!Array.isArray(listed)) return invalid(`${where}.nodeImageSelection.customNodeImageVersions must be an array.`)
  const versions: Array<{ version: string }> = []
  for (const entry of listed) {
    if (!isRecord(entry) || typeof entry.version !== 'string' || entry.version === '') {
      return invalid(`${where}.nodeImageSelection.customNodeImageVersions[].version must be a node image version.`)
    }
    versions.push({ version: entry.version })
  }
  if (selectionType !== 'Custom' && versions.length > 0) {
    return rule(`customNodeImageVersions must be empty unless nodeImageSelection.type is Custom (it is ${selectionType}).`)
  }
  if (selectionType === 'Custom') {
    if (versions.length === 0) return rule('customNodeImageVersions is required when nodeImageSelection.type is Custom.')
    const families = new Map<string, string>()
    for (const { version: v } of versions) {
      const family = imageFamily(v)
      const other = families.get(family)
      if (other !== undefined) return rule(`customNodeImageVersions lists two versions of image family '${family}': '${other}' and '${v}'.`)
      families.set(family, v)
    }
  }
  out.nodeImageSelection = selectionType === 'Custom' ? { type: selectionType, customNodeImageVersions: versions } : { type: selectionType }
  return out
}

export interface RunInput {
  updateStrategyId?: string
  strategy?: StrategyInput
  managedClusterUpdate: ClusterUpdateInput
}

/** The body of UpdateRuns_CreateOrUpdate (strategy resources are resolved by the caller). */
export function parseRunBody(body: unknown, groupSizes: ReadonlyMap<string, number>): RunInput | ValidationError {
  if (!isRecord(body) || !isRecord(body.properties)) {
    return invalid("The request content was invalid and could not be deserialized: 'Missing required property properties'.")
  }
  const props = body.properties
  const strategyId = props.updateStrategyId
  const hasStrategy = props.strategy !== undefined && props.strategy !== null
  if (strategyId !== undefined && strategyId !== null && typeof strategyId !== 'string') {
    return invalid('properties.updateStrategyId must be a resource id.', 'properties.updateStrategyId')
  }
  // §3.4: the spec calls both together invalid (the official example sends both anyway).
  if (typeof strategyId === 'string' && hasStrategy) {
    return rule('Only one of updateStrategyId and strategy may be set.', 'properties.updateStrategyId')
  }
  const update = parseClusterUpdate(props.managedClusterUpdate)
  if (isValidationError(update)) return update
  const out: RunInput = { managedClusterUpdate: update }
  if (typeof strategyId === 'string') out.updateStrategyId = strategyId
  if (hasStrategy) {
    const strategy = parseStrategy(props.strategy, groupSizes, 'properties.strategy')
    if (isValidationError(strategy)) return strategy
    out.strategy = strategy
  }
  return out
}
