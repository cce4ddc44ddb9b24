// The last step of `npm run build`, after ncc has written dist/:
// - dist/licenses.txt from ncc's module list (every bundled package, its licence and text);
// - dist/index.js in ASCII, so V8 holds the bundle's source at one byte per character (the
//   other chunks are loaded only for browser sign-in and kerberos, never by this action);
// - no dist/xdg-open: @azure/identity bundles it for browser sign-in, which this action never
//   uses, and ncc cannot leave out one asset.
//
//   node scripts/finish-dist.ts build/ncc-stats.json dist
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { escapeNonAscii, taggedTemplateRanges } from './lib/ascii.ts'
import { type BundleStats, bundledPackageDirs, readBundledPackage, renderLicenses } from './lib/licenses.ts'

const [statsPath, distDir] = process.argv.slice(2)
if (statsPath === undefined || distDir === undefined) {
  console.error('usage: node scripts/finish-dist.ts <ncc stats.json> <dist dir>')
  process.exit(2)
}

const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as BundleStats
writeFileSync(join(distDir, 'licenses.txt'), renderLicenses(bundledPackageDirs(stats).map(readBundledPackage)))

const entry = join(distDir, 'index.js')
const source = readFileSync(entry, 'utf8')
writeFileSync(entry, escapeNonAscii(source, taggedTemplateRanges(source)))

rmSync(join(distDir, 'xdg-open'), { force: true })
