// Issue 5 end to end: the built action (dist/index.js) against the emulator's GitHub API.
// Covers the dashboard issue (one per report id, edited in place, found again among many
// labelled issues), run comments, `per-run` and `off`, approval of minor upgrades by
// checkbox, escaping of hostile Azure text, and what happens when GitHub refuses the writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SUBSCRIPTION, NODE_IMAGES, clusterId } from '../emulator/fleet.ts'
import type { ClusterSeed, PoolSeed } from '../emulator/fleet.ts'
import type { GitHubIssue } from '../emulator/github.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { RunResult } from '../emulator/run-action.ts'
import { startEmulator } from '../emulator/server.ts'
import type { Emulator, RecordedRequest } from '../emulator/server.ts'
import { armWrites, clusterSeed, liveCluster, livePool, planRows, useEmulator } from './support.ts'

// A Monday night in November: no window is configured, so operations may start any time;
// the instant only makes the report's times deterministic.
const NOW = '2026-11-23T02:00:00Z'
const RUN_URL = 'https://github.com/octo-org/platform/actions/runs/9876543210'
const REPO_API = '/api/v3/repos/octo-org/platform'
const RG = 'rg-it-report'
/** The workflow name runAction sets when a test does not override GITHUB_WORKFLOW. */
const DEFAULT_WORKFLOW = 'AKS upgrades'

/** The hidden marker users' existing dashboards carry (a persisted contract, so spelled out here). */
function marker(reportId: string): string {
  return `<!-- aks-upgrade-pilot:report-id=${encodeURIComponent(reportId)} -->`
}

function pool(name: string, fields: Partial<PoolSeed> = {}): PoolSeed {
  return { name, mode: 'System', orchestratorVersion: '1.36.2', nodeImageVersion: NODE_IMAGES.ubuntu2204Old, ...fields }
}

/** A cluster on the newest Kubernetes version (1.36.2): only node images can be due. */
function cluster(name: string, fields: Partial<ClusterSeed> = {}): ClusterSeed {
  // clusterSeed turns AKS's own node OS channel off, so node images are this action's job.
  return clusterSeed({
    subscriptionId: DEFAULT_SUBSCRIPTION,
    resourceGroup: RG,
    name,
    kubernetesVersion: '1.36.2',
    agentPools: [pool('system')],
    ...fields
  })
}

interface Run extends RunResult {
  /** GitHub requests of this run, as `METHOD /path` below the repository. */
  github: string[]
  githubRequests: RecordedRequest[]
  /** ARM requests that change something (upgrade starts). */
  armWrites: RecordedRequest[]
}

async function run(emu: Emulator, inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<Run> {
  const from = emu.requests.length
  const result = await runAction(emu, { ...baseInputs(emu), ...inputs }, { env: { AKS_UPGRADE_PILOT_TEST_NOW: NOW, ...env } })
  const mine = emu.requests.slice(from)
  const githubRequests = mine.filter(r => r.service === 'github')
  return {
    ...result,
    githubRequests,
    github: githubRequests.map(r => `${r.method} ${r.path.startsWith(REPO_API) ? r.path.slice(REPO_API.length) || '/' : r.path}`),
    armWrites: armWrites(emu, from)
  }
}

function openDashboards(emu: Emulator, reportId: string): GitHubIssue[] {
  return emu.state.github.issues.filter(i => i.state === 'open' && (i.body ?? '').includes(marker(reportId)))
}

function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1)
  const [item] = items
  if (item === undefined) throw new Error(`no ${what}`)
  return item
}

/** An existing dashboard (as a previous run left it), so a test needs no create + comment pause. */
function seedDashboard(emu: Emulator, reportId = DEFAULT_WORKFLOW): GitHubIssue {
  return emu.state.github.createIssue({
    title: 'AKS upgrade report',
    body: `## AKS upgrade report\n\nPrevious run.\n\n${marker(reportId)}\n`,
    labels: ['aks-upgrade']
  })
}

function issueNumberFrom(result: RunResult): number {
  return Number(result.outputs['issue-number'])
}

/** Pipes that end a GFM table cell (not escaped with a backslash). */
function cellBoundaries(line: string): number {
  let n = 0
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++
    else if (line[i] === '|') n++
  }
  return n
}

/** Every GFM table keeps the column count of its header on every row. */
function expectIntactTables(markdown: string, what: string): void {
  let header: number | undefined
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined
      continue
    }
    const cells = cellBoundaries(line)
    if (header === undefined) header = cells
    else expect(cells, `${what}: row ${JSON.stringify(line)}`).toBe(header)
  }
}

const { start } = useEmulator({ operationDurationMs: 120 })

// ---------------------------------------------------------------------------

describe('dashboard issue (issue: dashboard)', () => {
  // One emulator for the whole story: the runs build on each other like a week of schedules.
  let emu: Emulator
  let devNumber = 0
  let prodNumber = 0
  let human: GitHubIssue
  let oldClosed: GitHubIssue

  beforeAll(async () => {
    emu = await startEmulator({ fleet: { clusters: [cluster('aks-a')] }, operationDurationMs: 120 })
    // A closed dashboard of the same report and a person's issue with the same label: neither is the dashboard.
    oldClosed = emu.state.github.createIssue({
      title: 'AKS upgrade report',
      body: `old\n\n${marker('AKS dev')}`,
      labels: ['aks-upgrade'],
      state: 'closed'
    })
    human = emu.state.github.createIssue({
      title: 'Why did prod upgrade on Friday?',
      body: 'Asking for a friend.',
      labels: ['aks-upgrade'],
      user: 'carol'
    })
    // The label exists from the seeds above; remove it so the first run has to create it.
    emu.state.github.labels.splice(0)
  })

  afterAll(async () => {
    await emu.stop()
  })

  it('opens the dashboard on the first run, with the label created, assignees, and a comment for the upgrade', async () => {
    const r = await run(emu, { 'issue-assignees': 'alice, @bob' }, { GITHUB_WORKFLOW: 'AKS dev' })
    expect(r.code, r.stdout).toBe(0)
    // The label is created before the issue that carries it.
    expect(r.github).toContain('POST /labels')
    expect(r.github.indexOf('POST /labels')).toBeLessThan(r.github.indexOf('POST /issues'))
    expect(emu.state.github.labels.map(l => l.name)).toEqual(['aks-upgrade'])

    const dev = only(openDashboards(emu, 'AKS dev'), 'open dev dashboard')
    devNumber = dev.number
    expect(dev.number).not.toBe(oldClosed.number)
    expect(r.github.filter(c => c === 'POST /issues')).toHaveLength(1)
    expect(dev).toMatchObject({ title: 'AKS upgrade report', labels: ['aks-upgrade'], assignees: ['alice', 'bob'], user: 'github-actions[bot]' })
    expect(r.outputs['issue-number']).toBe(String(dev.number))
    expect(r.outputs['issue-url']).toBe(`https://github.com/octo-org/platform/issues/${dev.number}`)

    const body = dev.body ?? ''
    expect(body).toContain('### ✅ Upgraded in this run (1)')
    expect(body).toMatch(/\| rg-it-report\/\*\*aks-a\*\* \| system \| node image AKSUbuntu-2204gen2containerd-202607\.02\.0 → 202607\.09\.0 \|/)
    // Footer: the run's time in the user's zone, the link to the run, the version.
    expect(body).toContain('Run of Mon 23 Nov 2026, 02:00 UTC')
    expect(body).toContain(`(${RUN_URL})`)
    expect(body).toMatch(/AKS Upgrade Pilot \d+\.\d+\.\d+/)

    const comment = only(dev.comments, 'comment on the dev dashboard')
    expect(comment.body).toContain('✅ rg-it-report/**aks-a** · system')
    expect(comment.body).toContain(RUN_URL)

    // Nothing else was touched.
    expect(human).toMatchObject({ body: 'Asking for a friend.', comments: [], edits: [], assignees: [] })
    expect(oldClosed).toMatchObject({ state: 'closed', comments: [], edits: [] })
  })

  it('gives a second workflow of the repository its own dashboard, without a comment when nothing changed', async () => {
    // The fleet is up to date now: this run has nothing to do.
    const r = await run(emu, { 'issue-assignees': 'alice, @bob' }, { GITHUB_WORKFLOW: 'AKS prod' })
    expect(r.code, r.stdout).toBe(0)
    expect(r.armWrites).toEqual([])
    const prod = only(openDashboards(emu, 'AKS prod'), 'open prod dashboard')
    prodNumber = prod.number
    expect(prod.number).not.toBe(devNumber)
    expect(prod.body).not.toContain(marker('AKS dev'))
    expect(prod.comments).toEqual([])
    expect(r.outputs['issue-number']).toBe(String(prod.number))
    // The label exists now; the dev dashboard is none of this workflow's business.
    expect(r.github).not.toContain('POST /labels')
    expect(r.github.filter(c => c.startsWith('PATCH ') || c.endsWith('/comments'))).toEqual([])
    only(openDashboards(emu, 'AKS dev'), 'open dev dashboard')
  })

  it('edits the dashboard on the next run instead of opening another, and comments on nothing', async () => {
    const before = emu.state.github.issues.length
    const r = await run(emu, {}, { GITHUB_WORKFLOW: 'AKS dev' })
    expect(r.code, r.stdout).toBe(0)
    expect(emu.state.github.issues).toHaveLength(before)
    expect(r.github.filter(c => c.startsWith('POST '))).toEqual([])
    expect(r.github).toContain(`PATCH /issues/${devNumber}`)
    expect(r.github).not.toContain(`PATCH /issues/${prodNumber}`)
    const dev = only(openDashboards(emu, 'AKS dev'), 'open dev dashboard')
    expect(dev.number).toBe(devNumber)
    expect(dev.body).not.toContain('Upgraded in this run')
    expect(dev.body).toContain('### ✔️ Up to date (1 cluster)')
    expect(dev.comments).toHaveLength(1)
  })

  it('writes no comment for a dry run, even with an upgrade due', async () => {
    livePool(emu, 'aks-a', 'system').nodeImageVersion = NODE_IMAGES.ubuntu2204Old
    const r = await run(emu, { 'dry-run': 'true' }, { GITHUB_WORKFLOW: 'AKS dev' })
    expect(r.code, r.stdout).toBe(0)
    expect(r.armWrites).toEqual([])
    expect(r.github).toContain(`PATCH /issues/${devNumber}`)
    expect(r.github.filter(c => c.startsWith('POST '))).toEqual([])
    const dev = emu.state.github.issue(devNumber)
    expect(dev?.body).toContain('### 🧪 Would upgrade (1)')
    expect(dev?.comments).toHaveLength(1)
  })

  it('finds its dashboard again behind more than a page of labelled issues, edits it and comments on the upgrade', async () => {
    // 101 newer open issues with the same label: the dashboards are on the second page (newest first, 100 per page).
    for (let i = 1; i <= 101; i++) emu.state.github.createIssue({ title: `Noise ${i}`, body: `note ${i}`, labels: ['aks-upgrade'], user: 'carol' })
    const before = emu.state.github.issues.length
    const r = await run(emu, {}, { GITHUB_WORKFLOW: 'AKS dev' })
    expect(r.code, r.stdout).toBe(0)
    expect(r.githubRequests.some(q => q.method === 'GET' && q.path === `${REPO_API}/issues` && q.query.page === '2')).toBe(true)
    expect(emu.state.github.issues).toHaveLength(before)
    expect(r.github).toContain(`PATCH /issues/${devNumber}`)
    expect(r.github.filter(c => c === 'POST /issues')).toEqual([])
    const dev = emu.state.github.issue(devNumber)
    expect(dev?.body).toContain('### ✅ Upgraded in this run (1)')
    expect(dev?.comments).toHaveLength(2)
    expect(dev?.comments.at(-1)?.body).toContain('✅ rg-it-report/**aks-a** · system')
    expect(emu.state.github.issue(prodNumber)?.comments).toEqual([])
    expect(emu.state.github.issues.filter(i => i.title.startsWith('Noise') && (i.edits.length > 0 || i.comments.length > 0))).toEqual([])
  })

  it('keys the dashboard by the report-id input when it is given, whatever the workflow is called', async () => {
    const before = emu.state.github.issues.length
    const r = await run(emu, { 'report-id': 'AKS dev' }, { GITHUB_WORKFLOW: 'AKS dev (renamed)' })
    expect(r.code, r.stdout).toBe(0)
    expect(emu.state.github.issues).toHaveLength(before)
    expect(r.github).toContain(`PATCH /issues/${devNumber}`)
    expect(r.github.filter(c => c.startsWith('POST '))).toEqual([])
    expect(openDashboards(emu, 'AKS dev (renamed)')).toEqual([])
    only(openDashboards(emu, 'AKS dev'), 'open dev dashboard')
  })
})

// ---------------------------------------------------------------------------

describe('issue: per-run and issue: off', () => {
  it('per-run opens an issue only for a run that did something', async () => {
    const emu = await start({ clusters: [cluster('aks-a')] })
    const inputs = { issue: 'per-run', 'issue-labels': 'aks-upgrade, platform', 'issue-assignees': 'alice' }

    const dry = await run(emu, { ...inputs, 'dry-run': 'true' })
    expect(dry.code, dry.stdout).toBe(0)
    expect(dry.github.filter(c => !c.startsWith('GET '))).toEqual([])
    expect(dry.outputs['issue-number']).toBe('')

    const real = await run(emu, inputs)
    expect(real.code, real.stdout).toBe(0)
    const issue = only(emu.state.github.issues, 'per-run issue')
    expect(issue.title).toBe('AKS upgrade report — 2026-11-23 (1 upgraded)')
    expect(issue).toMatchObject({ state: 'open', labels: ['aks-upgrade', 'platform'], assignees: ['alice'] })
    expect(emu.state.github.labels.map(l => l.name).sort()).toEqual(['aks-upgrade', 'platform'])
    expect(issue.body).toContain('### ✅ Upgraded in this run (1)')
    expect(real.outputs['issue-number']).toBe(String(issue.number))

    const idle = await run(emu, inputs)
    expect(idle.code, idle.stdout).toBe(0)
    expect(idle.armWrites).toEqual([])
    expect(emu.state.github.issues).toHaveLength(1)
    expect(idle.github.filter(c => !c.startsWith('GET '))).toEqual([])
    expect(idle.outputs['issue-number']).toBe('')
  })

  it('off writes only the job summary and sends nothing to GitHub', async () => {
    const emu = await start({ clusters: [cluster('aks-a')] })
    const r = await run(emu, { issue: 'off' })
    expect(r.code, r.stdout).toBe(0)
    expect(r.githubRequests).toEqual([])
    expect(emu.state.github.issues).toEqual([])
    expect(r.armWrites).toHaveLength(1)
    expect(r.summary).toContain('### ✅ Upgraded in this run (1)')
    expect(r.summary).toContain('rg-it-report/**aks-a**')
    expect(r.outputs['issue-number']).toBe('')
    expect(r.outputs['issue-url']).toBe('')
  })
})

// ---------------------------------------------------------------------------

describe('minor upgrades approved by checkbox (minor-approval: issue)', () => {
  // Two clusters on 1.35.6 (newest patch) with the newest images: only the minor to 1.36.2 is due.
  const fresh = (name: string): ClusterSeed =>
    cluster(name, {
      kubernetesVersion: '1.35.6',
      agentPools: [pool('system', { orchestratorVersion: '1.35.6', nodeImageVersion: NODE_IMAGES.ubuntu2204 })]
    })
  const inputs = { upgrade: 'node-image,patch,minor', 'minor-approval': 'issue' }
  const boxLine = (body: string, name: string): string => {
    const line = body.split('\n').find(l => /^- \[[ xX]\] /.test(l) && l.includes(`**${name}**`))
    if (line === undefined) throw new Error(`no approval box for ${name} in:\n${body}`)
    return line
  }
  let emu: Emulator
  let dashboard = 0
  let approvedRun: Run | undefined

  beforeAll(async () => {
    emu = await startEmulator({ fleet: { clusters: [fresh('aks-m1'), fresh('aks-m2')] }, operationDurationMs: 120 })
  })

  afterAll(async () => {
    await emu.stop()
  })

  it('lists a due minor upgrade with an unticked box and does not start it', async () => {
    const r = await run(emu, inputs)
    expect(r.code, r.stdout).toBe(0)
    expect(r.armWrites).toEqual([])
    dashboard = issueNumberFrom(r)
    const body = emu.state.github.issue(dashboard)?.body ?? ''
    for (const name of ['aks-m1', 'aks-m2']) {
      const line = boxLine(body, name)
      expect(line).toMatch(/^- \[ \] /)
      expect(line).toContain(`**${name}**`)
      expect(line).toContain('1.35.6')
      expect(line).toContain('**1.36.2**')
    }
    const plan = planRows(r)
    expect(plan.filter(e => e.pool === null).map(e => [e.cluster, e.reason, e.result])).toEqual([
      ['aks-m1', 'awaiting-approval', null],
      ['aks-m2', 'awaiting-approval', null]
    ])
    expect(Number(r.outputs.pending)).toBeGreaterThanOrEqual(2)
    expect(emu.state.github.issue(dashboard)?.comments).toEqual([])
  })

  it('does not start an upgrade whose ticked box was edited to name another version', async () => {
    const body = emu.state.github.issue(dashboard)?.body ?? ''
    const line = boxLine(body, 'aks-m1')
    const forged = line.replace('- [ ]', '- [x]').replace('**1.36.2**', '**1.37.0**')
    emu.state.github.editIssueBody(dashboard, body.replace(line, forged), 'mallory')
    const r = await run(emu, inputs)
    expect(r.code, r.stdout).toBe(0)
    expect(r.armWrites).toEqual([])
    expect(liveCluster(emu, 'aks-m1').currentKubernetesVersion).toBe('1.35.6')
    // Rewritten: the forged line is gone, a fresh unticked box asks again.
    const after = emu.state.github.issue(dashboard)?.body ?? ''
    expect(after).not.toContain('1.37.0')
    expect(boxLine(after, 'aks-m1')).toMatch(/^- \[ \] /)
  })

  it('performs exactly the ticked minor upgrade on the next run', async () => {
    const body = emu.state.github.issue(dashboard)?.body ?? ''
    const line = boxLine(body, 'aks-m1')
    emu.state.github.editIssueBody(dashboard, body.replace(line, line.replace('- [ ]', '- [x]')), 'alice')
    const r = await run(emu, inputs)
    approvedRun = r
    expect(r.code, r.stdout).toBe(0)

    const m1 = clusterId(liveCluster(emu, 'aks-m1'))
    // The control plane (full-cluster PUT), then its pool, both to 1.36.2; nothing on aks-m2.
    expect(r.armWrites.map(q => `${q.method} ${q.path.slice(q.path.indexOf('/managedClusters/'))}`)).toEqual([
      'PUT /managedClusters/aks-m1',
      'PUT /managedClusters/aks-m1/agentPools/system'
    ])
    const [cpPut, poolPut] = r.armWrites
    expect(cpPut?.path.toLowerCase()).toBe(m1.toLowerCase())
    expect(cpPut?.body).toMatchObject({ properties: { kubernetesVersion: '1.36.2' } })
    expect(poolPut?.body).toMatchObject({ properties: { orchestratorVersion: '1.36.2' } })
    expect(liveCluster(emu, 'aks-m1').currentKubernetesVersion).toBe('1.36.2')
    expect(livePool(emu, 'aks-m1', 'system').currentOrchestratorVersion).toBe('1.36.2')
    expect(liveCluster(emu, 'aks-m2').currentKubernetesVersion).toBe('1.35.6')

    const plan = planRows(r)
    expect(plan.filter(e => e.pool === null).map(e => [e.cluster, e.action, e.result])).toEqual([
      ['aks-m1', 'minor', 'succeeded'],
      ['aks-m2', 'minor', null]
    ])
    const after = emu.state.github.issue(dashboard)
    expect(after?.body).toContain('### ✅ Upgraded in this run (2)')
    // aks-m2 still waits for its own box.
    expect(boxLine(after?.body ?? '', 'aks-m2')).toMatch(/^- \[ \] /)
    expect(after?.body?.split('\n').filter(l => /^- \[[ xX]\] /.test(l) && l.includes('**aks-m1**'))).toEqual([])
    expect(only(after?.comments ?? [], 'comment for the approved upgrade').body).toContain('aks-m1')
  })

  it('records that the upgrade was approved in the issue (GitHub REST does not say who ticked)', () => {
    // Issue 5: "records who approved (... otherwise 'approved in the issue')".
    const r = approvedRun
    if (r === undefined) throw new Error('the approval run did not happen')
    const plan = JSON.parse(r.outputs.plan ?? '[]') as Array<{ cluster: string; pool: string | null; message: string }>
    const cp = plan.find(e => e.cluster === 'aks-m1' && e.pool === null)
    const text = `${cp?.message ?? ''}\n${emu.state.github.issue(dashboard)?.body ?? ''}\n${r.summary}`
    expect(text).toMatch(/approved (by @?\S+|in the issue)/i)
  })
})

// ---------------------------------------------------------------------------

describe('hostile text from Azure', () => {
  const HOSTILE = '<img src=x onerror=alert(1)> @everyone #1 | --- |'
  const HOSTILE_MESSAGE = `Operation failed ${HOSTILE}\n| injected | row |\n| --- | --- |`

  it('renders a hostile cluster tag, operation error and read error harmlessly in the issue, the comment and the summary', async () => {
    const emu = await start({
      clusters: [
        cluster('aks-h', {
          tags: { 'aks-upgrade-ring': HOSTILE },
          agentPools: [pool('system', { failNextOperation: { code: 'InternalOperationError', message: HOSTILE_MESSAGE } })]
        }),
        cluster('aks-r')
      ]
    })
    seedDashboard(emu)
    emu.inject({
      method: 'GET',
      path: /\/managedClusters\/aks-r\//i,
      status: 400,
      body: { error: { code: 'BadRequest', message: HOSTILE_MESSAGE } },
      count: Infinity
    })

    const r = await run(emu)
    expect(r.code).toBe(1)
    const issue = only(openDashboards(emu, DEFAULT_WORKFLOW), 'dashboard')
    const comment = only(issue.comments, 'run comment')
    const texts: Array<[string, string]> = [
      ['issue', issue.body ?? ''],
      ['comment', comment.body],
      ['summary', r.summary]
    ]
    for (const [what, text] of texts) {
      expect(text, what).not.toMatch(/<img/i)
      expect(text, what).not.toContain('@everyone')
      expect(text, what).not.toContain('#1')
      expect(text, what).not.toMatch(/(^|[^\\])\| --- \|/m)
      expect(text, what).not.toMatch(/^\| injected/m)
      expectIntactTables(text, what)
    }
    const full: Array<[string, string]> = [
      ['issue', issue.body ?? ''],
      ['summary', r.summary]
    ]
    for (const [what, text] of full) {
      // Shown, escaped: the tag in the ring warning, Azure's message in Failed and in Could not read.
      expect(text, what).toContain("Tag aks-upgrade-ring='&lt;img src=x onerror=alert(1)&gt; @\u200Deveryone \\#\u200D1 \\| --- \\|'")
      expect(text, what).toContain('**InternalOperationError**')
      expect(text, what).toContain(
        'Operation failed &lt;img src=x onerror=alert(1)&gt; @\u200Deveryone \\#\u200D1 \\| --- \\| \\| injected \\| row \\|'
      )
      expect(text, what).toContain('**BadRequest**')
    }
    // The machine-readable output keeps Azure's text as it came.
    const plan = planRows(r)
    expect(plan.find(e => e.cluster === 'aks-h' && e.pool === 'system')?.error).toEqual({ code: 'InternalOperationError', message: HOSTILE_MESSAGE })
  })
})

// ---------------------------------------------------------------------------

describe('failures that explain themselves', () => {
  it('shows a PodDrainFailure with code, message, cause, fix and the inspect command, most urgent first', async () => {
    const message =
      "Drain of node aks-system-12345678-vmss000001 did not complete: Too many requests. Pod 'payments-7d9f' is protected by a PodDisruptionBudget."
    const emu = await start({
      clusters: [
        cluster('aks-a'),
        cluster('aks-d', { agentPools: [pool('system', { count: 3, failNextOperation: { code: 'PodDrainFailure', message } })] })
      ]
    })
    const seeded = seedDashboard(emu)
    const r = await run(emu)
    expect(r.code).toBe(1)
    expect(r.outputs['upgrades-failed']).toBe('1')
    expect(r.stdout).toMatch(/::error::.*1 upgrade operation\(s\) failed/)
    expect(livePool(emu, 'aks-d', 'system').provisioningState).toBe('Failed')

    const issue = emu.state.github.issue(seeded.number)
    const body = issue?.body ?? ''
    expect(body).toContain('### ❌ Failed (1)')
    expect(body).toContain('#### rg-it-report/**aks-d** · pool system')
    expect(body).toContain(`- **Azure:** **PodDrainFailure**: ${message}`)
    expect(body).toMatch(/- \*\*Cause:\*\* .*PodDisruptionBudget/)
    expect(body).toMatch(/- \*\*What to do:\*\* .*`kubectl get pdb -A`.*undrainableNodeBehavior.*drainTimeoutInMinutes/)
    expect(body).toContain(
      '`az aks nodepool update -g rg-it-report --cluster-name aks-d -n system --undrainable-node-behavior Cordon --drain-timeout 60`'
    )
    expect(body).toContain('- **Inspect:** `kubectl get pdb -A`')
    expect(body).toContain('(https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-poddrainfailure)')
    // Sections by urgency: what failed before what went well.
    const failed = body.indexOf('### ❌ Failed')
    const upgraded = body.indexOf('### ✅ Upgraded in this run (1)')
    expect(failed).toBeGreaterThanOrEqual(0)
    expect(upgraded).toBeGreaterThan(failed)

    const comment = only(issue?.comments ?? [], 'run comment')
    expect(comment.body).toMatch(/^\*\*Run of Mon 23 Nov 2026, 02:00 UTC:\*\* 1 failed · 1 upgraded\./)
    expect(comment.body).toContain('❌ rg-it-report/**aks-d** · system')
    expect(comment.body).toContain('**PodDrainFailure**')
    // The job summary carries the same explanation.
    expect(r.summary).toContain('- **Inspect:** `kubectl get pdb -A`')
  })
})

// ---------------------------------------------------------------------------

describe('when GitHub refuses the issue', () => {
  const refusal = {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
    status: '403'
  }

  it.each<[string, (emu: Emulator) => void]>([
    [
      'creating the label and the issue',
      emu => {
        emu.inject({ method: 'POST', path: /\/(issues|labels)$/, status: 403, body: refusal, count: Infinity })
      }
    ],
    [
      'editing the existing dashboard',
      emu => {
        seedDashboard(emu)
        emu.inject({ method: 'PATCH', path: /\/issues\/\d+$/, status: 403, body: refusal, count: Infinity })
      }
    ],
    [
      'any issue request (no issues permission at all)',
      emu => {
        emu.inject({ path: /\/(issues|labels)(\/|$)/, status: 403, body: refusal, count: Infinity })
      }
    ]
  ])('403 on %s: the upgrade and the full job summary stay, the run fails with the permission advice', async (_what, refuse) => {
    const emu = await start({ clusters: [cluster('aks-a')] })
    refuse(emu)
    const r = await run(emu)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/::error::.*permissions: issues: write/)
    // Upgrades do not depend on GitHub.
    expect(r.armWrites).toHaveLength(1)
    expect(livePool(emu, 'aks-a', 'system').nodeImageVersion).toBe(NODE_IMAGES.ubuntu2204)
    expect(r.outputs['upgrades-started']).toBe('1')
    expect(r.outputs['issue-number']).toBe('')
    expect(emu.state.github.issues.flatMap(i => i.comments)).toEqual([])
    // The whole report is in the summary.
    expect(r.summary).toContain('## AKS upgrade report')
    expect(r.summary).toContain('### ✅ Upgraded in this run (1)')
    expect(r.summary).toMatch(/\| rg-it-report\/\*\*aks-a\*\* \| system \| node image AKSUbuntu-2204gen2containerd-202607\.02\.0 → 202607\.09\.0 \|/)
    expect(r.summary).toContain(`(${RUN_URL})`)
  })

  it('410 (issues disabled in the repository) is a clear error; the upgrade and the summary stay', async () => {
    const emu = await start({ clusters: [cluster('aks-a')] })
    emu.state.github.issuesDisabled = true
    const r = await run(emu)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/::error::.*issues are disabled in octo-org\/platform \(410\)/)
    expect(r.stdout).toMatch(/::error::.*issue: off/)
    expect(r.armWrites).toHaveLength(1)
    expect(r.summary).toContain('### ✅ Upgraded in this run (1)')
    expect(r.outputs['issue-number']).toBe('')
  })
})
