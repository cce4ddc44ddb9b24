// Who ticked a box, and whether that person may approve: the pure rules of approvals.ts.
import { describe, expect, it } from 'vitest'
import {
  approvalCheckbox,
  attributeApprovals,
  findApproval,
  ignoredDashboardNote,
  judgeApprovals,
  parseApprovals,
  repoRole,
  teamsToAsk,
  whyNotApprover,
  type Approval,
  type BodyEdit,
  type EditorFacts,
  type MinorApprovers
} from '../../src/approvals.ts'
import type { PlanEntry } from '../../src/model.ts'

const ID = '/subscriptions/5b2c8f3e-9d41-4a6b-8e07-3f1c2d9a6b58/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod'
const REPO = 'octo-org/platform'
const entry: PlanEntry = {
  clusterId: ID,
  cluster: 'aks-prod',
  resourceGroup: 'rg-prod',
  subscriptionId: '5b2c8f3e-9d41-4a6b-8e07-3f1c2d9a6b58',
  ring: 0,
  pool: null,
  os: null,
  mode: null,
  kubernetesVersion: { current: '1.35.6', target: '1.36.2' },
  nodeImageVersion: null,
  action: 'minor',
  reason: 'awaiting-approval',
  message: '',
  warnings: []
}
const unticked = `## report\n${approvalCheckbox(entry)}\n`
const ticked = unticked.replace('[ ]', '[x]')

function edit(at: string, editor: string | null, body: string): BodyEdit {
  return { editedAt: `2026-11-2${at}T10:00:00Z`, editor, body }
}

describe('attributeApprovals', () => {
  it('checkbox text round-trips through the parser', () => {
    expect(parseApprovals(ticked)).toEqual([{ clusterId: ID, minor: '1.36' }])
    expect(parseApprovals(unticked)).toEqual([])
  })

  it.each<[string, BodyEdit[], boolean, string | undefined]>([
    ['the person who ticked it', [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked)], true, 'alice'],
    [
      'a later bot rewrite that keeps it ticked does not take the credit',
      [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked), edit('2', 'github-actions[bot]', ticked)],
      true,
      'alice'
    ],
    [
      'ticked, unticked, ticked again: the last one to tick',
      [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked), edit('2', 'bob', unticked), edit('3', 'carol', ticked)],
      true,
      'carol'
    ],
    [
      'order of the history does not matter (GitHub lists the newest first)',
      [edit('1', 'alice', ticked), edit('0', 'github-actions[bot]', unticked)],
      true,
      'alice'
    ],
    [
      'edits within one second (editedAt has whole seconds) keep the order given',
      [edit('1', 'trudy', ticked), edit('1', 'github-actions[bot]', unticked), edit('1', 'alice', ticked)],
      true,
      'alice'
    ],
    ['no history: nobody is known to have ticked it', [], true, undefined],
    [
      'a tick by a bot is recorded as the bot (judged later)',
      [edit('0', 'github-actions[bot]', unticked), edit('1', 'renovate[bot]', ticked)],
      true,
      'renovate[bot]'
    ],
    [
      'an edit that only changed other text does not tick',
      [edit('0', 'github-actions[bot]', ticked), edit('1', 'dave', `${ticked}\nnote`)],
      true,
      'github-actions[bot]'
    ],
    [
      'a tick by a deleted account (no editor) is nobody, not the one before',
      [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked), edit('2', 'bob', unticked), edit('3', null, ticked)],
      true,
      undefined
    ],
    [
      'an incomplete history: a box ticked in its oldest edit was ticked by someone unseen',
      [edit('1', 'github-actions[bot]', ticked), edit('2', 'github-actions[bot]', ticked)],
      false,
      undefined
    ],
    [
      'an incomplete history still shows a tick made within it',
      [edit('1', 'github-actions[bot]', unticked), edit('2', 'alice', ticked)],
      false,
      'alice'
    ]
  ])('%s', (_name, edits, complete, ticker) => {
    const [approval] = attributeApprovals(parseApprovals(ticked), { edits, complete }, parseApprovals)
    expect(approval?.tickedBy).toBe(ticker)
    expect(approval?.approvedBy).toBeUndefined()
  })
})

describe('repoRole: role_name first, the legacy permission for custom roles', () => {
  it.each<[unknown, unknown, string]>([
    ['admin', 'admin', 'admin'],
    ['write', 'maintain', 'maintain'],
    ['write', 'write', 'write'],
    ['read', 'triage', 'triage'],
    ['read', 'read', 'read'],
    ['write', 'security-reviewer', 'write'],
    ['read', 'auditor', 'read'],
    ['none', undefined, 'none'],
    [undefined, undefined, 'none'],
    ['superuser', 'owner', 'none']
  ])('permission %s, role_name %s → %s', (permission, roleName, role) => {
    expect(repoRole(permission, roleName)).toBe(role)
  })
})

const ANYONE: MinorApprovers = { logins: [], teams: [] }
const role = (value: ReturnType<typeof repoRole>): EditorFacts => ({ role: { ok: true, value }, teams: {} })

describe('whyNotApprover', () => {
  // expected: null (may approve), or the reason and whether GitHub's answer was definite (false: ask again next run)
  const cases: Array<[string, string, MinorApprovers, EditorFacts, [RegExp, boolean] | null]> = [
    ['write may approve', 'bob', ANYONE, role('write'), null],
    ['maintain may approve', 'bob', ANYONE, role('maintain'), null],
    ['admin may approve', 'bob', ANYONE, role('admin'), null],
    [
      'triage may not',
      'mallory',
      ANYONE,
      role('triage'),
      [/@mallory has triage permission on octo-org\/platform, and approving needs write, maintain or admin/, false]
    ],
    ['read may not', 'mallory', ANYONE, role('read'), [/@mallory has read permission/, false]],
    ['no role may not', 'mallory', ANYONE, role('none'), [/@mallory has none permission/, false]],
    [
      'an unreadable permission does not count, and is asked again',
      'bob',
      ANYONE,
      { role: { ok: false, problem: 'GitHub answered 502: Bad Gateway' }, teams: {} },
      [/could not be read \(GitHub answered 502: Bad Gateway\)/, true]
    ],
    ['a bot never approves, whatever its role', 'renovate[bot]', ANYONE, role('admin'), [/@renovate\[bot\] is an app/, false]],
    ['listed by name, with write', 'alice', { logins: ['alice'], teams: [] }, role('write'), null],
    ['listed by name, case-insensitively', 'Alice', { logins: ['alice'], teams: [] }, role('write'), null],
    ['listed by name but only triage', 'alice', { logins: ['alice'], teams: [] }, role('triage'), [/has triage permission/, false]],
    [
      'a writer not listed',
      'bob',
      { logins: ['alice'], teams: [] },
      role('admin'),
      [/minor-approvers allows only alice, and @bob is not an active member/, false]
    ],
    [
      'an active member of a listed team',
      'carol',
      { logins: ['alice'], teams: ['octo-org/sre'] },
      { role: { ok: true, value: 'write' }, teams: { 'octo-org/sre': { ok: true, value: true } } },
      null
    ],
    [
      'an active member of a listed team, but only read',
      'carol',
      { logins: [], teams: ['octo-org/sre'] },
      { role: { ok: true, value: 'read' }, teams: { 'octo-org/sre': { ok: true, value: true } } },
      [/@carol has read permission/, false]
    ],
    [
      'not a member of a listed team',
      'carol',
      { logins: [], teams: ['octo-org/sre'] },
      { role: { ok: true, value: 'write' }, teams: { 'octo-org/sre': { ok: true, value: false } } },
      [/allows only octo-org\/sre, and @carol is not an active member/, false]
    ],
    [
      'membership that cannot be read: not shown to be a member, with the fix',
      'carol',
      { logins: ['alice'], teams: ['octo-org/sre'] },
      {
        role: { ok: true, value: 'admin' },
        teams: { 'octo-org/sre': { ok: false, problem: 'GitHub answered 403: Resource not accessible by integration' } }
      },
      [
        /allows only alice and octo-org\/sre, and @carol is not shown to be a member of octo-org\/sre \(GitHub answered 403.*read:org.*or list the approvers' logins/,
        true
      ]
    ]
  ]
  it.each(cases)('%s', (_name, login, approvers, facts, expected) => {
    const refusal = whyNotApprover(login, approvers, facts, REPO)
    if (expected === null) expect(refusal).toBeNull()
    else {
      expect(refusal?.why).toMatch(expected[0])
      expect(refusal?.recheck).toBe(expected[1])
    }
  })

  it.each<[string, MinorApprovers, string[]]>([
    ['no list: no team to ask', ANYONE, []],
    ['listed by name: no team to ask', { logins: ['alice'], teams: ['octo-org/sre'] }, []],
    ['not listed by name: every team', { logins: ['bob'], teams: ['octo-org/sre', 'octo-org/leads'] }, ['octo-org/sre', 'octo-org/leads']],
    ['a bot: nothing to ask', { logins: [], teams: ['octo-org/sre'] }, []]
  ])('teamsToAsk: %s', (name, approvers, teams) => {
    expect(teamsToAsk(name.startsWith('a bot') ? 'renovate[bot]' : 'alice', approvers)).toEqual(teams)
  })
})

describe('judgeApprovals', () => {
  const box = (tickedBy?: string): Approval =>
    tickedBy === undefined ? { clusterId: ID, minor: '1.36' } : { clusterId: ID, minor: '1.36', tickedBy }
  const facts = new Map<string, EditorFacts>([
    ['alice', role('write')],
    ['mallory', role('triage')]
  ])
  const judge = (a: Approval, extra: { historyProblem?: string; complete?: boolean } = {}): Approval | undefined =>
    judgeApprovals([a], { facts, approvers: ANYONE, repository: REPO, complete: true, ...extra })[0]

  it('a tick by a writer counts for that person, and the planner finds it', () => {
    const judged = judge(box('alice'))
    expect(judged).toEqual({ clusterId: ID, minor: '1.36', tickedBy: 'alice', approvedBy: 'alice' })
    expect(findApproval(judged ? [judged] : [], ID, '1.36')).toBeDefined()
  })

  it('a tick by someone without write is refused, says who, and the planner sees no approval', () => {
    const judged = judge(box('mallory'))
    expect(judged?.approvedBy).toBeUndefined()
    expect(judged?.refused).toMatch(/^ticked by @mallory, who may not approve: @mallory has triage permission/)
    expect(judged?.recheck).toBeUndefined()
    expect(findApproval(judged ? [judged] : [], ID, '1.36')).toBeUndefined()
  })

  it.each<[string, { historyProblem?: string; complete?: boolean }, RegExp, boolean]>([
    ['no edit shows who ticked it: tick again', {}, /edit history shows nobody ticking it, .*Tick it again so GitHub records who did/, false],
    ['an incomplete history', { complete: false }, /shows nobody ticking it as far back as it was read/, false],
    [
      'the history could not be read: says why, keeps the tick and asks again next run',
      { historyProblem: 'GitHub answered 502: Bad Gateway' },
      /^ticked, but not counted yet: .*could not be read \(GitHub answered 502: Bad Gateway\)\. The box stays ticked, and the next run checks again/,
      true
    ]
  ])('an unknown editor does not count: %s', (_name, extra, expected, recheck) => {
    const judged = judge(box(), extra)
    expect(judged?.approvedBy).toBeUndefined()
    expect(judged?.refused).toMatch(expected)
    expect(judged?.recheck === true).toBe(recheck)
    expect(findApproval(judged ? [judged] : [], ID, '1.36')).toBeUndefined()
  })

  it('a permission GitHub could not tell is not counted yet, and kept for the next run', () => {
    const unreadable = new Map<string, EditorFacts>([['alice', { role: { ok: false, problem: 'GitHub answered 502: Bad Gateway' }, teams: {} }]])
    const [judged] = judgeApprovals([box('alice')], { facts: unreadable, approvers: ANYONE, repository: REPO, complete: true })
    expect(judged).toMatchObject({ tickedBy: 'alice', recheck: true })
    expect(judged?.refused).toMatch(/^ticked by @alice, not counted yet: the permission of @alice .* could not be read .*next run checks again/)
    expect(findApproval(judged ? [judged] : [], ID, '1.36')).toBeUndefined()
  })

  it('a login nobody looked up does not count', () => {
    expect(judge(box('eve'))?.refused).toMatch(/^ticked by @eve, not counted yet: the permission of @eve .* could not be read \(not looked up\)/)
  })

  it('a stale approvedBy from the body is never trusted', () => {
    expect(judge({ ...box('mallory'), approvedBy: 'alice' })?.approvedBy).toBeUndefined()
  })
})

describe('ignoredDashboardNote', () => {
  it('names the issue, its author and why', () => {
    expect(ignoredDashboardNote(12, 'mallory', { ok: true, value: 'triage' }, REPO)).toBe(
      "Ignored issue #12 by @mallory: it carries this report's marker, but @mallory has triage permission on octo-org/platform, and only the action itself or someone with write, maintain or admin writes the dashboard, so its checkboxes approve nothing and it is not rewritten."
    )
    expect(ignoredDashboardNote(7, 'eve', { ok: false, problem: 'GitHub answered 404: Not Found' }, REPO)).toMatch(
      /^Ignored issue #7 by @eve: .*the permission of @eve on octo-org\/platform could not be read \(GitHub answered 404: Not Found\)/
    )
  })
})
