// Upgraded in this run, or (dry run) what would be upgraded.
import { changeOf, clusterCell, flatString, poolCell } from '../cells.js'
import { rowsWith, type RenderContext } from '../context.js'
import type { SectionDraft } from '../fit.js'
import { formatDuration } from '../format.js'
import type { Row } from '../rows.js'
import { ringCounts, sectionHeading, summarySection, tableSection } from './table.js'

export function doneSection(ctx: RenderContext, status: 'upgraded' | 'would-upgrade'): SectionDraft | null {
  const rows = rowsWith(ctx, status)
  if (rows.length === 0) return null
  const heading = sectionHeading(status === 'would-upgrade' ? '🧪 Would upgrade' : '✅ Upgraded in this run', rows.length)
  if (ctx.detail.done === 'counts') return summarySection(heading, ringCounts(ctx, rows))
  if (status === 'would-upgrade') {
    return tableSection(ctx, heading, ['Cluster', 'Pool', 'Change'], rows, r =>
      flatString(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' |'])
    )
  }
  const took = (row: Row): string => formatDuration(row.result?.startedAt, row.result?.finishedAt) || '—'
  return tableSection(ctx, heading, ['Cluster', 'Pool', 'Change', 'Took'], rows, r =>
    flatString(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' | ', took(r), ' |'])
  )
}
