// Fitting a body under a size limit: sections in, a body out. Sections arrive as drafts at a
// level of detail; the body is their lines joined, then the footer. Fitting it under a limit
// is arithmetic on the sections' sizes, so no variant of the body is ever rendered only to be
// measured and thrown away (for a fleet of 1,000 clusters each variant is about a megabyte).
//
// When the body is too long, the least urgent detail gives way first (steps summarise one
// section or shorten every text), then the most urgent summarised section that does not fit
// whole keeps its first rows with a "more" line. Cutting the body at a line is the last resort.
import { textSize, type ReportTarget } from './target.js'

// ---------------------------------------------------------------------------
// Drafts: a section's lines. A section whose rows may be cut when the body is too long also
// says where each row ends, so the fitter can keep the first rows that fit without rendering
// the section again.

export interface SectionDraft {
  lines: string[]
  /** Set when the section stopped at the cap: it cannot be shown whole. */
  meter?: SectionMeter
  cut?: RowCut
  /** For a list of names on one line per ring: where the lines of names start, and the names. */
  names?: NameList
}

export interface NameList {
  /** Index in the draft's lines of the first line of names. */
  firstLine: number
  names: string[]
  /** One line per ring: `lead`, then names[from, to) joined by commas. */
  rings: Array<{ lead: string; from: number; to: number }>
}

export interface RowCut {
  /** Rows (or clusters) in the section, including any not rendered because the cap was reached. */
  units: number
  /** ends[i]: how many of the lines show the first i + 1 rows (with the headings they need). */
  ends: number[]
  /** What a cut section shows instead of lines[0, from) (the clusters keep their per-ring summary). */
  lead?: { lines: string[]; from: number }
  /** Lines that close what the cut left open (a table ends at a blank line, `<details>` at its tag). */
  close: string[]
  /** Lines after the "more" line that a cut must keep (approval checkboxes). */
  suffix?: string[]
  /** What the "more" line counts: rows when absent. */
  noun?: string
}

/** Running size of a section's lines, to stop rendering rows that could never be shown. */
export interface SectionMeter {
  counted: number
  size: number
  stopped: boolean
}

// ---------------------------------------------------------------------------
// Fitted sections: lines with known sizes.

interface SectionSize {
  /** Characters (issue) or UTF-8 bytes (summary), counting a line break after each line. */
  size: number
  /** Blank lines the section ends with, at most 2: a body keeps two when nothing follows. */
  trailing: number
}

/** A section ready to place: its lines with runs of blank lines collapsed into one. */
export interface FittedSection extends SectionSize {
  lines: string[]
  /** The section stopped at the cap: its lines are only the start of it, and it never fits. */
  truncated?: boolean
  cut?: FirstRowsCut
}

/** How to show only the first units (rows or clusters) of a section, with a "more" line. */
interface FirstRowsCut {
  units: number
  /** Units rendered (fewer than `units` when the section reached the cap). */
  rendered: number
  /** Size of the section cut to its first k units, 0 < k < units. */
  size(k: number): number
  section(k: number): FittedSection
}

/** The line after the rows a cut section keeps: `count` more rows, or more of `noun`. */
export type MoreLine = (count: number, noun: string | undefined) => string

/** Closing lines, "more" line and suffix of a section cut to its first k of `units`. */
type CutTail = (k: number, units: number) => string[]

/** A draft's lines with runs of blank lines collapsed, and where its rows end in them. */
interface CollapsedLines {
  lines: string[]
  size: number
  /** rowEnds[i], rowEndSizes[i]: lines that show the first i + 1 units, and their size. */
  rowEnds: number[]
  rowEndSizes: number[]
  /** Line and size where the lines a cut's lead replaces end. */
  leadFrom: number
  leadFromSize: number
}

/** Size of `lines` placed after a line that is blank (`afterBlank`) or not, collapsing blank runs. */
function appendedSize(target: ReportTarget, lines: readonly string[], afterBlank: boolean): number {
  let size = 0
  let blank = afterBlank
  for (const line of lines) {
    if (line === '' && blank) continue
    blank = line === ''
    size += textSize(target, line) + 1
  }
  return size
}

function collapseBlankRuns(target: ReportTarget, input: string[], rowEndMarks: readonly number[], leadFromMark: number): CollapsedLines {
  const rowEnds: number[] = []
  const rowEndSizes: number[] = []
  let leadFrom = 0
  let leadFromSize = 0
  // Most sections have no run of blank lines: keep their array instead of copying it.
  let runs = false
  for (let i = 1; i < input.length && !runs; i++) runs = input[i] === '' && input[i - 1] === ''
  const lines: string[] = runs ? [] : input
  let count = 0
  let size = 0
  let mark = 0
  for (let i = 0; i < input.length; i++) {
    if (i === leadFromMark) {
      leadFrom = count
      leadFromSize = size
    }
    for (; mark < rowEndMarks.length && rowEndMarks[mark] === i; mark++) {
      rowEnds.push(count)
      rowEndSizes.push(size)
    }
    const line = input[i] ?? ''
    if (runs) {
      if (line === '' && lines[count - 1] === '') continue
      lines.push(line)
    }
    count++
    size += textSize(target, line) + 1
  }
  for (; mark < rowEndMarks.length; mark++) {
    rowEnds.push(count)
    rowEndSizes.push(size)
  }
  return { lines, size, rowEnds, rowEndSizes, leadFrom, leadFromSize }
}

// Markdown reads any run of blank lines as one, and the body has always collapsed them:
// collapsing here keeps the output the same and makes each section's size exact. Without
// `moreLine` the section cannot be cut (a header, or a section already cut).
export function fittedSection(target: ReportTarget, draft: SectionDraft, moreLine?: MoreLine): FittedSection {
  const input = draft.lines
  if (input[input.length - 1] !== '') input.push('')
  const collapsed = collapseBlankRuns(target, input, draft.cut?.ends ?? [], draft.cut?.lead?.from ?? -1)
  let trailing = 0
  for (let i = input.length - 1; i >= 0 && input[i] === ''; i--) trailing++
  const section: FittedSection = { lines: collapsed.lines, size: collapsed.size, trailing: Math.min(trailing, 2) }
  if (draft.meter?.stopped) section.truncated = true
  const cut = draft.cut
  if (!cut || !moreLine) return section

  // The closing lines, the "more" line and what follows, without a run of blank lines (so
  // that the cut section's lines can be taken as they are).
  const tail: CutTail = (k, units) =>
    [...cut.close, '', moreLine(units - k, cut.noun), '', ...(cut.suffix ?? [])].filter((line, i, all) => line !== '' || all[i - 1] !== '')
  if (draft.names) {
    section.cut = nameListCut(target, draft.names, input, tail)
  } else if (collapsed.rowEnds.length > 0 && cut.units > 1) {
    section.cut = rowsCut(target, cut, collapsed, tail)
  }
  return section
}

function rowsCut(target: ReportTarget, cut: RowCut, collapsed: CollapsedLines, tail: CutTail): FirstRowsCut {
  const { lines, size, rowEnds, rowEndSizes, leadFrom, leadFromSize } = collapsed
  const units = cut.units
  const lead = cut.lead ? fittedSection(target, { lines: cut.lead.lines }) : undefined
  const kept = (k: number): number => rowEnds[k - 1] ?? lines.length
  return {
    units,
    rendered: rowEnds.length,
    size: k => {
      const head = lead ? lead.size + (rowEndSizes[k - 1] ?? size) - leadFromSize : (rowEndSizes[k - 1] ?? size)
      return head + appendedSize(target, tail(k, units), lines[kept(k) - 1] === '')
    },
    section: k => {
      const end = kept(k)
      const rest = tail(k, units)
      const head = lead ? lead.lines.concat(lines.slice(leadFrom, end)) : lines.slice(0, end)
      return fittedSection(target, { lines: head.concat(lines[end - 1] === '' && rest[0] === '' ? rest.slice(1) : rest) })
    }
  }
}

function nameListCut(target: ReportTarget, list: NameList, input: readonly string[], tail: CutTail): FirstRowsCut | undefined {
  const { names, rings } = list
  const units = names.length
  if (units < 2) return undefined
  const prefix = fittedSection(target, { lines: input.slice(0, list.firstLine) })
  const sum = [0]
  for (const name of names) sum.push((sum[sum.length - 1] ?? 0) + textSize(target, name))
  const separator = textSize(target, ', ')
  const ringLines = (k: number): string[] => rings.filter(r => r.from < k).map(r => `${r.lead}${names.slice(r.from, Math.min(r.to, k)).join(', ')}`)
  return {
    units,
    rendered: units,
    size: k => {
      let size = prefix.size
      for (const r of rings) {
        if (r.from >= k) break
        const to = Math.min(r.to, k)
        size += textSize(target, r.lead) + (sum[to] ?? 0) - (sum[r.from] ?? 0) + separator * (to - r.from - 1) + 1
      }
      return size + appendedSize(target, tail(k, units), false)
    },
    section: k => fittedSection(target, { lines: prefix.lines.concat(ringLines(k), tail(k, units)) })
  }
}

function sameSection(a: FittedSection | null, b: FittedSection | null): boolean {
  if (a === b) return true
  if (!a || !b || a.size !== b.size || a.trailing !== b.trailing || a.lines.length !== b.lines.length) return false
  return a.lines.every((line, i) => line === b.lines[i])
}

// ---------------------------------------------------------------------------
// The body

/** One way the body gives way: levels of detail it lowers. */
export interface DetailStep<Levels> {
  change: Partial<Levels>
  /** What the reader no longer finds here, for the note. */
  dropped: string
  /**
   * The same when the section keeps its first rows: only for steps that summarise (counts
   * instead of rows), since a cut beats a summary but not a form that names every row.
   */
  partial?: string
}

export interface SectionSource<Levels> {
  /** The level the section is drafted at: a step that changes it summarises this section. */
  level: keyof Levels
  /** The section's lines at these levels of detail; null when it has nothing to show. */
  draft(levels: Levels): SectionDraft | null
}

export interface FitRequest<Levels extends object> {
  target: ReportTarget
  /** The body stays under this size (measured for the target). */
  limit: number
  /** The richest levels of detail, where fitting starts. */
  levels: Levels
  /** Ways to give way, least urgent first. */
  steps: ReadonlyArray<DetailStep<Levels>>
  /** Sections in the body's order. */
  sections: ReadonlyArray<SectionSource<Levels>>
  /** Levels every section reads besides its own. */
  sharedLevels: ReadonlyArray<keyof Levels>
  /** The lines above the sections; `dropped` lists what the body leaves out. */
  header(levels: Levels, dropped: readonly string[]): string[]
  footer: readonly string[]
  moreLine: MoreLine
  /** What a body cut at a line says where it was cut. */
  hardCutNote: string
  /** Lines a body cut at a line must still hold, under their heading (ticked approvals). */
  keep?: { heading: string; lines: readonly string[] }
}

/** Where fitting stands: the levels of detail, and what the note says the body leaves out. */
interface FitState<Levels> {
  levels: Levels
  dropped: string[]
  /** Steps that changed the body, least urgent first, with the levels they replaced. */
  taken: Array<{ step: DetailStep<Levels>; previous: Partial<Levels> }>
}

/** The body that fits: the richest levels of detail under the limit, cut to rows or at a line when needed. */
export function fitBody<Levels extends object>(request: FitRequest<Levels>): string {
  const fitter = new Fitter(request)
  const state = stepDown(fitter)
  giveBack(fitter, state)
  const chosen = restoreOrCut(fitter, state)
  return assemble(fitter, state, chosen)
}

/** Sections and header measured at given levels of detail. */
class Fitter<Levels extends object> {
  readonly request: FitRequest<Levels>
  private readonly drafted = new Map<string, FittedSection | null>()
  private readonly footerSize: number

  constructor(request: FitRequest<Levels>) {
    this.request = request
    this.footerSize = appendedSize(request.target, request.footer, false)
  }

  // Each section is drafted once per level of detail it is asked for.
  section(index: number, levels: Levels): FittedSection | null {
    const source = this.request.sections[index]
    if (!source) return null
    const id = `${index}|${[source.level, ...this.request.sharedLevels].map(k => String(levels[k])).join('|')}`
    let section = this.drafted.get(id)
    if (section === undefined) {
      const draft = source.draft(levels)
      section = draft ? fittedSection(this.request.target, draft, this.request.moreLine) : null
      this.drafted.set(id, section)
    }
    return section
  }

  sections(levels: Levels): Array<FittedSection | null> {
    return this.request.sections.map((_, i) => this.section(i, levels))
  }

  header(levels: Levels, dropped: readonly string[]): FittedSection {
    return fittedSection(this.request.target, { lines: this.request.header(levels, dropped) })
  }

  /** Size of the body with this header and these sections; Infinity when one stopped at the cap. */
  size(head: SectionSize, sections: ReadonlyArray<SectionSize | null>): number {
    let size = head.size + this.footerSize
    let last = head
    for (const s of sections) {
      if (!s) continue
      if ('truncated' in s && s.truncated) return Infinity
      size += s.size
      last = s
    }
    return size + (last.trailing > 1 ? 1 : 0)
  }

  fits(levels: Levels, dropped: readonly string[]): boolean {
    return this.size(this.header(levels, dropped), this.sections(levels)) < this.request.limit
  }
}

/** Takes steps, least urgent first, until the body fits (or no step is left). */
function stepDown<Levels extends object>(fitter: Fitter<Levels>): FitState<Levels> {
  const state: FitState<Levels> = { levels: fitter.request.levels, dropped: [], taken: [] }
  for (const step of fitter.request.steps) {
    if (fitter.fits(state.levels, state.dropped)) break
    const previous = levelsChanged(state.levels, step.change)
    const next: Levels = { ...state.levels, ...step.change }
    // A step that changed nothing (its section is empty) is not worth a mention.
    const changed =
      fitter.request.sections.some((_, i) => !sameSection(fitter.section(i, state.levels), fitter.section(i, next))) ||
      !sameSection(fitter.header(state.levels, state.dropped), fitter.header(next, state.dropped))
    state.levels = next
    if (changed) {
      state.dropped.push(step.dropped)
      state.taken.push({ step, previous })
    }
  }
  return state
}

/** The levels a change replaces, to undo it. */
function levelsChanged<Levels extends object>(levels: Levels, change: Partial<Levels>): Partial<Levels> {
  const previous: Partial<Levels> = {}
  for (const k of Object.keys(change) as Array<keyof Levels>) previous[k] = levels[k]
  return previous
}

// The last step may have freed more room than needed: give back what still fits, more
// urgent sections first (steps were taken least urgent first).
function giveBack<Levels extends object>(fitter: Fitter<Levels>, state: FitState<Levels>): void {
  for (const { step, previous } of state.taken.slice(0, -1).reverse()) {
    const without = state.dropped.filter(d => d !== step.dropped)
    const candidate: Levels = { ...state.levels, ...previous }
    if (fitter.fits(candidate, without)) {
      state.dropped = without
      state.levels = candidate
    }
  }
}

// What is still summarised, most urgent first: restore a section whole if it fits, else
// keep the first rows that fit and stop there, so that no section shows rows while a more
// urgent one is cut short.
function restoreOrCut<Levels extends object>(fitter: Fitter<Levels>, state: FitState<Levels>): Array<FittedSection | null> {
  const chosen = fitter.sections(state.levels)
  const summarised = state.taken.filter(t => state.dropped.includes(t.step.dropped)).reverse()
  for (const { step, previous } of summarised) {
    if (step.partial === undefined) continue
    if (!restoreSections(fitter, state, chosen, step, previous, step.partial)) break
  }
  return chosen
}

/** Restores the step's sections whole while they fit; false at the first that does not (cut to its first rows when some fit). */
function restoreSections<Levels extends object>(
  fitter: Fitter<Levels>,
  state: FitState<Levels>,
  chosen: Array<FittedSection | null>,
  step: DetailStep<Levels>,
  previous: Partial<Levels>,
  partial: string
): boolean {
  const richer: Levels = { ...state.levels, ...previous }
  const indexes = fitter.request.sections.flatMap((s, i) => (s.level in step.change ? [i] : []))
  for (let n = 0; n < indexes.length; n++) {
    const i = indexes[n] ?? 0
    const full = fitter.section(i, richer)
    if (sameSection(full, chosen[i] ?? null)) continue
    // The note names the step until each of its sections is back.
    const others = indexes.slice(n + 1).every(j => sameSection(fitter.section(j, richer), chosen[j] ?? null))
    const note = others ? state.dropped.filter(d => d !== step.dropped) : state.dropped
    if (fitter.size(fitter.header(state.levels, note), replaced(chosen, i, full)) < fitter.request.limit) {
      chosen[i] = full
      if (others) state.dropped = note
      continue
    }
    if (full?.cut)
      cutToFit(
        fitter,
        state,
        chosen,
        i,
        full.cut,
        state.dropped.map(d => (d === step.dropped ? partial : d))
      )
    return false
  }
  return true
}

/** Keeps the first rows of section i that fit, if any, and names the cut in the note. */
function cutToFit<Levels extends object>(
  fitter: Fitter<Levels>,
  state: FitState<Levels>,
  chosen: Array<FittedSection | null>,
  i: number,
  cut: FirstRowsCut,
  withPartial: string[]
): void {
  const head = fitter.header(state.levels, withPartial)
  const fits = (k: number): boolean => fitter.size(head, replaced<SectionSize>(chosen, i, { size: cut.size(k), trailing: 1 })) < fitter.request.limit
  // The largest k that fits (sizes grow with k); 0 when not even one row fits.
  let lo = 0
  let hi = Math.min(cut.rendered, cut.units - 1)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (fits(mid)) lo = mid
    else hi = mid - 1
  }
  if (lo > 0) {
    chosen[i] = cut.section(lo)
    state.dropped = withPartial
  }
}

function replaced<T>(list: ReadonlyArray<T | null>, i: number, item: T | null): Array<T | null> {
  return list.map((s, j) => (j === i ? item : s))
}

function assemble<Levels extends object>(fitter: Fitter<Levels>, state: FitState<Levels>, chosen: ReadonlyArray<FittedSection | null>): string {
  const { target, limit, footer } = fitter.request
  const head = fitter.header(state.levels, state.dropped)
  const sections = [head, ...chosen].filter((s): s is FittedSection => s !== null)
  const last = sections[sections.length - 1] ?? head
  const body = ([] as string[]).concat(...sections.map(s => s.lines), last.trailing > 1 ? [''] : [])
  const full = body.concat(footer, ['']).join('\n')
  if (!sections.some(s => s.truncated) && textSize(target, full) < limit) return full
  return hardCut(fitter.request, body.join('\n'))
}

// Last resort when even the most compact form is too long: cut at a line boundary, close
// what the cut left open, and keep the footer (a marker must survive) and the `keep` lines
// (ticked approval boxes: the next run reads them back, a cut must not withdraw an approval).
function hardCut<Levels extends object>(request: FitRequest<Levels>, head: string): string {
  const { target, limit } = request
  const foot = request.footer.join('\n')
  const note = `\n\n${request.hardCutNote}\n\n`
  const keep = request.keep?.lines ?? []
  const keptBlock = (lines: readonly string[]): string => `\n\n${request.keep?.heading ?? ''}\n\n${lines.join('\n')}`
  const reserved = keep.length > 0 ? textSize(target, keptBlock(keep)) : 0
  const budget = limit - textSize(target, note) - textSize(target, foot) - reserved - 64
  let cut = head
  while (textSize(target, cut) > budget) {
    const over = textSize(target, cut) - budget
    const end = cut.lastIndexOf('\n', Math.max(0, cut.length - Math.max(over, 1)))
    cut = end > 0 ? cut.slice(0, end) : ''
  }
  const opened = (cut.match(/<details/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length
  const close = opened > 0 ? `\n\n${'</details>\n'.repeat(opened)}` : ''
  const present = new Set(cut.split('\n'))
  const missing = keep.filter(line => !present.has(line))
  const approvals = missing.length > 0 ? keptBlock(missing) : ''
  return `${cut}${close}${approvals}${note}${foot}\n`
}
