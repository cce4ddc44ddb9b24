// Commands on an update run (FLEET-API-NOTES §3.5, §3.6): start, stop, skip, and a gate's approval.
// The caller advances the run to `t` first and steps it at `t` afterwards (fleet-run.ts).
import { allMembers, gateDone, isActive, setControl, setMember, setStatus } from './fleet-run.ts'
import type { GateNode, GroupNode, MemberNode, RunEnv, RunTree, StageNode } from './fleet-run.ts'

export interface CommandError {
  status: 400 | 409
  code: string
  message: string
}

const conflict = (message: string): CommandError => ({ status: 409, code: 'Conflict', message })
const badRequest = (message: string): CommandError => ({ status: 400, code: 'BadRequest', message })

/** NotStarted, Stopped or Failed → Running; resumes at the first unprocessed member. */
export function startRun(run: RunTree, t: number): CommandError | undefined {
  const state = run.status.state
  // Assumption: starting a run in any other state answers 409 Conflict (no Fleet text documented).
  if (state !== 'NotStarted' && state !== 'Stopped' && state !== 'Failed') {
    return conflict(`The update run can't be started because it is in state ${state}.`)
  }
  for (const m of allMembers(run)) if (m.status.state === 'Pending') m.nextCheckAt = t
  setControl(run, 'running')
  return undefined
}

/** Running or Pending → Stopping → Stopped once in-progress members finish. */
export function stopRun(run: RunTree): CommandError | undefined {
  const state = run.status.state
  if (state !== 'Running' && state !== 'Pending') return conflict(`The update run can't be stopped because it is in state ${state}.`)
  setControl(run, 'stopping')
  return undefined
}

export interface SkipTarget {
  type: 'Member' | 'Group' | 'Stage' | 'AfterStageWait'
  name: string
}

function skipGates(run: RunTree, gates: GateNode[], t: number, env: RunEnv): void {
  for (const gate of gates) {
    if (gateDone(gate)) continue
    if (gate.gateId !== undefined) env.skipGate(gate.gateId, t)
    setStatus(run, gate.status, 'Skipped', t)
  }
}

function skipMember(run: RunTree, m: MemberNode, t: number): void {
  if (isActive(m) || m.status.state === 'Completed' || m.status.state === 'Skipped') return
  delete m.nextCheckAt
  setMember(run, m, 'Skipped', t, 'Skipped by request.')
}

function skipGroup(run: RunTree, g: GroupNode, t: number, env: RunEnv): void {
  g.skipped = true
  run.revision++
  for (const m of g.members) skipMember(run, m, t)
  skipGates(run, g.beforeGates, t, env)
  skipGates(run, g.afterGates, t, env)
}

function skipWait(run: RunTree, s: StageNode, t: number): void {
  if (s.waitStatus.state !== 'Completed') setStatus(run, s.waitStatus, 'Skipped', t)
}

/** Validates every target first, then skips them all (FLEET-API-NOTES §3.6). */
export function skipInRun(run: RunTree, targets: SkipTarget[], t: number, env: RunEnv): CommandError | undefined {
  const state = run.status.state
  if (state === 'Completed' || state === 'Stopping') return conflict(`The update run can't skip anything because it is in state ${state}.`)
  const actions: Array<() => void> = []
  for (const target of targets) {
    const stage = run.stages.find(s => s.name === target.name)
    switch (target.type) {
      case 'Member': {
        const m = allMembers(run).find(x => x.name === target.name)
        if (m === undefined) return badRequest(`Member '${target.name}' is not part of the update run.`)
        // Assumptions: a member being upgraded or already upgraded can't be skipped.
        if (isActive(m)) return badRequest(`Member '${target.name}' is being updated and can't be skipped.`)
        if (m.status.state === 'Completed') return badRequest(`Member '${target.name}' is already updated and can't be skipped.`)
        actions.push(() => skipMember(run, m, t))
        break
      }
      case 'Group': {
        const g = run.stages.flatMap(s => s.groups).find(x => x.name === target.name)
        if (g === undefined) return badRequest(`Group '${target.name}' is not part of the update run.`)
        actions.push(() => skipGroup(run, g, t, env))
        break
      }
      case 'Stage': {
        if (stage === undefined) return badRequest(`Stage '${target.name}' is not part of the update run.`)
        actions.push(() => {
          stage.skipped = true
          run.revision++
          for (const g of stage.groups) skipGroup(run, g, t, env)
          skipGates(run, stage.beforeGates, t, env)
          skipGates(run, stage.afterGates, t, env)
          if (stage.afterStageWaitInSeconds > 0) skipWait(run, stage, t)
        })
        break
      }
      case 'AfterStageWait': {
        if (stage === undefined) return badRequest(`Stage '${target.name}' is not part of the update run.`)
        if (stage.afterStageWaitInSeconds === 0) return badRequest(`Stage '${target.name}' has no after-stage wait.`)
        if (stage.waitStatus.state === 'Completed') return badRequest(`The after-stage wait of stage '${target.name}' is already completed.`)
        actions.push(() => skipWait(run, stage, t))
        break
      }
    }
  }
  for (const act of actions) act()
  return undefined
}

/** The gate resource was approved: its node in the run becomes Completed. */
export function completeGateInRun(run: RunTree, gateId: string, t: number): boolean {
  const gates = run.stages.flatMap(s => [...s.beforeGates, ...s.afterGates, ...s.groups.flatMap(g => [...g.beforeGates, ...g.afterGates])])
  const gate = gates.find(g => g.gateId !== undefined && g.gateId.toLowerCase() === gateId.toLowerCase())
  if (gate === undefined) return false
  if (gate.status.state === 'Pending') setStatus(run, gate.status, 'Completed', t)
  return true
}

/** True while a member of the run is being upgraded. */
export function runHasActiveMembers(run: RunTree): boolean {
  return allMembers(run).some(isActive)
}
