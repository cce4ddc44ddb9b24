// In progress: operations started in this run or earlier and not finished.
import { changeOf, clusterCell, escapedCell, flatString, instantText, poolCell } from '../cells.js'
import { rowsWith, type RenderContext } from '../context.js'
import type { SectionDraft } from '../fit.js'
import { REASON_LABELS } from '../labels.js'
import type { Row } from '../rows.js'
import { ringCounts, sectionHeading, summarySection, tableSection } from './table.js'

export function inProgressSection(ctx: RenderContext): SectionDraft | null {
  const rows = rowsWith(ctx, 'in-progress')
  if (rows.length === 0) return null
  const heading = sectionHeading('🔄 In progress', rows.length)
  if (ctx.detail.inProgress === 'counts') return summarySection(heading, ringCounts(ctx, rows))
  const state = (row: Row): string => {
    if (row.result?.outcome === 'started') return 'started, not waited on'
    // Why waiting stopped: the run's time was up, the run was cancelled, or it lost track.
    if (row.result?.outcome === 'still-running') return escapedCell(ctx, row.result.holdDetail ?? 'still running in Azure (the wait timed out)')
    return escapedCell(ctx, row.entry?.message ?? REASON_LABELS['operation-in-progress'])
  }
  const since = (row: Row): string => (row.result?.startedAt ? instantText(ctx, row.result.startedAt) : '—')
  return tableSection(ctx, heading, ['Cluster', 'Pool', 'Change', 'State', 'Since'], rows, r =>
    flatString(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' | ', state(r), ' | ', since(r), ' |'])
  )
}
