// The Fleet Manager update-run executor: a pure, time-driven state machine over one run's status
// tree (FLEET-API-NOTES §3.5, §7, §10). It owns no clock and does no I/O: callers step runs to an
// instant (`advanceRuns`, event by event, so a clock that jumps days lands in the right order) and
// a `RunEnv` answers questions about members' clusters and carries out the upgrades.
import type { FleetError } from './fleet.ts'
import { armTime } from './types.ts'

export type UpdateState = 'NotStarted' | 'Running' | 'Stopping' | 'Stopped' | 'Skipped' | 'Failed' | 'Pending' | 'Completed'

/** `UpdateStatus` of the wire, times in ms. */
export interface UpdateStatusRecord {
  state: UpdateState
  startTime?: number
  completedTime?: number
  error?: FleetError
}

export interface GateNode {
  displayName?: string
  /** The gate resource id, once the run reached the gate. */
  gateId?: string
  status: UpdateStatusRecord
}

export interface MemberNode {
  name: string
  clusterResourceId: string
  status: UpdateStatusRecord
  operationId?: string
  message?: string
  /** While Running/Stopping: when the upgrade ends. */
  dueAt?: number
  /** While Pending: when Fleet looks at the member again (every 60 minutes). */
  nextCheckAt?: number
}

export interface GroupNode {
  name: string
  /** Resolved `maxConcurrency`. */
  maxConcurrency: number
  members: MemberNode[]
  beforeGates: GateNode[]
  afterGates: GateNode[]
  status: UpdateStatusRecord
  reached: boolean
  skipped: boolean
}

export interface StageNode {
  name: string
  maxConcurrency: number
  groups: GroupNode[]
  beforeGates: GateNode[]
  afterGates: GateNode[]
  afterStageWaitInSeconds: number
  waitStatus: UpdateStatusRecord
  waitEndsAt?: number
  status: UpdateStatusRecord
  reached: boolean
  skipped: boolean
}

/** What the user asked for last (start/stop) and what the run is doing about it. */
export type RunControl = 'idle' | 'running' | 'stopping' | 'stopped' | 'failing' | 'failed' | 'done'

export interface RunTree {
  stages: StageNode[]
  status: UpdateStatusRecord
  control: RunControl
  /** The instant the tree reflects. */
  evaluatedAt: number
  /** Bumped by every change (the owner derives eTags from it). */
  revision: number
}

interface GateScope {
  stage: string
  group?: string
  timing: 'Before' | 'After'
  displayName?: string
}

/** Everything the executor needs to know about, or do to, the world outside the tree. */
export interface RunEnv {
  /** The Skipped message when the member's cluster is already at the target, else undefined. */
  alreadyAtTarget(member: MemberNode, t: number): string | undefined
  /** Why the target is not yet published in the member's region (member Pending), else undefined. */
  unavailable(member: MemberNode, t: number): FleetError | undefined
  windowOpen(member: MemberNode, t: number): boolean
  /** Starts the member's upgrade: how long it takes, or why it failed at once. */
  begin(member: MemberNode, t: number): { durationMs: number } | { error: FleetError }
  /** Ends it: the member's message, and the error when it failed. */
  end(member: MemberNode, t: number): { message: string; error?: FleetError }
  /** Creates the gate resource (state Pending); returns its id. */
  openGate(scope: GateScope, t: number): string
  skipGate(gateId: string, t: number): void
  newOperationId(): string
}

/** Fleet polls a waiting member's window (and region availability) every 60 minutes. */
const CHECK_INTERVAL_MS = 60 * 60 * 1000

const TERMINAL: ReadonlySet<UpdateState> = new Set(['Completed', 'Failed', 'Skipped', 'Stopped'])

export const isActive = (m: MemberNode): boolean => m.status.state === 'Running' || m.status.state === 'Stopping'
const memberDone = (m: MemberNode): boolean => m.status.state === 'Completed' || m.status.state === 'Failed' || m.status.state === 'Skipped'
export const gateDone = (g: GateNode): boolean => g.status.state === 'Completed' || g.status.state === 'Skipped'
const gatesDone = (gates: GateNode[]): boolean => gates.every(gateDone)
const gatePending = (g: GateNode): boolean => g.status.state === 'Pending'
export const allMembers = (run: RunTree): MemberNode[] => run.stages.flatMap(s => s.groups.flatMap(g => g.members))
const stageMembers = (s: StageNode): MemberNode[] => s.groups.flatMap(g => g.members)

// ---------------------------------------------------------------------------
// Building

export interface RunDefinition {
  stages: Array<{
    name: string
    maxConcurrency: number
    afterStageWaitInSeconds: number
    beforeGates: Array<{ displayName?: string }>
    afterGates: Array<{ displayName?: string }>
    groups: Array<{
      name: string
      maxConcurrency: number
      beforeGates: Array<{ displayName?: string }>
      afterGates: Array<{ displayName?: string }>
      members: Array<{ name: string; clusterResourceId: string }>
    }>
  }>
}

const notStarted = (): UpdateStatusRecord => ({ state: 'NotStarted' })
const gateNodes = (gates: Array<{ displayName?: string }>): GateNode[] =>
  gates.map(g => (g.displayName === undefined ? { status: notStarted() } : { displayName: g.displayName, status: notStarted() }))

export function createRunTree(def: RunDefinition, t: number): RunTree {
  return {
    control: 'idle',
    evaluatedAt: t,
    revision: 0,
    status: notStarted(),
    stages: def.stages.map(s => ({
      name: s.name,
      maxConcurrency: s.maxConcurrency,
      afterStageWaitInSeconds: s.afterStageWaitInSeconds,
      beforeGates: gateNodes(s.beforeGates),
      afterGates: gateNodes(s.afterGates),
      waitStatus: notStarted(),
      status: notStarted(),
      reached: false,
      skipped: false,
      groups: s.groups.map(g => ({
        name: g.name,
        maxConcurrency: g.maxConcurrency,
        beforeGates: gateNodes(g.beforeGates),
        afterGates: gateNodes(g.afterGates),
        status: notStarted(),
        reached: false,
        skipped: false,
        members: g.members.map(m => ({ name: m.name, clusterResourceId: m.clusterResourceId, status: notStarted() }))
      }))
    }))
  }
}

// ---------------------------------------------------------------------------
// Setters (every change bumps the revision; also used by fleet-run-commands.ts)

export function setStatus(run: RunTree, rec: UpdateStatusRecord, state: UpdateState, t: number): void {
  if (rec.state === state) return
  rec.state = state
  if (state !== 'NotStarted' && state !== 'Skipped') rec.startTime ??= t
  if (TERMINAL.has(state)) rec.completedTime = t
  else delete rec.completedTime
  run.revision++
}

function setError(run: RunTree, rec: UpdateStatusRecord, error: FleetError | undefined): void {
  if (rec.error?.code === error?.code && rec.error?.message === error?.message) return
  if (error === undefined) delete rec.error
  else rec.error = { code: error.code, message: error.message }
  run.revision++
}

export function setMember(run: RunTree, m: MemberNode, state: UpdateState, t: number, message: string | undefined, error?: FleetError): void {
  setStatus(run, m.status, state, t)
  setError(run, m.status, error)
  if (m.message !== message) {
    if (message === undefined) delete m.message
    else m.message = message
    run.revision++
  }
}

export function setControl(run: RunTree, control: RunControl): void {
  if (run.control === control) return
  run.control = control
  run.revision++
  if (control === 'stopping' || control === 'failing') {
    for (const m of allMembers(run)) if (m.status.state === 'Running') setStatus(run, m.status, 'Stopping', run.evaluatedAt)
  }
}

// ---------------------------------------------------------------------------
// Progress

function groupDone(g: GroupNode): boolean {
  return g.skipped || (g.reached && gatesDone(g.beforeGates) && g.members.every(memberDone) && gatesDone(g.afterGates))
}

function stageDone(s: StageNode): boolean {
  const waited = s.afterStageWaitInSeconds === 0 || s.waitStatus.state === 'Completed' || s.waitStatus.state === 'Skipped'
  return s.skipped || (s.reached && gatesDone(s.beforeGates) && s.groups.every(groupDone) && gatesDone(s.afterGates) && waited)
}

function openGates(run: RunTree, gates: GateNode[], scope: Omit<GateScope, 'displayName'>, t: number, env: RunEnv): void {
  for (const gate of gates) {
    if (gate.status.state !== 'NotStarted') continue
    gate.gateId = env.openGate(gate.displayName === undefined ? scope : { ...scope, displayName: gate.displayName }, t)
    setStatus(run, gate.status, 'Pending', t)
  }
}

function progressGroup(run: RunTree, stage: StageNode, g: GroupNode, t: number, env: RunEnv): void {
  if (g.skipped) return
  if (!g.reached) {
    g.reached = true
    run.revision++
    openGates(run, g.beforeGates, { stage: stage.name, group: g.name, timing: 'Before' }, t, env)
  }
  if (gatesDone(g.beforeGates) && g.members.every(memberDone)) {
    openGates(run, g.afterGates, { stage: stage.name, group: g.name, timing: 'After' }, t, env)
  }
}

function failFast(run: RunTree): void {
  if (run.control === 'running' || run.control === 'stopping') setControl(run, 'failing')
}

type StartOutcome = 'started' | 'skipped' | 'pending' | 'failed'

function tryStart(run: RunTree, m: MemberNode, t: number, env: RunEnv): StartOutcome {
  const skip = env.alreadyAtTarget(m, t)
  if (skip !== undefined) {
    delete m.nextCheckAt
    setMember(run, m, 'Skipped', t, skip)
    return 'skipped'
  }
  const missing = env.unavailable(m, t)
  if (missing !== undefined) {
    m.nextCheckAt = t + CHECK_INTERVAL_MS
    setMember(run, m, 'Pending', t, missing.message, missing)
    return 'pending'
  }
  if (!env.windowOpen(m, t)) {
    m.nextCheckAt = t + CHECK_INTERVAL_MS
    // No Fleet text for this is documented ("the message gives the next opening"); ours names the next check.
    setMember(run, m, 'Pending', t, `set member: ${m.name} to Pending: its maintenance window is closed; next check at ${armTime(m.nextCheckAt)}`)
    return 'pending'
  }
  const begun = env.begin(m, t)
  m.operationId = env.newOperationId()
  delete m.nextCheckAt
  if ('error' in begun) {
    setMember(run, m, 'Failed', t, begun.error.message, begun.error)
    failFast(run)
    return 'failed'
  }
  m.dueAt = t + begun.durationMs
  m.status.startTime = t
  setMember(run, m, 'Running', t, `Upgrading member ${m.name}.`)
  return 'started'
}

const isDue = (m: MemberNode, t: number): boolean =>
  m.status.state === 'NotStarted' || (m.status.state === 'Pending' && (m.nextCheckAt ?? Number.NEGATIVE_INFINITY) <= t)

/** Starts due members round-robin over the stage's groups, within the group and stage limits. */
function startMembers(run: RunTree, stage: StageNode, t: number, env: RunEnv): void {
  const eligible = stage.groups.filter(g => !g.skipped && g.reached && gatesDone(g.beforeGates))
  const active = new Map(eligible.map(g => [g, g.members.filter(isActive).length]))
  let stageActive = stageMembers(stage).filter(isActive).length
  let started = true
  while (started) {
    started = false
    for (const g of eligible) {
      if (run.control !== 'running' || stageActive >= stage.maxConcurrency) return
      const groupActive = active.get(g) ?? 0
      if (groupActive >= g.maxConcurrency) continue
      for (const m of g.members) {
        if (!isDue(m, t)) continue
        const outcome = tryStart(run, m, t, env)
        if (outcome === 'failed') return
        if (outcome === 'started') {
          active.set(g, groupActive + 1)
          stageActive++
          started = true
          break
        }
      }
    }
  }
}

function progressStage(run: RunTree, s: StageNode, t: number, env: RunEnv): void {
  if (s.skipped) return
  if (!s.reached) {
    s.reached = true
    run.revision++
    openGates(run, s.beforeGates, { stage: s.name, timing: 'Before' }, t, env)
  }
  if (!gatesDone(s.beforeGates)) return
  for (const g of s.groups) progressGroup(run, s, g, t, env)
  startMembers(run, s, t, env)
  for (const g of s.groups) progressGroup(run, s, g, t, env)
  if (!s.groups.every(groupDone)) return
  // Assumption (order not documented): after gates first, then the wait, then the next stage.
  openGates(run, s.afterGates, { stage: s.name, timing: 'After' }, t, env)
  if (!gatesDone(s.afterGates) || s.afterStageWaitInSeconds === 0) return
  if (s.waitStatus.state === 'NotStarted') {
    s.waitEndsAt = t + s.afterStageWaitInSeconds * 1000
    setStatus(run, s.waitStatus, 'Running', t)
  }
  if (s.waitStatus.state === 'Running' && (s.waitEndsAt ?? t) <= t) setStatus(run, s.waitStatus, 'Completed', t)
}

function progressRun(run: RunTree, t: number, env: RunEnv): void {
  for (const s of run.stages) {
    if (run.control !== 'running') return
    if (stageDone(s)) continue
    progressStage(run, s, t, env)
    if (!stageDone(s)) return
  }
}

function finishDue(run: RunTree, t: number, env: RunEnv): void {
  const due = allMembers(run)
    .filter(m => isActive(m) && (m.dueAt ?? Number.POSITIVE_INFINITY) <= t)
    .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0))
  for (const m of due) {
    const result = env.end(m, t)
    delete m.dueAt
    if (result.error !== undefined) {
      setMember(run, m, 'Failed', t, result.message, result.error)
      failFast(run)
    } else {
      setMember(run, m, 'Completed', t, result.message)
    }
  }
}

function settleControl(run: RunTree): void {
  const active = allMembers(run).some(isActive)
  if (run.control === 'stopping' && !active) setControl(run, 'stopped')
  if (run.control === 'failing' && !active) setControl(run, 'failed')
  if (run.control === 'running' && run.stages.every(stageDone)) setControl(run, 'done')
}

// ---------------------------------------------------------------------------
// Derived states (groups, stages, run)

function firstError(states: UpdateStatusRecord[]): FleetError | undefined {
  return states.find(s => s.state === 'Failed' && s.error !== undefined)?.error
}

function deriveGroup(run: RunTree, g: GroupNode): UpdateState {
  const c = run.control
  if (g.skipped) return 'Skipped'
  if (!g.reached) return 'NotStarted'
  const active = g.members.some(isActive)
  const failed = g.members.some(m => m.status.state === 'Failed')
  if (groupDone(g)) return failed ? 'Failed' : 'Completed'
  if (c === 'stopping' || c === 'failing') return active ? 'Stopping' : failed ? 'Failed' : 'Stopped'
  if (c === 'stopped' || c === 'failed') return failed ? 'Failed' : 'Stopped'
  if (g.beforeGates.some(gatePending) || g.afterGates.some(gatePending)) return 'Pending'
  if (active) return 'Running'
  return g.members.some(m => m.status.state === 'Pending') ? 'Pending' : 'Running'
}

function deriveStage(run: RunTree, s: StageNode): UpdateState {
  const c = run.control
  if (s.skipped) return 'Skipped'
  if (!s.reached) return 'NotStarted'
  const failed = s.groups.some(g => g.status.state === 'Failed')
  if (stageDone(s)) return failed ? 'Failed' : 'Completed'
  const active = stageMembers(s).some(isActive)
  if (c === 'stopping' || c === 'failing') return active ? 'Stopping' : failed ? 'Failed' : 'Stopped'
  if (c === 'stopped' || c === 'failed') return failed ? 'Failed' : 'Stopped'
  if (s.beforeGates.some(gatePending) || s.afterGates.some(gatePending)) return 'Pending'
  if (s.waitStatus.state === 'Running') return 'Running'
  const open = s.groups.filter(g => !groupDone(g))
  return open.length > 0 && open.every(g => g.status.state === 'Pending' || g.status.state === 'NotStarted') ? 'Pending' : 'Running'
}

function deriveRun(run: RunTree): UpdateState {
  switch (run.control) {
    case 'idle':
      return 'NotStarted'
    case 'stopping':
    case 'failing':
      return 'Stopping'
    case 'stopped':
      return 'Stopped'
    case 'failed':
      return 'Failed'
    case 'done':
      return run.stages.some(s => s.status.state === 'Failed') ? 'Failed' : 'Completed'
    case 'running':
      return run.stages.find(s => !stageDone(s))?.status.state === 'Pending' ? 'Pending' : 'Running'
  }
}

function refreshDerived(run: RunTree, t: number): void {
  for (const s of run.stages) {
    for (const g of s.groups) {
      setStatus(run, g.status, deriveGroup(run, g), t)
      setError(run, g.status, g.status.state === 'Failed' ? firstError(g.members.map(m => m.status)) : undefined)
    }
    setStatus(run, s.status, deriveStage(run, s), t)
    setError(run, s.status, s.status.state === 'Failed' ? firstError(s.groups.map(g => g.status)) : undefined)
  }
  setStatus(run, run.status, deriveRun(run), t)
  setError(run, run.status, run.status.state === 'Failed' ? firstError(run.stages.map(s => s.status)) : undefined)
}

// ---------------------------------------------------------------------------
// Stepping through time

/** Everything that happens at `t`: upgrades ending, the run moving on, derived states. */
function stepRun(run: RunTree, t: number, env: RunEnv): void {
  run.evaluatedAt = Math.max(run.evaluatedAt, t)
  const at = run.evaluatedAt
  let before: number
  do {
    before = run.revision
    finishDue(run, at, env)
    settleControl(run)
    if (run.control === 'running') progressRun(run, at, env)
    settleControl(run)
    refreshDerived(run, at)
  } while (run.revision !== before)
}

/** The next instant after `evaluatedAt` at which something happens on its own. */
function nextEvent(run: RunTree): number {
  let next = Number.POSITIVE_INFINITY
  for (const m of allMembers(run)) {
    if (isActive(m) && m.dueAt !== undefined) next = Math.min(next, m.dueAt)
  }
  if (run.control !== 'running') return next
  for (const s of run.stages) {
    if (s.waitStatus.state === 'Running' && s.waitEndsAt !== undefined) next = Math.min(next, s.waitEndsAt)
    for (const m of stageMembers(s)) {
      if (m.status.state === 'Pending' && m.nextCheckAt !== undefined && m.nextCheckAt > run.evaluatedAt) next = Math.min(next, m.nextCheckAt)
    }
  }
  return Math.max(next, run.evaluatedAt)
}

/**
 * Brings every run to `now`, event by event in time order across all of them (members of two
 * runs on one cluster see each other's effects in the right order).
 */
export function advanceRuns(entries: Array<{ run: RunTree; env: RunEnv }>, now: number): void {
  for (const e of entries) stepRun(e.run, e.run.evaluatedAt, e.env)
  for (;;) {
    let best: { run: RunTree; env: RunEnv } | undefined
    let bestAt = Number.POSITIVE_INFINITY
    for (const e of entries) {
      const at = nextEvent(e.run)
      if (at < bestAt) {
        bestAt = at
        best = e
      }
    }
    if (best === undefined || bestAt > now) break
    const before = best.run.revision
    stepRun(best.run, bestAt, best.env)
    // An event that changed nothing (cannot happen, but never loop on it).
    if (best.run.revision === before && nextEvent(best.run) <= bestAt) break
  }
  for (const e of entries) e.run.evaluatedAt = Math.max(e.run.evaluatedAt, now)
}
