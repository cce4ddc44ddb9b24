// The action's outputs, derived from the plan and the results (pure).
import type { EntryAction, FleetPlan, OperationOutcome, OperationResult, PlanEntry, RunReport } from '../model.js'
import { buildRows, countRows, type ReportRows } from './rows.js'

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
  const index = new ResultIndex(results)
  return plan.clusters.flatMap(cp =>
    cp.entries.flatMap(entry => {
      const r = index.find(entry.clusterId, entry.pool ?? '', entryKind(entry))
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

/**
 * The results by cluster (ids compare case-insensitively), so that matching an entry looks
 * among its cluster's few results instead of building and hashing a `cluster|pool|kind` key
 * for each of thousands of entries and results.
 */
class ResultIndex {
  private readonly byCluster = new Map<string, OperationResult[]>()
  private readonly lowered = new Map<string, string>()

  constructor(results: readonly OperationResult[]) {
    for (const r of results) {
      const id = this.lower(r.operation.clusterId)
      const list = this.byCluster.get(id)
      if (list) list.push(r)
      else this.byCluster.set(id, [r])
    }
  }

  private lower(id: string): string {
    let l = this.lowered.get(id)
    if (l === undefined) {
      l = id.toLowerCase()
      this.lowered.set(id, l)
    }
    return l
  }

  /**
   * The last result on this cluster and pool, of this kind when one is given: a pool can have
   * two results (its image refreshed, its version upgrade held).
   */
  find(clusterId: string, pool: string, kind: string | undefined): OperationResult | undefined {
    const list = this.byCluster.get(this.lower(clusterId)) ?? []
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i]
      if (r && (r.operation.pool ?? '') === pool && (kind === undefined || r.operation.kind === kind)) return r
    }
    return undefined
  }
}

export interface Counts {
  started: number
  failed: number
  pending: number
}

/**
 * Counts for the outputs. `pending` uses the report's own classification (window, blackout,
 * bake time, ring gate, approval, next run), so the output and the issue never disagree.
 * `rows`: the report's rows when the caller built them already.
 */
export function countResults(report: RunReport, rows: ReportRows = buildRows(report)): Counts {
  const startedOutcomes: OperationOutcome[] = ['started', 'succeeded', 'failed', 'still-running']
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
  // Each form is measured before one is built: at a thousand clusters the entries are
  // megabytes of JSON, and building each form only to find it too long was most of what the
  // end of a run allocated. The form that fits is built once.
  if (fitsWithin(entries, full, limit)) return { json: jsonArray(entries, full) }
  if (fitsWithin(entries, compact, limit)) return { json: jsonArray(entries, compact), truncated: 'message and warnings of each entry' }
  const relevant = entries.filter(e => e.action !== 'none' || e.result !== null || e.reason !== 'up-to-date')
  if (fitsWithin(relevant, compact, limit)) {
    return { json: jsonArray(relevant, compact), truncated: `message and warnings, and the ${entries.length - relevant.length} up-to-date entries` }
  }
  // Still too large: keep whole entries in order while they fit.
  const kept: string[] = []
  let size = 2
  for (const e of relevant) {
    const part = compact(e)
    if (size + part.length + 1 > limit) break
    kept.push(part)
    size += part.length + 1
  }
  return { json: `[${kept.join(',')}]`, truncated: `message and warnings, up-to-date entries, and ${relevant.length - kept.length} further entries` }
}

type EntryJson = (entry: PlanOutputEntry) => string

const full: EntryJson = entry => JSON.stringify(entry)

/** The entry without its prose (message, warnings). */
const compact: EntryJson = ({ message: _m, warnings: _w, ...rest }) => JSON.stringify(rest)

/** Whether the JSON array of `items` stays within `limit` characters; measured entry by entry, nothing kept. */
function fitsWithin(items: readonly PlanOutputEntry[], json: EntryJson, limit: number): boolean {
  let size = 2
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (item === undefined) continue
    size += json(item).length + (i > 0 ? 1 : 0)
    if (size > limit) return false
  }
  return true
}

function jsonArray(items: readonly PlanOutputEntry[], json: EntryJson): string {
  const parts: string[] = []
  for (const item of items) parts.push(json(item))
  return `[${parts.join(',')}]`
}
