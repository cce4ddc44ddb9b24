// Minor upgrades can wait for a person, and this module holds all of it: the approval type,
// the checkbox line the report issue carries (one per cluster and target minor) and its
// parser, who ticked a box (from the issue's edit history, which github/ reads), whether
// that person may approve (from what github/ learnt about them), and which ticked boxes the
// rewritten issue keeps. Pure.
//
// The hidden key is what counts; the visible text must still name the same cluster and
// minor, so a box whose text was edited to approve something else approves nothing.
// Approving a Kubernetes minor upgrade of production must need the trust merging to main
// needs: a tick counts only when GitHub's own records show a person with write access made it.
import type { ClusterPlan, PlanEntry, RunReport } from './model.js'
import { minorOf } from './plan/kubernetes.js'
import { escapeText } from './report/escape.js'
import { holdLabel, REASON_LABELS } from './report/labels.js'
import type { ReportRows, Row } from './report/rows.js'
import { parseClusterId } from './util/cluster-id.js'

/**
 * A ticked box. Who ticked it is not in the issue body (GitHub does not say): it comes from
 * the edit history (`tickedBy`), and the tick counts (`approvedBy`) or not (`refused`) once
 * judgeApprovals has weighed that person.
 */
export interface Approval {
  /** Compared case-insensitively. */
  clusterId: string
  /** `1.36` */
  minor: string
  /** The login whose edit ticked the box, from the issue's edit history. */
  tickedBy?: string
  /** The person the approval counts for. */
  approvedBy?: string
  /** Why the tick does not count, as the report shows it; the planner sees no approval. */
  refused?: string
  /** A refused tick GitHub could not judge yet: the rewritten issue keeps it ticked for the next run. */
  recheck?: boolean
}

/** Order of two minors (`1.36` vs `1.35`): negative, 0 or positive; null when either is no minor. */
export function compareMinors(a: string, b: string): number | null {
  const pa = minorOf(a)?.split('.').map(Number)
  const pb = minorOf(b)?.split('.').map(Number)
  if (!pa || !pb) return null
  return (pa[0] ?? 0) - (pb[0] ?? 0) || (pa[1] ?? 0) - (pb[1] ?? 0)
}

/** One approval per cluster and minor: the key an approval given and a box offered share. */
export const approvalKeyOf = (clusterId: string, minor: string): string => `${clusterId.trim().toLowerCase()}|${minor}`

/** The approval of a cluster's upgrade to a minor, if one was given (a refused tick is none). */
export function findApproval(approvals: readonly Approval[], clusterId: string, minor: string): Approval | undefined {
  const id = clusterId.toLowerCase()
  return approvals.find(a => a.refused === undefined && a.clusterId.trim().toLowerCase() === id && a.minor.trim().replace(/^v/i, '') === minor)
}

// ---------------------------------------------------------------------------
// The checkbox line and its parser

// ARM ids hold no `<`, `>`, whitespace, `%` or `:`, but the key must survive any id:
// those characters could end the comment or the key early (and `@`/`#` stay out of the raw
// body altogether).
function encodeId(id: string): string {
  return id.replace(/[%<>:\s`@#]/g, ch => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

function decodeId(s: string): string | null {
  try {
    return decodeURIComponent(s)
  } catch {
    return null
  }
}

function hiddenKey(clusterId: string, minor: string): string {
  return `<!-- approve:${encodeId(clusterId)}:${minor} -->`
}

function shownName(cluster: string, resourceGroup: string): string {
  return resourceGroup ? `**${escapeText(cluster)}** (${escapeText(resourceGroup)})` : `**${escapeText(cluster)}**`
}

/**
 * The checkbox line for a due minor upgrade awaiting approval; its text carries cluster and
 * target version and a hidden key. `checked` renders an approval that is already given (an
 * approved upgrade still waiting for its window keeps its tick across re-renders).
 */
export function approvalCheckbox(entry: PlanEntry, checked = false): string {
  const target = entry.kubernetesVersion.target
  const minor = minorOf(target)
  const name = shownName(entry.cluster, entry.resourceGroup)
  if (!target || !minor) {
    return `- Minor upgrade of ${name} needs approval, but no target version is known.`
  }
  const current = entry.kubernetesVersion.current
  const from = current ? ` from ${escapeText(current)}` : ''
  const box = checked ? '[x]' : '[ ]'
  return `- ${box} Approve the minor upgrade of ${name}${from} to Kubernetes **${escapeText(target)}** ${hiddenKey(entry.clusterId, minor)}`
}

/** A ticked approval kept in the issue until its minor upgrade has happened. */
export interface ApprovedBox {
  clusterId: string
  /** `1.36` */
  minor: string
  /** Shown name; derived from the id when the cluster is not in the plan. */
  cluster: string
  resourceGroup: string
  current?: string | null
  /** Shown instead of the minor when it is a version of that minor (`1.36.2`). */
  target?: string | null
  approvedBy?: string
  /** Why it has not started, e.g. `outside the maintenance window`. */
  waiting?: string
}

/** Cluster and resource group names from an ARM id, for an approval whose cluster this run did not read. */
export function namesFromId(clusterId: string): { cluster: string; resourceGroup: string } {
  const ref = parseClusterId(clusterId)
  return ref ? { cluster: ref.name, resourceGroup: ref.resourceGroup } : { cluster: clusterId, resourceGroup: '' }
}

/**
 * The ticked box of an approval already given, saying who gave it and that it waits: the
 * same hidden key and visible text parseApprovals reads back, so the approval survives the
 * rewrite of the issue body whatever held the upgrade in this run.
 */
export function approvedCheckbox(box: ApprovedBox): string {
  const minor = minorOf(box.minor) ?? box.minor
  const shown = box.target && minorOf(box.target) === minor ? box.target : minor
  const from = box.current ? ` from ${escapeText(box.current)}` : ''
  const by = box.approvedBy?.trim() ? `approved by ${escapeText(box.approvedBy.trim())}` : 'approved'
  const waiting = box.waiting ? ` (${escapeText(box.waiting)})` : ''
  return `- [x] Approve the minor upgrade of ${shownName(box.cluster, box.resourceGroup)}${from} to Kubernetes **${escapeText(shown)}** — ${by}, waiting to start${waiting} ${hiddenKey(box.clusterId, minor)}`
}

const CHECKBOX_LINE = /^[ \t]*(?:>[ \t]*)*[-*+][ \t]+\[([ xX])\][ \t]+(.*?)[ \t]*<!--[ \t]*approve:([^\s:]+):(\d+\.\d+|retry)[ \t]*-->[ \t]*$/

/**
 * The box that restarts a failed or stopped Fleet update run (`engine: fleet`): the same
 * trust as an approval, keyed by the run's resource id and `retry`.
 */
export function retryCheckbox(runId: string, name: string, state: string): string {
  return `- [ ] Retry the Fleet update run **${escapeText(name)}** (${escapeText(state)}): it continues at the first member not yet processed ${hiddenKey(runId, 'retry')}`
}

function unescapeMarkdown(s: string): string {
  return s
    .replace(/\u200D/g, '')
    .replace(/\\(.)/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/**
 * Ticked approvals found in an issue body: only boxes written by approvalCheckbox, matched by
 * their hidden key, and only while the visible text still shows the same minor (and cluster).
 * Lines inside fenced code blocks are ignored: quoting a box is not ticking it.
 */
export function parseApprovals(body: string): Approval[] {
  const found = new Map<string, Approval>()
  let fence: string | null = null
  for (const line of body.split(/\r\n|\r|\n/)) {
    const fenceMatch = /^[ \t]{0,3}(`{3,}|~{3,})/.exec(line)
    if (fenceMatch?.[1]) {
      const marker = fenceMatch[1]
      if (fence === null) fence = marker
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null
      continue
    }
    if (fence !== null) continue
    const m = CHECKBOX_LINE.exec(line)
    if (!m) continue
    const [, tick, visible = '', encodedId = '', minor = ''] = m
    if (tick !== 'x' && tick !== 'X') continue
    const clusterId = decodeId(encodedId)
    if (!clusterId) continue
    if (minor === 'retry') {
      const run = /Retry the Fleet update run \*\*(.+?)\*\*/.exec(visible)?.[1]
      if (run !== undefined && unescapeMarkdown(run) === clusterId.split('/').at(-1)) found.set(approvalKeyOf(clusterId, minor), { clusterId, minor })
      continue
    }
    const shown = /to Kubernetes \*\*(.+?)\*\*/.exec(visible)?.[1]
    if (shown === undefined || minorOf(unescapeMarkdown(shown)) !== minor) continue
    const expectedName = parseClusterId(clusterId)?.name ?? null
    const shownName = /of \*\*(.+?)\*\*/.exec(visible)?.[1]
    if (expectedName !== null && (shownName === undefined || unescapeMarkdown(shownName).toLowerCase() !== expectedName.toLowerCase())) continue
    found.set(approvalKeyOf(clusterId, minor), { clusterId, minor })
  }
  return [...found.values()]
}

// ---------------------------------------------------------------------------
// Who ticked a box: GitHub's REST API does not say; the GraphQL edit history of the issue
// body (userContentEdits) does, where it is available.

export interface BodyEdit {
  /** ISO instant. */
  editedAt: string
  editor: string | null
  /** The body as it was after this edit. */
  body: string
}

/**
 * The edits GitHub lists for an issue body, oldest first (edits with the same `editedAt`
 * keep this order); `complete` is false when older ones were left unread.
 */
export interface EditHistory {
  edits: BodyEdit[]
  complete: boolean
}

/**
 * For each approval, the editor of the last edit that turned its box from unticked (or
 * absent) to ticked (`tickedBy`). Approvals without such an edit keep none: they were ticked
 * before the history starts, or in an edit GitHub records without an editor. When the
 * history is incomplete, a box already ticked in its oldest edit was ticked by someone unseen.
 */
export function attributeApprovals(approvals: Approval[], history: EditHistory, parse: (body: string) => Approval[]): Approval[] {
  const sorted = [...history.edits].sort((a, b) => a.editedAt.localeCompare(b.editedAt))
  const keysOf = (body: string): Set<string> => new Set(parse(body).map(a => approvalKeyOf(a.clusterId, a.minor)))
  const ticker = new Map<string, string>()
  let ticked = history.complete || sorted[0] === undefined ? new Set<string>() : keysOf(sorted[0].body)
  for (const edit of history.complete ? sorted : sorted.slice(1)) {
    const now = keysOf(edit.body)
    for (const k of now) {
      if (ticked.has(k)) continue
      if (edit.editor) ticker.set(k, edit.editor)
      else ticker.delete(k)
    }
    ticked = now
  }
  return approvals.map(a => {
    const by = ticker.get(approvalKeyOf(a.clusterId, a.minor))
    return by === undefined ? a : { ...a, tickedBy: by }
  })
}

// ---------------------------------------------------------------------------
// Who may approve: GitHub's own trust. Whoever cannot push to the repository (and so cannot
// merge to main) cannot approve, and `minor-approvers` narrows that further.

/** A repository role, lowest first, as GitHub's collaborator permission endpoint names them. */
const ROLES = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const
export type RepoRole = (typeof ROLES)[number]

/** What GitHub answered about a login, or why it could not tell. */
export type Lookup<T> = { ok: true; value: T } | { ok: false; problem: string }

/**
 * The role from `GET /repos/{owner}/{repo}/collaborators/{username}/permission`: `role_name`
 * when it is a built-in role; a custom role's name says nothing here, so its base role, the
 * legacy `permission` (where maintain reads as write and triage as read), decides.
 */
export function repoRole(permission: unknown, roleName: unknown): RepoRole {
  return ROLES.find(r => r === roleName) ?? ROLES.find(r => r === permission) ?? 'none'
}

/** Write, maintain and admin may push, so they may approve and write the dashboard. */
export function canWrite(role: RepoRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf('write')
}

/** An app's account (`name[bot]`): its edits are a program's, never a person's approval. */
export const isBot = (login: string): boolean => /\[bot\]$/i.test(login)

/** `minor-approvers`: logins and `org/team` slugs, lower-cased. Both empty: anyone with write. */
export interface MinorApprovers {
  logins: string[]
  teams: string[]
}

/** What github/ learnt about the login that ticked a box. */
export interface EditorFacts {
  role: Lookup<RepoRole>
  /** Active membership of the `minor-approvers` teams asked about (none when listed by name). */
  teams: Record<string, Lookup<boolean>>
}

/** The teams to ask about `login`: none when it is a bot, listed by name, or no team is listed. */
export function teamsToAsk(login: string, approvers: MinorApprovers): string[] {
  return isBot(login) || approvers.logins.includes(login.toLowerCase()) ? [] : approvers.teams
}

function listed(approvers: MinorApprovers): string {
  const names = [...approvers.logins, ...approvers.teams]
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`
}

const isMember = (fact: Lookup<boolean> | undefined): boolean => fact?.ok === true && fact.value

/**
 * Why someone may not approve. `recheck`: GitHub could not answer (a lookup failed, the edit
 * history was unreadable), so the tick stays in the issue and the next run asks again; a
 * definite no is unticked in the rewrite, and the box offered again to someone who may approve.
 */
export interface Refusal {
  why: string
  recheck: boolean
}

/** Why `login` is not among `minor-approvers`, or null when it is (by name or as an active team member). */
function notListed(login: string, approvers: MinorApprovers, facts: EditorFacts): Refusal | null {
  if (approvers.logins.length === 0 && approvers.teams.length === 0) return null
  if (approvers.logins.includes(login.toLowerCase())) return null
  if (approvers.teams.some(t => isMember(facts.teams[t]))) return null
  const unknown = approvers.teams.flatMap(t => {
    const fact = facts.teams[t]
    return fact && !fact.ok ? [`${t} (${fact.problem})`] : []
  })
  const why = `minor-approvers allows only ${listed(approvers)}`
  if (unknown.length === 0) return { why: `${why}, and @${login} is not an active member of a team it names`, recheck: false }
  return {
    why:
      `${why}, and @${login} is not shown to be a member of ${unknown.join(', ')}: reading team membership needs a token ` +
      "with read:org (the job's GITHUB_TOKEN cannot), or list the approvers' logins instead",
    recheck: true
  }
}

/** Why `login` may not approve, or null when it may. */
export function whyNotApprover(login: string, approvers: MinorApprovers, facts: EditorFacts, repository: string): Refusal | null {
  if (isBot(login)) return { why: `@${login} is an app, and only people approve upgrades`, recheck: false }
  const unlisted = notListed(login, approvers, facts)
  if (unlisted !== null) return unlisted
  if (!facts.role.ok) return { why: `the permission of @${login} on ${repository} could not be read (${facts.role.problem})`, recheck: true }
  if (canWrite(facts.role.value)) return null
  return { why: `@${login} has ${facts.role.value} permission on ${repository}, and approving needs write, maintain or admin`, recheck: false }
}

const RECHECK = 'The box stays ticked, and the next run checks again'

/** Why a tick whose editor is unknown does not count, and how to make it count. */
function unattributed(historyProblem: string | undefined, complete: boolean): Refusal {
  if (historyProblem !== undefined) {
    return {
      why:
        "ticked, but not counted yet: who ticked it is not known, because the issue's edit history (GitHub GraphQL, userContentEdits) " +
        `could not be read (${historyProblem}). ${RECHECK}; on GitHub Enterprise Server, the token must be able to query GraphQL`,
      recheck: true
    }
  }
  const where = complete ? 'shows nobody ticking it' : 'shows nobody ticking it as far back as it was read'
  return {
    why: `ticked, but the issue's edit history ${where}, so who approved is not known. Tick it again so GitHub records who did`,
    recheck: false
  }
}

/** The facts judgeApprovals weighs, besides the approvals. */
export interface Verdict {
  /** Keyed by lower-cased login. */
  facts: ReadonlyMap<string, EditorFacts>
  approvers: MinorApprovers
  repository: string
  /** Whether the edit history was read to its start. */
  complete: boolean
  /** Why the edit history could not be read at all. */
  historyProblem?: string
}

/**
 * The verdict on each ticked box: it counts for its editor (`approvedBy`) when that person
 * may approve, otherwise it is `refused` with the reason, and kept ticked (`recheck`) when
 * GitHub could not answer.
 */
export function judgeApprovals(approvals: readonly Approval[], verdict: Verdict): Approval[] {
  return approvals.map(a => {
    const box: Approval = { clusterId: a.clusterId, minor: a.minor }
    const tickedBy = a.tickedBy
    if (tickedBy === undefined) {
      const { why, recheck } = unattributed(verdict.historyProblem, verdict.complete)
      return recheck ? { ...box, refused: why, recheck } : { ...box, refused: why }
    }
    const facts = verdict.facts.get(tickedBy.toLowerCase()) ?? { role: { ok: false, problem: 'not looked up' }, teams: {} }
    const refusal = whyNotApprover(tickedBy, verdict.approvers, facts, verdict.repository)
    if (refusal === null) return { ...box, tickedBy, approvedBy: tickedBy }
    if (!refusal.recheck) return { ...box, tickedBy, refused: `ticked by @${tickedBy}, who may not approve: ${refusal.why}` }
    return { ...box, tickedBy, refused: `ticked by @${tickedBy}, not counted yet: ${refusal.why}. ${RECHECK}`, recheck: true }
  })
}

/**
 * The run note for an issue that carries this report's marker but is not adopted as its
 * dashboard: its author is neither the identity the action writes as nor shown to have write.
 */
export function ignoredDashboardNote(issue: number, author: string, role: Lookup<RepoRole>, repository: string): string {
  const why = role.ok
    ? `@${author} has ${role.value} permission on ${repository}, and only the action itself or someone with write, maintain or admin writes the dashboard`
    : `the permission of @${author} on ${repository} could not be read (${role.problem})`
  return `Ignored issue #${issue} by @${author}: it carries this report's marker, but ${why}, so its checkboxes approve nothing and it is not rewritten.`
}

// ---------------------------------------------------------------------------
// Which ticked boxes the rewritten issue keeps

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? `${s[0]?.toLowerCase() ?? ''}${s.slice(1)}` : s
}

/** Why an approved minor upgrade did not start in this run, from its cluster's control-plane row. */
function waitingReason(row: Row | undefined, planned: boolean): string | undefined {
  if (!planned) return 'the cluster was not planned in this run'
  if (!row) return undefined
  const r = row.result
  switch (row.status) {
    case 'pending':
    case 'held':
      return lowerFirst(holdLabel(row))
    case 'in-progress':
      return r && r.operation.kind === 'control-plane' ? 'its upgrade is still running' : 'AKS is busy with another operation'
    case 'failed':
      return r ? 'the last attempt failed' : lowerFirst(REASON_LABELS['failed-state'])
    case 'would-upgrade':
      return 'dry run'
    case 'upgraded':
      return 'a patch upgrade came first'
    case 'up-to-date':
      return undefined
  }
}

/**
 * Every approval that must stay ticked in the rewritten issue: those read from the dashboard
 * (`report.approvals`) and, inferred, each approved minor upgrade that waits (pending or a
 * dry run), one per cluster and minor. An approval stays whatever held its upgrade (a busy
 * cluster, a ring, an earlier failure, a run-wide failure with no plan at all), or the next
 * run would find no approval and ask again; it goes once the control plane runs that minor
 * or newer, or an upgrade of it to that minor succeeded in this run.
 */
export function keptApprovals(report: RunReport, rows: ReportRows): ApprovedBox[] {
  const plans = new Map<string, ClusterPlan>()
  for (const cp of report.plan.clusters) plans.set(cp.cluster.id.trim().toLowerCase(), cp)
  const reached = new Map<string, string[]>()
  // The cheap tests first: a fleet has thousands of results and rows, and few of them matter here.
  for (const r of report.results) {
    if (r.outcome !== 'succeeded' || r.operation.kind !== 'control-plane') continue
    const to = minorOf(r.operation.to)
    if (!to) continue
    const id = r.operation.clusterId.trim().toLowerCase()
    reached.set(id, [...(reached.get(id) ?? []), to])
  }
  const controlPlanes = new Map<string, Row>()
  for (const row of rows.all) {
    if (row.pool !== null) continue
    const id = row.clusterId.trim().toLowerCase()
    if (!controlPlanes.has(id)) controlPlanes.set(id, row)
  }
  const done = (id: string, minor: string): boolean => {
    const cl = plans.get(id)?.cluster
    const runs = cl?.currentKubernetesVersion ?? cl?.kubernetesVersion
    if (runs && (compareMinors(runs, minor) ?? -1) >= 0) return true
    return (reached.get(id) ?? []).some(m => (compareMinors(m, minor) ?? -1) >= 0)
  }

  const out: ApprovedBox[] = []
  const seen = new Set<string>()
  const add = (clusterId: string, version: string | null | undefined, approvedBy: string | undefined, entry?: PlanEntry): void => {
    const minor = minorOf(version)
    if (!minor) return
    const id = clusterId.trim().toLowerCase()
    const key = approvalKeyOf(clusterId, minor)
    if (seen.has(key) || done(id, minor)) return
    seen.add(key)
    const plan = plans.get(id)
    const row = controlPlanes.get(id)
    const names = plan ? { cluster: plan.cluster.name, resourceGroup: plan.cluster.resourceGroup } : namesFromId(clusterId.trim())
    const box: ApprovedBox = { clusterId: plan?.cluster.id ?? clusterId.trim(), minor, ...names }
    const current = plan ? (plan.cluster.currentKubernetesVersion ?? plan.cluster.kubernetesVersion) : entry?.kubernetesVersion.current
    if (current) box.current = current
    const cpTarget = row?.entry?.kubernetesVersion.target
    const target = minorOf(cpTarget) === minor ? cpTarget : entry?.kubernetesVersion.target
    if (target) box.target = target
    if (approvedBy?.trim()) box.approvedBy = approvedBy.trim()
    const waiting = waitingReason(row, plan !== undefined)
    if (waiting) box.waiting = waiting
    out.push(box)
  }
  // A refused tick is not kept: the box is offered again, unticked, for someone who may approve.
  for (const a of report.approvals ?? []) if (a.refused === undefined) add(a.clusterId, a.minor, a.approvedBy)
  for (const row of rows.all) {
    const e = row.entry
    const r = row.result
    if (e?.action !== 'minor' || !r || (r.outcome !== 'pending' && r.outcome !== 'would-start') || r.operation.upgradeClass !== 'minor') continue
    add(e.clusterId, e.kubernetesVersion.target, undefined, e)
  }
  return out
}
