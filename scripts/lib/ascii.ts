// V8 keeps a script's source in memory for as long as its functions live: at one byte per
// character when every character is Latin-1, at two when one is not. A single `→` in the 4 MB
// bundle doubles that, so the build writes each non-ASCII character of dist/index.js as a
// \uXXXX escape. That means the same in a string, an untagged template, a regular expression,
// an identifier and a comment; only a tagged template's tag can tell (it may read the raw text,
// as String.raw does), so those are left as they are (README: Bundle and start-up).
import { parseSync, Visitor } from 'oxc-parser'

/** [start, end) of every tagged template in `source` (UTF-16 offsets). */
export function taggedTemplateRanges(source: string): Array<[number, number]> {
  const result = parseSync('index.js', source, { sourceType: 'module' })
  const first = result.errors[0]
  if (first !== undefined) throw new Error(`cannot parse the bundle: ${first.message}`)
  const ranges: Array<[number, number]> = []
  new Visitor({
    TaggedTemplateExpression(node) {
      ranges.push([node.quasi.start, node.quasi.end])
    }
  }).visit(result.program)
  return ranges
}

/** `source` with every non-ASCII UTF-16 code unit outside `keep` written as \uXXXX. */
export function escapeNonAscii(source: string, keep: Array<[number, number]> = []): string {
  return source.replace(/(\\*)([\u0080-\uffff])/g, (match: string, backslashes: string, char: string, offset: number) => {
    const at = offset + backslashes.length
    if (keep.some(([start, end]) => at >= start && at < end)) return match
    // `\→` is an identity escape; `\\u2192` would be a backslash and the text "u2192".
    if (backslashes.length % 2 === 1) {
      const line = source.slice(0, at).split('\n').length
      throw new Error(`line ${line}: '${char}' follows a backslash; escaping it would change its meaning`)
    }
    return `${backslashes}\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}
