// The run's window status for the `in-window` / `next-window` outputs and the report's
// header: whether operations could start when the run began, and when the next window
// opens. Pure: the plan and the instant are parameters.
import type { FleetPlan, RunReport, WindowDecision } from '../model.js'
import { checkWindow, type GateOptions } from './gate.js'

export function windowStatus(gate: GateOptions, plan: FleetPlan, at: Date): RunReport['window'] {
  let decisions: WindowDecision[]
  if (gate.window.mode === 'cluster') {
    decisions = plan.clusters
      .filter(cp => cp.operations.length > 0)
      .flatMap(cp => [...new Set(cp.operations.map(op => op.upgradeClass))].map(cls => checkWindow(gate, cp.cluster.maintenanceConfigs, cls, at)))
  } else {
    decisions = [checkWindow(gate, undefined, 'node-image', at)]
  }
  const closed = decisions.filter(d => !d.open)
  const next = closed
    .map(d => d.nextOpen)
    .filter((n): n is string => n !== undefined)
    .sort()[0]
  const status: RunReport['window'] = { inWindow: decisions.length === 0 || closed.length < decisions.length }
  // next-window is empty while operations can start (as action.yml promises).
  if (!status.inWindow && next !== undefined) status.nextWindow = next
  // Said of a window that is open while one is (a node-OS schedule open beside a closed
  // auto-upgrade one), else of the first closed one.
  const detail = (status.inWindow ? decisions.find(d => d.open) : closed[0])?.detail
  if (detail !== undefined) status.detail = detail
  return status
}
