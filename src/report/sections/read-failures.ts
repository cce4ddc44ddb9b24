// Could not read: the scopes Azure would not list, with the error and what to do.
import type { ReadFailure } from '../../model.js'
import { escapedCell } from '../cells.js'
import type { RenderContext } from '../context.js'
import { clip, escapeCell, escapeText, renderMarked } from '../escape.js'
import type { SectionDraft } from '../fit.js'
import { plural } from '../../util/text.js'
import { sectionHeading, summarySection, tableSection } from './table.js'

export function readFailuresSection(ctx: RenderContext): SectionDraft | null {
  const failures: ReadFailure[] = ctx.report.readFailures
  if (failures.length === 0) return null
  const heading = sectionHeading('⚠️ Could not read', failures.length)
  if (ctx.detail.readFailures === 'counts') {
    const byCode = new Map<string, number>()
    for (const f of failures) byCode.set(f.error.code, (byCode.get(f.error.code) ?? 0) + 1)
    return summarySection(
      heading,
      [...byCode].map(([code, n]) => `- **${escapeText(code)}**: ${plural(n, 'scope')}`)
    )
  }
  return tableSection(
    ctx,
    heading,
    ['Scope', 'Error', 'What to do'],
    failures,
    f =>
      `| ${escapedCell(ctx, f.scope)} | **${escapeCell(f.error.code)}**${f.error.message ? `: ${escapeText(clip(f.error.message, Math.min(ctx.detail.textLimit, 500)))}` : ''} | ${
        f.advice ? renderMarked(clip(f.advice, ctx.detail.textLimit), true) : '—'
      } |`
  )
}
