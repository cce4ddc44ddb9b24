// Issue 14: `engine: fleet`. The built action (dist/index.js) against the emulator's Fleet
// Manager, whose update runs move on the emulator's clock: one run per plan (a rerun creates
// nothing), never two runs at once, a ring-0 failure leaves ring 1 untouched and waits for a
// writer's retry tick, a non-writer's tick completes no gate, and a run stopped when our window
// closes resumes in the next one.
import { describe, expect, it } from 'vitest'
import type { Fleet } from '../emulator/fleet.ts'
import { fleetResourceId, seedUpdateRun, settleFleetManagers, type FleetManagerSeed } from '../emulator/fleet-manager.ts'
import type { GitHubIssue } from '../emulator/github.ts'
import { baseInputs, runAction, type RunResult } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { clusterSeed, expectSuccess, liveCluster, planRow, planRows, useEmulator } from './support.ts'

const SUB = '3d1c5b7a-9e2f-4a60-8b1d-6f0e2c4a8b93'
const OLD = 'AKSUbuntu-2204gen2containerd-202607.02.0'
const NEW = 'AKSUbuntu-2204gen2containerd-202607.09.0'
const HOUR = 3_600_000
const MANAGER: FleetManagerSeed = { subscriptionId: SUB, resourceGroup: 'rg-fleet', name: 'platform', members: [], memberDurationMs: HOUR }
const FLEET_ID = fleetResourceId(MANAGER)

/** Clusters by name and ring, one pool each, and a Fleet Manager whose members they are. */
function fleetOf(
  clusters: Array<[name: string, ring: number]>,
  over: Partial<FleetManagerSeed> = {},
  kubernetesVersion = '1.35.6',
  image = OLD
): Fleet {
  return {
    subscriptions: { [SUB]: {} },
    clusters: clusters.map(([name, ring]) =>
      clusterSeed({
        subscriptionId: SUB,
        resourceGroup: 'rg-aks',
        name,
        kubernetesVersion,
        tags: { 'aks-upgrade-ring': String(ring) },
        agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: kubernetesVersion, nodeImageVersion: image, latestNodeImageVersion: NEW }]
      })
    ),
    fleetManagers: [{ ...MANAGER, members: clusters.map(([name]) => ({ name: `m-${name}`, clusterName: name })), ...over }]
  }
}

/** The emulator's clock, moved by the tests; the action's clock follows it. */
function clock(): { now: () => number; advance: (ms: number) => void; env: () => Record<string, string> } {
  let t = Math.floor(Date.now() / HOUR) * HOUR
  return {
    now: () => t,
    advance: ms => {
      t += ms
    },
    env: () => ({ AKS_UPGRADE_PILOT_TEST_NOW: new Date(t).toISOString() })
  }
}

const { start } = useEmulator()

/** An emulator on the test's clock over `fleetOf(clusters, over)`. */
async function startFleet(
  time: ReturnType<typeof clock>,
  clusters: Array<[name: string, ring: number]>,
  over: Partial<FleetManagerSeed> = {}
): Promise<Emulator> {
  return start(fleetOf(clusters, over), { now: time.now })
}

interface Run extends RunResult {
  /** Fleet writes of this run: `PUT /updateRuns/aup-…`, `POST /updateRuns/aup-…/start`. */
  writes: string[]
}

async function run(emu: Emulator, time: ReturnType<typeof clock>, extra: Record<string, string> = {}): Promise<Run> {
  const from = emu.requests.length
  const clusters = emu.state.fleet.clusters.map(c => `${c.resourceGroup}/${c.name}`).join('\n')
  const inputs = { ...baseInputs(emu), clusters, engine: 'fleet', fleet: FLEET_ID, upgrade: 'node-image', preflight: 'none', ...extra }
  const result = await runAction(emu, inputs, { env: time.env() })
  const writes = emu.requests
    .slice(from)
    .filter(r => r.service === 'arm' && r.method !== 'GET' && r.path.includes('/fleets/'))
    .map(r => `${r.method} ${r.path.slice(r.path.indexOf('/fleets/platform') + '/fleets/platform'.length)}`)
  return { ...result, writes }
}

function liveRuns(emu: Emulator) {
  return emu.state.fleetManager.fleets[0]?.runs ?? []
}

function ourRun(emu: Emulator) {
  const found = liveRuns(emu).find(r => r.name.startsWith('aup-'))
  if (!found) throw new Error('no aup- run in the emulator')
  return found
}

/** Each member's state in our run, by member name, as Fleet holds it at the emulator's instant. */
function memberStates(emu: Emulator): Record<string, string> {
  settleFleetManagers(emu.state)
  const states: Record<string, string> = {}
  for (const stage of ourRun(emu).stages) for (const g of stage.groups) for (const m of g.members) states[m.name] = m.status.state
  return states
}

/** The first run over aks-dev and aks-prod: both groups set, one run created and started. */
async function createdAndStarted(emu: Emulator, time: ReturnType<typeof clock>): Promise<{ first: Run; name: string }> {
  const first = await run(emu, time, { issue: 'off' })
  expectSuccess(first)
  const name = ourRun(emu).name
  expect(first.writes).toEqual(['PATCH /members/m-aks-dev', 'PATCH /members/m-aks-prod', `PUT /updateRuns/${name}`, `POST /updateRuns/${name}/start`])
  return { first, name }
}

describe('one run per plan', () => {
  it('sets the ring groups, creates the run with If-None-Match: *, skips nothing and starts it; a rerun writes nothing', async () => {
    const time = clock()
    const emu = await startFleet(time, [
      ['aks-dev', 0],
      ['aks-prod', 1]
    ])
    const { first, name } = await createdAndStarted(emu, time)
    const put = emu.requests.find(r => r.method === 'PUT' && r.path.endsWith(`/updateRuns/${name}`))
    expect(put?.headers['if-none-match']).toBe('*')
    expect(put?.body).toEqual({
      properties: {
        strategy: {
          stages: [
            { name: 'ring-0', groups: [{ name: 'ring-0', maxConcurrency: '1' }], maxConcurrency: '5' },
            { name: 'ring-1', groups: [{ name: 'ring-1', maxConcurrency: '1' }], maxConcurrency: '5' }
          ]
        },
        managedClusterUpdate: {
          upgrade: { type: 'NodeImageOnly' },
          nodeImageSelection: { type: 'Custom', customNodeImageVersions: [{ version: NEW }] }
        }
      }
    })
    const startCall = emu.requests.find(r => r.method === 'POST' && r.path.endsWith(`/updateRuns/${name}/start`))
    expect(startCall?.headers['if-match']).toMatch(/./)
    expect(planRow(planRows(first), 'aks-dev', 'system').result).toBe('started')
    expect(planRow(planRows(first), 'aks-prod', 'system').reason).toBe('ring-waiting')
    expect(first.summary).toContain(`#### ${name}: node images, 🔄 Running`)

    time.advance(10 * 60_000)
    const again = await run(emu, time, { issue: 'off' })
    expectSuccess(again)
    expect(again.writes).toEqual([])
    expect(liveRuns(emu)).toHaveLength(1)
    expect(again.summary).toContain('This run changed nothing in Fleet.')

    // Ring 0 done, Fleet carries the same image on to ring 1: still one run, still no writes.
    time.advance(HOUR)
    const later = await run(emu, time, { issue: 'off' })
    expect(later.writes).toEqual([])
    expect(liveCluster(emu, 'aks-dev').agentPools[0]?.nodeImageVersion).toBe(NEW)
    expect(memberStates(emu)).toEqual({ 'm-aks-dev': 'Completed', 'm-aks-prod': 'Running' })
  })

  it('reads the clusters still queued inside its run from that run, though the plan has moved on', async () => {
    const time = clock()
    const emu = await startFleet(time, [
      ['aks-a', 0],
      ['aks-b', 0],
      ['aks-c', 0]
    ])
    const one = { issue: 'off', 'max-parallel': '1' }
    expectSuccess(await run(emu, time, one))
    const name = ourRun(emu).name
    time.advance(HOUR + 10 * 60_000)
    const r = await run(emu, time, one)
    expectSuccess(r)
    expect(r.writes).toEqual([])
    expect(memberStates(emu)).toEqual({ 'm-aks-a': 'Completed', 'm-aks-b': 'Running', 'm-aks-c': 'NotStarted' })
    // aks-a is done, so the plan's run would be a new one of b and c: they are in ours already.
    expect(r.summary).not.toContain('Waiting to be created')
    expect(planRow(planRows(r), 'aks-c', 'system')).toMatchObject({
      result: 'pending',
      hold: { reason: 'fleet-waiting', detail: `waits for stage ring-0 of Fleet update run ${name}` }
    })
  })

  it('holds a planned cluster outside the fleet, naming the fleet, and upgrades the members', async () => {
    const time = clock()
    const seed = fleetOf([
      ['aks-dev', 0],
      ['aks-lone', 0]
    ])
    const manager = seed.fleetManagers?.[0]
    if (manager) manager.members = manager.members.filter(m => m.clusterName === 'aks-dev')
    const emu = await start(seed, { now: time.now })
    const r = await run(emu, time, { issue: 'off' })
    expectSuccess(r)
    expect(planRow(planRows(r), 'aks-lone', 'system')).toMatchObject({ result: 'pending', hold: { reason: 'not-in-fleet' } })
    expect(r.summary).toMatch(/\*\*aks-lone\*\*: aks-lone is not a member of fleet platform/)
    expect(ourRun(emu).name).toMatch(/^aup-/)
  })
})

describe('never two runs at once', () => {
  it('creates nothing while a run someone else started is in progress, and says so', async () => {
    const time = clock()
    const seed = fleetOf([
      ['aks-dev', 0],
      ['aks-other', 0]
    ])
    const other = seed.fleetManagers?.[0]?.members.find(m => m.clusterName === 'aks-other')
    if (other) other.group = 'manual'
    const emu = await start(seed, { now: time.now })
    // Someone refreshes aks-other's images by hand, through Fleet.
    const body = {
      properties: {
        strategy: { stages: [{ name: 'only', groups: [{ name: 'manual' }] }] },
        managedClusterUpdate: { upgrade: { type: 'NodeImageOnly' }, nodeImageSelection: { type: 'Latest' } }
      }
    }
    seedUpdateRun(emu.state, FLEET_ID, 'manual-patch', body, { start: true })
    // Long enough to still run when the action looks.
    const manager = emu.state.fleetManager.fleets[0]
    if (manager) manager.seed.memberDurationMs = 10 * HOUR
    time.advance(60_000)
    const r = await run(emu, time, { issue: 'off' })
    expectSuccess(r)
    expect(r.writes).toEqual([])
    expect(liveRuns(emu).map(x => x.name)).toEqual(['manual-patch'])
    expect(planRow(planRows(r), 'aks-dev', 'system')).toMatchObject({ result: 'pending', hold: { reason: 'fleet-run-active' } })
    expect(r.summary).toContain('Fleet update run manual-patch was not created by this Action and is Running')
  })
})

function box(body: string, pattern: RegExp): string {
  const line = body.split('\n').find(l => pattern.test(l))
  if (line === undefined) throw new Error(`no box ${pattern} in:\n${body}`)
  return line
}

function tick(emu: Emulator, issue: GitHubIssue, pattern: RegExp, login: string): void {
  const body = emu.state.github.issue(issue.number)?.body ?? ''
  const line = box(body, pattern)
  emu.state.github.editIssueBody(issue.number, body.replace(line, line.replace('- [ ]', '- [x]')), login)
}

function dashboard(emu: Emulator, r: RunResult): GitHubIssue {
  const issue = emu.state.github.issue(Number(r.outputs['issue-number']))
  if (!issue) throw new Error(`no dashboard:\n${r.stdout}`)
  return issue
}

describe('fail-fast, and no restart without a writer', () => {
  it('a ring-0 failure fails the job, leaves ring 1 NotStarted, and only a writer’s retry tick starts the run again', async () => {
    const time = clock()
    const seed = fleetOf([
      ['aks-dev', 0],
      ['aks-prod', 1]
    ])
    const dev = seed.fleetManagers?.[0]?.members[0]
    if (dev) dev.fail = { code: 'UpgradeFailed', message: 'Drain of node aks-system-1 failed: PodDisruptionBudget shop/web' }
    const emu = await start(seed, { now: time.now })
    expectSuccess(await run(emu, time))
    time.advance(HOUR + 60_000)

    const failed = await run(emu, time)
    expect(failed.code).toBe(1)
    expect(failed.writes).toEqual([])
    // The pool is left Failed (the planner holds it), and the run says why it stopped.
    expect(planRow(planRows(failed), 'aks-dev', 'system').reason).toBe('failed-state')
    expect(failed.stdout).toMatch(/::error::.*Fleet update run aup-[0-9a-f]+ failed: m-aks-dev: UpgradeFailed \(Drain of node aks-system-1 failed/)
    const name = ourRun(emu).name
    expect(memberStates(emu)).toEqual({ 'm-aks-dev': 'Failed', 'm-aks-prod': 'NotStarted' })
    const issue = dashboard(emu, failed)
    const retry = /^- \[ \] Retry the Fleet update run \*\*aup-/
    expect(box(issue.body ?? '', retry)).toContain(name)

    // A reader ticks it: nothing restarts.
    emu.state.github.access.grant('mallory', 'read')
    tick(emu, issue, retry, 'mallory')
    time.advance(HOUR)
    const refused = await run(emu, time)
    expect(refused.writes).toEqual([])
    expect(memberStates(emu)).toMatchObject({ 'm-aks-prod': 'NotStarted' })

    // A writer ticks it: the run starts again where it stopped.
    tick(emu, dashboard(emu, refused), retry, 'alice')
    const retried = await run(emu, time)
    expect(retried.writes).toEqual([`POST /updateRuns/${name}/start`])
  })
})

describe('approval gates', () => {
  const minorFleet = (): Fleet =>
    fleetOf(
      [
        ['aks-dev', 0],
        ['aks-prod', 1]
      ],
      {},
      '1.35.6',
      NEW
    )
  const approve = (cluster: string) => new RegExp(`^- \\[ \\] Approve the minor upgrade of \\*\\*${cluster}\\*\\*`)
  const minorInputs = { upgrade: 'minor', 'minor-approval': 'issue' }

  it('creates the run once a writer approves ring 0, completes that gate, and leaves ring 1’s gate to a writer', async () => {
    const time = clock()
    const emu = await start(minorFleet(), { now: time.now })
    const first = await run(emu, time, minorInputs)
    expectSuccess(first)
    expect(first.writes).toEqual([])
    tick(emu, dashboard(emu, first), approve('aks-dev'), 'alice')

    const created = await run(emu, time, minorInputs)
    expectSuccess(created)
    const name = ourRun(emu).name
    const ring0 = emu.state.fleetManager.fleets[0]?.gates.find(g => g.stage === 'ring-0')
    // The gate before ring 0 appears when the run starts, and dev's approval completes it at once.
    expect(created.writes).toEqual([
      'PATCH /members/m-aks-dev',
      'PATCH /members/m-aks-prod',
      `PUT /updateRuns/${name}`,
      `POST /updateRuns/${name}/start`,
      `PATCH /gates/${ring0?.name ?? '?'}`
    ])
    expect(ring0?.state).toBe('Completed')
    const put = emu.requests.find(r => r.method === 'PUT' && r.path.endsWith(`/updateRuns/${name}`))
    expect(JSON.stringify(put?.body)).toContain('"beforeGates":[{"type":"Approval","displayName":"aup approval: Kubernetes 1.36 on ring 0"}]')

    // Dev upgraded, the run waits at ring 1's gate; prod's box is offered.
    time.advance(HOUR + 60_000)
    const waiting = await run(emu, time, minorInputs)
    expect(waiting.writes).toEqual([])
    expect(waiting.summary).toContain('waits at its approval gate')
    expect(emu.state.fleetManager.fleets[0]?.gates.find(g => g.stage === 'ring-1')?.state).toBe('Pending')

    // mallory (read) ticks prod's box: ring 1's gate stays shut.
    emu.state.github.access.grant('mallory', 'read')
    tick(emu, dashboard(emu, waiting), approve('aks-prod'), 'mallory')
    const refused = await run(emu, time, minorInputs)
    expect(refused.writes).toEqual([])
    expect(emu.state.fleetManager.fleets[0]?.gates.find(g => g.stage === 'ring-1')?.state).toBe('Pending')
    expect(liveCluster(emu, 'aks-dev').currentKubernetesVersion).toBe('1.36.2')
    expect(liveCluster(emu, 'aks-prod').currentKubernetesVersion).toBe('1.35.6')
  })
})

describe('approval gates: the unapproved are skipped first', () => {
  it('completes the gate only once Fleet shows the unapproved cluster skipped, not when it merely accepted the skip', async () => {
    const time = clock()
    const emu = await start(
      fleetOf(
        [
          ['aks-a', 0],
          ['aks-b', 0]
        ],
        {},
        '1.35.6',
        NEW
      ),
      { now: time.now }
    )
    const minorInputs = { upgrade: 'minor', 'minor-approval': 'issue' }
    const first = await run(emu, time, minorInputs)
    tick(emu, dashboard(emu, first), /^- \[ \] Approve the minor upgrade of \*\*aks-a\*\*/, 'alice')
    // Fleet accepts the skip (202) but has not applied it when the action reads the run again.
    emu.inject({ method: 'POST', path: /\/updateRuns\/aup-[0-9a-f]+\/skip$/, status: 202, headers: { 'Retry-After': '0' } })
    const created = await run(emu, time, minorInputs)
    expectSuccess(created)
    const name = ourRun(emu).name
    expect(created.writes).toEqual([
      'PATCH /members/m-aks-a',
      'PATCH /members/m-aks-b',
      `PUT /updateRuns/${name}`,
      `POST /updateRuns/${name}/start`,
      `POST /updateRuns/${name}/skip`
    ])
    expect(emu.state.fleetManager.fleets[0]?.gates[0]?.state).toBe('Pending')
    expect(created.summary).toContain('does not show it done yet')

    time.advance(60_000)
    const next = await run(emu, time, minorInputs)
    const gate = emu.state.fleetManager.fleets[0]?.gates[0]
    expect(next.writes).toEqual([`POST /updateRuns/${name}/skip`, `PATCH /gates/${gate?.name ?? '?'}`])
    expect(gate?.state).toBe('Completed')
    expect(memberStates(emu)).toEqual({ 'm-aks-a': 'Running', 'm-aks-b': 'Skipped' })
  })
})

describe('windows', () => {
  it('stops the run when our window closes (members already upgrading finish) and resumes it in the next window', async () => {
    const time = clock()
    const emu = await startFleet(time, [
      ['aks-a', 0],
      ['aks-b', 0]
    ])
    const one = { 'max-parallel': '1' }
    const first = await run(emu, time, one)
    expectSuccess(first)
    const name = ourRun(emu).name

    time.advance(30 * 60_000)
    const today = new Date(time.now()).toISOString().slice(0, 10)
    const closing = await run(emu, time, { ...one, 'blackout-dates': today })
    expectSuccess(closing)
    expect(closing.writes).toEqual([`POST /updateRuns/${name}/stop`])
    expect(dashboard(emu, closing).body).toContain(`<!-- aup:window-stopped:${name} -->`)

    time.advance(HOUR)
    expect(memberStates(emu)).toEqual({ 'm-aks-a': 'Completed', 'm-aks-b': 'NotStarted' })
    expect(ourRun(emu).name).toBe(name)

    time.advance(24 * HOUR)
    const resumed = await run(emu, time, one)
    expectSuccess(resumed)
    expect(resumed.writes).toEqual([`POST /updateRuns/${name}/start`])
    expect(memberStates(emu)).toEqual({ 'm-aks-a': 'Completed', 'm-aks-b': 'Running' })
  })
})

describe('the contract around the writes', () => {
  it('works the same when Fleet answers every write with 202 (async mode), and a rerun still writes nothing', async () => {
    const time = clock()
    const emu = await startFleet(
      time,
      [
        ['aks-dev', 0],
        ['aks-prod', 1]
      ],
      { lroMode: 'async' }
    )
    await createdAndStarted(emu, time)
    expect(memberStates(emu)).toEqual({ 'm-aks-dev': 'Running', 'm-aks-prod': 'NotStarted' })
    time.advance(60_000)
    expect((await run(emu, time, { issue: 'off' })).writes).toEqual([])
  })

  it('skips a powered-off member of the ring group before starting: it would fail the whole run', async () => {
    const time = clock()
    const seed = fleetOf([
      ['aks-dev', 0],
      ['aks-off', 0]
    ])
    const off = seed.clusters.find(c => c.name === 'aks-off')
    if (off) off.powerState = 'Stopped'
    const member = seed.fleetManagers?.[0]?.members.find(m => m.clusterName === 'aks-off')
    if (member) member.group = 'ring-0'
    const emu = await start(seed, { now: time.now })
    const r = await run(emu, time, { issue: 'off' })
    expectSuccess(r)
    const name = ourRun(emu).name
    expect(r.writes).toEqual([
      'PATCH /members/m-aks-dev',
      `PUT /updateRuns/${name}`,
      `POST /updateRuns/${name}/skip`,
      `POST /updateRuns/${name}/start`
    ])
    const skip = emu.requests.find(x => x.method === 'POST' && x.path.endsWith('/skip'))
    expect(skip?.body).toEqual({ targets: [{ type: 'Member', name: 'm-aks-off' }] })
    time.advance(HOUR + 60_000)
    expect(memberStates(emu)).toEqual({ 'm-aks-dev': 'Completed', 'm-aks-off': 'Skipped' })
    expect(ourRun(emu).status.state).toBe('Completed')
  })

  it('reads the run again after a 412 on start (someone changed it) and starts it with the new eTag', async () => {
    const time = clock()
    const emu = await startFleet(time, [['aks-dev', 0]])
    emu.inject({
      method: 'POST',
      path: /\/updateRuns\/aup-[0-9a-f]+\/start$/,
      status: 412,
      body: { error: { code: 'PreconditionFailed', message: 'The eTag does not match.' } }
    })
    const r = await run(emu, time, { issue: 'off' })
    expectSuccess(r)
    const name = ourRun(emu).name
    expect(r.writes).toEqual([
      'PATCH /members/m-aks-dev',
      `PUT /updateRuns/${name}`,
      `POST /updateRuns/${name}/start`,
      `POST /updateRuns/${name}/start`
    ])
    expect(memberStates(emu)).toEqual({ 'm-aks-dev': 'Running' })
  })

  it('changes nothing in a dry run, and says what it would do', async () => {
    const time = clock()
    const emu = await startFleet(time, [
      ['aks-dev', 0],
      ['aks-prod', 1]
    ])
    const r = await run(emu, time, { issue: 'off', 'dry-run': 'true' })
    expectSuccess(r)
    expect(r.writes).toEqual([])
    expect(liveRuns(emu)).toEqual([])
    expect(r.summary).toMatch(/- Would create Fleet update run aup-[0-9a-f]+: node images through ring-0 → ring-1\./)
    expect(planRow(planRows(r), 'aks-dev', 'system').result).toBe('would-start')
  })
})
