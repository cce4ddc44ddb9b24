import { describe, expect, it } from 'vitest'
import { fitBody, fittedSection, type DetailStep, type FitRequest, type SectionDraft, type SectionSource } from '../../src/report/fit.ts'
import type { ReportTarget } from '../../src/report/target.ts'

// Synthetic sections, not report fixtures: the fitter only sees lines, sizes and levels.

interface Levels {
  a: 'rows' | 'counts'
  b: 'rows' | 'counts'
  c: 'rows' | 'counts'
  /** Longest row shown (every section reads it). */
  text: number
}

const RICHEST: Levels = { a: 'rows', b: 'rows', c: 'rows', text: 100 }

const summarise = (level: 'a' | 'b' | 'c', partial = true): DetailStep<Levels> => ({
  change: { [level]: 'counts' },
  dropped: `table ${level.toUpperCase()}`,
  ...(partial ? { partial: `part of table ${level.toUpperCase()}` } : {})
})
const SHORT_TEXT: DetailStep<Levels> = { change: { text: 3 }, dropped: 'long texts' }

/** `n` rows `<prefix> 01`, `<prefix> 02`…, padded to `width` with `x`. */
function rowsOf(prefix: string, n: number, width = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${String(i + 1).padStart(2, '0')}`.padEnd(width, 'x'))
}

/** A heading, a blank line, one line per row (each ends a unit a cut may stop at), a blank line. */
function rowsDraft(heading: string, rows: string[]): SectionDraft {
  return { lines: [heading, '', ...rows, ''], cut: { units: rows.length, ends: rows.map((_, i) => 3 + i), close: [''] } }
}

/** A section drafted at `level`: its rows (clipped to the text level), or a count of them. */
function table(level: 'a' | 'b' | 'c', heading: string, rows: string[]): SectionSource<Levels> {
  return {
    level,
    draft: levels => {
      if (rows.length === 0) return null
      if (levels[level] === 'counts') return { lines: [heading, '', `- ${rows.length} rows`, ''] }
      return rowsDraft(
        heading,
        rows.map(r => r.slice(0, levels.text))
      )
    }
  }
}

// Long enough that a body cut at a line always has room left (the hard cut keeps a margin).
const INTRO = 'An introduction, the same at every level of detail.'.padEnd(120, '.')

function request(
  target: ReportTarget,
  limit: number,
  sections: Array<SectionSource<Levels>>,
  steps: Array<DetailStep<Levels>> = []
): FitRequest<Levels> {
  return {
    target,
    limit,
    levels: RICHEST,
    steps,
    sections,
    sharedLevels: ['text'],
    header: (_levels, dropped) => ['# Report', '', INTRO, '', ...(dropped.length > 0 ? [`> leaves out ${dropped.join(', ')}`, ''] : [])],
    footer: ['---', 'footer'],
    moreLine: (n, noun) => `… ${n} more${noun ? ` ${noun}s` : ''}`,
    hardCutNote: '> cut here'
  }
}

/** A whole body: the header's first lines, then `lines`, then the footer. */
const body = (...lines: string[]): string => ['# Report', '', INTRO, '', ...lines, '---', 'footer', ''].join('\n')

describe('fittedSection: sizes as each target measures them', () => {
  const cases: Array<[string, string[], { lines: string[]; issue: number; summary: number; trailing: number }]> = [
    ['ASCII lines, a blank line added at the end', ['### A', '', 'row'], { lines: ['### A', '', 'row', ''], issue: 12, summary: 12, trailing: 1 }],
    ['a run of blank lines collapsed into one', ['a', '', '', '', 'b'], { lines: ['a', '', 'b', ''], issue: 6, summary: 6, trailing: 1 }],
    ['characters for an issue, UTF-8 bytes for a summary', ['✅ é'], { lines: ['✅ é', ''], issue: 5, summary: 8, trailing: 1 }],
    ['two trailing blank lines kept in the count, collapsed in the lines', ['x', '', ''], { lines: ['x', ''], issue: 3, summary: 3, trailing: 2 }]
  ]
  it.each(cases)('%s', (_name, lines, expected) => {
    const issue = fittedSection('issue', { lines: [...lines] })
    const summary = fittedSection('summary', { lines: [...lines] })
    expect(issue.lines).toEqual(expected.lines)
    expect(summary.lines).toEqual(expected.lines)
    expect(issue.size).toBe(expected.issue)
    expect(summary.size).toBe(expected.summary)
    expect(issue.trailing).toBe(expected.trailing)
  })
})

describe('fitBody: levels of detail', () => {
  interface Case {
    name: string
    sections: Array<SectionSource<Levels>>
    steps: Array<DetailStep<Levels>>
    expected: string
  }
  const cases: Case[] = [
    {
      name: 'everything fits: the sections in order, whole, then the footer',
      sections: [table('b', '### B', rowsOf('b', 1)), table('a', '### A', rowsOf('a', 2))],
      steps: [summarise('a', false)],
      expected: body('### B', '', 'b 01', '', '### A', '', 'a 01', 'a 02', '')
    },
    {
      name: 'the least urgent section is summarised first, and the note names it',
      sections: [table('b', '### B', rowsOf('b', 2)), table('a', '### A', rowsOf('a', 30))],
      steps: [summarise('a', false), summarise('b', false)],
      expected: body('> leaves out table A', '', '### B', '', 'b 01', 'b 02', '', '### A', '', '- 30 rows', '')
    },
    {
      name: 'steps down until the body fits',
      sections: [table('b', '### B', rowsOf('b', 40)), table('a', '### A', rowsOf('a', 30))],
      steps: [summarise('a', false), summarise('b', false)],
      expected: body('> leaves out table A, table B', '', '### B', '', '- 40 rows', '', '### A', '', '- 30 rows', '')
    },
    {
      name: 'gives back a step that a later one made unnecessary',
      sections: [table('b', '### B', rowsOf('b', 40)), table('a', '### A', rowsOf('a', 2))],
      steps: [summarise('a', false), summarise('b', false)],
      expected: body('> leaves out table B', '', '### B', '', '- 40 rows', '', '### A', '', 'a 01', 'a 02', '')
    },
    {
      name: 'a step that changes nothing (its section is empty) is not named',
      sections: [table('c', '### C', []), table('b', '### B', rowsOf('b', 2)), table('a', '### A', rowsOf('a', 30))],
      steps: [summarise('c', false), summarise('a', false)],
      expected: body('> leaves out table A', '', '### B', '', 'b 01', 'b 02', '', '### A', '', '- 30 rows', '')
    },
    {
      name: 'a section that stopped at the cap gives way as one too long',
      sections: [
        table('b', '### B', rowsOf('b', 2)),
        {
          level: 'a',
          draft: levels =>
            levels.a === 'counts'
              ? { lines: ['### A', '', '- 30 rows', ''] }
              : { lines: ['### A', '', 'a 01', ''], meter: { counted: 4, size: 15, stopped: true } }
        }
      ],
      steps: [summarise('a', false)],
      expected: body('> leaves out table A', '', '### B', '', 'b 01', 'b 02', '', '### A', '', '- 30 rows', '')
    },
    {
      name: 'a level every section reads changes every section',
      sections: [table('b', '### B', rowsOf('b', 2, 30)), table('a', '### A', rowsOf('a', 3, 30))],
      steps: [SHORT_TEXT],
      expected: body('> leaves out long texts', '', '### B', '', 'b 0', 'b 0', '', '### A', '', 'a 0', 'a 0', 'a 0', '')
    }
  ]
  it.each(cases)('$name', ({ sections, steps, expected }) => {
    // The limit is the expected body's size plus one: the body must stay under it.
    expect(fitBody(request('issue', expected.length + 1, sections, steps))).toBe(expected)
  })
})

describe('fitBody: a section cut to its first rows', () => {
  interface Case {
    name: string
    sections: Array<SectionSource<Levels>>
    steps: Array<DetailStep<Levels>>
    expected: string
    /** Room left under the limit: less than one more row needs. */
    slack: number
  }
  const namesDraft = (names: string[]): SectionDraft => ({
    lines: ['### A', '', `names: ${names.join(', ')}`, ''],
    cut: { units: names.length, ends: [], close: [''], noun: 'name' },
    names: { firstLine: 2, names, rings: [{ lead: 'names: ', from: 0, to: names.length }] }
  })
  const names = rowsOf('n', 30).map(n => n.replace(' ', ''))
  const blocks = rowsOf('block', 10)
  // Like the per-cluster tables: cut, it shows a summary of all instead of its opening lines.
  const withLead: SectionSource<Levels> = {
    level: 'a',
    draft: levels => {
      if (levels.a === 'counts') return { lines: ['### A', '', 'summary', ''] }
      const lines = ['### A', '', '<details>', '']
      const ends: number[] = []
      for (const block of blocks) {
        lines.push(block, '')
        ends.push(lines.length)
      }
      lines.push('</details>', '')
      return {
        lines,
        cut: { units: blocks.length, ends, close: ['</details>', ''], noun: 'block', lead: { lines: ['### A', '', 'summary', ''], from: 2 } }
      }
    }
  }
  const cases: Case[] = [
    {
      name: 'keeps the first rows that fit, counts the rest, and the note says part of it is left out',
      sections: [table('b', '### B', rowsOf('b', 2)), table('a', '### A', rowsOf('a', 20))],
      steps: [summarise('a')],
      expected: body(
        '> leaves out part of table A',
        '',
        '### B',
        '',
        'b 01',
        'b 02',
        '',
        '### A',
        '',
        'a 01',
        'a 02',
        'a 03',
        'a 04',
        '',
        '… 16 more',
        ''
      ),
      slack: 3
    },
    {
      name: 'restores a section of the step whole, then cuts the next one',
      sections: [table('a', '### A1', rowsOf('a', 2)), table('a', '### A2', rowsOf('x', 20))],
      steps: [summarise('a')],
      expected: body('> leaves out part of table A', '', '### A1', '', 'a 01', 'a 02', '', '### A2', '', 'x 01', 'x 02', 'x 03', '', '… 17 more', ''),
      slack: 4
    },
    {
      name: 'leaves a section summarised when not even one row fits',
      sections: [table('a', '### A', rowsOf('a', 5, 200))],
      steps: [summarise('a')],
      expected: body('> leaves out table A', '', '### A', '', '- 5 rows', ''),
      slack: 1
    },
    {
      name: 'stops at the first section cut: a less urgent one stays summarised',
      // The room left would hold a row of A, not one of B.
      sections: [table('b', '### B', rowsOf('b', 30, 30)), table('a', '### A', rowsOf('a', 30))],
      steps: [summarise('a'), summarise('b')],
      expected: body(
        '> leaves out table A, part of table B',
        '',
        '### B',
        '',
        ...rowsOf('b', 3, 30),
        '',
        '… 27 more',
        '',
        '### A',
        '',
        '- 30 rows',
        ''
      ),
      slack: 20
    },
    {
      name: 'cuts a list of names name by name',
      sections: [{ level: 'a', draft: levels => (levels.a === 'counts' ? { lines: ['### A', '', '- 30 names', ''] } : namesDraft(names)) }],
      steps: [summarise('a')],
      expected: body('> leaves out part of table A', '', '### A', '', 'names: n01, n02, n03', '', '… 27 more names', ''),
      slack: 2
    },
    {
      name: 'a cut shows its lead instead of its opening lines, and closes what it left open',
      sections: [withLead],
      steps: [summarise('a')],
      expected: body(
        '> leaves out part of table A',
        '',
        '### A',
        '',
        'summary',
        '',
        '<details>',
        '',
        'block 01',
        '',
        'block 02',
        '',
        '</details>',
        '',
        '… 8 more blocks',
        ''
      ),
      slack: 5
    }
  ]
  it.each(cases)('$name', ({ sections, steps, expected, slack }) => {
    expect(fitBody(request('issue', expected.length + slack, sections, steps))).toBe(expected)
  })
})

describe('fitBody: the hard cut, when nothing else is left', () => {
  const failures = rowsOf('failure', 200, 40)
  const full = ['# Report', '', INTRO, '', '### F', '', ...failures, ''].join('\n')
  const note = '\n\n> cut here\n\n---\nfooter\n'

  it('cuts the body at a line, says so, and keeps the footer', () => {
    const out = fitBody(request('issue', 2000, [table('b', '### F', failures)]))
    expect(out.length).toBeLessThan(2000)
    expect(out.endsWith(note)).toBe(true)
    const kept = out.slice(0, -note.length)
    expect(full.startsWith(`${kept}\n`)).toBe(true)
    // as much as the room left allows, less a margin of 64 and at most one line
    expect(kept.length).toBeGreaterThan(2000 - note.length - 64 - 41)
  })

  it('names no step that changed nothing', () => {
    const out = fitBody(request('issue', 2000, [table('c', '### C', []), table('b', '### F', failures)], [summarise('c')]))
    expect(out.endsWith(note)).toBe(true)
    expect(full.startsWith(`${out.slice(0, -note.length)}\n`)).toBe(true)
  })

  it('keeps the lines it must keep, once, under their heading', () => {
    const keepLine = '- [x] approved'
    const sections = [table('b', '### F', [...failures, keepLine])]
    const out = fitBody({ ...request('issue', 2000, sections), keep: { heading: '**Kept:**', lines: [keepLine] } })
    expect(out.length).toBeLessThan(2000)
    expect(out.endsWith(`\n\n**Kept:**\n\n${keepLine}${note}`)).toBe(true)
    expect(out.split(keepLine)).toHaveLength(2)
  })

  it('closes a <details> the cut left open', () => {
    const section: SectionSource<Levels> = { level: 'b', draft: () => ({ lines: ['### F', '', '<details>', '', ...failures, '', '</details>', ''] }) }
    const out = fitBody(request('issue', 2000, [section]))
    expect(out).toContain('<details>')
    expect(out.endsWith(`\n\n</details>\n${note}`)).toBe(true)
    expect(out.length).toBeLessThan(2000)
  })

  it('treats a section that stopped at the cap as too long, however short its lines', () => {
    const section: SectionSource<Levels> = {
      level: 'b',
      draft: () => ({ lines: ['### F', '', 'a 01', ''], meter: { counted: 4, size: 15, stopped: true } })
    }
    expect(fitBody(request('issue', 10_000, [section]))).toBe(`# Report\n\n${INTRO}\n\n### F\n\na 01\n${note}`)
  })
})

describe('fitBody: issue and summary measure differently', () => {
  // 20 rows of 8 characters, 13 UTF-8 bytes each.
  const rows = rowsOf('ééééé', 20)
  const sections = [table('a', '### A', rows)]
  const whole = body('### A', '', ...rows, '')
  const limit = whole.length + 1

  it('an issue counts characters: the body fits whole', () => {
    expect(Buffer.byteLength(whole, 'utf8')).toBeGreaterThan(limit)
    expect(fitBody(request('issue', limit, sections, [summarise('a')]))).toBe(whole)
  })

  it('a job summary counts bytes: the same body is cut to the rows that fit', () => {
    const out = fitBody(request('summary', limit, sections, [summarise('a')]))
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThan(limit)
    const kept = out.split('\n').filter(l => l.startsWith('ééééé '))
    expect(kept.length).toBeGreaterThan(0)
    expect(kept).toEqual(rows.slice(0, kept.length))
    expect(out).toContain(`\n… ${rows.length - kept.length} more\n`)
    expect(out).toContain('> leaves out part of table A')
    // one more row (13 bytes and a line break) would not fit
    expect(Buffer.byteLength(out, 'utf8') + 14).toBeGreaterThanOrEqual(limit)
  })
})
