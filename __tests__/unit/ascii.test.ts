import { describe, expect, it } from 'vitest'
import { escapeNonAscii, taggedTemplateRanges } from '../../scripts/lib/ascii.ts'

/** Evaluates a module-free script body and returns its result. */
const run = (source: string): unknown => new Function(source)()

describe('escapeNonAscii', () => {
  it.each([
    ["return 'Kubernetes 1.35.5 → 1.35.6'", "return 'Kubernetes 1.35.5 \\u2192 1.35.6'"],
    ['return `3 × 4 vCPUs`', 'return `3 \\u00d7 4 vCPUs`'],
    ["return '✅ upgraded'", "return '\\u2705 upgraded'"],
    ["return '🔄'", "return '\\ud83d\\udd04'"],
    ['return /[–—]/.test("—")', 'return /[\\u2013\\u2014]/.test("\\u2014")'],
    ["return 'a\\\\→'", "return 'a\\\\\\u2192'"],
    ['// done → next\nreturn 1', '// done \\u2192 next\nreturn 1'],
    ['const café = 1; return café', 'const caf\\u00e9 = 1; return caf\\u00e9']
  ])('%s', (source, escaped) => {
    const out = escapeNonAscii(source)
    expect(out).toBe(escaped)
    expect(out).toMatch(/^[^\u0080-\uffff]*$/)
    expect(run(out)).toEqual(run(source))
  })

  it('refuses a character after an odd number of backslashes, where the escape would change it', () => {
    expect(() => escapeNonAscii("const a = 1\nreturn '\\→'")).toThrow("line 2: '→' follows a backslash")
  })

  it('leaves tagged templates alone: their tag may read the raw text', () => {
    const source = "const t = String.raw`a→b`; const u = 'c→d'"
    const out = escapeNonAscii(source, taggedTemplateRanges(source))
    expect(out).toBe("const t = String.raw`a→b`; const u = 'c\\u2192d'")
    expect(run(`${out}; return [t, u]`)).toEqual(['a→b', 'c→d'])
    // Without the parser's ranges the raw text would change.
    expect(run(`${escapeNonAscii(source)}; return [t, u]`)).toEqual(['a\\u2192b', 'c→d'])
  })
})
