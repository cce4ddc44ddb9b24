// Everything the report shows that came from Azure or from inputs (names, tags, versions,
// error messages) passes through here. GitHub renders issue bodies and job summaries as
// Markdown with raw HTML, @mentions and #references, so untrusted text must not be able
// to inject any of those, nor break the tables it sits in.

/** Joins `@`/`#` to what follows without a visible character, so GitHub sees no mention or reference. */
const ZWJ = '\u200D'

// Characters that open inline Markdown constructs (emphasis, code, links, strikethrough,
// math, tables, headings' closing sequence). Backslash-escaping any ASCII punctuation is
// valid CommonMark, and GFM honours `\|` inside table cells.
const MARKDOWN_PUNCTUATION = /[\\`*_[\]|~$#]/g

// Bidirectional overrides can make a name read differently from what it is.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g

/**
 * Inline Markdown-safe text: no raw HTML, no mentions, no issue references, no emphasis,
 * links or code, and no line breaks. The result is meant for inline positions (after a
 * list marker, a label or inside a table cell), not for the start of a line.
 */
export function escapeText(s: string): string {
  // A fleet report escapes the same names and versions thousands of times, and most of
  // them hold nothing to escape: skip the eleven passes for those, remember the rest.
  if (!NEEDS_ESCAPE.test(s)) return s
  const cached = escaped.get(s)
  if (cached !== undefined) return cached
  const out = escapeSlow(s)
  if (s.length <= CACHED_LENGTH) {
    if (escaped.size >= CACHE_ENTRIES) escaped.clear()
    escaped.set(s, out)
  }
  return out
}

// Anything one of escapeSlow's passes would change (a superset: `@` or `gh-1` anywhere).
// biome-ignore lint/suspicious/noControlCharactersInRegex: it looks for the control characters escapeSlow removes
const NEEDS_ESCAPE = /[\u0000-\u001F\u007F\u2028\u2029\u202A-\u202E\u2066-\u2069&<>\\`*_[\]|~$#@]|gh-\d/i
// Bounded: names and versions repeat, long Azure messages rarely do.
const CACHE_ENTRIES = 4096
const CACHED_LENGTH = 256
const escaped = new Map<string, string>()

function escapeSlow(s: string): string {
  return (
    s
      .replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ')
      .replace(CONTROL, '')
      .replace(BIDI_CONTROLS, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(MARKDOWN_PUNCTUATION, ch => `\\${ch}`)
      // GitHub links mentions and references in the rendered text, after Markdown escapes
      // are gone, so a backslash alone does not stop them: break the token itself.
      .replace(/@(?=[\p{L}\p{N}_-])/gu, `@${ZWJ}`)
      .replace(/\\#(?=[\p{L}\p{N}])/gu, `\\#${ZWJ}`)
      .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWJ}`)
  )
}

/**
 * Text safe inside a GFM table cell: everything `escapeText` guarantees (pipes are already
 * escaped and line breaks flattened, so a cell cannot end early or split the row).
 * An empty value becomes an em dash so the column does not look broken.
 */
export function escapeCell(s: string): string {
  const escaped = escapeText(s).trim()
  return escaped.length > 0 ? escaped : '—'
}

/**
 * A code span for text this module's callers generate (commands, role actions). It
 * survives backticks in the content by using a longer fence; `inTable` escapes pipes,
 * which GFM would otherwise read as a cell boundary even inside code.
 */
export function codeSpan(s: string, inTable = false): string {
  let content = s
    .replace(/\r\n|[\r\n\t]/g, ' ')
    .replace(CONTROL, '')
    .replace(BIDI_CONTROLS, '')
  if (inTable) content = content.replace(/\|/g, '\\|')
  const longestRun = Math.max(0, ...Array.from(content.matchAll(/`+/g), m => m[0].length))
  const fence = '`'.repeat(longestRun + 1)
  const pad = content.startsWith('`') || content.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${content}${pad}${fence}`
}

/**
 * Render advice text in which the author marked commands with backticks: the marked
 * parts become code spans, everything else is escaped. An unmatched backtick is shown
 * as text.
 */
export function renderMarked(s: string, inTable = false): string {
  const parts = s.split('`')
  if (parts.length % 2 === 0) {
    // odd number of backticks: the last one opens nothing
    const last = parts.pop() ?? ''
    parts[parts.length - 1] = `${parts[parts.length - 1] ?? ''}\u0060${last}`
  }
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return codeSpan(part, inTable)
      return escapeText(part)
    })
    .join('')
}

/** Truncate to `max` characters (before escaping) with an ellipsis. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s
  return `${s.slice(0, Math.max(0, max - 1)).trimEnd()}…`
}

/**
 * A Markdown link when `url` is a plain http(s) URL, otherwise the label alone: a URL
 * from the environment must not be able to close the link or smuggle in markup.
 */
export function link(label: string, url: string | undefined): string {
  const text = escapeText(label)
  if (!url || !/^https?:\/\/[^\s<>"'`\\]+$/i.test(url)) return text
  const safe = url.replace(/[()[\]|]/g, ch => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
  return `[${text}](${safe})`
}
