// Held: what this run will not upgrade and why, sorted by reason.
import { clusterCell, escapedCell, flatString, poolCell, poolCount } from '../cells.js'
import { rowsWith, type RenderContext } from '../context.js'
import { escapeCell, escapeText } from '../escape.js'
import type { SectionDraft } from '../fit.js'
import { holdLabel } from '../labels.js'
import type { Row } from '../rows.js'
import { sectionHeading, summarySection, tableSection } from './table.js'

export function heldSection(ctx: RenderContext): SectionDraft | null {
  const rows = rowsWith(ctx, 'held')
  if (rows.length === 0) return null
  const heading = sectionHeading('✋ Held', rows.length)
  const labels = new Map<Row, string>()
  for (const r of rows) labels.set(r, holdLabel(r))
  const label = (r: Row): string => labels.get(r) ?? holdLabel(r)
  if (ctx.detail.held === 'counts') {
    const byLabel = new Map<string, number>()
    for (const r of rows) byLabel.set(label(r), (byLabel.get(label(r)) ?? 0) + 1)
    return summarySection(
      heading,
      [...byLabel].map(([text, n]) => `- **${escapeText(text)}**: ${poolCount(n)}`)
    )
  }
  const sorted = [...rows].sort((a, b) => label(a).localeCompare(label(b)))
  const detail = (r: Row): string => escapedCell(ctx, r.result?.holdDetail ?? r.entry?.message ?? '')
  return tableSection(ctx, heading, ['Cluster', 'Pool', 'Reason', 'Details'], sorted, r =>
    flatString(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', escapeCell(label(r)), ' | ', detail(r), ' |'])
  )
}
