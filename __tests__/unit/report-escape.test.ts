import { describe, expect, it } from 'vitest'
import { clip, codeSpan, escapeCell, escapeText, link, renderMarked } from '../../src/report/escape.ts'

const ZWJ = '\u200D'

describe('escapeText', () => {
  const cases: Array<[string, string, string]> = [
    ['raw HTML', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['an entity stays literal', 'AT&T &lt;', 'AT&amp;T &amp;lt;'],
    ['a team mention', '@everyone', `@${ZWJ}everyone`],
    ['an e-mail address', 'ops@contoso.com', `ops@${ZWJ}contoso.com`],
    ['an issue reference', 'fixes #1', `fixes \\#${ZWJ}1`],
    ['a GH- reference', 'see GH-42', `see GH-${ZWJ}42`],
    ['a table pipe', '| --- |', '\\| --- \\|'],
    ['emphasis', '*bold* _it_ ~~gone~~', '\\*bold\\* \\_it\\_ \\~\\~gone\\~\\~'],
    ['a link', '[x](http://e)', '\\[x\\](http://e)'],
    ['an image', '![x](http://e/i.png)', '!\\[x\\](http://e/i.png)'],
    ['a code span', '`rm -rf /`', '\\`rm -rf /\\`'],
    ['math', '$x$', '\\$x\\$'],
    ['a backslash', 'C:\\temp', 'C:\\\\temp'],
    ['newlines', 'line1\nline2\r\nline3\rline4', 'line1 line2 line3 line4'],
    ['bidi overrides', 'abc\u202Edcb', 'abcdcb'],
    ['control characters', 'a\u0000b\u0007c', 'abc'],
    ['a Kubernetes version', '1.35.6', '1.35.6'],
    ['a node image version', 'AKSUbuntu-2204gen2containerd-202607.09.0', 'AKSUbuntu-2204gen2containerd-202607.09.0'],
    ['a Windows image version', 'AKSWindows-2022-containerd-20348.5386.260715', 'AKSWindows-2022-containerd-20348.5386.260715'],
    ['a resource group with parentheses', 'rg-prod(eu)', 'rg-prod(eu)'],
    ['a lower-case gh- reference', 'see gh-42', `see gh-${ZWJ}42`],
    ['gh- inside a word', 'rg-xgh-1', 'rg-xgh-1'],
    ['an Azure-generated resource group', 'MC_rg-prod_aks-weu-01_westeurope', 'MC\\_rg-prod\\_aks-weu-01\\_westeurope']
  ]
  it.each(cases)('%s', (_name, input, expected) => {
    expect(escapeText(input)).toBe(expected)
  })
  // Names and versions repeat thousands of times in a fleet report, so answers are cached:
  // the second answer must be the first.
  it.each(cases)('%s, asked again', (_name, input, expected) => {
    escapeText(input)
    expect(escapeText(input)).toBe(expected)
  })

  const hostile = [
    '<script>alert(1)</script>',
    '@everyone @contoso/admins',
    '#1 #22 GH-3',
    'a | b | c\n| --- |',
    '<img src=x onerror=alert(1)>\n# heading\n- list',
    '```\ncode\n```'
  ]
  it.each(hostile)('leaves nothing active in %j', input => {
    const out = escapeText(input)
    expect(out).not.toMatch(/[<>\n\r]/)
    expect(out).not.toMatch(/@[A-Za-z]/)
    expect(out).not.toMatch(/#\d/)
    expect(out).not.toMatch(/(?<!\\)[|`]/)
  })
})

describe('escapeCell', () => {
  const cases: Array<[string, string]> = [
    ['', '—'],
    ['   ', '—'],
    ['a|b\nc', 'a\\|b c'],
    ['np1', 'np1']
  ]
  it.each(cases)('%j → %j', (input, expected) => {
    expect(escapeCell(input)).toBe(expected)
  })
})

describe('codeSpan', () => {
  const cases: Array<[string, boolean, string]> = [
    ['kubectl get pdb -A', false, '`kubectl get pdb -A`'],
    ['a`b', false, '``a`b``'],
    ['`x', false, '`` `x ``'],
    ['grep a|b', true, '`grep a\\|b`'],
    ['grep a|b', false, '`grep a|b`'],
    ['two\nlines', false, '`two lines`']
  ]
  it.each(cases)('%j (table: %s)', (input, inTable, expected) => {
    expect(codeSpan(input, inTable)).toBe(expected)
  })
})

describe('renderMarked', () => {
  const cases: Array<[string, string]> = [
    ['Run `kubectl get pdb -A` now', 'Run `kubectl get pdb -A` now'],
    ['Grant <b> to `x`', 'Grant &lt;b&gt; to `x`'],
    ['an odd ` backtick', 'an odd \\` backtick'],
    ['`a` and `b` then `c', '`a` and `b` then \\`c'],
    ['no code @everyone', `no code @${ZWJ}everyone`]
  ]
  it.each(cases)('%j', (input, expected) => {
    expect(renderMarked(input)).toBe(expected)
  })
})

describe('link', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['run', 'https://github.com/contoso/platform/actions/runs/1', '[run](https://github.com/contoso/platform/actions/runs/1)'],
    ['run', undefined, 'run'],
    ['run', 'javascript:alert(1)', 'run'],
    ['run', 'https://e.example/a b', 'run'],
    ['run', 'https://e.example/a)(b', '[run](https://e.example/a%29%28b)'],
    ['<b>', 'https://e.example/', '[&lt;b&gt;](https://e.example/)']
  ]
  it.each(cases)('%s %j', (label, url, expected) => {
    expect(link(label, url)).toBe(expected)
  })
})

describe('clip', () => {
  const cases: Array<[string, number, string]> = [
    ['short', 10, 'short'],
    ['exactly ten', 11, 'exactly ten'],
    ['a long Azure message', 8, 'a long…']
  ]
  it.each(cases)('%j to %d', (input, max, expected) => {
    expect(clip(input, max)).toBe(expected)
  })
})
