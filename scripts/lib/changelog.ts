// CHANGELOG.md in Keep a Changelog form (https://keepachangelog.com/en/1.1.0/): `## [Unreleased]`
// on top, then `## [X.Y.Z] - YYYY-MM-DD` for each release, newest first, each with `### Added`,
// `### Changed`, `### Deprecated`, `### Removed`, `### Fixed` or `### Security` subsections.

export interface ChangelogSection {
  /** 'Unreleased' or X.Y.Z */
  version: string
  /** YYYY-MM-DD; undefined for Unreleased. */
  date: string | undefined
  /** The text under the heading, trimmed. */
  body: string
}

const HEADING = /^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?[ \t]*$/gm

export function changelogSections(text: string): ChangelogSection[] {
  const headings = [...text.matchAll(HEADING)]
  return headings.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length
    const end = headings[i + 1]?.index ?? text.length
    // Link references ([1.0.0]: https://…) close the file; they are not part of a section.
    const body = text
      .slice(start, end)
      .replace(/^\[[^\]]+\]:\s.*$/gm, '')
      .trim()
    return { version: m[1] ?? '', date: m[2], body }
  })
}

/** What the release's notes say: the body of `## [version] - date`. */
export function releaseNotes(text: string, version: string): string {
  const section = changelogSections(text).find(s => s.version === version)
  if (section === undefined) throw new Error(`CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section: move the Unreleased entries under it`)
  if (section.date === undefined) throw new Error(`CHANGELOG.md's section for ${version} has no date ("## [${version}] - YYYY-MM-DD")`)
  if (section.body.replace(/^###.*$/gm, '').trim() === '') throw new Error(`CHANGELOG.md's section for ${version} is empty`)
  return `${section.body}\n`
}

const KINDS = new Set(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'])
const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/

/** Negative, zero or positive as X.Y.Z `a` is below, equal to or above `b`. */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a)?.slice(1).map(Number) ?? []
  const pb = SEMVER.exec(b)?.slice(1).map(Number) ?? []
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

/** Where `text` departs from the form above; empty when it keeps to it. */
export function changelogProblems(text: string): string[] {
  const problems: string[] = []
  if (!/^# Changelog\s*$/m.test(text)) problems.push('no "# Changelog" title')
  const sections = changelogSections(text)
  if (sections[0]?.version !== 'Unreleased') problems.push('the first section is not "## [Unreleased]"')
  const released = sections.slice(1)
  for (const s of released) {
    if (!SEMVER.test(s.version)) problems.push(`"${s.version}" is not X.Y.Z`)
    if (s.date === undefined) problems.push(`${s.version} has no date`)
    if (s.body === '') problems.push(`${s.version} is empty`)
  }
  for (const [i, s] of released.entries()) {
    const next = released[i + 1]
    if (next !== undefined && compareVersions(s.version, next.version) <= 0) problems.push(`${s.version} is listed above ${next.version}`)
  }
  for (const s of sections) {
    for (const m of s.body.matchAll(/^### (.+)$/gm))
      if (!KINDS.has(m[1] ?? '')) problems.push(`${s.version}: "### ${m[1]}" is not a Keep a Changelog kind`)
    if (s.body !== '' && !/^### /.test(s.body)) problems.push(`${s.version}: entries must sit under a "### Added", "### Fixed"… heading`)
  }
  return problems
}

/** The newest released version, or undefined before the first release. */
export function latestRelease(text: string): string | undefined {
  return changelogSections(text).find(s => s.version !== 'Unreleased')?.version
}
