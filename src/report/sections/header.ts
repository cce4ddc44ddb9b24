// The top of the report: counts, the maintenance window, the run's notes, and what the body
// leaves out to fit.
import { escapedText, nextWindowText } from '../cells.js'
import type { RenderContext } from '../context.js'
import { link } from '../escape.js'
import { plural } from '../../util/text.js'
import type { Counts } from '../rows.js'
import { ISSUE_BODY_LIMIT } from '../target.js'

function countsLine(c: Counts, dryRun: boolean): string {
  if (c.clusters === 0 && c.readFailures === 0) return '**No AKS clusters in scope.** Check the cluster list or discovery inputs.'
  const parts: string[] = []
  if (c.failed) parts.push(`${c.failed.toLocaleString('en-US')} failed`)
  if (c.readFailures) parts.push(`${c.readFailures.toLocaleString('en-US')} could not be read`)
  if (c.inProgress) parts.push(`${c.inProgress.toLocaleString('en-US')} in progress`)
  if (c.upgraded) parts.push(`${c.upgraded.toLocaleString('en-US')} upgraded`)
  if (c.wouldUpgrade || dryRun) parts.push(`${c.wouldUpgrade.toLocaleString('en-US')} would upgrade`)
  if (c.pending) {
    const approval = c.awaitingApproval
      ? ` (${c.awaitingApproval.toLocaleString('en-US')} ${c.awaitingApproval === 1 ? 'needs' : 'need'} approval)`
      : ''
    parts.push(`${c.pending.toLocaleString('en-US')} pending${approval}`)
  }
  if (c.held) parts.push(`${c.held.toLocaleString('en-US')} held`)
  parts.push(`${c.upToDate.toLocaleString('en-US')} up to date`)
  return `**${parts.join(' · ')}** — pools and control planes across ${plural(c.clusters, 'cluster')}`
}

function windowLine(ctx: RenderContext): string {
  const w = ctx.report.window
  const detail = w.detail ? ` ${escapedText(ctx, w.detail)}` : ''
  if (w.inWindow) return `🟢 **Maintenance window open:**${detail || ' upgrades may start.'}`
  const next = w.nextWindow ? ` Next window: ${nextWindowText(ctx, w.nextWindow)}.` : ''
  return `🌙 **Maintenance window closed:**${detail || ' nothing starts now.'}${detail ? '.' : ''}${next}`
}

function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`
}

/** The header's lines; `dropped` names what the body leaves out to fit. */
export function headerLines(ctx: RenderContext, dropped: readonly string[]): string[] {
  const { report } = ctx
  const lines = ['## AKS upgrade report', '', countsLine(ctx.counts, report.dryRun), '']
  if (report.dryRun) lines.push('🧪 **Dry run:** nothing was changed; *Would upgrade* lists what a real run would start.', '')
  lines.push(windowLine(ctx), '')
  for (const note of report.notes) lines.push(`> ℹ️ ${escapedText(ctx, note)}`, '')
  if (dropped.length > 0 && ctx.target === 'issue') {
    const where = report.runUrl ? link('job summary of this run', report.runUrl) : 'job summary of this run'
    lines.push(
      `> ✂️ GitHub limits an issue to ${ISSUE_BODY_LIMIT.toLocaleString('en-US')} characters, so this issue leaves out ${listing(dropped)}. The ${where} has everything.`,
      ''
    )
  } else if (dropped.length > 0) {
    lines.push(`> ✂️ To stay under GitHub's 1 MiB job summary limit, this summary leaves out ${listing(dropped)}.`, '')
  }
  return lines
}
