// GitHub REST (the issue, label and comment endpoints an Action's GITHUB_TOKEN uses, and who
// may do what: github-access.ts), served under /api/v3 like GitHub Enterprise Server so
// Octokit only needs GITHUB_API_URL.
import { createHash, randomUUID } from 'node:crypto'
import { authenticatedUserReply, createAccess, membershipReply, permissionReply, type GitHubAccess } from './github-access.ts'
import { isRecord } from './jwt.ts'
import { githubTime } from './types.ts'
import type { Incoming, Reply } from './types.ts'

export const API_PREFIX = '/api/v3'
/** GitHub Enterprise's GraphQL endpoint beside the REST prefix (Octokit derives it from baseUrl). */
export const GRAPHQL_PATH = '/api/graphql'
const ACTIONS_BOT = 'github-actions[bot]'
const SERVER_URL = 'https://github.com'
const DOCS = 'https://docs.github.com/rest'
/** GitHub's limit for issue and comment bodies. */
const MAX_BODY_CHARS = 65536

interface GitHubLabel {
  id: number
  name: string
  color: string
  description: string | null
  default: boolean
}

interface GitHubComment {
  id: number
  body: string
  user: string
  createdAt: number
  updatedAt: number
}

interface GitHubEvent {
  id: number
  /** `labeled`, `unlabeled`, `renamed`, `closed`, `reopened`, `assigned`, `unassigned`, `commented`. */
  event: string
  actor: string
  createdAt: number
  label?: string
  rename?: { from: string; to: string }
  assignee?: string
  stateReason?: string | null
  /** For `commented`. */
  commentId?: number
}

/** One body edit (GitHub keeps them, visible only through GraphQL `userContentEdits`). */
interface GitHubEdit {
  at: number
  login: string
  before: string | null
  after: string | null
}

export interface GitHubIssue {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  stateReason: string | null
  labels: string[]
  assignees: string[]
  user: string
  createdAt: number
  updatedAt: number
  closedAt: number | null
  closedBy: string | null
  locked: boolean
  comments: GitHubComment[]
  events: GitHubEvent[]
  edits: GitHubEdit[]
}

interface NewIssue {
  title: string
  body?: string | null
  labels?: string[]
  assignees?: string[]
  state?: 'open' | 'closed'
  /** Author; default the Actions bot. */
  user?: string
  /** Emulator clock ms; default now. */
  createdAt?: number
}

export interface GitHubState {
  owner: string
  repo: string
  /** Issue endpoints answer 410 while true. */
  issuesDisabled: boolean
  /** The login behind the emulator's token (GITHUB_TOKEN acts as this bot). */
  botLogin: string
  /** Roles, teams and what kind of token the emulator's token is. */
  access: GitHubAccess
  labels: GitHubLabel[]
  issues: GitHubIssue[]
  /** Requests served (drives the x-ratelimit-* headers). */
  requestCount: number
  /** Ids for issues, comments, labels and events (one sequence, like GitHub's database ids). */
  nextId(): number
  issue(number: number): GitHubIssue | undefined
  /** Seeds an issue (as if created earlier), creating missing labels. */
  createIssue(fields: NewIssue): GitHubIssue
  /** A person edits the issue body in the UI (e.g. ticks an approval checkbox). */
  editIssueBody(number: number, newBody: string, login: string): GitHubIssue
  addComment(number: number, body: string, login: string): GitHubComment
  ensureLabel(name: string): GitHubLabel
}

function stableId(seed: string, base: number): number {
  return base + (Number.parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 7), 16) % 90_000_000)
}

export function createGitHubState(repository: string, now: () => number): GitHubState {
  const [owner = 'octo-org', repo = 'platform'] = repository.split('/')
  let lastId = 3_100_000_000
  const id = (): number => ++lastId
  const state: GitHubState = {
    owner,
    repo,
    issuesDisabled: false,
    botLogin: ACTIONS_BOT,
    access: createAccess(owner),
    labels: [],
    issues: [],
    requestCount: 0,
    nextId: id,
    issue(number) {
      return state.issues.find(i => i.number === number)
    },
    ensureLabel(name) {
      const existing = state.labels.find(l => l.name.toLowerCase() === name.toLowerCase())
      if (existing !== undefined) return existing
      const label: GitHubLabel = { id: id(), name, color: 'ededed', description: null, default: false }
      state.labels.push(label)
      return label
    },
    createIssue(fields) {
      const at = fields.createdAt ?? now()
      const user = fields.user ?? state.botLogin
      const labels = (fields.labels ?? []).map(l => state.ensureLabel(l).name)
      const issue: GitHubIssue = {
        id: id(),
        number: state.issues.reduce((max, i) => Math.max(max, i.number), 0) + 1,
        title: fields.title,
        body: fields.body ?? null,
        state: fields.state ?? 'open',
        stateReason: fields.state === 'closed' ? 'completed' : null,
        labels,
        assignees: [...(fields.assignees ?? [])],
        user,
        createdAt: at,
        updatedAt: at,
        closedAt: fields.state === 'closed' ? at : null,
        closedBy: fields.state === 'closed' ? user : null,
        locked: false,
        comments: [],
        events: [],
        edits: []
      }
      for (const label of labels) issue.events.push({ id: id(), event: 'labeled', actor: user, createdAt: at, label })
      for (const assignee of issue.assignees) issue.events.push({ id: id(), event: 'assigned', actor: user, createdAt: at, assignee })
      state.issues.push(issue)
      return issue
    },
    editIssueBody(number, newBody, login) {
      const issue = state.issue(number)
      if (issue === undefined) throw new Error(`No issue #${number}`)
      const at = now()
      issue.edits.push({ at, login, before: issue.body, after: newBody })
      issue.body = newBody
      issue.updatedAt = at
      return issue
    },
    addComment(number, body, login) {
      const issue = state.issue(number)
      if (issue === undefined) throw new Error(`No issue #${number}`)
      const at = now()
      const comment: GitHubComment = { id: id(), body, user: login, createdAt: at, updatedAt: at }
      issue.comments.push(comment)
      issue.events.push({ id: id(), event: 'commented', actor: login, createdAt: at, commentId: comment.id })
      issue.updatedAt = at
      return comment
    }
  }
  return state
}

// ---------------------------------------------------------------------------
// JSON shapes

interface Urls {
  api: string
  repoApi: string
  repoHtml: string
}

function urls(req: Incoming, state: GitHubState): Urls {
  const api = `${req.baseUrl}${API_PREFIX}`
  return { api, repoApi: `${api}/repos/${state.owner}/${state.repo}`, repoHtml: `${SERVER_URL}/${state.owner}/${state.repo}` }
}

function userJson(u: Urls, login: string): Record<string, unknown> {
  const bot = login.endsWith('[bot]')
  const userId = login === ACTIONS_BOT ? 41898282 : stableId(`user:${login}`, 1_000_000)
  return {
    login,
    id: userId,
    node_id: bot ? 'MDM6Qm90NDE4OTgyODI=' : `U_kgDO${Buffer.from(String(userId)).toString('base64url')}`,
    avatar_url: bot ? 'https://avatars.githubusercontent.com/in/15368?v=4' : `https://avatars.githubusercontent.com/u/${userId}?v=4`,
    gravatar_id: '',
    url: `${u.api}/users/${encodeURIComponent(login)}`,
    html_url: bot ? `${SERVER_URL}/apps/github-actions` : `${SERVER_URL}/${login}`,
    type: bot ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false
  }
}

function labelJson(u: Urls, label: GitHubLabel): Record<string, unknown> {
  return {
    id: label.id,
    node_id: `LA_kwDO${Buffer.from(String(label.id)).toString('base64url')}`,
    url: `${u.repoApi}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description
  }
}

const NO_REACTIONS = { total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 }

function association(login: string): string {
  return login.endsWith('[bot]') ? 'NONE' : 'MEMBER'
}

function issueJson(u: Urls, state: GitHubState, issue: GitHubIssue): Record<string, unknown> {
  const url = `${u.repoApi}/issues/${issue.number}`
  const labels = issue.labels
    .map(name => state.labels.find(l => l.name.toLowerCase() === name.toLowerCase()))
    .filter((l): l is GitHubLabel => l !== undefined)
  return {
    url,
    repository_url: u.repoApi,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${u.repoHtml}/issues/${issue.number}`,
    id: issue.id,
    node_id: `I_kwDO${Buffer.from(String(issue.id)).toString('base64url')}`,
    number: issue.number,
    title: issue.title,
    user: userJson(u, issue.user),
    labels: labels.map(l => labelJson(u, l)),
    state: issue.state,
    locked: issue.locked,
    assignee: issue.assignees[0] === undefined ? null : userJson(u, issue.assignees[0]),
    assignees: issue.assignees.map(a => userJson(u, a)),
    milestone: null,
    comments: issue.comments.length,
    created_at: githubTime(issue.createdAt),
    updated_at: githubTime(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : githubTime(issue.closedAt),
    author_association: association(issue.user),
    type: null,
    active_lock_reason: null,
    sub_issues_summary: { total: 0, completed: 0, percent_completed: 0 },
    body: issue.body,
    closed_by: issue.closedBy === null ? null : userJson(u, issue.closedBy),
    reactions: { url: `${url}/reactions`, ...NO_REACTIONS },
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: issue.stateReason
  }
}

function commentJson(u: Urls, issue: GitHubIssue, comment: GitHubComment): Record<string, unknown> {
  const url = `${u.repoApi}/issues/comments/${comment.id}`
  return {
    url,
    html_url: `${u.repoHtml}/issues/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${u.repoApi}/issues/${issue.number}`,
    id: comment.id,
    node_id: `IC_kwDO${Buffer.from(String(comment.id)).toString('base64url')}`,
    user: userJson(u, comment.user),
    created_at: githubTime(comment.createdAt),
    updated_at: githubTime(comment.updatedAt),
    author_association: association(comment.user),
    body: comment.body,
    reactions: { url: `${url}/reactions`, ...NO_REACTIONS },
    performed_via_github_app: null
  }
}

function eventJson(u: Urls, state: GitHubState, issue: GitHubIssue, event: GitHubEvent): Record<string, unknown> {
  if (event.event === 'commented') {
    const comment = issue.comments.find(c => c.id === event.commentId)
    if (comment !== undefined) return { ...commentJson(u, issue, comment), event: 'commented', actor: userJson(u, comment.user) }
  }
  const json: Record<string, unknown> = {
    id: event.id,
    node_id: `${event.event === 'labeled' ? 'LE' : 'E'}_lADO${Buffer.from(String(event.id)).toString('base64url')}`,
    url: `${u.repoApi}/issues/events/${event.id}`,
    actor: userJson(u, event.actor),
    event: event.event,
    commit_id: null,
    commit_url: null,
    created_at: githubTime(event.createdAt),
    performed_via_github_app: null
  }
  if (event.label !== undefined) {
    const label = state.labels.find(l => l.name.toLowerCase() === event.label?.toLowerCase())
    json.label = { name: event.label, color: label?.color ?? 'ededed' }
  }
  if (event.rename !== undefined) json.rename = event.rename
  if (event.assignee !== undefined) {
    json.assignee = userJson(u, event.assignee)
    json.assigner = userJson(u, event.actor)
  }
  if (event.stateReason !== undefined) json.state_reason = event.stateReason
  return json
}

// ---------------------------------------------------------------------------
// Helpers

function message(status: number, text: string, doc = DOCS): Reply {
  return { status, body: { message: text, documentation_url: doc, status: String(status) } }
}

function validation(resource: string, field: string, text: string, doc: string): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, code: 'custom', field, message: text }],
      documentation_url: doc,
      status: '422'
    }
  }
}

function paginate(req: Incoming, items: unknown[]): Reply {
  const perPage = Math.min(100, Math.max(1, Number.parseInt(req.query.per_page ?? '30', 10) || 30))
  const pageNo = Math.max(1, Number.parseInt(req.query.page ?? '1', 10) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage)
  const link = (p: number): string => {
    const params = new URLSearchParams({ ...req.query, per_page: String(perPage), page: String(p) })
    return `<${req.baseUrl}${req.path}?${params.toString()}>`
  }
  const rels: string[] = []
  if (pageNo > 1) rels.push(`${link(pageNo - 1)}; rel="prev"`)
  if (pageNo < last) rels.push(`${link(pageNo + 1)}; rel="next"`, `${link(last)}; rel="last"`)
  if (pageNo > 1) rels.push(`${link(1)}; rel="first"`)
  return rels.length === 0 ? { status: 200, body: slice } : { status: 200, headers: { link: rels.join(', ') }, body: slice }
}

function labelNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined
  const names: string[] = []
  for (const entry of value) {
    if (typeof entry === 'string') names.push(entry)
    else if (isRecord(entry) && typeof entry.name === 'string') names.push(entry.name)
  }
  return names
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined
}

// ---------------------------------------------------------------------------
// Handler

export function handleGitHub(state: GitHubState, token: string, now: () => number, req: Incoming): Reply {
  state.requestCount++
  const reply = route(state, token, now, req)
  const reset = Math.floor(now() / 1000 / 3600) * 3600 + 3600
  return {
    ...reply,
    headers: {
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomUUID().toUpperCase().slice(0, 23).replace(/-/g, ':'),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - state.requestCount)),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(state.requestCount),
      'x-ratelimit-resource': 'core',
      ...reply.headers
    }
  }
}

function route(state: GitHubState, token: string, now: () => number, req: Incoming): Reply {
  const auth = req.headers.authorization ?? ''
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(auth)
  if (match?.[1] !== token) return message(401, 'Bad credentials')
  if (req.path === GRAPHQL_PATH) return graphql(state, req)
  const u = urls(req, state)
  const seg = req.path
    .slice(API_PREFIX.length)
    .split('/')
    .filter(s => s !== '')
    .map(s => decodeURIComponent(s))
  const user = (login: string): Record<string, unknown> => userJson(u, login)
  if (seg[0] === 'user' && seg.length === 1 && req.method === 'GET') return authenticatedUserReply(state.access, state.botLogin, user)
  if (seg[0] === 'orgs' && seg[2] === 'teams' && seg[4] === 'memberships' && seg.length === 6 && req.method === 'GET') {
    return membershipReply(state.access, u.api, `${seg[1]}/${seg[3]}`, seg[5] ?? '')
  }
  if (seg[0] !== 'repos' || seg.length < 3) return message(404, 'Not Found')
  if (seg[1]?.toLowerCase() !== state.owner.toLowerCase() || seg[2]?.toLowerCase() !== state.repo.toLowerCase()) {
    return message(404, 'Not Found', `${DOCS}/repos/repos#get-a-repository`)
  }
  const rest = seg.slice(3)
  const m = req.method
  const body = isRecord(req.body) ? req.body : {}

  if (rest.length === 0 && m === 'GET') return { status: 200, body: repoJson(u, state) }
  if (rest[0] === 'collaborators' && rest[2] === 'permission' && rest.length === 3 && m === 'GET') {
    return permissionReply(state.access, rest[1] ?? '', user)
  }

  if (rest[0] === 'labels') {
    if (rest.length === 1 && m === 'GET')
      return paginate(
        req,
        state.labels.map(l => labelJson(u, l))
      )
    if (rest.length === 1 && m === 'POST') {
      const name = body.name
      if (typeof name !== 'string' || name === '') return validation('Label', 'name', 'name is missing', `${DOCS}/issues/labels#create-a-label`)
      if (state.labels.some(l => l.name.toLowerCase() === name.toLowerCase())) {
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
            documentation_url: `${DOCS}/issues/labels#create-a-label`,
            status: '422'
          }
        }
      }
      const label = state.ensureLabel(name)
      if (typeof body.color === 'string') label.color = body.color.replace(/^#/, '')
      if (typeof body.description === 'string') label.description = body.description
      return { status: 201, headers: { location: `${u.repoApi}/labels/${encodeURIComponent(name)}` }, body: labelJson(u, label) }
    }
    if (rest.length === 2 && m === 'GET') {
      const label = state.labels.find(l => l.name.toLowerCase() === rest[1]?.toLowerCase())
      return label === undefined ? message(404, 'Not Found', `${DOCS}/issues/labels#get-a-label`) : { status: 200, body: labelJson(u, label) }
    }
    return message(404, 'Not Found')
  }

  if (rest[0] !== 'issues') return message(404, 'Not Found')
  if (state.issuesDisabled) return message(410, 'Issues are disabled for this repo', `${DOCS}/issues/issues`)

  if (rest.length === 1) {
    if (m === 'GET') return listIssues(req, u, state)
    if (m === 'POST') return createIssue(u, state, body)
    return message(404, 'Not Found')
  }
  const number = Number.parseInt(rest[1] ?? '', 10)
  const issue = Number.isNaN(number) ? undefined : state.issue(number)
  if (issue === undefined) return message(404, 'Not Found', `${DOCS}/issues/issues#get-an-issue`)

  if (rest.length === 2) {
    if (m === 'GET') return { status: 200, body: issueJson(u, state, issue) }
    if (m === 'PATCH') return updateIssue(u, state, issue, body, now)
    return message(404, 'Not Found')
  }
  if (rest[2] === 'comments' && rest.length === 3) {
    if (m === 'GET') {
      const since = req.query.since
      const comments = issue.comments.filter(c => since === undefined || c.updatedAt >= Date.parse(since))
      return paginate(
        req,
        comments.map(c => commentJson(u, issue, c))
      )
    }
    if (m === 'POST') {
      const text = body.body
      if (typeof text !== 'string' || text === '')
        return validation('IssueComment', 'body', 'body is missing', `${DOCS}/issues/comments#create-an-issue-comment`)
      if (text.length > MAX_BODY_CHARS)
        return validation(
          'IssueComment',
          'body',
          `body is too long (maximum is ${MAX_BODY_CHARS} characters)`,
          `${DOCS}/issues/comments#create-an-issue-comment`
        )
      const comment = state.addComment(issue.number, text, state.botLogin)
      return { status: 201, headers: { location: `${u.repoApi}/issues/comments/${comment.id}` }, body: commentJson(u, issue, comment) }
    }
  }
  if (rest[2] === 'timeline' && rest.length === 3 && m === 'GET') {
    return paginate(
      req,
      [...issue.events].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id).map(e => eventJson(u, state, issue, e))
    )
  }
  if (rest[2] === 'events' && rest.length === 3 && m === 'GET') {
    return paginate(
      req,
      issue.events.filter(e => e.event !== 'commented').map(e => eventJson(u, state, issue, e))
    )
  }
  if (rest[2] === 'labels') {
    if (rest.length === 3 && m === 'GET')
      return paginate(
        req,
        issue.labels.map(n => labelJson(u, state.ensureLabel(n)))
      )
    if (rest.length === 3 && (m === 'POST' || m === 'PUT')) {
      const names = labelNames(body.labels) ?? labelNames(req.body) ?? []
      const next = m === 'PUT' ? names : [...issue.labels, ...names]
      setLabels(state, issue, next, state.botLogin, now())
      return { status: 200, body: issue.labels.map(n => labelJson(u, state.ensureLabel(n))) }
    }
    if (rest.length === 4 && m === 'DELETE') {
      const name = rest[3] ?? ''
      if (!issue.labels.some(l => l.toLowerCase() === name.toLowerCase()))
        return message(404, 'Label does not exist', `${DOCS}/issues/labels#remove-a-label-from-an-issue`)
      setLabels(
        state,
        issue,
        issue.labels.filter(l => l.toLowerCase() !== name.toLowerCase()),
        state.botLogin,
        now()
      )
      return { status: 200, body: issue.labels.map(n => labelJson(u, state.ensureLabel(n))) }
    }
  }
  return message(404, 'Not Found')
}

function repoJson(u: Urls, state: GitHubState): Record<string, unknown> {
  return {
    id: stableId(`repo:${state.owner}/${state.repo}`, 100_000_000),
    node_id: 'R_kgDOEmulator',
    name: state.repo,
    full_name: `${state.owner}/${state.repo}`,
    private: true,
    owner: { ...userJson(u, state.owner), type: 'Organization' },
    html_url: u.repoHtml,
    url: u.repoApi,
    issues_url: `${u.repoApi}/issues{/number}`,
    labels_url: `${u.repoApi}/labels{/name}`,
    default_branch: 'main',
    visibility: 'private',
    has_issues: !state.issuesDisabled,
    has_projects: true,
    has_wiki: false,
    archived: false,
    disabled: false,
    open_issues_count: state.issues.filter(i => i.state === 'open').length
  }
}

function listIssues(req: Incoming, u: Urls, state: GitHubState): Reply {
  const wantedState = req.query.state ?? 'open'
  const labels = (req.query.labels ?? '')
    .split(',')
    .map(l => l.trim().toLowerCase())
    .filter(l => l !== '')
  const creator = req.query.creator?.toLowerCase()
  const assignee = req.query.assignee
  const since = req.query.since === undefined ? undefined : Date.parse(req.query.since)
  const sort = req.query.sort ?? 'created'
  const direction = req.query.direction === 'asc' ? 1 : -1
  const key = (i: GitHubIssue): number => (sort === 'updated' ? i.updatedAt : sort === 'comments' ? i.comments.length : i.createdAt)
  const issues = state.issues
    .filter(i => wantedState === 'all' || i.state === wantedState)
    .filter(i => labels.every(l => i.labels.some(il => il.toLowerCase() === l)))
    .filter(i => creator === undefined || i.user.toLowerCase() === creator)
    .filter(
      i =>
        assignee === undefined ||
        (assignee === 'none' ? i.assignees.length === 0 : assignee === '*' ? i.assignees.length > 0 : i.assignees.includes(assignee))
    )
    .filter(i => since === undefined || i.updatedAt >= since)
    .sort((a, b) => direction * (key(a) - key(b) || a.number - b.number))
  return paginate(
    req,
    issues.map(i => issueJson(u, state, i))
  )
}

function createIssue(u: Urls, state: GitHubState, body: Record<string, unknown>): Reply {
  const doc = `${DOCS}/issues/issues#create-an-issue`
  const title = body.title
  if (typeof title !== 'string' && typeof title !== 'number') {
    return { status: 422, body: { message: 'Invalid request.\n\n"title" wasn\'t supplied.', documentation_url: doc, status: '422' } }
  }
  const text = typeof body.body === 'string' ? body.body : null
  if (text !== null && text.length > MAX_BODY_CHARS)
    return validation('Issue', 'body', `body is too long (maximum is ${MAX_BODY_CHARS} characters)`, doc)
  const assignees = stringList(body.assignees) ?? (typeof body.assignee === 'string' ? [body.assignee] : [])
  const issue = state.createIssue({ title: String(title), body: text, labels: labelNames(body.labels) ?? [], assignees })
  return { status: 201, headers: { location: `${u.repoApi}/issues/${issue.number}` }, body: issueJson(u, state, issue) }
}

function setLabels(state: GitHubState, issue: GitHubIssue, names: string[], actor: string, at: number): void {
  const next: string[] = []
  for (const name of names) {
    const label = state.ensureLabel(name)
    if (!next.some(n => n.toLowerCase() === label.name.toLowerCase())) next.push(label.name)
  }
  for (const name of next) {
    if (!issue.labels.some(l => l.toLowerCase() === name.toLowerCase()))
      issue.events.push({ id: state.nextId(), event: 'labeled', actor, createdAt: at, label: name })
  }
  for (const name of issue.labels) {
    if (!next.some(l => l.toLowerCase() === name.toLowerCase()))
      issue.events.push({ id: state.nextId(), event: 'unlabeled', actor, createdAt: at, label: name })
  }
  issue.labels = next
  issue.updatedAt = at
}

function updateIssue(u: Urls, state: GitHubState, issue: GitHubIssue, body: Record<string, unknown>, now: () => number): Reply {
  const doc = `${DOCS}/issues/issues#update-an-issue`
  const at = now()
  const actor = state.botLogin
  const eventId = (): number => state.nextId()
  if (typeof body.body === 'string' && body.body.length > MAX_BODY_CHARS) {
    return validation('Issue', 'body', `body is too long (maximum is ${MAX_BODY_CHARS} characters)`, doc)
  }
  const title = body.title
  if ((typeof title === 'string' || typeof title === 'number') && String(title) !== issue.title) {
    issue.events.push({ id: eventId(), event: 'renamed', actor, createdAt: at, rename: { from: issue.title, to: String(title) } })
    issue.title = String(title)
  }
  if ('body' in body && (typeof body.body === 'string' || body.body === null)) {
    const next = body.body
    if (next !== issue.body) issue.edits.push({ at, login: actor, before: issue.body, after: next })
    issue.body = next
  }
  const wanted = body.state
  if ((wanted === 'closed' || wanted === 'open') && wanted !== issue.state) {
    issue.state = wanted
    if (wanted === 'closed') {
      issue.stateReason = typeof body.state_reason === 'string' ? body.state_reason : 'completed'
      issue.closedAt = at
      issue.closedBy = actor
      issue.events.push({ id: eventId(), event: 'closed', actor, createdAt: at, stateReason: issue.stateReason })
    } else {
      issue.stateReason = 'reopened'
      issue.closedAt = null
      issue.closedBy = null
      issue.events.push({ id: eventId(), event: 'reopened', actor, createdAt: at, stateReason: 'reopened' })
    }
  } else if (typeof body.state_reason === 'string' && issue.state === 'closed') {
    issue.stateReason = body.state_reason
  }
  const labels = labelNames(body.labels)
  if (labels !== undefined) setLabels(state, issue, labels, actor, at)
  const assignees = stringList(body.assignees)
  if (assignees !== undefined) {
    for (const a of assignees)
      if (!issue.assignees.includes(a)) issue.events.push({ id: eventId(), event: 'assigned', actor, createdAt: at, assignee: a })
    for (const a of issue.assignees)
      if (!assignees.includes(a)) issue.events.push({ id: eventId(), event: 'unassigned', actor, createdAt: at, assignee: a })
    issue.assignees = [...assignees]
  }
  issue.updatedAt = at
  return { status: 200, body: issueJson(u, state, issue) }
}

/**
 * The GraphQL an Action asks: the token's `viewer`, and an issue body's edit history
 * (`repository.issue.userContentEdits`, which REST does not expose), newest edit first and
 * paged with `first`/`after` like GitHub. `diff` carries the body as it was after the edit.
 * Anything else answers GraphQL's error shape.
 */
function graphql(state: GitHubState, req: Incoming): Reply {
  const body = isRecord(req.body) ? req.body : {}
  const query = typeof body.query === 'string' ? body.query : ''
  const variables = isRecord(body.variables) ? body.variables : {}
  if (req.method === 'POST' && /^\s*(?:query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
    return { status: 200, body: { data: { viewer: { login: state.botLogin } } } }
  }
  if (req.method !== 'POST' || !/userContentEdits/.test(query)) {
    return { status: 200, body: { errors: [{ message: 'This emulator answers only viewer and the userContentEdits query of an issue.' }] } }
  }
  const number = Number(variables.number)
  const issue = state.issues.find(i => i.number === number)
  if (!issue || variables.owner !== state.owner || variables.repo !== state.repo) {
    return { status: 200, body: { data: { repository: null }, errors: [{ type: 'NOT_FOUND', message: `Could not resolve issue ${number}` }] } }
  }
  const newestFirst = [...issue.edits].reverse()
  const first = Number(/userContentEdits\([^)]*\bfirst:\s*(\d+)/.exec(query)?.[1] ?? newestFirst.length)
  const from = typeof variables.after === 'string' ? Number(Buffer.from(variables.after, 'base64url').toString().replace('cursor:', '')) + 1 : 0
  const page = newestFirst.slice(from, from + first)
  const nodes = page.map(e => ({ editedAt: githubTime(e.at), editor: { login: e.login }, diff: e.after }))
  const end = from + page.length - 1
  const pageInfo = {
    hasNextPage: end + 1 < newestFirst.length,
    endCursor: page.length > 0 ? Buffer.from(`cursor:${end}`).toString('base64url') : null
  }
  return { status: 200, body: { data: { repository: { issue: { userContentEdits: { pageInfo, nodes } } } } } }
}
