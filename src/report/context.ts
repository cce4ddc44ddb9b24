// What every section reads while the report is rendered: the run, its rows sorted once, and
// the level of detail of this rendering.
import type { RunReport } from '../model.js'
import { newCellTexts, type CellTexts } from './cells.js'
import { ISSUE_DETAIL, SUMMARY_DETAIL, type DetailLevels } from './detail.js'
import { keptApprovals, type ApprovedBox } from '../approvals.js'
import { buildRows, countRows, type ClusterRows, type Counts, type ReportRows, type Row, type RowStatus } from './rows.js'
import { bodyLimit, type ReportTarget } from './target.js'

export interface RenderContext {
  report: RunReport
  target: ReportTarget
  rows: ReportRows
  counts: Counts
  multiRing: boolean
  detail: DetailLevels
  /** A section longer than this cannot fit whole: its rows stop there. */
  sectionCap: number
  /** Rows by lower-cased cluster id, built when a failure first asks (shared by every level of detail). */
  cache: { rowsByCluster?: Map<string, Row[]> }
  /** Rows by status, in report order (each section asks for its own at every level of detail). */
  byStatus: Map<RowStatus, Row[]>
  /** Clusters with nothing to do, and the others. */
  upToDateClusters: ClusterRows[]
  busyClusters: ClusterRows[]
  texts: CellTexts
  /** Approvals given and not yet carried out: ticked boxes the issue must keep. */
  approvedBoxes: ApprovedBox[]
}

/** The context of one rendering, at the target's richest level of detail; `rows` when the caller built them already. */
export function newRenderContext(report: RunReport, target: ReportTarget, rows: ReportRows = buildRows(report)): RenderContext {
  const rings = new Set([...Object.keys(report.plan.rings), ...report.plan.clusters.map(c => String(c.ring))])
  const ctx: RenderContext = {
    report,
    target,
    rows,
    counts: countRows(rows.all, report),
    multiRing: rings.size > 1,
    detail: target === 'issue' ? ISSUE_DETAIL : SUMMARY_DETAIL,
    sectionCap: bodyLimit(target),
    cache: {},
    byStatus: new Map(),
    upToDateClusters: [],
    busyClusters: [],
    texts: newCellTexts(),
    // Computed before rendering (main.ts); a report built without it (unit tests) computes it here.
    approvedBoxes: report.approved ?? keptApprovals(report, rows)
  }
  for (let i = 0; i < rows.all.length; i++) {
    const row = rows.all[i]
    if (!row) continue
    const list = ctx.byStatus.get(row.status)
    if (list) list.push(row)
    else ctx.byStatus.set(row.status, [row])
  }
  for (const c of rows.clusters) (isUpToDate(c) ? ctx.upToDateClusters : ctx.busyClusters).push(c)
  return ctx
}

export function rowsWith(ctx: RenderContext, status: RowStatus): Row[] {
  return ctx.byStatus.get(status) ?? []
}

function isUpToDate(c: ClusterRows): boolean {
  for (let i = 0; i < c.rows.length; i++) if (c.rows[i]?.status !== 'up-to-date') return false
  return c.rows.length > 0
}
