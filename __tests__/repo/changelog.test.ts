import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { changelogProblems, changelogSections, compareVersions, latestRelease } from '../../scripts/lib/changelog.ts'
import { ROOT } from './workflow-lint.ts'

const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

describe('CHANGELOG.md', () => {
  it('keeps to Keep a Changelog form', () => {
    expect(changelogProblems(changelog)).toEqual([])
  })

  it("has something to say about package.json's version: released, or still to come under Unreleased", () => {
    const latest = latestRelease(changelog)
    if (latest === version) return
    // Not released yet: a higher version than the last release, with the changes under Unreleased.
    expect(latest === undefined || compareVersions(version, latest) > 0, `package.json ${version}, last release ${latest}`).toBe(true)
    expect(changelogSections(changelog)[0]?.body).not.toBe('')
  })
})
