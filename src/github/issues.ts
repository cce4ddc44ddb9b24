// Thin adapter over GitHub's issues API (Octokit from @actions/github, with retry and
// throttling: the bare client retries nothing). Created inside run(), never at import
// time, with the API root the config read from GITHUB_API_URL (GitHub Enterprise, the emulator).
import * as github from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { errorMessage } from '../util/errors.js'
import { repoRole, type BodyEdit, type EditHistory, type RepoRole } from '../approvals.js'

export interface IssueRef {
  number: number
  url: string
  body: string
  /** Login of whoever opened the issue ('' when GitHub does not say, e.g. a deleted account). */
  author: string
}

export interface IssueLog {
  info(message: string): void
  warning(message: string): void
}

class GitHubWriteError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GitHubWriteError'
  }
}

export function status(error: unknown): number | undefined {
  const s = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined
  return typeof s === 'number' ? s : undefined
}

/** The user-content edits read per GraphQL page, and how far back a run reads (1,000 rewrites of the body). */
const EDITS_PER_PAGE = 100
const MAX_EDIT_PAGES = 10

interface EditsPage {
  repository: {
    issue: {
      userContentEdits: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null }
        nodes: Array<{ editedAt: string; editor: { login: string } | null; diff: string | null } | null>
      } | null
    } | null
  } | null
}

/** Turn GitHub's refusals into what the user has to change. */
export function explainGitHubError(error: unknown, what: string, repository: string): string {
  const code = status(error)
  const message = errorMessage(error)
  if (code === 403 || code === 401) {
    return (
      `GitHub refused to ${what} (${code}: ${message}). Give the job 'permissions: issues: write' ` +
      "(and 'id-token: write', 'contents: read'), or pass a 'github-token' that may write issues; or set 'issue: off'."
    )
  }
  if (code === 410) {
    return `GitHub refused to ${what}: issues are disabled in ${repository} (410). Enable them under Settings → General → Features, or set 'issue: off'.`
  }
  if (code === 404) {
    return `GitHub answered 404 to ${what} in ${repository}: the repository is not visible to the token. Check 'github-token' and GITHUB_REPOSITORY.`
  }
  return `Could not ${what} in ${repository}: ${message}`
}

const LABEL_COLOR = '0e8a16'

export class IssueClient {
  private readonly octokit: ReturnType<typeof github.getOctokit>
  private readonly owner: string
  private readonly repo: string
  private readonly log: IssueLog

  /** `apiUrl`: GITHUB_API_URL as the config read it (GitHub Enterprise Server, the emulator). */
  constructor(token: string, repository: string, apiUrl: string, log: IssueLog) {
    this.log = log
    const [owner, repo] = repository.split('/')
    if (!owner || !repo) throw new GitHubWriteError(`GITHUB_REPOSITORY '${repository}' is not 'owner/repo'.`)
    this.owner = owner
    this.repo = repo
    this.octokit = github.getOctokit(
      token,
      {
        baseUrl: apiUrl,
        throttle: {
          // Retry twice when GitHub asks us to slow down, then give up with the error.
          onRateLimit: (retryAfter: number, _options: object, _octokit: unknown, retryCount: number) => {
            this.log.warning(`GitHub rate limit hit; retrying after ${retryAfter}s`)
            return retryCount < 2
          },
          onSecondaryRateLimit: (retryAfter: number, _options: object, _octokit: unknown, retryCount: number) => {
            this.log.warning(`GitHub secondary rate limit hit; retrying after ${retryAfter}s`)
            return retryCount < 2
          }
        },
        retry: { retries: 3 }
      },
      retry,
      throttling
    )
  }

  get repository(): string {
    return `${this.owner}/${this.repo}`
  }

  /** The open issues carrying `label` whose body `matches`, newest first, paging through all of them. */
  async findOpen(label: string, matches: (body: string) => boolean): Promise<IssueRef[]> {
    const found: IssueRef[] = []
    const iterator = this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
      owner: this.owner,
      repo: this.repo,
      state: 'open',
      labels: label,
      per_page: 100
    })
    for await (const page of iterator) {
      for (const issue of page.data) {
        if (issue.pull_request) continue
        const body = issue.body ?? ''
        if (matches(body)) found.push({ number: issue.number, url: issue.html_url, body, author: issue.user?.login ?? '' })
      }
    }
    return found
  }

  /**
   * The login of a user's token (`GET /user`), or null for an installation token (the job's
   * GITHUB_TOKEN, a GitHub App's), which GitHub refuses there with 403. Other failures throw.
   */
  async tokenUser(): Promise<string | null> {
    try {
      const { data } = await this.octokit.rest.users.getAuthenticated()
      return data.login
    } catch (error: unknown) {
      // 403: an installation token has no user. A server without the endpoint (404) or one
      // that fails says nothing either; a bad token (401) is a real error.
      if (status(error) !== 401) return null
      throw error
    }
  }

  /** The bot an installation token writes as, as GraphQL's `viewer` names it; null when the server will not say. */
  async viewerLogin(): Promise<string | null> {
    try {
      const result: { viewer: { login: string } | null } = await this.octokit.graphql('query { viewer { login } }')
      return result.viewer?.login ?? null
    } catch {
      return null
    }
  }

  /** The role of `login` on the repository (`GET .../collaborators/{username}/permission`). Throws GitHub's refusals. */
  async permission(login: string): Promise<RepoRole> {
    const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ owner: this.owner, repo: this.repo, username: login })
    return repoRole(data.permission, data.role_name)
  }

  /** Whether `login` is an active member of `org/team` (a pending invitation is not). Throws GitHub's refusals (404 included). */
  async isTeamMember(team: string, login: string): Promise<boolean> {
    const [org = '', slug = ''] = team.split('/')
    const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login })
    return data.state === 'active'
  }

  /**
   * Create the labels that do not exist yet, with a colour and description. Best effort:
   * GitHub also creates unknown labels when an issue is created with them, so a refusal
   * here is logged and the issue write that follows reports any real problem.
   */
  async ensureLabels(labels: string[]): Promise<void> {
    for (const name of labels) {
      try {
        await this.octokit.rest.issues.getLabel({ owner: this.owner, repo: this.repo, name })
        continue
      } catch (error: unknown) {
        if (status(error) !== 404) {
          this.log.warning(`Could not check label '${name}': ${errorMessage(error)}`)
          continue
        }
      }
      try {
        await this.octokit.rest.issues.createLabel({
          owner: this.owner,
          repo: this.repo,
          name,
          color: LABEL_COLOR,
          description: 'AKS Upgrade Pilot report'
        })
        this.log.info(`Created label '${name}'`)
      } catch (error: unknown) {
        // 422: created meanwhile by a concurrent run.
        if (status(error) !== 422) this.log.warning(`Could not create label '${name}': ${errorMessage(error)}`)
      }
    }
  }

  async create(title: string, body: string, labels: string[], assignees: string[]): Promise<IssueRef> {
    const { data } = await this.octokit.rest.issues.create({
      owner: this.owner,
      repo: this.repo,
      title,
      body,
      labels,
      ...(assignees.length > 0 ? { assignees } : {})
    })
    return { number: data.number, url: data.html_url, body: data.body ?? body, author: data.user?.login ?? '' }
  }

  async update(issue: number, title: string, body: string, assignees: string[]): Promise<IssueRef> {
    const { data } = await this.octokit.rest.issues.update({
      owner: this.owner,
      repo: this.repo,
      issue_number: issue,
      title,
      body,
      ...(assignees.length > 0 ? { assignees } : {})
    })
    return { number: data.number, url: data.html_url, body: data.body ?? body, author: data.user?.login ?? '' }
  }

  /**
   * The body's edit history (GraphQL userContentEdits), page by page: an approval given long
   * ago is still attributed after many rewrites of the body. GitHub lists the newest edit
   * first, so a read that stops at the cap misses only the oldest edits (`complete: false`).
   */
  async editHistory(issue: number): Promise<EditHistory> {
    const edits: BodyEdit[] = []
    let after: string | null = null
    for (let page = 0; page < MAX_EDIT_PAGES; page++) {
      const result: EditsPage = await this.octokit.graphql(
        `query($owner: String!, $repo: String!, $number: Int!, $after: String) {
          repository(owner: $owner, name: $repo) {
            issue(number: $number) {
              userContentEdits(first: ${EDITS_PER_PAGE}, after: $after) {
                pageInfo { hasNextPage endCursor }
                nodes { editedAt editor { login } diff }
              }
            }
          }
        }`,
        { owner: this.owner, repo: this.repo, number: issue, after }
      )
      const connection = result.repository?.issue?.userContentEdits
      for (const n of connection?.nodes ?? []) {
        if (n !== null && typeof n.diff === 'string') edits.push({ editedAt: n.editedAt, editor: n.editor?.login ?? null, body: n.diff })
      }
      after = connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null
      // Oldest first: editedAt has whole seconds, so edits within one second keep GitHub's order.
      if (after === null) return { edits: edits.reverse(), complete: true }
    }
    return { edits: edits.reverse(), complete: false }
  }

  async comment(issue: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: issue, body })
  }
}
