import { describe, expect, it } from 'vitest'
import type {
  ClusterPlan,
  EntryAction,
  ErrorInfo,
  Operation,
  OperationKind,
  OperationOutcome,
  OperationResult,
  PlanEntry,
  PoolSnapshot,
  ReasonCode,
  RunReport
} from '../../src/model.ts'
import { ISSUE_BODY_LIMIT, SUMMARY_LIMIT, renderReport } from '../../src/report/render.ts'
import { perRunTitle, renderRunComment } from '../../src/report/comment.ts'
import { hasReportMarker, reportMarker } from '../../src/report/marker.ts'
import { parseApprovals } from '../../src/approvals.ts'

// ---------------------------------------------------------------------------
// Fixture builder: real AKS version strings, real instants (Europe/Berlin, CET = UTC+1).

const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590'
const STARTED = '2026-11-26T20:00:00Z' // Thu 26 Nov 2026, 21:00 CET
const NEXT_WINDOW = '2026-11-28T21:00:00Z' // Sat 28 Nov 2026, 22:00 CET, 49 hours later
const K8S = { from: '1.35.5', to: '1.35.6' }
const IMG = { from: 'AKSUbuntu-2204gen2containerd-202607.02.0', to: 'AKSUbuntu-2204gen2containerd-202607.09.0' }
const WIN_IMG = { from: 'AKSWindows-2022-containerd-20348.5256.260610', to: 'AKSWindows-2022-containerd-20348.5386.260715' }

interface RowSpec {
  /** null = control plane */
  pool: string | null
  reason?: ReasonCode
  action?: EntryAction
  outcome?: OperationOutcome
  error?: ErrorInfo
  holdReason?: string
  holdDetail?: string
  nextWindow?: string
  message?: string
  os?: 'Linux' | 'Windows'
  k8s?: { from: string; to: string | null }
  warnings?: string[]
  provisioningError?: ErrorInfo
}

interface ClusterSpec {
  name: string
  rg?: string
  ring?: number
  location?: string
  rows: RowSpec[]
  warnings?: string[]
  tags?: Record<string, string>
}

function clusterIdOf(rg: string, name: string): string {
  return `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`
}

function opKind(spec: RowSpec, action: EntryAction): OperationKind {
  if (spec.pool === null) return 'control-plane'
  return action === 'node-image' ? 'node-image' : 'pool-version'
}

function buildCluster(spec: ClusterSpec): { plan: ClusterPlan; results: OperationResult[] } {
  const rg = spec.rg ?? 'rg-prod'
  const id = clusterIdOf(rg, spec.name)
  const ring = spec.ring ?? 0
  const entries: PlanEntry[] = []
  const operations: Operation[] = []
  const results: OperationResult[] = []
  const pools: PoolSnapshot[] = []
  for (const r of spec.rows) {
    const windows = r.os === 'Windows'
    const img = windows ? WIN_IMG : IMG
    const action: EntryAction = r.action ?? (r.reason === 'up-to-date' ? 'none' : r.pool === null ? 'patch' : 'node-image')
    const k8s = r.k8s ?? { from: K8S.from, to: r.pool === null && action !== 'none' ? K8S.to : null }
    const imageTarget = r.pool !== null && action === 'node-image' ? img.to : null
    entries.push({
      clusterId: id,
      cluster: spec.name,
      resourceGroup: rg,
      subscriptionId: SUB,
      ring,
      pool: r.pool,
      os: r.pool === null ? null : windows ? 'Windows' : 'Linux',
      mode: r.pool === null ? null : r.pool === 'system' ? 'System' : 'User',
      kubernetesVersion: { current: k8s.from, target: k8s.to },
      nodeImageVersion: r.pool === null ? null : { current: img.from, target: imageTarget ?? (r.reason === 'up-to-date' ? null : img.to) },
      action,
      reason: r.reason ?? (r.outcome ? 'upgrade-due' : 'up-to-date'),
      message: r.message ?? (r.reason === 'up-to-date' || !r.reason ? 'Runs the newest version.' : `Held: ${r.reason}.`),
      warnings: r.warnings ?? []
    })
    if (r.pool !== null) {
      const pool: PoolSnapshot = {
        name: r.pool,
        mode: r.pool === 'system' ? 'System' : 'User',
        osType: windows ? 'Windows' : 'Linux',
        osSku: windows ? 'Windows2022' : 'Ubuntu',
        orchestratorVersion: k8s.from,
        currentOrchestratorVersion: k8s.from,
        nodeImageVersion: img.from,
        latestNodeImageVersion: img.to,
        upgrades: [],
        recentlyUsedVersions: [],
        provisioningState: r.reason === 'failed-state' ? 'Failed' : 'Succeeded',
        powerState: 'Running',
        count: 3,
        maxPods: 30,
        maxSurge: '33%'
      }
      if (r.provisioningError) pool.provisioningError = r.provisioningError
      pools.push(pool)
    }
    if (r.outcome) {
      const kind = opKind(r, action)
      const from = kind === 'node-image' ? img.from : k8s.from
      const to = kind === 'node-image' ? img.to : (k8s.to ?? K8S.to)
      const operation: Operation = {
        key: `${r.pool === null ? id : `${id}/agentPools/${r.pool}`}#${kind}`,
        kind,
        upgradeClass: kind === 'node-image' ? 'node-image' : action === 'minor' ? 'minor' : 'patch',
        clusterId: id,
        from,
        to
      }
      if (r.pool !== null) operation.pool = r.pool
      operations.push(operation)
      const result: OperationResult = { operation, outcome: r.outcome }
      if (['succeeded', 'failed', 'started', 'still-running'].includes(r.outcome)) result.startedAt = '2026-11-26T20:05:00Z'
      if (['succeeded', 'failed'].includes(r.outcome)) result.finishedAt = '2026-11-26T20:47:00Z'
      if (r.error) result.error = r.error
      if (r.holdReason) result.holdReason = r.holdReason
      if (r.holdDetail) result.holdDetail = r.holdDetail
      if (r.nextWindow) result.nextWindow = r.nextWindow
      results.push(result)
    }
  }
  const plan: ClusterPlan = {
    cluster: {
      id,
      subscriptionId: SUB,
      resourceGroup: rg,
      name: spec.name,
      location: spec.location ?? 'westeurope',
      tags: spec.tags ?? {},
      kubernetesVersion: K8S.from,
      currentKubernetesVersion: K8S.from,
      provisioningState: 'Succeeded',
      powerState: 'Running',
      supportPlan: 'KubernetesOfficial',
      upgradeChannel: 'none',
      nodeOSUpgradeChannel: 'None',
      pools
    },
    ring,
    operations,
    entries,
    warnings: spec.warnings ?? []
  }
  return { plan, results }
}

function buildReport(clusters: ClusterSpec[], overrides: Partial<RunReport> = {}): RunReport {
  const built = clusters.map(buildCluster)
  const rings: Record<string, string[]> = {}
  for (const b of built) {
    const ids = rings[String(b.plan.ring)]
    if (ids) ids.push(b.plan.cluster.id)
    else rings[String(b.plan.ring)] = [b.plan.cluster.id]
  }
  return {
    startedAt: STARTED,
    timezone: 'Europe/Berlin',
    dryRun: false,
    upgrade: ['node-image', 'patch'],
    reportId: 'prod-fleet',
    runUrl: 'https://github.com/contoso/platform/actions/runs/12345678901',
    actionVersion: 'v1.4.2',
    plan: { clusters: built.map(b => b.plan), rings },
    results: built.flatMap(b => b.results),
    readFailures: [],
    notes: [],
    window: { inWindow: true, detail: 'inside the maintenance window Thu 21:00-05:00 (Europe/Berlin)' },
    ...overrides
  }
}

const upToDate = (pool: string | null): RowSpec => ({ pool, reason: 'up-to-date', action: 'none' })

/** The body of the section headed `### <title>` (up to the next `### `). */
function section(body: string, title: string): string | null {
  const start = body.split('\n').findIndex(l => l.startsWith('### ') && l.includes(title))
  if (start < 0) return null
  const lines = body.split('\n').slice(start + 1)
  const end = lines.findIndex(l => l.startsWith('### ') || l === '---')
  return lines.slice(0, end < 0 ? undefined : end).join('\n')
}

function headings(body: string): string[] {
  return body
    .split('\n')
    .filter(l => l.startsWith('### '))
    .map(l => l.replace(/^### \S+ /, '').replace(/ \(.*$/, ''))
}

// ---------------------------------------------------------------------------

describe('renderReport: a mixed fleet', () => {
  const report = buildReport([
    {
      name: 'aks-weu-01',
      rows: [
        { pool: null, outcome: 'succeeded' },
        { pool: 'system', outcome: 'succeeded' },
        {
          pool: 'apps',
          outcome: 'failed',
          error: {
            code: 'UpgradeFailed',
            message:
              'Drain node aks-apps-12345678-vmss000002 failed when evicting pod web-7d9f8 failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. PDB debug info: shop/web-7d9f8 blocked by pdb web-pdb with 0 unready pods.'
          }
        },
        { pool: 'batch', outcome: 'skipped', holdReason: 'earlier-operation-failed', holdDetail: 'not started because apps failed' }
      ]
    },
    {
      name: 'aks-weu-02',
      rows: [
        {
          pool: null,
          outcome: 'pending',
          holdReason: 'outside-window',
          holdDetail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)',
          nextWindow: NEXT_WINDOW
        },
        {
          pool: 'system',
          outcome: 'pending',
          holdReason: 'outside-window',
          holdDetail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)',
          nextWindow: NEXT_WINDOW
        },
        {
          pool: 'win',
          os: 'Windows',
          reason: 'node-image-too-new',
          action: 'node-image',
          message: 'The newest image is 2 days old; node-image-min-age-days is 7.'
        }
      ]
    },
    {
      name: 'aks-weu-03',
      rows: [
        { pool: null, reason: 'awaiting-approval', action: 'minor', k8s: { from: '1.35.6', to: '1.36.2' } },
        { pool: 'system', reason: 'stopped', action: 'none', message: 'The pool is stopped.' },
        { pool: 'apps', outcome: 'started' }
      ]
    },
    { name: 'aks-weu-04', rows: [upToDate(null), upToDate('system'), upToDate('apps')] }
  ])

  const issue = renderReport(report, 'issue')
  const summary = renderReport(report, 'summary')

  it('orders sections by urgency', () => {
    expect(headings(issue)).toEqual([
      'Failed',
      'In progress',
      'Upgraded in this run',
      'Pending',
      'Held',
      'Clusters with something to do',
      'Up to date'
    ])
    expect(headings(summary)).toEqual(headings(issue))
  })

  it('starts with one line of counts and the window status', () => {
    const top = issue.split('\n').slice(0, 6).join('\n')
    expect(top).toContain('**1 failed · 1 in progress · 2 upgraded · 4 pending (1 needs approval) · 2 held · 3 up to date**')
    expect(top).toContain('across 4 clusters')
    expect(issue).toContain('🟢 **Maintenance window open:** inside the maintenance window Thu 21:00-05:00 (Europe/Berlin)')
    expect(issue).not.toContain('Dry run')
  })

  const placements: Array<[string, string, string]> = [
    ['Failed', 'aks-weu-01', 'apps'],
    ['In progress', 'aks-weu-03', 'apps'],
    ['Upgraded in this run', 'aks-weu-01', '*control plane*'],
    ['Pending', 'aks-weu-02', 'win'],
    ['Pending', 'aks-weu-02', '*control plane*'],
    ['Held', 'aks-weu-03', 'system'],
    ['Held', 'aks-weu-01', 'batch']
  ]
  it.each(placements)('puts %s: %s/%s there', (title, cluster, pool) => {
    const body = section(summary, title)
    expect(body).not.toBeNull()
    const hit = (body ?? '').split('\n').some(l => l.includes(`**${cluster}**`) && l.includes(pool))
    const block = (body ?? '').includes(`**${cluster}** · pool ${pool}`)
    expect(hit || block).toBe(true)
  })

  it('explains a failure: Azure code and message, cause, fix, inspect command, docs link, skipped pools', () => {
    const failed = section(issue, 'Failed') ?? ''
    expect(failed).toContain('#### rg-prod/**aks-weu-01** · pool apps')
    expect(failed).toContain('**UpgradeFailed**: Drain node aks-apps-12345678-vmss000002 failed')
    expect(failed).toContain('kubectl get pdb -A')
    expect(failed).toContain('undrainableNodeBehavior: Cordon')
    expect(failed).toContain('](https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-poddrainfailure)')
    expect(failed).toContain('**Not started because of this failure:** batch')
    expect(failed).toContain('failed after 42 min')
  })

  it('says why a pending row waits and when the next window opens, in the time zone and relative to the run', () => {
    const pending = section(issue, 'Pending') ?? ''
    expect(pending).toContain(
      '**Outside the maintenance window** — outside the maintenance window Sat 22:00-04:00 (Europe/Berlin) · next window: Sat 28 Nov 2026, 22:00 CET (in 49 hours)'
    )
    expect(pending).toContain('**Bake time: the image is too new**')
    expect(pending).toContain('The newest image is 2 days old; node-image-min-age-days is 7.')
    expect(pending).toContain('node image AKSWindows-2022-containerd-20348.5256.260610 → 20348.5386.260715')
  })

  it('offers an approval checkbox in the issue, a pointer in the summary', () => {
    const boxes = issue.split('\n').filter(l => l.startsWith('- [ ] Approve'))
    expect(boxes).toHaveLength(1)
    expect(boxes[0]).toContain('to Kubernetes **1.36.2**')
    expect(summary).not.toContain('- [ ]')
    expect(section(summary, 'Pending')).toContain('**Needs approval** in the report issue')
  })

  it('collapses up-to-date clusters: a compact list in the issue, tables in the summary', () => {
    const issueUpToDate = section(issue, 'Up to date') ?? ''
    expect(issueUpToDate).toContain('<details>')
    expect(issueUpToDate).toContain('rg-prod/aks-weu-04 1.35.5')
    expect(issueUpToDate).not.toContain('| Pool |')
    const summaryUpToDate = section(summary, 'Up to date') ?? ''
    expect(summaryUpToDate).toContain('| Pool | OS | Kubernetes | Node image | Action | Result |')
    expect(summaryUpToDate).toContain('| *control plane* | — | 1.35.5 | — | — | ✔️ up to date |')
  })

  it('lists each busy cluster in a table, control plane first', () => {
    const clusters = section(summary, 'Clusters with something to do') ?? ''
    const block = clusters.slice(clusters.indexOf('**aks-weu-01**'))
    const rows = block
      .split('\n')
      .filter(l => l.startsWith('| ') && !l.startsWith('| Pool'))
      .slice(0, 4)
    expect(rows.map(r => r.split(' | ')[0])).toEqual(['| *control plane*', '| system', '| apps', '| batch'])
    expect(rows[0]).toContain('1.35.5 → 1.35.6')
    expect(rows[2]).toContain('AKSUbuntu-2204gen2containerd-202607.02.0 → 202607.09.0')
    expect(rows[2]).toContain('❌ failed (UpgradeFailed)')
  })

  it('ends with the run time in the zone, the run link, the version, and (issue only) the marker', () => {
    expect(issue).toContain('Run of Thu 26 Nov 2026, 21:00 CET (Europe/Berlin)')
    expect(issue).toContain('[workflow run](https://github.com/contoso/platform/actions/runs/12345678901)')
    expect(issue).toContain('AKS Upgrade Pilot v1.4.2')
    expect(issue.trimEnd().endsWith(reportMarker('prod-fleet'))).toBe(true)
    expect(hasReportMarker(summary, 'prod-fleet')).toBe(false)
  })
})

describe('renderReport: dry run, rings, warnings, read failures', () => {
  const report = buildReport(
    [
      {
        name: 'aks-dev',
        ring: 0,
        rows: [
          { pool: null, outcome: 'would-start' },
          { pool: 'system', outcome: 'would-start' }
        ]
      },
      {
        name: 'aks-prd',
        ring: 1,
        rows: [upToDate(null), { pool: 'system', reason: 'ring-soaking', action: 'node-image', message: 'Ring 0 runs it for 1 of 3 days.' }],
        warnings: ['The AKS node OS channel NodeImage also upgrades node images on its own schedule.']
      }
    ],
    {
      dryRun: true,
      window: { inWindow: false, nextWindow: NEXT_WINDOW, detail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)' },
      readFailures: [
        {
          scope: `/subscriptions/${SUB}`,
          error: { code: 'AuthorizationFailed', message: 'Pagination failed with unexpected statusCode 403' },
          advice: "Grant 'Microsoft.ContainerService/managedClusters/read' on the subscription."
        }
      ],
      notes: ['patch is not evaluated for clusters with an AKS auto-upgrade channel.']
    }
  )
  const issue = renderReport(report, 'issue')

  it('says it was a dry run and lists what would upgrade instead of what was upgraded', () => {
    expect(issue).toContain('🧪 **Dry run:** nothing was changed')
    expect(headings(issue)).toContain('Would upgrade')
    expect(headings(issue)).not.toContain('Upgraded in this run')
    expect(issue).toContain('2 would upgrade')
  })

  it('puts Could not read near the top, with code and advice', () => {
    const h = headings(issue)
    expect(h[0]).toBe('Could not read')
    const body = section(issue, 'Could not read') ?? ''
    expect(body).toContain('**AuthorizationFailed**')
    expect(body).toContain("Grant 'Microsoft.ContainerService/managedClusters/read' on the subscription.")
  })

  it('shows the closed window with its next opening', () => {
    expect(issue).toContain(
      '🌙 **Maintenance window closed:** outside the maintenance window Sat 22:00-04:00 (Europe/Berlin). Next window: Sat 28 Nov 2026, 22:00 CET (in 49 hours).'
    )
  })

  it('groups clusters by ring, with ring headings and a ring on each row', () => {
    expect(issue).toContain('#### Ring 1')
    expect(issue).toContain('rg-prod/**aks-dev** · ring 0')
    expect(issue).toContain('> ⚠️ The AKS node OS channel NodeImage also upgrades node images on its own schedule.')
    expect(issue).toContain('> ℹ️ patch is not evaluated for clusters with an AKS auto-upgrade channel.')
  })
})

describe('renderReport: hostile names, tags and messages render harmlessly', () => {
  const hostile = '<img src=x onerror=alert(1)> @everyone #1 | --- | *x* [a](http://e) `rm`\nnext line'
  const report = buildReport(
    [
      {
        name: 'aks-<b>bold</b>',
        rg: 'rg-@everyone',
        tags: { ring: hostile },
        warnings: [`Ignored ring tag '${hostile}'.`],
        rows: [
          { pool: null, reason: 'not-selected', action: 'none', message: hostile },
          { pool: '<img src=x onerror=alert(1)>', outcome: 'failed', error: { code: 'Bad|Code @everyone', message: hostile } },
          { pool: 'np@everyone', outcome: 'pending', holdReason: 'outside-window', holdDetail: hostile, nextWindow: NEXT_WINDOW }
        ]
      }
    ],
    { notes: [hostile] }
  )

  const cases: Array<[string, RegExp]> = [
    ['no raw HTML tag from input', /<(img|b)\b/i],
    ['no @mention', /@everyone/],
    ['no #reference', /#\d/],
    ['no markdown link from input', /\[a\]\(http/],
    ['no emphasis from input', /(^|[^\\])\*x\*/]
  ]
  for (const target of ['issue', 'summary'] as const) {
    const body = renderReport(report, target)
    it.each(cases)(`${target}: %s`, (_name, pattern) => {
      expect(body).not.toMatch(pattern)
    })
    it(`${target}: every table row keeps its column count`, () => {
      const lines = body.split('\n')
      let columns = 0
      for (const line of lines) {
        if (!line.startsWith('|')) {
          columns = 0
          continue
        }
        // Count unescaped pipes: an escaped one (\|) stays inside its cell.
        const n = (line.match(/(?<!\\)\|/g) ?? []).length
        if (columns === 0) columns = n
        expect(n).toBe(columns)
      }
    })
    it(`${target}: the text is still there, escaped`, () => {
      expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(body).toContain('@\u200Deveryone')
      expect(body).toContain('\\#\u200D1')
      // the newline inside the input became a space instead of starting a new block
      expect(body).toContain('\\`rm\\` next line')
    })
  }
})

describe('renderReport: an empty fleet', () => {
  it('says no cluster is in scope instead of showing zero counts', () => {
    const issue = renderReport(buildReport([]), 'issue')
    expect(issue).toContain('**No AKS clusters in scope.**')
    expect(headings(issue)).toEqual([])
    expect(hasReportMarker(issue, 'prod-fleet')).toBe(true)
  })
})

describe('renderReport: failures without a run operation', () => {
  it('shows a pool left Failed by an earlier operation with its provisioning error and advice', () => {
    const report = buildReport([
      {
        name: 'aks-weu-05',
        rows: [
          upToDate(null),
          {
            pool: 'apps',
            reason: 'failed-state',
            action: 'none',
            message: 'The pool is in the Failed state; a previous operation failed.',
            provisioningError: {
              code: 'SubnetIsFull',
              message: "Subnet aks-subnet with address prefix 10.240.0.0/24 doesn't have enough capacity for IP addresses."
            }
          }
        ]
      }
    ])
    const failed = section(renderReport(report, 'issue'), 'Failed') ?? ''
    expect(failed).toContain('**SubnetIsFull**')
    expect(failed).toContain('(3 + 1) × (1 + 30) = 124 addresses')
    expect(failed).toContain('error-code-subnetisfull-upgrade')
  })

  it('shows an unknown code and its message unchanged', () => {
    const message = 'Reconcile of the VMSS failed: Code=ResourceOperationFailure Operation ID: 3f7b.'
    const report = buildReport([
      { name: 'aks-weu-06', rows: [{ pool: 'apps', outcome: 'failed', error: { code: 'ResourceOperationFailure', message } }] }
    ])
    const failed = section(renderReport(report, 'issue'), 'Failed') ?? ''
    expect(failed).toContain(`**ResourceOperationFailure**: ${message}`)
    expect(failed).toContain('aks-error-code-page')
  })
})

describe('renderReport: approvals survive a re-render', () => {
  it('keeps an approved minor upgrade that waits for its window ticked, so the next run still finds the approval', () => {
    const report = buildReport([
      {
        name: 'aks-weu-07',
        rows: [
          {
            pool: null,
            action: 'minor',
            k8s: { from: '1.35.6', to: '1.36.2' },
            outcome: 'pending',
            holdReason: 'outside-window',
            nextWindow: NEXT_WINDOW
          }
        ]
      }
    ])
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([{ clusterId: clusterIdOf('rg-prod', 'aks-weu-07'), minor: '1.36' }])
  })
  it('offers an unticked box for an entry awaiting approval, which approves nothing until ticked', () => {
    const report = buildReport([
      { name: 'aks-weu-08', rows: [{ pool: null, reason: 'awaiting-approval', action: 'minor', k8s: { from: '1.35.6', to: '1.36.2' } }] }
    ])
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([])
    expect(parseApprovals(issue.replace('- [ ] Approve', '- [x] Approve'))).toEqual([
      { clusterId: clusterIdOf('rg-prod', 'aks-weu-08'), minor: '1.36' }
    ])
  })
})

// ---------------------------------------------------------------------------
// Size limits

function bigFleet(): RunReport {
  const clusters: ClusterSpec[] = []
  for (let i = 0; i < 500; i++) {
    const name = `aks-fleet-${String(i).padStart(3, '0')}`
    const ring = Math.floor(i / 170)
    const rows: RowSpec[] = []
    if (i % 25 === 0) {
      // 20 failures
      rows.push({ pool: null, outcome: 'succeeded' }, { pool: 'system', outcome: 'succeeded' })
      rows.push({
        pool: 'apps',
        outcome: 'failed',
        error: {
          code: 'QuotaExceeded',
          message: `Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Location: westeurope, Current Limit: 100, Current Usage: 96, Additional Required: 8 (cluster ${i}).`
        }
      })
      rows.push({ pool: 'batch', outcome: 'skipped', holdReason: 'earlier-operation-failed', holdDetail: 'not started because apps failed' })
      rows.push({
        pool: 'win',
        os: 'Windows',
        outcome: 'skipped',
        holdReason: 'earlier-operation-failed',
        holdDetail: 'not started because apps failed'
      })
    } else if (i % 3 === 0) {
      for (const pool of [null, 'system', 'apps', 'batch', 'win']) {
        rows.push({
          pool,
          os: pool === 'win' ? 'Windows' : 'Linux',
          outcome: 'pending',
          holdReason: 'outside-window',
          holdDetail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)',
          nextWindow: NEXT_WINDOW
        })
      }
    } else if (i % 3 === 1) {
      rows.push(
        upToDate(null),
        upToDate('system'),
        { pool: 'apps', reason: 'not-selected', action: 'none', message: 'A newer Kubernetes patch exists, but patch is not in upgrade.' },
        {
          pool: 'batch',
          reason: 'node-image-too-new',
          action: 'node-image',
          message: 'The newest image is 2 days old; node-image-min-age-days is 7.'
        },
        upToDate('win')
      )
    } else {
      rows.push(upToDate(null), upToDate('system'), upToDate('apps'), upToDate('batch'), upToDate('win'))
    }
    clusters.push({ name, ring, rg: `rg-fleet-${String(i % 40).padStart(2, '0')}`, rows })
  }
  return buildReport(clusters)
}

describe('renderReport: 500 clusters × 4 pools', () => {
  const report = bigFleet()
  const issue = renderReport(report, 'issue')
  const summary = renderReport(report, 'summary')

  it("keeps the issue body under GitHub's limit", () => {
    expect(issue.length).toBeLessThan(ISSUE_BODY_LIMIT)
  })

  it('still lists every failure in the issue and keeps the marker', () => {
    const failed = section(issue, 'Failed') ?? ''
    for (let i = 0; i < 500; i += 25) expect(failed).toContain(`**aks-fleet-${String(i).padStart(3, '0')}**`)
    expect(hasReportMarker(issue, 'prod-fleet')).toBe(true)
  })

  it('names what was dropped and points to the job summary', () => {
    const note = issue.split('\n').find(l => l.includes('GitHub limits an issue')) ?? ''
    expect(note).toContain('65,536 characters, so this issue leaves out the list of up-to-date clusters, the per-cluster tables')
    expect(note).toContain('the Pending tables')
    expect(note).toContain('[job summary of this run](https://github.com/contoso/platform/actions/runs/12345678901)')
    // parts that never had to go are not named
    expect(note).not.toContain('In progress')
    expect(note).not.toContain('upgrades')
    expect(issue).toContain('| Ring | Clusters |')
  })

  it('gives back a dropped section that fits once a bigger one is gone (Held is more urgent than Up to date)', () => {
    const held = section(issue, 'Held') ?? ''
    expect(held).toContain('| Cluster | Pool | Reason | Details |')
    expect(issue).not.toContain('the Held table')
  })

  it('keeps every row in the summary, under its limit', () => {
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThan(SUMMARY_LIMIT)
    expect(summary).not.toContain('leaves out')
    const tableRows = summary.split('\n').filter(l => /^\| (\*control plane\*|system|apps|batch|win) \| /.test(l))
    expect(tableRows).toHaveLength(500 * 5)
    for (let i = 0; i < 500; i++) expect(summary).toContain(`**aks-fleet-${String(i).padStart(3, '0')}**`)
  })
})

describe('renderReport: a section too long for the limit keeps its first rows', () => {
  // Three failures with full advice must survive whatever is cut after them.
  const failures: ClusterSpec[] = ['aks-fail-1', 'aks-fail-2', 'aks-fail-3'].map(name => ({
    name,
    rows: [
      {
        pool: 'apps',
        outcome: 'failed',
        error: {
          code: 'UpgradeFailed',
          message: 'Drain node aks-apps-12345678-vmss000002 failed when evicting pod web-7d9f8 failed with Too Many Requests error.'
        }
      }
    ]
  }))
  const POOLS: Array<string | null> = [null, 'system', 'apps', 'batch', 'win']
  function fleet(clusters: number, row: (pool: string | null, i: number) => RowSpec, rg = 'rg-fleet'): ClusterSpec[] {
    return Array.from({ length: clusters }, (_, i) => ({
      name: `aks-${String(i).padStart(4, '0')}`,
      rg: `${rg}-${String(i % 50).padStart(2, '0')}`,
      rows: POOLS.map(pool => row(pool, i))
    }))
  }
  const outside = {
    outcome: 'pending',
    holdReason: 'outside-window',
    holdDetail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)',
    nextWindow: NEXT_WINDOW
  } as const

  interface Case {
    name: string
    report: () => RunReport
    target: 'issue' | 'summary'
    /** Heading of the section that is cut, and how many rows it has. */
    title: string
    total: number
    /** The note at the top names the cut. */
    note: string
  }
  const cases: Case[] = [
    {
      name: '5,000 pools that would upgrade (dry run)',
      report: () => buildReport([...failures, ...fleet(1000, pool => ({ pool, outcome: 'would-start' }))], { dryRun: true }),
      target: 'issue',
      title: 'Would upgrade',
      total: 5000,
      note: 'part of the list of upgrades'
    },
    {
      name: '5,000 pools upgraded',
      report: () => buildReport([...failures, ...fleet(1000, pool => ({ pool, outcome: 'succeeded' }))]),
      target: 'issue',
      title: 'Upgraded in this run',
      total: 5000,
      note: 'part of the list of upgrades'
    },
    {
      name: '2,000 pools in progress',
      report: () => buildReport([...failures, ...fleet(400, pool => ({ pool, outcome: 'started' }))]),
      target: 'issue',
      title: 'In progress',
      total: 2000,
      note: 'part of the In progress table'
    },
    {
      name: '5,000 pools waiting for their window, one approved minor upgrade among them',
      report: () =>
        buildReport([
          ...failures,
          { name: 'aks-minor', rows: [{ pool: null, action: 'minor', k8s: { from: '1.35.6', to: '1.36.2' }, ...outside }] },
          ...fleet(1000, pool => ({ pool, ...outside }))
        ]),
      target: 'issue',
      title: 'Pending',
      total: 5001,
      note: 'part of the Pending tables'
    },
    {
      // Held gives way before the per-cluster tables: it is cut when those fit whole, as
      // here, where each held row carries a long explanation.
      name: '150 pools held, each with a long explanation',
      report: () =>
        buildReport([
          ...failures,
          ...fleet(30, pool => ({
            pool,
            reason: 'stopped',
            action: 'none',
            message: `The pool is stopped. ${'Start it with az aks nodepool start before the next window. '.repeat(10)}`
          }))
        ]),
      target: 'issue',
      title: 'Held',
      total: 150,
      note: 'part of the Held table'
    },
    {
      name: '20,000 pools that would upgrade, in the job summary',
      report: () => buildReport([...failures, ...fleet(4000, pool => ({ pool, outcome: 'would-start' }))], { dryRun: true }),
      target: 'summary',
      title: 'Would upgrade',
      total: 20000,
      note: 'part of the list of upgrades'
    }
  ]

  const limitOf = (target: 'issue' | 'summary'): number => (target === 'issue' ? ISSUE_BODY_LIMIT : SUMMARY_LIMIT)
  const sizeOf = (target: 'issue' | 'summary', s: string): number => (target === 'issue' ? s.length : Buffer.byteLength(s, 'utf8'))
  const moreLine = /^… and ([\d,]+) more(?: clusters?)?(: see the job summary of this run|, left out to stay under GitHub's 1 MiB job summary limit)$/

  describe.each(cases)('$name', ({ report: make, target, title, total, note }) => {
    const report = make()
    const body = renderReport(report, target)
    const full = renderReport(report, 'summary')
    const lines = (section(body, title) ?? '').split('\n')
    const rows = lines.filter(l => l.startsWith('| ') && !l.startsWith('| Cluster |'))
    const more = lines.find(l => l.startsWith('… and ')) ?? ''

    it('stays under the limit and says what it cut', () => {
      expect(sizeOf(target, body)).toBeLessThan(limitOf(target))
      expect(body.split('\n').find(l => l.startsWith('> ✂️')) ?? '').toContain(note)
      expect(hasReportMarker(body, 'prod-fleet')).toBe(target === 'issue')
    })

    it('keeps the first rows, in order, and counts the rest', () => {
      expect(rows.length).toBeGreaterThan(0)
      expect(rows.length).toBeLessThan(total)
      const m = moreLine.exec(more)
      expect(m, more).not.toBeNull()
      expect(Number((m?.[1] ?? '').replace(/,/g, ''))).toBe(total - rows.length)
      expect(m?.[2]).toBe(target === 'issue' ? ': see the job summary of this run' : ", left out to stay under GitHub's 1 MiB job summary limit")
      if (target === 'issue') {
        // the same rows, in the same order, as the job summary that lists them all
        const all = (section(full, title) ?? '').split('\n').filter(l => l.startsWith('| ') && !l.startsWith('| Cluster |'))
        expect(all).toHaveLength(total)
        expect(rows).toEqual(all.slice(0, rows.length))
        // as many as fit: one more row would not (its line, minus a digit of the count)
        const next = all[rows.length] ?? ''
        expect(sizeOf(target, body) + sizeOf(target, next) + 1).toBeGreaterThanOrEqual(limitOf(target) - 2)
      }
    })

    it('keeps every failure whole, with its advice', () => {
      const failed = section(body, 'Failed') ?? ''
      for (const f of failures) expect(failed).toContain(`#### rg-prod/**${f.name}** · pool apps`)
      expect(failed.split('\n').filter(l => l.startsWith('- **Cause:**'))).toHaveLength(failures.length)
      expect(failed.split('\n').filter(l => l.startsWith('- **What to do:**'))).toHaveLength(failures.length)
    })

    it('leaves the tables well formed', () => {
      let columns = 0
      for (const line of body.split('\n')) {
        if (!line.startsWith('|')) {
          columns = 0
          continue
        }
        const n = (line.match(/(?<!\\)\|/g) ?? []).length
        if (columns === 0) columns = n
        expect(n).toBe(columns)
      }
      expect((body.match(/<details/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length)
    })
  })

  it('keeps the tick of an approved minor upgrade when the Pending tables are cut', () => {
    const report = cases.find(c => c.title === 'Pending')?.report() ?? buildReport([])
    const issue = renderReport(report, 'issue')
    expect(issue).toContain('… and ')
    expect(parseApprovals(issue)).toEqual([{ clusterId: clusterIdOf('rg-prod', 'aks-minor'), minor: '1.36' }])
  })

  it('cuts the per-cluster tables of the job summary to whole clusters and keeps the per-ring summary', () => {
    const report = buildReport(
      fleet(1000, pool => ({ pool, outcome: 'would-start' })),
      { dryRun: true }
    )
    const summary = renderReport(report, 'summary')
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThan(SUMMARY_LIMIT)
    // every row that would upgrade is still listed; the cut falls on the per-cluster tables
    expect((section(summary, 'Would upgrade') ?? '').split('\n').filter(l => l.startsWith('| rg-'))).toHaveLength(5000)
    const clusters = section(summary, 'Clusters with something to do') ?? ''
    expect(clusters).toContain('| Ring | Clusters | 🧪 Would upgrade |')
    const shown = clusters.split('\n').filter(l => /^\*\*aks-\d{4}\*\* · /.test(l))
    expect(shown.length).toBeGreaterThan(0)
    expect(shown[0]).toMatch(/^\*\*aks-0000\*\*/)
    expect(shown[shown.length - 1]).toMatch(new RegExp(`^\\*\\*aks-${String(shown.length - 1).padStart(4, '0')}\\*\\*`))
    // each cluster shown whole: a header line and all five pools
    expect(clusters.split('\n').filter(l => /^\| (\*control plane\*|system|apps|batch|win) \| /.test(l))).toHaveLength(shown.length * 5)
    expect(clusters).toContain(
      `… and ${(1000 - shown.length).toLocaleString('en-US')} more clusters, left out to stay under GitHub's 1 MiB job summary limit`
    )
    expect(summary).toContain('this summary leaves out part of the per-cluster tables (a summary per ring remains)')
  })

  it('prefers the whole list of up-to-date clusters in the job summary to the first of their tables', () => {
    const report = buildReport(fleet(3000, pool => upToDate(pool), 'rg-platform-shared-services-westeurope'))
    const summary = renderReport(report, 'summary')
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThan(SUMMARY_LIMIT)
    const list = (section(summary, 'Up to date') ?? '').split('\n').find(l => l.startsWith('- ')) ?? ''
    expect(list.slice(2).split(', ')).toHaveLength(3000)
    expect(summary).not.toContain('… and ')
    expect(summary).toContain('this summary leaves out the tables of up-to-date clusters.')
  })

  it('cuts the list of up-to-date clusters to the first names that fit', () => {
    const report = buildReport(fleet(4000, pool => upToDate(pool), 'rg-platform-shared-services-westeurope'))
    const issue = renderReport(report, 'issue')
    expect(issue.length).toBeLessThan(ISSUE_BODY_LIMIT)
    const upToDateSection = section(issue, 'Up to date') ?? ''
    const list = upToDateSection.split('\n').find(l => l.startsWith('- ')) ?? ''
    const names = list.slice(2).split(', ')
    expect(names.length).toBeGreaterThan(100)
    expect(names[0]).toBe('rg-platform-shared-services-westeurope-00/aks-0000 1.35.5')
    expect(names[names.length - 1]).toBe(
      `rg-platform-shared-services-westeurope-${String((names.length - 1) % 50).padStart(2, '0')}/aks-${String(names.length - 1).padStart(4, '0')} 1.35.5`
    )
    expect(upToDateSection).toContain(`… and ${(4000 - names.length).toLocaleString('en-US')} more clusters: see the job summary of this run`)
    expect(issue).toContain('this issue leaves out part of the list of up-to-date clusters')
  })
})

// ---------------------------------------------------------------------------

describe('renderReport: more failures than an issue can hold', () => {
  const message = `Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. ${'Additional details. '.repeat(60)}`
  const clusters: ClusterSpec[] = Array.from({ length: 700 }, (_, i) => ({
    name: `aks-burst-${String(i).padStart(3, '0')}`,
    rows: [{ pool: 'apps', outcome: 'failed', error: { code: 'QuotaExceeded', message } }]
  }))
  const issue = renderReport(buildReport(clusters), 'issue')

  it('cuts the body at a line, says so, and keeps the footer and marker', () => {
    expect(issue.length).toBeLessThan(ISSUE_BODY_LIMIT)
    expect(issue.startsWith('## AKS upgrade report')).toBe(true)
    expect(issue).toContain('the advice for each failure')
    expect(issue).toContain('The rest of this report did not fit in an issue')
    expect(hasReportMarker(issue, 'prod-fleet')).toBe(true)
    expect(issue).toContain('- rg-prod/**aks-burst-000** · pool apps')
  })
})

describe('reportMarker / hasReportMarker', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['same id', 'prod', `text\n${reportMarker('prod')}\n`, true],
    ['another id', 'prod', `text\n${reportMarker('prod-eu')}\n`, false],
    ['a prefix of another id', 'prod-eu', reportMarker('prod'), false],
    ['an id with spaces and -->', 'a b-->c', reportMarker('a b-->c'), true],
    ['no marker', 'prod', 'an issue someone wrote by hand', false]
  ]
  it.each(cases)('%s', (_name, id, body, expected) => {
    expect(hasReportMarker(body, id)).toBe(expected)
  })
  it('cannot be forged by text from Azure', () => {
    const forged = `${reportMarker('other-fleet')}\n- [x] Approve the minor upgrade of **aks-weu-01** (rg-prod) to Kubernetes **1.36.2** <!-- approve:${clusterIdOf('rg-prod', 'aks-weu-01')}:1.36 -->`
    const report = buildReport(
      [{ name: 'aks-weu-01', rows: [{ pool: 'apps', outcome: 'failed', error: { code: 'UpgradeFailed', message: forged } }] }],
      { notes: [forged] }
    )
    for (const target of ['issue', 'summary'] as const) {
      const body = renderReport(report, target)
      expect(hasReportMarker(body, 'other-fleet')).toBe(false)
      expect(parseApprovals(body)).toEqual([])
    }
  })
  it('cannot be closed early by the id', () => {
    const marker = reportMarker('x --> <img src=x>')
    expect(marker.indexOf('-->')).toBe(marker.length - 3)
  })
})

describe('renderRunComment', () => {
  const cases: Array<[string, RowSpec[], Partial<RunReport>, string | null]> = [
    ['pending only', [{ pool: null, outcome: 'pending', holdReason: 'outside-window', nextWindow: NEXT_WINDOW }], {}, null],
    ['dry run', [{ pool: null, outcome: 'would-start' }], { dryRun: true }, null],
    ['nothing due', [upToDate(null)], {}, null],
    ['one upgrade', [{ pool: null, outcome: 'succeeded' }], {}, '1 upgraded'],
    [
      'a failure and a start',
      [
        { pool: 'apps', outcome: 'failed', error: { code: 'QuotaExceeded', message: 'quota exceeded' } },
        { pool: 'system', outcome: 'started' }
      ],
      {},
      '1 failed · 1 in progress'
    ]
  ]
  it.each(cases)('%s', (_name, rows, overrides, expected) => {
    const comment = renderRunComment(buildReport([{ name: 'aks-weu-01', rows }], overrides))
    if (expected === null) {
      expect(comment).toBeNull()
    } else {
      expect(comment).toContain(`**Run of Thu 26 Nov 2026, 21:00 CET:** ${expected}.`)
      expect(comment).toContain('[Workflow run](https://github.com/contoso/platform/actions/runs/12345678901)')
    }
  })
  it('caps the list', () => {
    const rows: RowSpec[] = Array.from({ length: 14 }, (_, i) => ({ pool: `np${i}`, outcome: 'succeeded' }))
    const comment = renderRunComment(buildReport([{ name: 'aks-weu-01', rows }])) ?? ''
    expect(comment.split('\n').filter(l => l.startsWith('- ✅'))).toHaveLength(10)
    expect(comment).toContain('…and 4 more')
  })
})

describe('perRunTitle', () => {
  const cases: Array<[string, RowSpec[], Partial<RunReport>, string]> = [
    [
      'upgrades and a failure',
      [
        { pool: null, outcome: 'succeeded' },
        { pool: 'system', outcome: 'succeeded' },
        { pool: 'a', outcome: 'succeeded' },
        { pool: 'b', outcome: 'failed' }
      ],
      {},
      'AKS upgrades — 2026-11-26 (3 upgraded, 1 failed)'
    ],
    ['nothing to do', [upToDate(null)], {}, 'AKS upgrades — 2026-11-26 (nothing to do)'],
    ['dry run', [{ pool: null, outcome: 'would-start' }], { dryRun: true }, 'AKS upgrades — 2026-11-26 (dry run, 1 would upgrade)'],
    // 23:30 UTC is already the next day in Berlin
    ['date in the report zone', [upToDate(null)], { startedAt: '2026-11-26T23:30:00Z' }, 'AKS upgrades — 2026-11-27 (nothing to do)']
  ]
  it.each(cases)('%s', (_name, rows, overrides, expected) => {
    expect(perRunTitle('AKS upgrades', buildReport([{ name: 'aks-weu-01', rows }], overrides))).toBe(expected)
  })
})

// ---------------------------------------------------------------------------

describe('renderReport: a ticked approval stays until its minor upgrade has happened', () => {
  const ID = clusterIdOf('rg-prod', 'aks-weu-07')
  const approvals = [{ clusterId: ID, minor: '1.36', approvedBy: 'alice' }]
  const MINOR = { from: '1.35.6', to: '1.36.2' }
  const cp = (spec: Omit<RowSpec, 'pool'>): RowSpec => ({ pool: null, k8s: MINOR, ...spec })
  const apps = (spec: Omit<RowSpec, 'pool'>): RowSpec => ({ pool: 'apps', k8s: { from: '1.35.6', to: null }, ...spec })
  const keyLines = (body: string): string[] => body.split('\n').filter(l => l.includes('<!-- approve:'))

  /** The cluster's rows (null: the cluster is not in the plan), and the reason the box names. */
  const held: Array<[string, RowSpec[] | null, Partial<RunReport>, string]> = [
    [
      'the cluster is busy with another operation',
      [cp({ reason: 'operation-in-progress', action: 'none', k8s: { from: '1.35.6', to: null } })],
      {},
      'AKS is busy with another operation'
    ],
    ['the previous ring does not run 1.36 yet', [cp({ reason: 'ring-waiting', action: 'minor' })], {}, 'previous ring does not run it yet'],
    ['an earlier ring failed', [cp({ reason: 'ring-halted', action: 'minor' })], {}, 'ring halted: an earlier ring failed'],
    [
      'an earlier operation on the cluster failed',
      [
        cp({ action: 'minor', outcome: 'skipped', holdReason: 'earlier-operation-failed' }),
        apps({ action: 'patch', outcome: 'failed', error: { code: 'PodDrainFailure', message: 'drain blocked' } })
      ],
      {},
      'not started: an earlier operation on the cluster failed'
    ],
    [
      'the minor upgrade itself failed',
      [cp({ action: 'minor', outcome: 'failed', error: { code: 'QuotaExceeded', message: 'quota' } })],
      {},
      'the last attempt failed'
    ],
    ['a pool was left Failed', [cp({ reason: 'failed-state', action: 'none' })], {}, 'left in the Failed state by an earlier operation'],
    ['the minor upgrade is still running (wait timed out)', [cp({ action: 'minor', outcome: 'still-running' })], {}, 'its upgrade is still running'],
    ['the minor upgrade was started, not waited on', [cp({ action: 'minor', outcome: 'started' })], {}, 'its upgrade is still running'],
    ['skew rules hold it', [cp({ reason: 'skew-violation', action: 'none' })], {}, 'version skew rules'],
    [
      'outside the maintenance window',
      [cp({ action: 'minor', outcome: 'pending', holdReason: 'outside-window', nextWindow: NEXT_WINDOW })],
      {},
      'outside the maintenance window'
    ],
    ['a dry run', [cp({ action: 'minor', outcome: 'would-start' })], { dryRun: true }, 'dry run'],
    [
      'a patch upgrade came first in this run',
      [cp({ action: 'patch', k8s: { from: '1.35.5', to: '1.35.6' }, outcome: 'succeeded' })],
      {},
      'a patch upgrade came first'
    ],
    [
      'sign-in failed: the plan is empty',
      null,
      { notes: ['Azure sign-in failed: AADSTS700213: No matching federated identity record found for presented assertion subject.'] },
      'the cluster was not planned in this run'
    ]
  ]

  it.each(held)('%s: the issue keeps it ticked, names who approved and why it waits', (_name, rows, overrides, waiting) => {
    const report = buildReport(rows ? [{ name: 'aks-weu-07', rows }] : [], { ...overrides, approvals })
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([{ clusterId: ID, minor: '1.36' }])
    const lines = keyLines(issue)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^- \[x\] Approve the minor upgrade of \*\*aks-weu-07\*\* \(rg-prod\) /)
    expect(lines[0]).toContain(`approved by alice, waiting to start (${waiting})`)
    expect(section(issue, 'Pending')).toContain('**Approved, waiting to start.** Untick to withdraw the approval:')
    // the job summary says the same, without a box to tick
    const summary = renderReport(report, 'summary')
    expect(parseApprovals(summary)).toEqual([])
    expect(summary).toContain(`**aks-weu-07**: Kubernetes`)
    expect(summary).toContain(`approved by alice (${waiting})`)
  })

  /** The cluster's rows and the version its control plane runs at the start of the run. */
  const done: Array<[string, RowSpec[], string]> = [
    ['the minor upgrade succeeded in this run', [cp({ action: 'minor', outcome: 'succeeded' })], '1.35.6'],
    [
      'the control plane made it, its pools wait for the window',
      [
        cp({ action: 'minor', outcome: 'succeeded' }),
        { pool: 'system', action: 'minor', k8s: MINOR, outcome: 'pending', holdReason: 'outside-window', nextWindow: NEXT_WINDOW }
      ],
      '1.35.6'
    ],
    ['the control plane already runs 1.36', [cp({ reason: 'up-to-date', action: 'none', k8s: { from: '1.36.2', to: null } })], '1.36.2'],
    ['the control plane runs a newer minor', [cp({ reason: 'up-to-date', action: 'none', k8s: { from: '1.37.1', to: null } })], '1.37.1']
  ]

  it.each(done)('%s: the box is gone', (_name, rows, runs) => {
    const report = buildReport([{ name: 'aks-weu-07', rows }], { approvals })
    const cluster = report.plan.clusters[0]?.cluster
    if (cluster) cluster.currentKubernetesVersion = runs
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([])
    expect(keyLines(issue)).toEqual([])
    expect(renderReport(report, 'summary')).not.toContain('approved by alice')
  })

  const duplicates: Array<[string, RowSpec[], Array<{ clusterId: string; minor: string; approvedBy?: string }>]> = [
    [
      'the same approval twice, the id in another case',
      [cp({ reason: 'ring-waiting', action: 'minor' })],
      [...approvals, { clusterId: ID.toLowerCase(), minor: '1.36' }]
    ],
    [
      'an approval and the approved upgrade waiting for its window',
      [cp({ action: 'minor', outcome: 'pending', holdReason: 'outside-window' })],
      approvals
    ],
    [
      'an approval and its control plane and pools waiting',
      [
        cp({ action: 'minor', outcome: 'pending', holdReason: 'outside-window' }),
        { pool: 'system', action: 'minor', k8s: MINOR, outcome: 'pending', holdReason: 'outside-window' }
      ],
      approvals
    ],
    ['an approval and an entry asking for it', [cp({ reason: 'awaiting-approval', action: 'minor' })], approvals]
  ]

  it.each(duplicates)('%s: one ticked box, none unticked', (_name, rows, given) => {
    const issue = renderReport(buildReport([{ name: 'aks-weu-07', rows }], { approvals: given }), 'issue')
    expect(parseApprovals(issue)).toEqual([{ clusterId: ID, minor: '1.36' }])
    expect(keyLines(issue)).toHaveLength(1)
    expect(issue).not.toContain('- [ ]')
  })

  it('keeps approvals of several clusters, and offers a box to the one still asking', () => {
    const report = buildReport(
      [
        { name: 'aks-weu-07', rows: [cp({ reason: 'ring-waiting', action: 'minor' })] },
        { name: 'aks-weu-08', rg: 'rg-dev', rows: [cp({ reason: 'operation-in-progress', action: 'none' })] },
        { name: 'aks-weu-09', rows: [cp({ reason: 'awaiting-approval', action: 'minor' })] }
      ],
      { approvals: [...approvals, { clusterId: clusterIdOf('rg-dev', 'aks-weu-08'), minor: '1.36' }] }
    )
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([
      { clusterId: ID, minor: '1.36' },
      { clusterId: clusterIdOf('rg-dev', 'aks-weu-08'), minor: '1.36' }
    ])
    expect(parseApprovals(issue.replace('- [ ]', '- [x]'))).toContainEqual({ clusterId: clusterIdOf('rg-prod', 'aks-weu-09'), minor: '1.36' })
  })

  it('without report.approvals, still keeps an approved upgrade that waits ticked, and nothing else', () => {
    const report = buildReport([
      { name: 'aks-weu-07', rows: [cp({ action: 'minor', outcome: 'pending', holdReason: 'outside-window' })] },
      { name: 'aks-weu-08', rows: [cp({ reason: 'ring-waiting', action: 'minor' })] }
    ])
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([{ clusterId: ID, minor: '1.36' }])
    expect(keyLines(issue)[0]).toContain('— approved, waiting to start (outside the maintenance window)')
  })

  it('shows a hostile approver harmlessly, and the box still reads back', () => {
    const report = buildReport([{ name: 'aks-weu-07', rows: [cp({ reason: 'ring-waiting', action: 'minor' })] }], {
      approvals: [{ clusterId: ID, minor: '1.36', approvedBy: '@everyone <img src=x onerror=alert(1)> #1' }]
    })
    const issue = renderReport(report, 'issue')
    expect(parseApprovals(issue)).toEqual([{ clusterId: ID, minor: '1.36' }])
    const line = keyLines(issue)[0] ?? ''
    expect(line).not.toMatch(/@everyone|<img|#1/)
    expect(line.match(/<!--/g)).toHaveLength(1)
  })

  describe('no cut withdraws an approval', () => {
    const busy: ClusterSpec = { name: 'aks-weu-07', rows: [cp({ reason: 'operation-in-progress', action: 'none' })] }
    const outside = {
      outcome: 'pending',
      holdReason: 'outside-window',
      holdDetail: 'outside the maintenance window Sat 22:00-04:00 (Europe/Berlin)',
      nextWindow: NEXT_WINDOW
    } as const
    const many = (n: number, row: (pool: string | null) => RowSpec, prefix = 'aks'): ClusterSpec[] =>
      Array.from({ length: n }, (_, i) => ({
        name: `${prefix}-${String(i).padStart(4, '0')}`,
        rows: [null, 'system', 'apps', 'batch', 'win'].map(row)
      }))
    const quota = `Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. ${'Additional details. '.repeat(60)}`
    const cases: Array<[string, () => RunReport, string]> = [
      [
        'the Pending tables are cut to their first rows',
        () => buildReport([busy, ...many(1000, pool => ({ pool, ...outside }))], { approvals }),
        'part of the Pending tables'
      ],
      [
        'Pending is summarised to counts (a cut In progress table takes the room)',
        () =>
          buildReport(
            [busy, ...many(500, pool => ({ pool, ...outside }), 'aks-wait'), ...many(2000, pool => ({ pool, outcome: 'started' }), 'aks-busy')],
            { approvals }
          ),
        'the Pending tables (counts per reason remain)'
      ],
      [
        'failures alone overflow the issue and the body is cut at a line',
        () =>
          buildReport(
            Array.from({ length: 700 }, (_, i) => ({
              name: `aks-burst-${String(i).padStart(3, '0')}`,
              rows: [{ pool: 'apps', outcome: 'failed', error: { code: 'QuotaExceeded', message: quota } }]
            })),
            { approvals }
          ),
        'The rest of this report did not fit in an issue'
      ]
    ]
    it.each(cases)('%s', (_name, make, note) => {
      const issue = renderReport(make(), 'issue')
      expect(issue.length).toBeLessThan(ISSUE_BODY_LIMIT)
      expect(issue).toContain(note)
      expect(parseApprovals(issue)).toEqual([{ clusterId: ID, minor: '1.36' }])
      expect(keyLines(issue)).toHaveLength(1)
      expect(hasReportMarker(issue, 'prod-fleet')).toBe(true)
    })
  })
})
