import { describe, expect, it } from 'vitest'
import { changelogProblems, changelogSections, compareVersions, releaseNotes } from '../../scripts/lib/changelog.ts'

const CHANGELOG = `# Changelog

Intro.

## [Unreleased]

### Added

- Something new.

## [1.1.0] - 2027-02-01

### Added

- \`max-parallel-pools\`.

### Fixed

- A fix.

## [1.0.0] - 2027-01-10

### Added

- The first version.

[unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0
`

describe('changelogSections', () => {
  it('reads each section with its version, date and body', () => {
    expect(changelogSections(CHANGELOG).map(s => [s.version, s.date])).toEqual([
      ['Unreleased', undefined],
      ['1.1.0', '2027-02-01'],
      ['1.0.0', '2027-01-10']
    ])
  })
})

describe('releaseNotes', () => {
  it("is the version's section, without the link references", () => {
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('### Added\n\n- `max-parallel-pools`.\n\n### Fixed\n\n- A fix.\n')
    expect(releaseNotes(CHANGELOG, '1.0.0')).toBe('### Added\n\n- The first version.\n')
  })

  it('refuses a version without a dated section', () => {
    expect(() => releaseNotes(CHANGELOG, '1.2.0')).toThrow('CHANGELOG.md has no "## [1.2.0] - YYYY-MM-DD" section')
    expect(() => releaseNotes(CHANGELOG, 'Unreleased')).toThrow('has no date')
    expect(() => releaseNotes(CHANGELOG.replace('- The first version.', ''), '1.0.0')).toThrow('is empty')
  })
})

describe('changelogProblems', () => {
  it('accepts Keep a Changelog form', () => {
    expect(changelogProblems(CHANGELOG)).toEqual([])
  })

  it.each([
    [CHANGELOG.replace('## [Unreleased]\n\n### Added\n\n- Something new.\n\n', ''), 'the first section is not "## [Unreleased]"'],
    [CHANGELOG.replace('## [1.0.0] - 2027-01-10', '## [1.0.0]'), '1.0.0 has no date'],
    [CHANGELOG.replace('### Fixed', '### Bug fixes'), '1.1.0: "### Bug fixes" is not a Keep a Changelog kind'],
    [CHANGELOG.replace('[1.1.0] - 2027-02-01', '[0.9.0] - 2027-02-01'), '0.9.0 is listed above 1.0.0'],
    [CHANGELOG.replace('### Added\n\n- Something new.', '- Something new.'), 'Unreleased: entries must sit under a "### Added", "### Fixed"… heading']
  ])('reports %#', (text, problem) => {
    expect(changelogProblems(text)).toContain(problem)
  })
})

describe('compareVersions', () => {
  it('orders by number, not text', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0)
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0)
    expect(compareVersions('1.0.1', '2.0.0')).toBeLessThan(0)
  })
})
