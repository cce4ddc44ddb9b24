// What dist/ bundles and under which licences. ncc's own --license lists almost nothing for this
// bundle (it credits the modules to the package of its loader, @vercel/ncc), so the build writes
// dist/licenses.txt from ncc's module list (--stats-out) instead, and a test holds every entry to
// the policy below.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The parts of webpack's stats JSON this reads. */
export interface BundleStats {
  modules?: StatsModule[]
}

interface StatsModule {
  identifier?: string
  chunks?: Array<string | number>
  modules?: StatsModule[]
}

export interface BundledPackage {
  name: string
  version: string
  /** SPDX expression from package.json; '' when it declares none. */
  license: string
  /** The package's licence (and NOTICE) files, concatenated; '' when it ships none. */
  text: string
}

/** The package directories (…/node_modules/<name>) of every module emitted into a chunk. */
export function bundledPackageDirs(stats: BundleStats): string[] {
  const dirs = new Set<string>()
  const visit = (module: StatsModule): void => {
    if (module.modules !== undefined && module.modules.length > 0) {
      for (const inner of module.modules) visit(inner)
      return
    }
    // "…/ncc/loaders/x.js!json|/repo/node_modules/@scope/name/file.js": the resource is last.
    const resource = (module.identifier ?? '').split('!').pop() ?? ''
    const dir = /(\/.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resource)?.[1]
    if (dir !== undefined) dirs.add(dir)
  }
  // A module nested in a concatenated one is also listed at the top level, without chunks.
  for (const module of stats.modules ?? []) if ((module.chunks ?? []).length > 0) visit(module)
  return [...dirs].sort()
}

interface Manifest {
  name?: unknown
  version?: unknown
  license?: unknown
  licenses?: unknown
}

function declaredLicense(manifest: Manifest): string {
  const { license, licenses } = manifest
  if (typeof license === 'string') return license.trim()
  if (typeof license === 'object' && license !== null && 'type' in license && typeof license.type === 'string') return license.type.trim()
  // The deprecated `licenses: [{ type }]` lists alternatives.
  if (Array.isArray(licenses)) {
    const types = licenses.map(l => (typeof l === 'object' && l !== null && 'type' in l && typeof l.type === 'string' ? l.type : '')).filter(Boolean)
    return types.length > 1 ? `(${types.join(' OR ')})` : (types[0] ?? '')
  }
  return ''
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i

export function readBundledPackage(dir: string): BundledPackage {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter(f => LICENSE_FILE.test(f))
        .sort()
    : []
  return {
    name: String(manifest.name ?? dir),
    version: String(manifest.version ?? ''),
    license: declaredLicense(manifest),
    text: files.map(f => readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trim()).join('\n\n')
  }
}

const HEADER = `This file lists every package bundled into dist/, with its licence. It is written by
scripts/finish-dist.ts on each build from ncc's module list; do not edit it.`

/** dist/licenses.txt: a `Package:` and `License:` line, then the text, for each package. */
export function renderLicenses(packages: BundledPackage[]): string {
  const unique = new Map(packages.map(p => [`${p.name}@${p.version}`, p]))
  const blocks = [...unique.values()]
    .sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1))
    .map(p => {
      const text = p.text !== '' ? p.text : `(The package ships no licence file; its package.json declares: ${p.license || 'nothing'}.)`
      return `Package: ${p.name}@${p.version}\nLicense: ${p.license}\n\n${text}\n`
    })
  return `${HEADER}\n\n${blocks.join('\n')}`
}

export interface LicenseEntry {
  /** name@version */
  id: string
  license: string
}

export function parseLicenses(text: string): LicenseEntry[] {
  return [...text.matchAll(/^Package: (.+)\nLicense: (.*)$/gm)].map(m => ({ id: m[1] ?? '', license: (m[2] ?? '').trim() }))
}

/** Permissive licences a bundled package may carry. */
const PERMITTED = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'MIT-0',
  'Python-2.0',
  'Unlicense',
  'Zlib'
])

/** Strong and weak copyleft families: each needs a decision before it is bundled. */
const COPYLEFT = /^(A?GPL|LGPL|SSPL|EUPL|MPL|EPL|CDDL|OSL|CPAL|RPL|CC-BY-SA|CC-BY-NC)/i

/** Why a package's declared licence is not acceptable in the bundle, or undefined when it is. */
export function licenseProblem(expression: string): string | undefined {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? []
  if (tokens.length === 0) return 'declares no licence'
  let pos = 0
  // SPDX precedence: WITH binds tightest, then AND, then OR.
  const problems: string[] = []
  let malformed: string | undefined
  const primary = (): boolean => {
    const token = tokens[pos++]
    if (token === '(') {
      const ok = or()
      if (tokens[pos++] !== ')') malformed ??= `unbalanced parentheses in '${expression}'`
      return ok
    }
    if (token === undefined || /^(AND|OR|WITH|\))$/i.test(token)) {
      malformed ??= `'${expression}' is not an SPDX expression`
      return false
    }
    if (/^WITH$/i.test(tokens[pos] ?? '')) pos += 2 // an exception only grants more
    const id = token.replace(/\+$/, '')
    if (PERMITTED.has(id)) return true
    problems.push(COPYLEFT.test(id) ? `${token} is copyleft` : `${token} is not on the list of permitted licences`)
    return false
  }
  const and = (): boolean => {
    let ok = primary()
    while (/^AND$/i.test(tokens[pos] ?? '')) {
      pos++
      ok = primary() && ok
    }
    return ok
  }
  const or = (): boolean => {
    let ok = and()
    while (/^OR$/i.test(tokens[pos] ?? '')) {
      pos++
      ok = and() || ok
    }
    return ok
  }
  const ok = or()
  if (pos < tokens.length) malformed ??= `'${expression}' is not an SPDX expression`
  if (malformed !== undefined) return malformed
  return ok ? undefined : problems.join('; ')
}
