// Where a report goes, and how its size is measured there.

export type ReportTarget = 'issue' | 'summary'

/** GitHub's limit on an issue body (characters). */
export const ISSUE_BODY_LIMIT = 65_536
/** Job summary limit (bytes); stay under it. */
export const SUMMARY_LIMIT = 1_048_576

/** The size a body must stay under for the target. */
export function bodyLimit(target: ReportTarget): number {
  return target === 'issue' ? ISSUE_BODY_LIMIT : SUMMARY_LIMIT
}

/** Size of a text: characters for an issue (GitHub counts them), UTF-8 bytes for a job summary. */
export function textSize(target: ReportTarget, text: string): number {
  return target === 'issue' ? text.length : Buffer.byteLength(text, 'utf8')
}
