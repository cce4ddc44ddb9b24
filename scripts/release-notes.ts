// Prints the release notes of one version: its section of CHANGELOG.md. The release workflow
// (.github/workflows/release.yml) passes them to the GitHub release.
//
//   node scripts/release-notes.ts 1.2.0
import { readFileSync } from 'node:fs'
import { releaseNotes } from './lib/changelog.ts'

const version = process.argv[2] ?? ''
try {
  process.stdout.write(releaseNotes(readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8'), version))
} catch (error: unknown) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
}
