// Issue 12, security: approving a minor upgrade needs the trust merging to main needs. The
// built action (dist/index.js) against the emulator: a look-alike dashboard is not adopted,
// a tick by someone without write access or outside `minor-approvers` is not acted on, and a
// tick whose editor GitHub cannot name does not count until it can.
import { expect, it } from 'vitest'
import type { Fleet } from '../emulator/fleet.ts'
import type { GitHubIssue } from '../emulator/github.ts'
import { baseInputs, runAction, type RunResult } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { armWrites, clusterSeed, expectSuccess, liveCluster, planRow, planRows, useEmulator } from './support.ts'

const SUB = '8f3c2a71-4b6e-4d19-9a5c-2e7b1f0d6c34'
const IMAGE = 'AKSUbuntu-2204gen2containerd-202607.09.0'
/** What GitHub's mention and reference escaping puts after `@` and `#` in the report. */
const ZWJ = '\u200D'

// One cluster on the newest patch of 1.35 with the newest image: only the minor to 1.36.2 is due.
const fleet: Fleet = {
  subscriptions: { [SUB]: {} },
  clusters: [
    clusterSeed({
      subscriptionId: SUB,
      resourceGroup: 'rg-prod',
      name: 'aks-prod',
      kubernetesVersion: '1.35.6',
      agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: IMAGE, latestNodeImageVersion: IMAGE }]
    })
  ]
}

const { start } = useEmulator()

interface Run extends RunResult {
  /** ARM requests that change something, sent by this run. */
  writes: string[]
}

async function run(emu: Emulator, extra: Record<string, string> = {}): Promise<Run> {
  const from = emu.requests.length
  const inputs = {
    ...baseInputs(emu),
    'resource-group': 'rg-prod',
    'cluster-name': 'aks-prod',
    upgrade: 'minor',
    'minor-approval': 'issue',
    ...extra
  }
  const result = await runAction(emu, inputs)
  expectSuccess(result)
  return { ...result, writes: armWrites(emu, from).map(r => `${r.method} ${r.path.slice(r.path.indexOf('/managedClusters/'))}`) }
}

/** The first run: the dashboard with an unticked box for 1.36, nothing started. */
async function dashboard(emu: Emulator, extra: Record<string, string> = {}): Promise<GitHubIssue> {
  const first = await run(emu, extra)
  expect(first.writes).toEqual([])
  const issue = emu.state.github.issue(Number(first.outputs['issue-number']))
  if (!issue?.body) throw new Error(`no dashboard issue:\n${first.stdout}`)
  expect(boxLine(issue.body)).toMatch(/^- \[ \] /)
  return issue
}

function boxLine(body: string): string {
  const line = body.split('\n').find(l => /^- \[[ xX]\] Approve the minor upgrade of \*\*aks-prod\*\*/.test(l))
  if (line === undefined) throw new Error(`no approval box in:\n${body}`)
  return line
}

function tick(emu: Emulator, issue: GitHubIssue, login: string): void {
  const body = issue.body ?? ''
  emu.state.github.editIssueBody(issue.number, body.replace(boxLine(body), boxLine(body).replace('- [ ]', '- [x]')), login)
}

/** The control plane's plan entry: still awaiting approval, nothing started. */
function expectAwaitingApproval(r: Run): void {
  expect(r.writes).toEqual([])
  expect(planRow(planRows(r), 'aks-prod', null)).toMatchObject({ action: 'minor', reason: 'awaiting-approval', result: null })
}

/** The control plane went to 1.36.2 (then its pool), approved by `login`. */
function expectUpgradedBy(emu: Emulator, r: Run, login: string): void {
  expect(r.writes).toEqual(['PUT /managedClusters/aks-prod', 'PUT /managedClusters/aks-prod/agentPools/system'])
  expect(liveCluster(emu, 'aks-prod').currentKubernetesVersion).toBe('1.36.2')
  expect(planRow(planRows(r), 'aks-prod', null).message).toContain(`approved by ${login}`)
}

function githubPaths(emu: Emulator, from: number): string[] {
  return emu.requests
    .slice(from)
    .filter(r => r.service === 'github')
    .map(r => `${r.method} ${r.path}`)
}

it('the look-alike issue: a triage user’s copy with the box ticked is not adopted; the real dashboard is kept and nothing starts', async () => {
  const emu = await start(fleet)
  const real = await dashboard(emu)
  // Same title, label and hidden marker, the box ticked, opened (and ticked) by someone who may only triage.
  emu.state.github.access.grant('mallory', 'triage')
  const copy = emu.state.github.createIssue({ title: real.title, body: real.body, labels: real.labels, user: 'mallory' })
  tick(emu, copy, 'mallory')
  const copied = copy.body

  const from = emu.requests.length
  const r = await run(emu)
  expectAwaitingApproval(r)
  expect(liveCluster(emu, 'aks-prod').currentKubernetesVersion).toBe('1.35.6')
  // The real dashboard is rewritten; the copy is left as its author wrote it.
  expect(r.outputs['issue-number']).toBe(String(real.number))
  expect(emu.state.github.issue(copy.number)).toMatchObject({ body: copied, comments: [] })
  expect(emu.state.github.issue(copy.number)?.edits.map(e => e.login)).toEqual(['mallory'])
  // It asked who the token is (an installation token: 403) and what mallory may do.
  const asked = githubPaths(emu, from)
  expect(asked).toContain('GET /api/v3/user')
  expect(asked).toContain('GET /api/v3/repos/octo-org/platform/collaborators/mallory/permission')
  // The report names the ignored issue, without linking it or pinging its author.
  const note = `Ignored issue \\#${ZWJ}${copy.number} by @${ZWJ}mallory: it carries this report's marker, but @${ZWJ}mallory has triage permission`
  expect(emu.state.github.issue(real.number)?.body).toContain(note)
  expect(r.summary).toContain(note)
  expect(r.stdout).toMatch(new RegExp(`::warning::Ignored issue #${copy.number} by @mallory`))
  expect(emu.state.github.issue(real.number)?.body).not.toMatch(/@mallory/)
})

it('the look-alike issue alone: the action opens its own dashboard rather than adopt it', async () => {
  const emu = await start(fleet)
  const real = await dashboard(emu)
  emu.state.github.access.grant('mallory', 'read')
  const copy = emu.state.github.createIssue({ title: real.title, body: real.body, labels: real.labels, user: 'mallory' })
  tick(emu, copy, 'mallory')
  // The real dashboard was closed (by a person, say): only the copy is open.
  real.state = 'closed'

  const r = await run(emu)
  expectAwaitingApproval(r)
  const own = emu.state.github.issue(Number(r.outputs['issue-number']))
  expect(own?.number).not.toBe(copy.number)
  expect(own?.number).not.toBe(real.number)
  expect(own?.user).toBe('github-actions[bot]')
  expect(boxLine(own?.body ?? '')).toMatch(/^- \[ \] /)
  expect(own?.body).toContain(`Ignored issue \\#${ZWJ}${copy.number} by @${ZWJ}mallory`)
  expect(emu.state.github.issue(copy.number)?.edits).toHaveLength(1)
})

it('a box ticked in the real dashboard by a user without write permission is not acted on, and offered again', async () => {
  const emu = await start(fleet)
  const issue = await dashboard(emu)
  emu.state.github.access.grant('trudy', 'triage')
  tick(emu, issue, 'trudy')

  const refused = await run(emu)
  expectAwaitingApproval(refused)
  const body = emu.state.github.issue(issue.number)?.body ?? ''
  const why = `ticked by @${ZWJ}trudy, who may not approve: @${ZWJ}trudy has triage permission on octo-org/platform, and approving needs write, maintain or admin`
  expect(body).toContain(`- rg-prod/**aks-prod** to 1.36: ${why}.`)
  expect(refused.summary).toContain(why)
  expect(body).not.toMatch(/@trudy/)
  // Unticked again, with its key, so someone who may approve can tick it.
  expect(boxLine(body)).toMatch(/^- \[ \] .*<!-- approve:/)

  const approver = emu.state.github.issue(issue.number)
  if (!approver) throw new Error('dashboard gone')
  tick(emu, approver, 'alice')
  expectUpgradedBy(emu, await run(emu), 'alice')
})

it('minor-approvers: alice — a tick by bob, who may write, is not counted; alice’s is, and the upgrade runs', async () => {
  const emu = await start(fleet)
  const approvers = { 'minor-approvers': 'alice' }
  const issue = await dashboard(emu, approvers)
  tick(emu, issue, 'bob')

  const bob = await run(emu, approvers)
  expectAwaitingApproval(bob)
  const body = emu.state.github.issue(issue.number)?.body ?? ''
  expect(body).toContain(
    `ticked by @${ZWJ}bob, who may not approve: minor-approvers allows only alice, and @${ZWJ}bob is not an active member of a team it names`
  )
  expect(boxLine(body)).toMatch(/^- \[ \] /)

  const again = emu.state.github.issue(issue.number)
  if (!again) throw new Error('dashboard gone')
  tick(emu, again, 'alice')
  expectUpgradedBy(emu, await run(emu, approvers), 'alice')
})

it('minor-approvers: org/team — not shown to be a member while the token cannot read teams (the tick waits), counted once it can', async () => {
  const emu = await start(fleet)
  const approvers = { 'minor-approvers': 'octo-org/sre' }
  emu.state.github.access.grant('carol', 'write')
  emu.state.github.access.team('octo-org/sre', ['carol'])
  const issue = await dashboard(emu, approvers)
  tick(emu, issue, 'carol')

  const unreadable = await run(emu, approvers)
  expectAwaitingApproval(unreadable)
  const body = emu.state.github.issue(issue.number)?.body ?? ''
  expect(body).toContain(
    `ticked by @${ZWJ}carol, not counted yet: minor-approvers allows only octo-org/sre, and @${ZWJ}carol is not shown to be a member of octo-org/sre (GitHub answered 403: Resource not accessible by integration`
  )
  expect(body).toContain('read:org')
  // GitHub could not answer, so the tick stays for the next run.
  expect(boxLine(body)).toMatch(/^- \[x\] /)

  // A token that may read the organization's teams (read:org).
  emu.state.github.access.tokenReadsOrg = true
  expectUpgradedBy(emu, await run(emu, approvers), 'carol')
})

it('GraphQL unavailable: nobody is known to have ticked, so it does not count; the report says why and the tick waits for the next run', async () => {
  const emu = await start(fleet)
  const issue = await dashboard(emu)
  tick(emu, issue, 'alice')
  // A server that does not know the field, as GraphQL answers: 200 with errors.
  emu.inject({
    method: 'POST',
    path: '/api/graphql',
    status: 200,
    body: { errors: [{ message: "Field 'userContentEdits' doesn't exist on type 'Issue'" }] }
  })

  const blind = await run(emu)
  expectAwaitingApproval(blind)
  const body = emu.state.github.issue(issue.number)?.body ?? ''
  const why =
    "to 1.36: ticked, but not counted yet: who ticked it is not known, because the issue's edit history (GitHub GraphQL, userContentEdits) could not be read"
  expect(body).toContain(why)
  expect(body).toContain("Field 'userContentEdits' doesn't exist on type 'Issue'")
  expect(body).toContain('The box stays ticked, and the next run checks again')
  expect(blind.summary).toContain(why)
  expect(boxLine(body)).toMatch(/^- \[x\] /)

  // GraphQL answers again: alice's tick, kept through the rewrite, counts.
  expectUpgradedBy(emu, await run(emu), 'alice')
})

it('finds who ticked the box behind more than a page of edits', async () => {
  const emu = await start(fleet)
  const issue = await dashboard(emu)
  tick(emu, issue, 'alice')
  // 150 later edits that keep the box ticked (other runs' rewrites): 2 pages of edit history.
  for (let i = 0; i < 150; i++) emu.state.github.editIssueBody(issue.number, `${issue.body ?? ''}\n<!-- rewrite ${i} -->`, 'github-actions[bot]')
  const from = emu.requests.length
  expectUpgradedBy(emu, await run(emu), 'alice')
  expect(githubPaths(emu, from).filter(p => p === 'POST /api/graphql')).toHaveLength(2)
})

it('a GitHub App’s token: the dashboard its bot opened is adopted again (GraphQL viewer names the bot), not duplicated', async () => {
  const emu = await start(fleet)
  emu.state.github.botLogin = 'upgrade-pilot[bot]'
  const issue = await dashboard(emu)
  expect(issue.user).toBe('upgrade-pilot[bot]')
  const r = await run(emu)
  expect(r.outputs['issue-number']).toBe(String(issue.number))
  expect(emu.state.github.issues).toHaveLength(1)
  expect(r.summary).not.toContain('Ignored issue')
})

it('a personal access token: the dashboard its user opened is adopted, found through GET /user', async () => {
  const emu = await start(fleet)
  emu.state.github.access.tokenKind = 'user'
  emu.state.github.botLogin = 'deploy-user'
  // A machine user that may only triage still writes its own dashboard.
  emu.state.github.access.grant('deploy-user', 'triage')
  const issue = await dashboard(emu)
  const r = await run(emu)
  expect(r.outputs['issue-number']).toBe(String(issue.number))
  expect(emu.state.github.issues).toHaveLength(1)
})
