// The action's outputs, derived from the plan and the results (pure).
import type { EntryAction, FleetPlan, OperationOutcome, OperationResult, PlanEntry, RunReport } from '../model.js'
import { buildRows, countRows } from './rows.js'

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

/** The kind of operation an entry stands for; undefined when it plans none of its own. */
function entryKind(entry: PlanEntry): string | undefined {
  if (entry.pool === null) return 'control-plane'
  if (entry.action === 'node-image') return 'node-image'
  if (entry.action === 'patch' || entry.action === 'minor') return 'pool-version'
  return undefined
}

export function planOutput(plan: FleetPlan, results: OperationResult[]): PlanOutputEntry[] {
  // A pool can have two results (its image refreshed, its version upgrade held): match by kind.
  const byTarget = new Map<string, OperationResult>()
  for (const r of results) {
    const where = `${r.operation.clusterId.toLowerCase()}|${r.operation.pool ?? ''}`
    byTarget.set(where, r)
    byTarget.set(`${where}|${r.operation.kind}`, r)
  }
  return plan.clusters.flatMap(cp =>
    cp.entries.flatMap(entry => {
      const where = `${entry.clusterId.toLowerCase()}|${entry.pool ?? ''}`
      const kind = entryKind(entry)
      const r = byTarget.get(kind !== undefined ? `${where}|${kind}` : where)
      // Folded into the version upgrade that started: that entry tells it.
      const { foldsInto, ...shown } = entry
      if (foldsInto !== undefined && !r) return []
      return {
        ...shown,
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

/** GitHub keeps a step output only up to 1 MiB; stay clearly under it. */
const OUTPUT_LIMIT = 1_000_000

/**
 * The `plan` output as JSON, within GitHub's output size limit. At hundreds of clusters the
 * full entries do not fit: first the prose (message, warnings) goes, then the entries with
 * nothing to report (no action, no result, up to date). `truncated` says what was dropped,
 * for a warning; the job summary keeps everything.
 */
export function serializePlan(entries: PlanOutputEntry[], limit = OUTPUT_LIMIT): { json: string; truncated?: string } {
  const full = jsonWithin(entries, limit)
  if (full !== undefined) return { json: full }
  const compact = entries.map(({ message: _m, warnings: _w, ...rest }) => rest)
  const compactJson = jsonWithin(compact, limit)
  if (compactJson !== undefined) return { json: compactJson, truncated: 'message and warnings of each entry' }
  const relevant = compact.filter(e => e.action !== 'none' || e.result !== null || e.reason !== 'up-to-date')
  const relevantJson = jsonWithin(relevant, limit)
  if (relevantJson !== undefined) {
    return { json: relevantJson, truncated: `message and warnings, and the ${compact.length - relevant.length} up-to-date entries` }
  }
  // Still too large: keep whole entries in order while they fit.
  const kept: string[] = []
  let size = 2
  for (const e of relevant) {
    const part = JSON.stringify(e)
    if (size + part.length + 1 > limit) break
    kept.push(part)
    size += part.length + 1
  }
  return { json: `[${kept.join(',')}]`, truncated: `message and warnings, up-to-date entries, and ${relevant.length - kept.length} further entries` }
}

/**
 * The JSON array of `items`, or undefined as soon as it would pass `limit` characters: at a
 * thousand clusters the whole plan is megabytes, and building it only to throw it away is
 * most of what the end of a run allocates.
 */
function jsonWithin(items: readonly object[], limit: number): string | undefined {
  const parts: string[] = []
  let size = 2
  for (const item of items) {
    const part = JSON.stringify(item)
    size += part.length + (parts.length > 0 ? 1 : 0)
    if (size > limit) return undefined
    parts.push(part)
  }
  return `[${parts.join(',')}]`
}
