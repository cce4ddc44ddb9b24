// Whom the action trusts on GitHub: the identity it writes as, and what GitHub says each
// login may do in the repository. Each question is asked at most once per run (a run
// creates one RepoTrust). The rules themselves are approvals.ts's; this module only asks.
import {
  attributeApprovals,
  canWrite,
  ignoredDashboardNote,
  isBot,
  judgeApprovals,
  parseApprovals,
  teamsToAsk,
  type Approval,
  type EditHistory,
  type EditorFacts,
  type Lookup,
  type MinorApprovers,
  type RepoRole,
  type Verdict
} from '../approvals.js'
import { errorMessage } from '../util/errors.js'
import { status, type IssueClient, type IssueRef } from './issues.js'

/** The job's GITHUB_TOKEN writes as this bot. */
const ACTIONS_BOT = 'github-actions[bot]'

const same = (a: string, b: string | null): boolean => b !== null && a.toLowerCase() === b.toLowerCase()

/** What the report says when GitHub refused a question: the status is the clue to the fix. */
function problem(error: unknown): string {
  const code = status(error)
  return code === undefined ? errorMessage(error) : `GitHub answered ${code}: ${errorMessage(error)}`
}

async function lookup<T>(ask: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await ask() }
  } catch (error: unknown) {
    return { ok: false, problem: problem(error) }
  }
}

/** The dashboard adopted among the open issues carrying the marker, and why the others were not. */
interface Adoption {
  dashboard: IssueRef | null
  notes: string[]
}

export class RepoTrust {
  private readonly client: IssueClient
  private readonly repository: string
  private user: Promise<string | null> | undefined
  private appBot: Promise<string | null> | undefined
  private readonly roles = new Map<string, Promise<Lookup<RepoRole>>>()
  private readonly memberships = new Map<string, Promise<Lookup<boolean>>>()

  constructor(client: IssueClient, repository: string) {
    this.client = client
    this.repository = repository
  }

  /**
   * Whether `author` is the identity the action writes as, or `github-actions[bot]`: the job's
   * GITHUB_TOKEN writes as that bot, and only this repository's workflows (written by people
   * with write access) can. Otherwise the user of a user's token (`GET /user`), or for an
   * installation token the app's own bot, which GraphQL's `viewer` names (asked only for an
   * issue opened by another bot). Throws when GitHub will not say what kind of token this
   * is; a failed answer is asked again on the next call.
   */
  private async isSelf(author: string): Promise<boolean> {
    if (same(author, ACTIONS_BOT)) return true
    this.user ??= this.client.tokenUser()
    let user: string | null
    try {
      user = await this.user
    } catch (error: unknown) {
      this.user = undefined
      throw error
    }
    if (user !== null) return same(author, user)
    if (!isBot(author)) return false
    this.appBot ??= this.client.viewerLogin()
    const appBot = await this.appBot
    // GitHub will not name the app this token belongs to: a bot writes only through an
    // installation a repository admin granted, so its issue is taken as ours rather than a
    // new dashboard opened on every run.
    return appBot === null || same(author, appBot)
  }

  /**
   * The first candidate (newest first) opened by the action itself or by someone with write
   * access: anyone can open an issue with the same title, label and hidden marker, and its
   * ticked boxes must approve nothing. Throws only when the action's identity cannot be read.
   */
  async adopt(candidates: readonly IssueRef[]): Promise<Adoption> {
    const notes: string[] = []
    for (const issue of candidates) {
      if (await this.isSelf(issue.author)) return { dashboard: issue, notes }
      const role: Lookup<RepoRole> = issue.author === '' ? { ok: false, problem: 'GitHub does not say who opened it' } : await this.role(issue.author)
      if (role.ok && canWrite(role.value)) return { dashboard: issue, notes }
      notes.push(ignoredDashboardNote(issue.number, issue.author || 'unknown', role, this.repository))
    }
    return { dashboard: null, notes }
  }

  /** The ticked boxes of the dashboard, each attributed to whoever ticked it and judged. */
  async approvals(dashboard: IssueRef, approvers: MinorApprovers): Promise<Approval[]> {
    const ticked = parseApprovals(dashboard.body)
    if (ticked.length === 0) return []
    let history: EditHistory = { edits: [], complete: true }
    let historyProblem: string | undefined
    try {
      history = await this.client.editHistory(dashboard.number)
    } catch (error: unknown) {
      // GraphQL down, or a server without userContentEdits: nobody is known to have ticked.
      historyProblem = problem(error)
    }
    const attributed = attributeApprovals(ticked, history, parseApprovals)
    const facts = new Map<string, EditorFacts>()
    for (const a of attributed) {
      const login = a.tickedBy
      if (login === undefined || isBot(login) || facts.has(login.toLowerCase())) continue
      facts.set(login.toLowerCase(), await this.factsOf(login, approvers))
    }
    const verdict: Verdict = { facts, approvers, repository: this.repository, complete: history.complete }
    if (historyProblem !== undefined) verdict.historyProblem = historyProblem
    return judgeApprovals(attributed, verdict)
  }

  private async factsOf(login: string, approvers: MinorApprovers): Promise<EditorFacts> {
    const teams: Record<string, Lookup<boolean>> = {}
    for (const team of teamsToAsk(login, approvers)) {
      const member = await this.member(team, login)
      teams[team] = member
      // One active membership is enough.
      if (member.ok && member.value) break
    }
    return { role: await this.role(login), teams }
  }

  private async role(login: string): Promise<Lookup<RepoRole>> {
    const key = login.toLowerCase()
    let answer = this.roles.get(key)
    if (answer === undefined) {
      answer = lookup(async () => this.client.permission(login))
      this.roles.set(key, answer)
    }
    return answer
  }

  private async member(team: string, login: string): Promise<Lookup<boolean>> {
    const key = `${team}|${login.toLowerCase()}`
    let answer = this.memberships.get(key)
    if (answer === undefined) {
      answer = lookup(async () => this.client.isTeamMember(team, login))
      this.memberships.set(key, answer)
    }
    return answer
  }
}
