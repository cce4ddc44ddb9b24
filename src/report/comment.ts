// The short comment each run leaves in the history, and the title of a per-run issue.
import type { OperationResult, RunReport } from '../model.js'
import { changeOf, newCellTexts } from './cells.js'
import { escapeText, link } from './escape.js'
import { formatDate, formatInstant } from './format.js'
import { buildRows, countRows } from './rows.js'

const COMMENT_ITEMS = 10

/** Short comment for the issue history; null when the run changed nothing (no operation started, finished or failed). */
export function renderRunComment(report: RunReport): string | null {
  const changed: OperationResult['outcome'][] = ['failed', 'succeeded', 'started', 'still-running']
  const { all } = buildRows(report)
  const rows = all.filter(r => r.result && changed.includes(r.result.outcome))
  if (rows.length === 0) return null
  const order: Record<string, number> = { failed: 0, 'still-running': 1, started: 2, succeeded: 3 }
  rows.sort((a, b) => (order[a.result?.outcome ?? ''] ?? 9) - (order[b.result?.outcome ?? ''] ?? 9))
  const n = (o: string): number => rows.filter(r => r.result?.outcome === o).length
  const parts: string[] = []
  if (n('failed')) parts.push(`${n('failed')} failed`)
  if (n('started') + n('still-running')) parts.push(`${n('started') + n('still-running')} in progress`)
  if (n('succeeded')) parts.push(`${n('succeeded')} upgraded`)
  const icon: Record<string, string> = { failed: '❌', 'still-running': '🔄', started: '🔄', succeeded: '✅' }
  const lines = [`**Run of ${escapeText(formatInstant(report.startedAt, report.timezone))}:** ${parts.join(' · ')}.`, '']
  const texts = newCellTexts()
  for (const row of rows.slice(0, COMMENT_ITEMS)) {
    const r = row.result
    if (!r) continue
    const where = `${escapeText(row.resourceGroup)}/**${escapeText(row.cluster)}** · ${row.pool === null ? 'control plane' : escapeText(row.pool)}`
    const error = r.outcome === 'failed' && r.error ? ` — **${escapeText(r.error.code)}**` : ''
    lines.push(`- ${icon[r.outcome] ?? ''} ${where}: ${changeOf(texts, row)}${error}`)
  }
  if (rows.length > COMMENT_ITEMS) lines.push(`- …and ${(rows.length - COMMENT_ITEMS).toLocaleString('en-US')} more (see the report above)`)
  if (report.runUrl) lines.push('', link('Workflow run', report.runUrl))
  return lines.join('\n')
}

/** Title for `issue: per-run` issues, e.g. `<title> — 2026-11-23 (3 upgraded, 1 failed)` */
export function perRunTitle(baseTitle: string, report: RunReport): string {
  const rows = buildRows(report).all
  const c = countRows(rows, report)
  const parts: string[] = []
  if (c.upgraded) parts.push(`${c.upgraded} upgraded`)
  if (c.failed) parts.push(`${c.failed} failed`)
  if (c.inProgress) parts.push(`${c.inProgress} in progress`)
  if (c.wouldUpgrade) parts.push(`${c.wouldUpgrade} would upgrade`)
  if (c.pending) parts.push(`${c.pending} pending`)
  if (parts.length === 0) parts.push(report.dryRun ? 'dry run, nothing to do' : 'nothing to do')
  else if (report.dryRun) parts.unshift('dry run')
  const base = baseTitle.replace(/\s+/g, ' ').trim()
  return `${base} — ${formatDate(report.startedAt, report.timezone)} (${parts.join(', ')})`
}
