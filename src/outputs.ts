// The action's outputs, derived from the plan and the results (pure).
import type { EntryAction, FleetPlan, OperationOutcome, OperationResult, PlanEntry, RunReport } from './model.js'
import { buildRows, countRows } from './report/rows.js'

/** One element of the `plan` output (schema documented in README). */
export interface PlanOutputEntry extends PlanEntry {
  /** What happened to this entry's operation in this run; null when none was planned. */
  result: OperationOutcome | null
  /** Azure's error when the operation failed. */
  error: { code: string; message: string } | null
  /** Why a due operation did not start in this run (window, blackout, ring halt, earlier failure...). */
  hold: { reason: string; detail: string | null; nextWindow: string | null } | null
  /** Convenience: the version the action concerns (node image for node-image, else Kubernetes). */
  current: string | null
  target: string | null
}

function concerns(action: EntryAction, entry: PlanEntry): { current: string | null; target: string | null } {
  if (action === 'node-image') return { current: entry.nodeImageVersion?.current ?? null, target: entry.nodeImageVersion?.target ?? null }
  return { current: entry.kubernetesVersion.current, target: entry.kubernetesVersion.target }
}

export function planOutput(plan: FleetPlan, results: OperationResult[]): PlanOutputEntry[] {
  const byTarget = new Map<string, OperationResult>()
  for (const r of results) {
    byTarget.set(`${r.operation.clusterId.toLowerCase()}|${r.operation.pool ?? ''}`, r)
  }
  return plan.clusters.flatMap(cp =>
    cp.entries.map(entry => {
      const r = byTarget.get(`${entry.clusterId.toLowerCase()}|${entry.pool ?? ''}`)
      return {
        ...entry,
        ...concerns(entry.action, entry),
        result: r?.outcome ?? null,
        error: r?.error ? { code: r.error.code, message: r.error.message } : null,
        hold:
          r?.holdReason !== undefined && (r.outcome === 'pending' || r.outcome === 'skipped')
            ? { reason: r.holdReason, detail: r.holdDetail ?? null, nextWindow: r.nextWindow ?? null }
            : null
      }
    })
  )
}

export interface Counts {
  started: number
  failed: number
  pending: number
}

/**
 * Counts for the outputs. `pending` uses the report's own classification (window, blackout,
 * bake time, ring gate, approval, next run), so the output and the issue never disagree.
 */
export function countResults(report: RunReport): Counts {
  const startedOutcomes: OperationOutcome[] = ['started', 'succeeded', 'failed', 'still-running']
  const rows = buildRows(report)
  return {
    // An operation Azure refused to start (e.g. 409) failed but was never started.
    started: report.results.filter(r => startedOutcomes.includes(r.outcome) && r.holdReason !== 'start-refused').length,
    failed: report.results.filter(r => r.outcome === 'failed').length,
    pending: countRows(rows.all, report).pending
  }
}
