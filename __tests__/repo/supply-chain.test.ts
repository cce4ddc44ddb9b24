// What dist/ ships and how updates reach it: the licences of every bundled package, the bundle
// in ASCII, and Dependabot's groups matching what can change dist/.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { type BundleStats, bundledPackageDirs, licenseProblem, parseLicenses, readBundledPackage } from '../../scripts/lib/licenses.ts'
import { ROOT } from './workflow-lint.ts'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}
const licenses = parseLicenses(readFileSync(join(ROOT, 'dist/licenses.txt'), 'utf8'))
const listed = new Set(licenses.map(l => l.id))

describe('dist/licenses.txt', () => {
  it('names a permitted licence for every package, none missing and none copyleft', () => {
    expect(licenses.length).toBeGreaterThan(0)
    expect(licenses.flatMap(l => (licenseProblem(l.license) === undefined ? [] : [`${l.id}: ${licenseProblem(l.license)}`]))).toEqual([])
  })

  it('lists every runtime dependency', () => {
    const names = new Set(licenses.map(l => l.id.replace(/@[^@]+$/, '')))
    expect(Object.keys(pkg.dependencies).filter(name => !names.has(name))).toEqual([])
  })

  it('lists every package ncc bundled (build/ncc-stats.json, written by npm run build)', () => {
    const statsPath = join(ROOT, 'build/ncc-stats.json')
    expect(existsSync(statsPath), 'run npm run build first').toBe(true)
    const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as BundleStats
    const bundled = bundledPackageDirs(stats).map(readBundledPackage)
    expect(bundled.length).toBeGreaterThan(30)
    expect(bundled.map(p => `${p.name}@${p.version}`).filter(id => !listed.has(id))).toEqual([])
  })
})

describe('dist/index.js', () => {
  it('is ASCII, so V8 keeps its source at one byte per character', () => {
    const bundle = readFileSync(join(ROOT, 'dist/index.js'), 'utf8')
    const at = bundle.search(/[\u0080-\uffff]/)
    expect(at === -1 ? '' : `line ${bundle.slice(0, at).split('\n').length}: ${bundle.slice(Math.max(0, at - 40), at + 40)}`).toBe('')
  })
})

describe('Dependabot', () => {
  const config = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
    updates: Array<{ 'package-ecosystem': string; groups: Record<string, { patterns: string[]; 'exclude-patterns'?: string[] }> }>
  }
  const npm = config.updates.find(u => u['package-ecosystem'] === 'npm')
  /** devDependencies that can change dist/: their updates belong with the runtime dependencies. */
  const BUILD = ['@vercel/ncc', 'typescript', 'oxc-parser']
  const matches = (name: string, pattern: string): boolean =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name)

  it('watches npm and github-actions', () => {
    expect(config.updates.map(u => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm'])
  })

  it('puts every update that can change dist/ in one group, and only tooling in the other', () => {
    const dist = npm?.groups.dist
    const tooling = npm?.groups.tooling
    expect(dist?.patterns).toEqual(['*'])
    expect(dist?.['exclude-patterns']).toEqual(tooling?.patterns)
    const toolingNames = Object.keys(pkg.devDependencies).filter(name => (tooling?.patterns ?? []).some(p => matches(name, p)))
    expect(toolingNames.filter(name => BUILD.includes(name))).toEqual([])
    // A new devDependency must be placed: tooling (cannot change dist/) or BUILD (can).
    expect(Object.keys(pkg.devDependencies).filter(name => !toolingNames.includes(name) && !BUILD.includes(name))).toEqual([])
  })
})
