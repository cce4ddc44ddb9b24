// The Fleet dashboard: every state a run, member, gate and wait can be in, rendered stage ->
// group -> member with times, escaped messages and operation ids; the retry box and the
// window marker read back by the next run; counts per stage when the body must shrink.
import { describe, expect, it } from 'vitest'
import { parseApprovals } from '../../src/approvals.ts'
import { parseWindowStopped } from '../../src/fleet-engine/markers.ts'
import type { FleetEngineReport, FleetRunView } from '../../src/fleet-engine/types.ts'
import type { MemberStatus, StageStatus } from '../../src/fleet-engine/wire.ts'
import type { RunReport } from '../../src/model.ts'
import { renderReport } from '../../src/report/render.ts'

const FLEET = '/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/platform'
const STATES = ['NotStarted', 'Running', 'Pending', 'Completed', 'Failed', 'Skipped', 'Stopping', 'Stopped'] as const

function member(name: string, state: string, extra: Partial<MemberStatus> = {}): MemberStatus {
  return {
    name,
    clusterResourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    status: { state, startTime: '2026-11-28T21:05:00Z', ...(state === 'Completed' ? { completedTime: '2026-11-28T22:05:00Z' } : {}) },
    ...extra
  }
}

function run(over: Partial<FleetRunView> = {}, stages?: StageStatus[]): FleetRunView {
  return {
    name: 'aup-0123456789abcdef01234567',
    ours: true,
    state: 'Running',
    update: 'node images',
    images: ['AKSUbuntu-2204gen2containerd-202611.20.0'],
    stages: stages ?? [
      {
        name: 'ring-0',
        status: { state: 'Completed' },
        afterStageWaitStatus: { status: { state: 'Running', startTime: '2026-11-28T22:00:00Z' }, waitDurationInSeconds: 172_800 },
        groups: [{ name: 'ring-0', members: STATES.map(s => member(`m-${s.toLowerCase()}`, s)) }]
      },
      {
        name: 'ring-1',
        status: { state: 'NotStarted' },
        beforeGates: [
          {
            displayName: 'aup approval: Kubernetes 1.36 on ring 1',
            status: { state: 'Pending' },
            gateId: `${FLEET}/gates/9f8e7d6c-5b4a-3c2d-1e0f-a1b2c3d4e5f6`
          }
        ],
        groups: [{ name: 'ring-1', members: [member('m-prod', 'NotStarted')] }]
      }
    ],
    waits: { 'ring-0': 172_800 },
    retry: false,
    stoppedForWindow: false,
    ...over
  }
}

function report(fleet: Partial<FleetEngineReport>): RunReport {
  return {
    startedAt: '2026-11-29T10:00:00Z',
    timezone: 'UTC',
    dryRun: false,
    upgrade: ['node-image', 'patch'],
    reportId: 'weekly',
    actionVersion: '1.0.0',
    plan: { clusters: [], rings: {} },
    results: [],
    readFailures: [],
    notes: [],
    window: { inWindow: true },
    fleet: { fleetId: FLEET, fleetName: 'platform', actions: [], runs: [run()], queued: [], held: [], notes: [], failures: [], ...fleet }
  }
}

describe('Fleet dashboard', () => {
  const body = renderReport(report({}), 'issue')

  it.each(STATES)('renders a member that is %s, with its state and start time', state => {
    expect(body).toMatch(new RegExp(`\\| ring-0 \\| ring-0 \\| m-${state.toLowerCase()} \\| \\S+ ${state} \\| Sat 28 Nov 2026, 21:05 UTC \\|`))
  })

  it('renders the run state, its images, a pending gate with its clusters and the wait left', () => {
    expect(body).toContain('#### aup-0123456789abcdef01234567: node images, 🔄 Running')
    expect(body).toContain('`AKSUbuntu-2204gen2containerd-202611.20.0`')
    expect(body).toContain(
      'Gate before ring-1, aup approval: Kubernetes 1.36 on ring 1: ⏳ Pending (gate `9f8e7d6c-5b4a-3c2d-1e0f-a1b2c3d4e5f6`): writers\' ticks of the approval boxes under "Needs approval" complete it (waiting: m-prod)'
    )
    expect(body).toMatch(/Wait after ring-0: 2 days, 🔄 Running, 36 h left \(until Mon 30 Nov 2026, 22:00 UTC\)/)
  })

  it.each([
    ['NotStarted', 'aup approval: Kubernetes 1.36 on ring 1', /: ⏸️ NotStarted$/m],
    ['Completed', 'aup approval: Kubernetes 1.36 on ring 1', /: ✅ Completed \(gate `[0-9a-f-]+`\), Sun 29 Nov 2026, 09:00 UTC$/m],
    ['Skipped', 'aup approval: Kubernetes 1.36 on ring 1', /: ⏭️ Skipped \(gate `[0-9a-f-]+`\)$/m],
    ['Pending', 'Security sign-off', /: ⏳ Pending \(gate `[0-9a-f-]+`\): not one of this Action’s gates; whoever set it up completes it in Fleet$/m]
  ])('renders a gate that is %s (%s)', (state, displayName, line) => {
    const status = state === 'Completed' ? { state, completedTime: '2026-11-29T09:00:00Z' } : { state }
    const gate = { displayName, status, ...(state === 'NotStarted' ? {} : { gateId: `${FLEET}/gates/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d` }) }
    const stages = [{ name: 'ring-1', beforeGates: [gate], groups: [{ name: 'ring-1', members: [member('m-prod', 'NotStarted')] }] }]
    expect(renderReport(report({ runs: [run({}, stages)] }), 'issue')).toMatch(line)
  })

  it.each([
    ['NotStarted', '⏸️'],
    ['Running', '🔄'],
    ['Completed', '✅'],
    ['Skipped', '⏭️']
  ])('renders the wait after a stage that is %s', (state, icon) => {
    const stage = { name: 'ring-0', afterStageWaitStatus: { status: { state }, waitDurationInSeconds: 86_400 }, groups: [] }
    const out = renderReport(report({ runs: [run({ waits: { 'ring-0': 86_400 } }, [stage])] }), 'issue')
    expect(out).toContain(`- Wait after ring-0: 1 day, ${icon} ${state}`)
  })

  it('names a member with its cluster when the two differ', () => {
    const m = {
      ...member('member-1', 'Running'),
      clusterResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod'
    }
    const out = renderReport(report({ runs: [run({}, [{ name: 'ring-0', groups: [{ name: 'ring-0', members: [m] }] }])] }), 'issue')
    expect(out).toContain('| ring-0 | ring-0 | member-1 (aks-shop-prod) | 🔄 Running |')
  })

  it('escapes Fleet messages and shows error codes and operation ids', () => {
    const text = report({
      runs: [
        run({}, [
          {
            name: 'ring-0',
            groups: [
              {
                name: 'ring-0',
                members: [
                  member('m-a', 'Failed', {
                    operationId: '11111111-2222-3333-4444-555555555555',
                    message: 'drain blocked by @platform-team <b>pdb</b>',
                    status: { state: 'Failed', error: { code: 'UpgradeFailed', message: 'PodDrainFailure on node 1' } }
                  }),
                  member('m-b', 'Pending', { message: 'target version "AKSUbuntu-x" is not available in region "australiaeast"' })
                ]
              }
            ]
          }
        ])
      ]
    })
    const out = renderReport(text, 'issue')
    expect(out).not.toContain('@platform-team')
    expect(out).not.toContain('<b>')
    expect(out).toMatch(/\*\*UpgradeFailed\*\*: PodDrainFailure on node 1<br>operation `11111111-2222-3333-4444-555555555555`/)
    expect(out).toContain('not available in region')
  })

  it('offers a retry box for a failed run that the next run reads back as a tick', () => {
    const failed = renderReport(
      report({ runs: [run({ state: 'Failed', retry: true, error: { code: 'UpgradeFailed', message: 'm-a failed' } })] }),
      'issue'
    )
    expect(failed).toContain('❌ Failed')
    const ticked = failed.replace('- [ ] Retry the Fleet update run', '- [x] Retry the Fleet update run')
    expect(parseApprovals(ticked)).toEqual([{ clusterId: `${FLEET}/updateRuns/aup-0123456789abcdef01234567`, minor: 'retry' }])
    // Unticked, or the visible name edited to another run: no retry.
    expect(parseApprovals(failed)).toEqual([])
    expect(parseApprovals(ticked.replace('**aup-0123456789abcdef01234567**', '**aup-other**'))).toEqual([])
    // The job summary cannot be ticked: it points to the dashboard instead.
    const summary = renderReport(report({ runs: [run({ state: 'Failed', retry: true })] }), 'summary')
    expect(summary).not.toContain('- [ ] Retry')
    expect(summary).toContain("a writer's tick of its retry box in the dashboard issue")
  })

  it('marks a run this Action stopped for the window, so the next run resumes it', () => {
    const stopped = renderReport(report({ runs: [run({ state: 'Stopped', stoppedForWindow: true })] }), 'summary')
    expect(stopped).toContain('Stopped by this Action because the maintenance window closed')
    expect(parseWindowStopped(stopped)).toEqual(new Set(['aup-0123456789abcdef01234567']))
    expect(parseWindowStopped(renderReport(report({ runs: [run({ state: 'Stopped' })] }), 'summary'))).toEqual(new Set())
  })

  it('lists what this run did, the runs waiting their turn, clusters left out and notes', () => {
    const out = renderReport(
      report({
        actions: ['Create Fleet update run aup-1: node images through ring-0 → ring-1.'],
        queued: [{ name: 'aup-2', update: 'Kubernetes 1.35.6', clusters: ['dev', 'prod'], why: 'queued behind Fleet update run aup-1' }],
        held: [{ cluster: 'legacy', detail: 'legacy is not a member of fleet platform' }],
        notes: ['Fleet update run other-run was not created by this Action and is Running']
      }),
      'issue'
    )
    expect(out).toContain('- Create Fleet update run aup-1: node images through ring-0 → ring-1.')
    expect(out).toContain('- aup-2: Kubernetes 1.35.6 for 2 clusters, queued behind Fleet update run aup-1')
    expect(out).toContain('- **legacy**: legacy is not a member of fleet platform')
    expect(out).toContain('> Fleet update run other-run was not created by this Action')
  })

  it('shows counts per stage instead of members when the body must shrink', () => {
    const many = Array.from({ length: 900 }, (_, i) =>
      member(`member-with-a-long-name-${String(i).padStart(4, '0')}`, i % 2 === 0 ? 'Completed' : 'NotStarted')
    )
    const big = renderReport(
      report({ runs: [run({}, [{ name: 'ring-0', status: { state: 'Running' }, groups: [{ name: 'ring-0', members: many }] }])] }),
      'issue'
    )
    expect(big.length).toBeLessThanOrEqual(65_536)
    expect(big).toMatch(/- ring-0: 🔄 Running \(450 Completed, 450 NotStarted\)/)
  })
})
