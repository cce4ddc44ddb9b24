// Who may do what in the emulated repository, as GitHub tells a token: each login's role
// (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`), organization teams
// (`GET /orgs/{org}/teams/{team_slug}/memberships/{username}`) and the token's own identity
// (`GET /user`, GraphQL `viewer`). An installation token (the job's GITHUB_TOKEN) may not read
// `/user` or an organization's teams, as on GitHub.
import type { Reply } from './types.ts'

type RepoRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read'

export interface GitHubAccess {
  /** Role per lower-cased login; anyone else reads (the role GitHub reports for a public repository's visitors). */
  roles: Map<string, RepoRole>
  /** Active members per lower-cased `org/team-slug`. */
  teams: Map<string, string[]>
  /** `installation`: GITHUB_TOKEN or an app's token (GET /user answers 403); `user`: a personal access token of the bot login. */
  tokenKind: 'installation' | 'user'
  /** Whether the token may read organization teams (a token with `read:org`); GITHUB_TOKEN may not. */
  tokenReadsOrg: boolean
  /** Sets a login's role on the repository. */
  grant(login: string, role: RepoRole): void
  /** Creates (or replaces) a team with these active members. */
  team(slug: string, members: string[]): void
}

const DOCS = 'https://docs.github.com/rest'
/** GitHub's refusal of an endpoint an installation token has no permission for. */
const NOT_FOR_INTEGRATION = 'Resource not accessible by integration'

/**
 * Defaults that keep every test's people where a real team would have them: the workflow's
 * actor (octocat) and the owner administer the repository, alice and bob push to it.
 */
export function createAccess(owner: string): GitHubAccess {
  const access: GitHubAccess = {
    roles: new Map<string, RepoRole>([
      [owner.toLowerCase(), 'admin'],
      ['octocat', 'admin'],
      ['alice', 'write'],
      ['bob', 'write']
    ]),
    teams: new Map(),
    tokenKind: 'installation',
    tokenReadsOrg: false,
    grant(login, role) {
      access.roles.set(login.toLowerCase(), role)
    },
    team(slug, members) {
      access.teams.set(slug.toLowerCase(), [...members])
    }
  }
  return access
}

function refusal(status: number, text: string, doc: string): Reply {
  return { status, body: { message: text, documentation_url: doc, status: String(status) } }
}

/** The role GitHub reports: a bot account is no collaborator. */
function roleOf(access: GitHubAccess, login: string): RepoRole | undefined {
  return access.roles.get(login.toLowerCase()) ?? (login.endsWith('[bot]') ? undefined : 'read')
}

// The legacy `permission` maps maintain to write and triage to read; `role_name` keeps the role.
const LEGACY: Record<RepoRole, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read' }
const RANK: RepoRole[] = ['read', 'triage', 'write', 'maintain', 'admin']

type UserJson = (login: string) => Record<string, unknown>

/** `GET /repos/{owner}/{repo}/collaborators/{username}/permission`. */
export function permissionReply(access: GitHubAccess, login: string, user: UserJson): Reply {
  const role = roleOf(access, login)
  if (role === undefined) return refusal(404, 'Not Found', `${DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user`)
  const at = RANK.indexOf(role)
  const permissions = { admin: at >= 4, maintain: at >= 3, push: at >= 2, triage: at >= 1, pull: true }
  return { status: 200, body: { permission: LEGACY[role], role_name: role, user: { ...user(login), permissions, role_name: role } } }
}

/** `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`. */
export function membershipReply(access: GitHubAccess, apiUrl: string, team: string, login: string): Reply {
  const doc = `${DOCS}/teams/members#get-team-membership-for-a-user`
  if (!access.tokenReadsOrg) return refusal(403, NOT_FOR_INTEGRATION, doc)
  const members = access.teams.get(team.toLowerCase()) ?? []
  if (!members.some(m => m.toLowerCase() === login.toLowerCase())) return refusal(404, 'Not Found', doc)
  return {
    status: 200,
    body: { url: `${apiUrl}/teams/${encodeURIComponent(team)}/memberships/${encodeURIComponent(login)}`, role: 'member', state: 'active' }
  }
}

/** `GET /user`: the token's user, or GitHub's refusal for an installation token. */
export function authenticatedUserReply(access: GitHubAccess, botLogin: string, user: UserJson): Reply {
  if (access.tokenKind === 'installation') return refusal(403, NOT_FOR_INTEGRATION, `${DOCS}/users/users#get-the-authenticated-user`)
  return { status: 200, body: user(botLogin) }
}
