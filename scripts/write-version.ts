// The first step of `npm run build`: src/version.ts from package.json's "version", so the
// version in the report is never written by hand. A unit test keeps the two equal.
//
//   node scripts/write-version.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown }
if (typeof version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error(`package.json's version ${JSON.stringify(version)} is not a semantic version`)
  process.exit(1)
}
const text = `// Written by scripts/write-version.ts from package.json on every build: do not edit. The
// action's version as shown in the report footer; a unit test keeps it equal to package.json's.
export const ACTION_VERSION = '${version}'
`
const target = new URL('../src/version.ts', import.meta.url)
if (!existsSync(target) || readFileSync(target, 'utf8') !== text) writeFileSync(target, text)
