// The shape sections share: a heading, then rows in a table (each row ends a unit a cut may
// stop at, and the rows stop at the cap) or, summarised, a few lines of counts; a blank line
// closes the section.
import { poolCount } from '../cells.js'
import type { RenderContext } from '../context.js'
import type { RowCut, SectionDraft, SectionMeter } from '../fit.js'
import type { Row } from '../rows.js'
import { textSize } from '../target.js'

/** `### <title> (<count>)`, or the title alone without a count. */
export function sectionHeading(title: string, count?: number | string): string {
  if (count === undefined) return `### ${title}`
  return `### ${title} (${typeof count === 'number' ? count.toLocaleString('en-US') : count})`
}

export function newRowCut(units: number, close: string[] = [''], noun?: string): RowCut {
  const cut: RowCut = { units, ends: [], close }
  if (noun !== undefined) cut.noun = noun
  return cut
}

export function newSectionMeter(): SectionMeter {
  return { counted: 0, size: 0, stopped: false }
}

/** Adds the lines not yet counted to the meter: true once the section is longer than the cap. */
export function overCap(ctx: RenderContext, lines: readonly string[], meter: SectionMeter): boolean {
  for (; meter.counted < lines.length; meter.counted++) meter.size += textSize(ctx.target, lines[meter.counted] ?? '') + 1
  meter.stopped ||= meter.size > ctx.sectionCap
  return meter.stopped
}

/**
 * A table, one row per item; each row ends a unit of `cut` when given. With a meter, the rows
 * stop once the section is longer than the cap (false then): rendering 5,000 rows to keep
 * the 900 that fit in an issue would be wasted.
 */
export function pushTable<T>(
  ctx: RenderContext,
  lines: string[],
  header: readonly string[],
  items: readonly T[],
  row: (item: T) => string,
  cut?: RowCut,
  meter?: SectionMeter
): boolean {
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`)
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T
    lines.push(row(item))
    cut?.ends.push(lines.length)
    if (meter && overCap(ctx, lines, meter)) return false
  }
  return true
}

/** A small table whose every cell is already escaped. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.join(' | ')} |`)]
}

/** A section that is one table of `items`: cut row by row, and stopped at the cap. */
export function tableSection<T>(
  ctx: RenderContext,
  heading: string,
  columns: readonly string[],
  items: readonly T[],
  row: (item: T) => string
): SectionDraft {
  const lines = [heading, '']
  const cut = newRowCut(items.length)
  const meter = newSectionMeter()
  pushTable(ctx, lines, columns, items, row, cut, meter)
  lines.push('')
  return { lines, cut, meter }
}

/** A section summarised: its heading, then `summary` (counts per reason or ring) instead of rows. */
export function summarySection(heading: string, summary: readonly string[]): SectionDraft {
  return { lines: [heading, '', ...summary, ''] }
}

/** How many rows, per ring when there are rings. */
export function ringCounts(ctx: RenderContext, rows: readonly Row[]): string[] {
  const byRing = new Map<number, number>()
  for (const r of rows) byRing.set(r.ring, (byRing.get(r.ring) ?? 0) + 1)
  if (!ctx.multiRing) return [`- ${poolCount(rows.length)}`]
  return [...byRing.entries()].sort(([a], [b]) => a - b).map(([ring, n]) => `- Ring ${ring}: ${poolCount(n)}`)
}
