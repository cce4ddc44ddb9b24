// The bottom of the report: when and how it was made, and (issue) the marker that finds it again.
import type { RenderContext } from '../context.js'
import { escapeText, link } from '../escape.js'
import { formatInstant, zoneName } from '../format.js'
import { reportMarker } from '../marker.js'

export function footerLines(ctx: RenderContext): string[] {
  const { report } = ctx
  const zone = zoneName(report.startedAt, report.timezone)
  const parts = [`Run of ${escapeText(formatInstant(report.startedAt, report.timezone))} (${escapeText(zone)})`]
  if (report.runUrl) parts.push(link('workflow run', report.runUrl))
  parts.push(`AKS Upgrade Pilot ${escapeText(report.actionVersion)}`)
  if (report.upgrade.length > 0) parts.push(`upgrades: ${escapeText(report.upgrade.join(', '))}`)
  const lines = ['---', '', `<sub>${parts.join(' · ')}</sub>`]
  if (ctx.target === 'issue') lines.push('', reportMarker(report.reportId))
  return lines
}
