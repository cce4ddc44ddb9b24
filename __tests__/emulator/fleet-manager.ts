// Azure Kubernetes Fleet Manager (api-version 2026-06-01, FLEET-API-NOTES.md) in the emulator:
// the seed format, the live state on `emulator.state.fleetManager`, run creation, and the lazy
// clock-driven settling (like AKS LROs: every ARM request first brings the runs to `ctx.now`).
// Routes: fleet-routes.ts; executor: fleet-run.ts; effects on AKS clusters: fleet-upgrade.ts.
// Not to be confused with the emulator's "Fleet" (fleet.ts): the seed of AKS clusters.
import { randomUUID } from 'node:crypto'
import { clusterId } from './fleet.ts'
import type { Fleet, FleetError } from './fleet.ts'
import { advanceRuns, createRunTree } from './fleet-run.ts'
import { startRun } from './fleet-run-commands.ts'
import type { RunDefinition, RunTree } from './fleet-run.ts'
import { consistentImages, findClusterById, newETag, runEnvironment } from './fleet-upgrade.ts'
import { groupConcurrency, isValidationError, parseRunBody, parseStrategy, stageConcurrency, validName } from './fleet-validate.ts'
import type { RunInput, StrategyInput, UpgradeType, ValidationError } from './fleet-validate.ts'
import type { EmulatorState } from './types.ts'

export interface FleetMemberSeed {
  /** Member name (lower case, §1 pattern). */
  name: string
  /** A cluster of the same seed, by name; gives `clusterResourceId` (the cluster's real id). */
  clusterName: string
  group?: string
  labels?: Record<string, string>
  /** Overrides the fleet's `memberDurationMs`. */
  durationMs?: number
  /** The member's upgrade fails with this at its end. */
  fail?: FleetError
}

export interface FleetManagerSeed {
  subscriptionId: string
  resourceGroup: string
  /** The fleet's name. */
  name: string
  /** Default `westeurope`. */
  location?: string
  members: FleetMemberSeed[]
  /**
   * 'sync': writes answer 200/201 with the final body; 'async': 202 (start/stop/skip/gate PATCH/member
   * PATCH, DELETE) with Azure-AsyncOperation + Location + Retry-After: 0, and PUTs answer 201/200 with
   * Azure-AsyncOperation. Default 'sync'.
   */
  lroMode?: 'sync' | 'async'
  /** How long one member's upgrade takes on the emulator clock; default: the sum of its pools' operation durations. */
  memberDurationMs?: number
  /** Whether a member's maintenance window is open at an instant (checked every simulated 60 minutes). Default: always open. */
  windowOpen?: (clusterName: string, atMs: number, upgradeType: 'Full' | 'NodeImageOnly' | 'ControlPlaneOnly') => boolean
  /** Versions (node image version strings or Kubernetes versions) not yet published in a location, optionally until an instant. */
  unavailable?: Array<{ location: string; version: string; untilMs?: number }>
}

export interface SystemDataRecord {
  createdBy: string
  createdByType: string
  createdAt: number
  lastModifiedBy: string
  lastModifiedByType: string
  lastModifiedAt: number
}

export interface LiveMember {
  /** The member's seed (its `fail` and `durationMs` are read when an upgrade starts and ends). */
  seed: FleetMemberSeed
  name: string
  clusterResourceId: string
  group?: string
  /** User labels (the `fleet.azure.com/*` ones are added on the wire). */
  labels: Record<string, string>
  eTag: string
  systemData: SystemDataRecord
  lastOperationId: string
}

export interface LiveStrategy {
  name: string
  strategy: StrategyInput
  eTag: string
  systemData: SystemDataRecord
}

export interface LiveGate {
  /** A GUID. */
  name: string
  id: string
  displayName?: string
  runName: string
  runId: string
  stage: string
  group?: string
  timing: 'Before' | 'After'
  state: 'Pending' | 'Completed' | 'Skipped'
  eTag: string
  systemData: SystemDataRecord
}

/** An update run: its status tree (fleet-run.ts) plus the resource around it. */
export interface LiveRun extends RunTree {
  name: string
  id: string
  eTag: string
  /** The tree revision the eTag was made for (a status transition makes a new eTag). */
  eTagRevision: number
  systemData: SystemDataRecord
  /** The definition as accepted (what a later PUT is compared with). */
  input: RunInput
  /** The strategy the run follows: the body's, or a snapshot of `updateStrategyId`'s. */
  strategy?: StrategyInput
  /** Consistent: chosen at creation; Custom: the listed versions. */
  selectedNodeImageVersions?: string[]
}

export interface LiveFleetManager {
  /** The normalised seed: tests may change `windowOpen`, `unavailable`, `lroMode`, `memberDurationMs` at any time. */
  seed: FleetManagerSeed & { location: string; lroMode: 'sync' | 'async' }
  id: string
  name: string
  subscriptionId: string
  resourceGroup: string
  location: string
  eTag: string
  systemData: SystemDataRecord
  lastOperationId: string
  members: LiveMember[]
  strategies: LiveStrategy[]
  runs: LiveRun[]
  gates: LiveGate[]
}

/** One member upgrade as the executor ran it (emulator-clock ms): what a benchmark reads wall times from. */
export interface MemberUpgradeRecord {
  fleet: string
  run: string
  runId: string
  member: string
  cluster: string
  clusterResourceId: string
  upgradeType: UpgradeType
  startMs: number
  endMs?: number
  result?: 'Completed' | 'Failed'
}

/** An async-mode write: its status monitor says Succeeded at once; its Location GET answers the resource. */
export interface FleetOperationRecord {
  id: string
  subscriptionId: string
  resourceGroup: string
  location: string
  startTime: number
  endTime: number
  /** What the final Location GET returns (absent after a DELETE: 200 without a body). */
  result?: { kind: 'run' | 'gate' | 'member' | 'strategy'; fleetId: string; name: string }
}

export interface FleetManagerState {
  fleets: LiveFleetManager[]
  /** Every member upgrade started, in start order. */
  upgrades: MemberUpgradeRecord[]
  operations: FleetOperationRecord[]
  /** The emulator's clock. */
  now(): number
  /** The emulator's `operationDurationMs` (a member's default duration is its pools' sum). */
  operationDurationMs: number
}

const FLEETS = 'Microsoft.ContainerService/fleets'

export function fleetResourceId(seed: Pick<FleetManagerSeed, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${seed.subscriptionId}/resourceGroups/${seed.resourceGroup}/providers/${FLEETS}/${seed.name}`
}

export function systemData(who: string, t: number, type = 'Application'): SystemDataRecord {
  return { createdBy: who, createdByType: type, createdAt: t, lastModifiedBy: who, lastModifiedByType: type, lastModifiedAt: t }
}

export function touch(record: SystemDataRecord, who: string, t: number): void {
  record.lastModifiedBy = who
  record.lastModifiedByType = 'Application'
  record.lastModifiedAt = t
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/** Builds the live Fleet Manager state from `fleet.fleetManagers` (already a copy made by normalizeFleet). */
export function createFleetManagerState(fleet: Fleet, clock: { now: () => number; operationDurationMs: number }): FleetManagerState {
  const t = clock.now()
  const fleets = (fleet.fleetManagers ?? []).map(raw => {
    if (!validName(raw.name, 63)) throw new Error(`fleet manager seed: invalid fleet name '${raw.name}'`)
    raw.location ??= 'westeurope'
    raw.lroMode ??= 'sync'
    const seed = raw as LiveFleetManager['seed']
    const id = fleetResourceId(seed)
    const members = seed.members.map(m => {
      if (!validName(m.name)) throw new Error(`fleet manager seed ${seed.name}: invalid member name '${m.name}'`)
      if (m.group !== undefined && !validName(m.group)) throw new Error(`fleet manager seed ${seed.name}: invalid group '${m.group}'`)
      const matches = fleet.clusters.filter(c => sameName(c.name, m.clusterName))
      const cluster = matches.find(c => sameName(c.subscriptionId, seed.subscriptionId)) ?? matches[0]
      if (cluster === undefined) throw new Error(`fleet manager seed ${seed.name}: member ${m.name} names no cluster '${m.clusterName}'`)
      const member: LiveMember = {
        seed: m,
        name: m.name,
        clusterResourceId: clusterId(cluster),
        labels: { ...m.labels },
        eTag: newETag(),
        systemData: systemData('seed@emulator', t, 'User'),
        lastOperationId: randomUUID()
      }
      if (m.group !== undefined) member.group = m.group
      return member
    })
    const names = new Set(members.map(m => m.name))
    if (names.size !== members.length) throw new Error(`fleet manager seed ${seed.name}: duplicate member names`)
    const live: LiveFleetManager = {
      seed,
      id,
      name: seed.name,
      subscriptionId: seed.subscriptionId,
      resourceGroup: seed.resourceGroup,
      location: seed.location,
      eTag: newETag(),
      systemData: systemData('seed@emulator', t, 'User'),
      lastOperationId: randomUUID(),
      members,
      strategies: [],
      runs: [],
      gates: []
    }
    return live
  })
  return { fleets, upgrades: [], operations: [], now: clock.now, operationDurationMs: clock.operationDurationMs }
}

/** The fleet with this resource id (case-insensitive) or, when unique, this name. */
export function findFleetManager(state: EmulatorState, idOrName: string): LiveFleetManager | undefined {
  const fleets = state.fleetManager.fleets
  if (idOrName.startsWith('/')) return fleets.find(f => sameName(f.id, idOrName))
  const named = fleets.filter(f => sameName(f.name, idOrName))
  return named.length === 1 ? named[0] : undefined
}

/** Group name → how many members carry it now. */
export function groupSizes(fm: LiveFleetManager): Map<string, number> {
  const sizes = new Map<string, number>()
  for (const m of fm.members) if (m.group !== undefined) sizes.set(m.group, (sizes.get(m.group) ?? 0) + 1)
  return sizes
}

/** A run body resolved against the fleet: the input, and the strategy it follows (its own or the snapshot). */
export function resolveRunBody(fm: LiveFleetManager, body: unknown): { input: RunInput; strategy?: StrategyInput } | ValidationError {
  const sizes = groupSizes(fm)
  const input = parseRunBody(body, sizes)
  if (isValidationError(input)) return input
  if (input.updateStrategyId === undefined) return input.strategy === undefined ? { input } : { input, strategy: input.strategy }
  const wanted = input.updateStrategyId
  const found = fm.strategies.find(s => sameName(`${fm.id}/updateStrategies/${s.name}`, wanted))
  // Assumption: an unknown strategy (or one of another fleet) answers 400 BadRequest.
  if (found === undefined)
    return {
      code: 'BadRequest',
      message: `The update strategy '${wanted}' was not found in fleet '${fm.name}'.`,
      target: 'properties.updateStrategyId'
    }
  // Members may have changed groups since the strategy was written: check the snapshot again.
  const strategy = parseStrategy(found.strategy, sizes, 'updateStrategy.strategy')
  if (isValidationError(strategy)) return strategy
  return { input, strategy }
}

function definitionFor(fm: LiveFleetManager, strategy: StrategyInput | undefined): RunDefinition {
  const membersOf = (group: string | undefined) =>
    fm.members.filter(m => group === undefined || m.group === group).map(m => ({ name: m.name, clusterResourceId: m.clusterResourceId }))
  const gates = (list: Array<{ displayName?: string }> | undefined) =>
    (list ?? []).map(g => (g.displayName === undefined ? {} : { displayName: g.displayName }))
  if (strategy === undefined) {
    // Assumption: a run without a strategy shows one stage and one group named "default" (all members, one by one).
    const members = membersOf(undefined)
    return {
      stages: [
        {
          name: 'default',
          maxConcurrency: stageConcurrency(undefined, members.length),
          afterStageWaitInSeconds: 0,
          beforeGates: [],
          afterGates: [],
          groups: [{ name: 'default', maxConcurrency: groupConcurrency(undefined, members.length), beforeGates: [], afterGates: [], members }]
        }
      ]
    }
  }
  return {
    stages: strategy.stages.map(s => {
      const groups = s.groups.map(g => {
        const members = membersOf(g.name)
        return {
          name: g.name,
          maxConcurrency: groupConcurrency(g.maxConcurrency, members.length),
          beforeGates: gates(g.beforeGates),
          afterGates: gates(g.afterGates),
          members
        }
      })
      const total = groups.reduce((n, g) => n + g.members.length, 0)
      return {
        name: s.name,
        maxConcurrency: stageConcurrency(s.maxConcurrency, total),
        afterStageWaitInSeconds: s.afterStageWaitInSeconds ?? 0,
        beforeGates: gates(s.beforeGates),
        afterGates: gates(s.afterGates),
        groups
      }
    })
  }
}

/**
 * Creates a run (NotStarted) or, before it started, replaces its definition. Members are taken
 * from their groups now: later group changes don't move them (a snapshot, §3.3).
 */
export function putRun(
  state: EmulatorState,
  fm: LiveFleetManager,
  name: string,
  resolved: { input: RunInput; strategy?: StrategyInput },
  who: string
): LiveRun {
  const t = state.fleetManager.now()
  const tree = createRunTree(definitionFor(fm, resolved.strategy), t)
  const selection = resolved.input.managedClusterUpdate.nodeImageSelection
  const existing = fm.runs.find(r => r.name === name)
  const run: LiveRun = {
    ...tree,
    name,
    id: `${fm.id}/updateRuns/${name}`,
    eTag: newETag(),
    eTagRevision: tree.revision,
    systemData: existing?.systemData ?? systemData(who, t),
    input: resolved.input
  }
  touch(run.systemData, who, t)
  if (resolved.strategy !== undefined) run.strategy = resolved.strategy
  if (selection?.type === 'Custom') run.selectedNodeImageVersions = (selection.customNodeImageVersions ?? []).map(v => v.version)
  if (selection?.type === 'Consistent') {
    const clusters = run.stages.flatMap(s => s.groups.flatMap(g => g.members.map(m => findClusterById(state, m.clusterResourceId))))
    run.selectedNodeImageVersions = consistentImages(clusters.filter(c => c !== undefined))
  }
  if (existing === undefined) fm.runs.push(run)
  else fm.runs.splice(fm.runs.indexOf(existing), 1, run)
  return run
}

/** The definition a PUT compares (strategy and managedClusterUpdate can't change after start). */
export function definitionKey(input: RunInput): string {
  return JSON.stringify([input.updateStrategyId ?? null, input.strategy ?? null, input.managedClusterUpdate])
}

function refreshETags(fm: LiveFleetManager): void {
  for (const run of fm.runs) {
    if (run.revision === run.eTagRevision) continue
    run.eTag = newETag()
    run.eTagRevision = run.revision
  }
}

/** Brings every update run of every fleet to `now` (default: the emulator's clock). Called on every ARM request. */
export function settleFleetManagers(state: EmulatorState, now = state.fleetManager.now()): void {
  const entries = state.fleetManager.fleets.flatMap(fm => fm.runs.map(run => ({ run, env: runEnvironment(state, fm, run) })))
  if (entries.length === 0) return
  advanceRuns(entries, now)
  for (const fm of state.fleetManager.fleets) refreshETags(fm)
}

/**
 * Puts in place a run someone else created (a PUT body, validated like one), optionally started.
 * `fleet` is the fleet's resource id or name. Throws on an invalid body or an existing run.
 */
export function seedUpdateRun(state: EmulatorState, fleet: string, name: string, body: unknown, options: { start?: boolean } = {}): LiveRun {
  settleFleetManagers(state)
  const fm = findFleetManager(state, fleet)
  if (fm === undefined) throw new Error(`seedUpdateRun: no fleet manager '${fleet}'`)
  if (!validName(name)) throw new Error(`seedUpdateRun: invalid run name '${name}'`)
  if (fm.runs.some(r => r.name === name)) throw new Error(`seedUpdateRun: run '${name}' already exists in ${fm.name}`)
  const resolved = resolveRunBody(fm, body)
  if (isValidationError(resolved)) throw new Error(`seedUpdateRun: ${resolved.code}: ${resolved.message}`)
  const run = putRun(state, fm, name, resolved, 'someone-else@contoso.com')
  if (options.start === true) {
    const refused = startRun(run, state.fleetManager.now())
    if (refused !== undefined) throw new Error(`seedUpdateRun: ${refused.message}`)
  }
  settleFleetManagers(state)
  return run
}

const FLEET_PATH = /\/providers\/microsoft\.containerservice\/fleets(\/|$)/i
const FLEET_OPERATION_PATH =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.containerservice\/locations\/[^/]+\/(operations|operationresults)\/[^/]+$/i

/** Fleet routes, and the resource-group scoped LRO URLs Fleet hands out (the examples' shape; AKS's have no resource group). */
export function isFleetManagerPath(path: string): boolean {
  return FLEET_PATH.test(path) || FLEET_OPERATION_PATH.test(path)
}
