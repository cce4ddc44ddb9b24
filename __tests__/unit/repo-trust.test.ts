// Which open issue with the report's marker is adopted as the dashboard, when GitHub answers
// only part of the questions (a server without GET /user or GraphQL viewer).
import { describe, expect, it } from 'vitest'
import type { RepoRole } from '../../src/approvals.ts'
import type { IssueClient, IssueRef } from '../../src/github/issues.ts'
import { RepoTrust } from '../../src/github/trust.ts'

/** A GitHub that knows no user for the token, cannot name the app, and gives each login a role. */
function github(roles: Record<string, RepoRole>, user: string | null = null, viewer: string | null = null): IssueClient {
  const fake: Pick<IssueClient, 'tokenUser' | 'viewerLogin' | 'permission'> = {
    tokenUser: async () => user,
    viewerLogin: async () => viewer,
    permission: async login => {
      const role = roles[login]
      if (role === undefined) throw Object.assign(new Error('Not Found'), { status: 404 })
      return role
    }
  }
  return fake as IssueClient
}

const issue = (number: number, author: string): IssueRef => ({ number, url: `https://github.com/o/r/issues/${number}`, body: '', author })

describe('RepoTrust.adopt', () => {
  it.each([
    { name: "the job token's bot", author: 'github-actions[bot]', adopted: true },
    { name: 'a writer', author: 'alice', adopted: true },
    { name: 'a triager', author: 'mallory', adopted: false },
    { name: "an app's bot when GitHub will not name the token's app", author: 'aks-pilot[bot]', adopted: true }
  ])('$name: $adopted', async ({ author, adopted }) => {
    const trust = new RepoTrust(github({ alice: 'write', mallory: 'triage' }), 'o/r')
    const { dashboard } = await trust.adopt([issue(7, author)])
    expect(dashboard !== null).toBe(adopted)
  })

  it("adopts only the named app's bot when GitHub names it", async () => {
    const trust = new RepoTrust(github({}, null, 'aks-pilot[bot]'), 'o/r')
    expect((await trust.adopt([issue(3, 'other-app[bot]'), issue(2, 'aks-pilot[bot]')])).dashboard?.number).toBe(2)
  })

  it("adopts the token user's own issue and names the ignored look-alike", async () => {
    const trust = new RepoTrust(github({ mallory: 'read' }, 'platform-bot'), 'o/r')
    const { dashboard, notes } = await trust.adopt([issue(9, 'mallory'), issue(4, 'platform-bot')])
    expect(dashboard?.number).toBe(4)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatch(/#9/)
  })
})
