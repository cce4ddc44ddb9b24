// Who ticked an approval box. GitHub's REST API does not say; the GraphQL edit history
// of the issue body (userContentEdits) does, where it is available. Pure.
import type { Approval } from '../plan/planner.js'

export interface BodyEdit {
  /** ISO instant. */
  editedAt: string
  editor: string | null
  /** The body as it was after this edit. */
  body: string
}

const key = (a: Pick<Approval, 'clusterId' | 'minor'>): string => `${a.clusterId.toLowerCase()}|${a.minor}`

/**
 * For each approval, the editor of the last edit that turned its box from unticked (or
 * absent) to ticked. Approvals without such an edit keep no approver ("approved in the issue").
 */
export function attributeApprovals(approvals: Approval[], edits: BodyEdit[], parse: (body: string) => Approval[]): Approval[] {
  const sorted = [...edits].sort((a, b) => a.editedAt.localeCompare(b.editedAt))
  const approver = new Map<string, string>()
  let ticked = new Set<string>()
  for (const edit of sorted) {
    const now = new Set(parse(edit.body).map(key))
    for (const k of now) {
      if (!ticked.has(k) && edit.editor) approver.set(k, edit.editor)
    }
    ticked = now
  }
  return approvals.map(a => {
    const by = approver.get(key(a))
    return by !== undefined && !by.endsWith('[bot]') ? { ...a, approvedBy: by } : a
  })
}
