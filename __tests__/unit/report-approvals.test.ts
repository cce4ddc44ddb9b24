import { describe, expect, it } from 'vitest'
import type { PlanEntry, RunReport } from '../../src/model.ts'
import {
  approvalCheckbox,
  approvedCheckbox,
  compareMinors,
  ignoredDashboardNote,
  keptApprovals,
  namesFromId,
  parseApprovals,
  type Approval,
  type ApprovedBox
} from '../../src/approvals.ts'
import { minorOf } from '../../src/plan/kubernetes.ts'
import { renderReport } from '../../src/report/render.ts'
import { buildRows } from '../../src/report/rows.ts'
import { cluster, plan, withMinor } from './planner-fixtures.ts'

const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590'

function entry(name: string, current: string, target: string | null, rg = 'rg-prod'): PlanEntry {
  return {
    clusterId: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    cluster: name,
    resourceGroup: rg,
    subscriptionId: SUB,
    ring: 1,
    pool: null,
    os: null,
    mode: null,
    kubernetesVersion: { current, target },
    nodeImageVersion: null,
    action: 'minor',
    reason: 'awaiting-approval',
    message: `Minor upgrade ${current} → ${target ?? '?'} waits for approval.`,
    warnings: []
  }
}

const tick = (line: string): string => line.replace('- [ ]', '- [x]')

describe('approvalCheckbox → tick → parseApprovals', () => {
  const cases: Array<[string, PlanEntry, string]> = [
    ['a patch target', entry('aks-weu-01', '1.35.6', '1.36.2'), '1.36'],
    ['a minor target', entry('aks-weu-02', '1.35.6', '1.36'), '1.36'],
    ['an LTS version', entry('aks-lts', '1.33.13', '1.34.9'), '1.34'],
    ['a name Markdown would change', entry('aks_prod_1', '1.35.6', '1.36.2', 'rg_(eu)'), '1.36']
  ]
  it.each(cases)('%s', (_name, e, minor) => {
    const line = approvalCheckbox(e)
    expect(line.startsWith('- [ ] ')).toBe(true)
    expect(parseApprovals(line)).toEqual([])
    expect(parseApprovals(tick(line))).toEqual([{ clusterId: e.clusterId, minor }])
  })

  it('accepts an upper-case X, other list markers and CRLF bodies', () => {
    const e = entry('aks-weu-01', '1.35.6', '1.36.2')
    const line = approvalCheckbox(e).replace('- [ ]', '* [X]')
    expect(parseApprovals(`intro\r\n${line}\r\nend`)).toEqual([{ clusterId: e.clusterId, minor: '1.36' }])
  })

  it('renders an approval already given as ticked', () => {
    const e = entry('aks-weu-01', '1.35.6', '1.36.2')
    expect(parseApprovals(approvalCheckbox(e, true))).toEqual([{ clusterId: e.clusterId, minor: '1.36' }])
  })

  it('reports one approval per cluster and minor', () => {
    const line = tick(approvalCheckbox(entry('aks-weu-01', '1.35.6', '1.36.2')))
    expect(parseApprovals(`${line}\n${line}`)).toHaveLength(1)
  })
})

describe('parseApprovals ignores boxes it did not write or that were edited', () => {
  const e = entry('aks-weu-01', '1.35.6', '1.36.2')
  const ticked = tick(approvalCheckbox(e))
  const cases: Array<[string, string]> = [
    ['visible version edited to another minor', ticked.replace('**1.36.2**', '**1.37.1**')],
    ['visible version removed', ticked.replace(' to Kubernetes **1.36.2**', '')],
    ['hidden minor edited', ticked.replace(':1.36 -->', ':1.37 -->')],
    ['visible cluster edited', ticked.replace('**aks-weu-01**', '**aks-weu-02**')],
    ['hidden key removed', ticked.replace(/ <!--.*-->$/, '')],
    ['a hand-written box', '- [x] Approve the minor upgrade of **aks-weu-01** to Kubernetes **1.36.2**'],
    ['a box quoted in a code block', `\`\`\`\n${ticked}\n\`\`\``],
    ['a box in a tilde fence', `~~~md\n${ticked}\n~~~`]
  ]
  it.each(cases)('%s', (_name, body) => {
    expect(parseApprovals(body)).toEqual([])
  })

  it('but reads a box after a closed code block', () => {
    expect(parseApprovals(`\`\`\`\nx\n\`\`\`\n${ticked}`)).toHaveLength(1)
  })
})

describe('approvalCheckbox without a target', () => {
  it('offers no box', () => {
    const line = approvalCheckbox(entry('aks-weu-01', '1.35.6', null))
    expect(line).not.toContain('[ ]')
    expect(parseApprovals(tick(line))).toEqual([])
  })
})

describe('approvalCheckbox escapes what it shows', () => {
  it('keeps a hostile name harmless and the key intact', () => {
    const e = entry('aks-weu-01', '1.35.6', '1.36.2', 'rg-@everyone')
    e.cluster = '<img src=x onerror=alert(1)>'
    const line = approvalCheckbox(e)
    expect(line).not.toMatch(/<img|@everyone/)
    expect(line.match(/<!--/g)).toHaveLength(1)
    expect(line.endsWith('-->')).toBe(true)
  })
})

describe('minorOf', () => {
  const cases: Array<[string | null, string | null]> = [
    ['1.36.2', '1.36'],
    ['1.36', '1.36'],
    ['v1.30.100-akslts', '1.30'],
    ['1.35.6 ', '1.35'],
    ['AKSUbuntu-2204gen2containerd-202607.09.0', null],
    ['', null],
    [null, null]
  ]
  it.each(cases)('%j → %j', (input, expected) => {
    expect(minorOf(input)).toBe(expected)
  })
})

describe('approvedCheckbox: a kept approval reads back as the same approval', () => {
  const ID = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-weu-01`
  const base: ApprovedBox = { clusterId: ID, minor: '1.36', cluster: 'aks-weu-01', resourceGroup: 'rg-prod' }
  const cases: Array<[string, ApprovedBox, string]> = [
    ['the minor alone (cluster not read in this run)', { ...base, ...namesFromId(ID) }, 'to Kubernetes **1.36** — approved, waiting to start <!--'],
    [
      'a target of that minor, who approved and why it waits',
      { ...base, current: '1.35.6', target: '1.36.2', approvedBy: 'alice', waiting: 'outside the maintenance window' },
      'from 1.35.6 to Kubernetes **1.36.2** — approved by alice, waiting to start (outside the maintenance window) <!--'
    ],
    ['a target of another minor shows the approved minor', { ...base, current: '1.35.5', target: '1.35.6' }, 'from 1.35.5 to Kubernetes **1.36** —'],
    ['no resource group known', { ...base, resourceGroup: '' }, 'of **aks-weu-01** to Kubernetes'],
    ['a minor written as a version', { ...base, minor: 'v1.36' }, ':1.36 -->'],
    [
      'a name Markdown would change',
      { ...base, clusterId: ID.replace('aks-weu-01', 'aks_prod_1'), cluster: 'aks_prod_1', resourceGroup: 'rg_(eu)' },
      'of **aks\\_prod\\_1** (rg\\_(eu))'
    ],
    [
      'a hostile approver',
      { ...base, approvedBy: '@everyone <img src=x> #12 | x' },
      'approved by @\u200Deveryone &lt;img src=x&gt; \\#\u200D12 \\| x, waiting'
    ]
  ]
  it.each(cases)('%s', (_name, box, shows) => {
    const line = approvedCheckbox(box)
    expect(line.startsWith('- [x] Approve the minor upgrade of ')).toBe(true)
    expect(line).toContain(shows)
    expect(line.match(/<!--/g)).toHaveLength(1)
    expect(parseApprovals(line)).toEqual([{ clusterId: box.clusterId, minor: '1.36' }])
    // unticked, it approves nothing
    expect(parseApprovals(line.replace('- [x]', '- [ ]'))).toEqual([])
  })
})

describe('namesFromId', () => {
  const cases: Array<[string, { cluster: string; resourceGroup: string }]> = [
    [
      `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-weu-01`,
      { cluster: 'aks-weu-01', resourceGroup: 'rg-prod' }
    ],
    [
      `/subscriptions/${SUB}/resourcegroups/RG-Prod/providers/microsoft.containerservice/managedclusters/AKS-1/`,
      { cluster: 'AKS-1', resourceGroup: 'RG-Prod' }
    ],
    ['not-an-arm-id', { cluster: 'not-an-arm-id', resourceGroup: '' }]
  ]
  it.each(cases)('%s', (id, expected) => {
    expect(namesFromId(id)).toEqual(expected)
  })
})

describe('compareMinors', () => {
  const cases: Array<[string, string, 'lt' | 'eq' | 'gt' | null]> = [
    ['1.36.2', '1.36', 'eq'],
    ['1.36', '1.35', 'gt'],
    ['1.9', '1.10', 'lt'],
    ['2.0', '1.36', 'gt'],
    ['v1.30.100-akslts', '1.30', 'eq'],
    ['AKSUbuntu-2204gen2containerd-202607.09.0', '1.36', null]
  ]
  it.each(cases)('%s vs %s', (a, b, expected) => {
    const c = compareMinors(a, b)
    expect(c === null ? null : c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq').toBe(expected)
  })
})

describe('a tick that does not count', () => {
  const c = cluster('aks-prod')
  const refused: Approval = {
    clusterId: c.id,
    minor: '1.36',
    tickedBy: 'mallory',
    refused:
      'ticked by @mallory, who may not approve: @mallory has triage permission on octo-org/platform, and approving needs write, maintain or admin'
  }
  function report(approvals: Approval[], notes: string[] = []): RunReport {
    const fleet = plan([c], { ...withMinor, minorApproval: 'issue', approvals })
    const r: RunReport = {
      startedAt: '2026-07-20T12:00:00Z',
      timezone: 'UTC',
      dryRun: false,
      upgrade: ['node-image', 'patch', 'minor'],
      reportId: 'AKS upgrades',
      actionVersion: 'test',
      plan: fleet,
      results: [],
      readFailures: [],
      notes,
      window: { inWindow: true },
      approvals
    }
    r.approved = keptApprovals(r, buildRows(r))
    return r
  }

  it('is not acted on: the planner still awaits approval and no approval is kept', () => {
    const r = report([refused])
    expect(r.plan.clusters[0]?.entries.find(e => e.pool === null)?.reason).toBe('awaiting-approval')
    expect(r.approved).toEqual([])
  })

  it.each(['issue', 'summary'] as const)(
    'the %s says who ticked it and why, without a mention, and the issue offers the box again unticked',
    target => {
      const body = renderReport(report([refused]), target)
      expect(body).toContain('**Ticked, but not counted.**')
      expect(body).toContain(
        '- rg-aks-prod/**aks-prod** to 1.36: ticked by @\u200Dmallory, who may not approve: @\u200Dmallory has triage permission'
      )
      expect(body).not.toMatch(/@mallory/)
      expect(parseApprovals(body)).toEqual([])
      if (target === 'issue')
        expect(body).toMatch(
          /^- \[ \] Approve the minor upgrade of \*\*aks-prod\*\* \(rg-aks-prod\) from 1\.35\.6 to Kubernetes \*\*1\.36\.2\*\* <!-- approve:/m
        )
    }
  )

  it('a tick GitHub could not judge yet stays ticked in the issue (the next run reads it back), and is not acted on', () => {
    const unjudged: Approval = { clusterId: c.id, minor: '1.36', refused: 'ticked, but not counted yet: who ticked it is not known', recheck: true }
    const r = report([unjudged])
    expect(r.plan.clusters[0]?.entries.find(e => e.pool === null)?.reason).toBe('awaiting-approval')
    expect(r.approved).toEqual([])
    const issue = renderReport(r, 'issue')
    expect(parseApprovals(issue)).toEqual([{ clusterId: c.id, minor: '1.36' }])
    expect(issue).toContain('- rg-aks-prod/**aks-prod** to 1.36: ticked, but not counted yet: who ticked it is not known.')
    expect(issue).not.toContain('Approved, waiting to start')
  })

  it('a counted approval next to it is kept ticked, and says nothing about refusals', () => {
    const counted: Approval = { clusterId: c.id, minor: '1.36', tickedBy: 'alice', approvedBy: 'alice' }
    const r = report([counted])
    expect(r.approved?.map(a => a.approvedBy)).toEqual(['alice'])
    expect(renderReport(r, 'issue')).not.toContain('Ticked, but not counted')
  })

  it('the note of an ignored look-alike dashboard names the issue without linking it or pinging its author', () => {
    const body = renderReport(report([], [ignoredDashboardNote(12, 'mallory', { ok: true, value: 'read' }, 'octo-org/platform')]), 'issue')
    expect(body).toContain('> ℹ️ Ignored issue \\#\u200D12 by @\u200Dmallory: it carries this report')
    expect(body).not.toMatch(/@mallory|#12/)
  })
})
