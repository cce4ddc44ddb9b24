// The report issue and the job summary, rendered by one pure function from the run's
// results. Sections run from most to least urgent, so an operator reads what failed and
// what waits for them first; the issue drops the least urgent detail when GitHub's size
// limit would be exceeded, and says so.
import type { ClusterPlan, ErrorInfo, OperationResult, PlanEntry, ReadFailure, ReasonCode, RunReport } from '../model.js'
import { approvalCheckbox, minorOf } from './approvals.js'
import { clip, codeSpan, escapeCell, escapeText, link, renderMarked } from './escape.js'
import { explainFailedState, explainFailure, type FailureAdvice, type FailureLocation } from './failures.js'
import { formatDate, formatDuration, formatInstant, formatRelative, plural, shortTarget, zoneName } from './format.js'
import { buildRows, countRows, type ClusterRows, type Counts, type ReportRows, type Row, type RowStatus } from './rows.js'

export type ReportTarget = 'issue' | 'summary'

/** GitHub's limit on an issue body (characters). */
export const ISSUE_BODY_LIMIT = 65_536
/** Job summary limit (bytes); stay under it. */
export const SUMMARY_LIMIT = 1_048_576

const MARKER_PREFIX = '<!-- aks-upgrade-pilot:report-id='

/** Hidden marker that identifies one dashboard: `<!-- aks-upgrade-pilot:report-id=<encoded id> -->`. */
export function reportMarker(reportId: string): string {
  return `${MARKER_PREFIX}${encodeURIComponent(reportId)} -->`
}

export function hasReportMarker(body: string, reportId: string): boolean {
  return body.includes(reportMarker(reportId))
}

// ---------------------------------------------------------------------------
// Level of detail. The issue starts detailed and steps down until it fits.

interface Detail {
  failures: 'full' | 'compact'
  readFailures: 'table' | 'counts'
  inProgress: 'table' | 'counts'
  done: 'table' | 'counts'
  pending: 'table' | 'counts'
  held: 'table' | 'counts'
  clusters: 'tables' | 'rings'
  upToDate: 'tables' | 'list' | 'counts'
  /** Longest Azure message or sentence shown, in characters. */
  textLimit: number
}

const SUMMARY_DETAIL: Detail = {
  failures: 'full',
  readFailures: 'table',
  inProgress: 'table',
  done: 'table',
  pending: 'table',
  held: 'table',
  clusters: 'tables',
  upToDate: 'tables',
  textLimit: 4000
}

const ISSUE_DETAIL: Detail = { ...SUMMARY_DETAIL, upToDate: 'list', textLimit: 1500 }

interface Step {
  change: Partial<Detail>
  /** What the reader no longer finds here, for the note. */
  dropped: string
}

const ISSUE_STEPS: Step[] = [
  { change: { upToDate: 'counts' }, dropped: 'the list of up-to-date clusters' },
  { change: { held: 'counts' }, dropped: 'the Held table' },
  { change: { clusters: 'rings' }, dropped: 'the per-cluster tables (a summary per ring remains)' },
  { change: { pending: 'counts' }, dropped: 'the Pending tables (counts per reason remain)' },
  { change: { done: 'counts' }, dropped: 'the list of upgrades' },
  { change: { inProgress: 'counts' }, dropped: 'the In progress table' },
  { change: { readFailures: 'counts' }, dropped: 'the Could not read table' },
  { change: { textLimit: 300 }, dropped: 'the end of long Azure messages' },
  { change: { failures: 'compact' }, dropped: 'the advice for each failure' }
]

const SUMMARY_STEPS: Step[] = [
  { change: { upToDate: 'list' }, dropped: 'the tables of up-to-date clusters' },
  { change: { upToDate: 'counts' }, dropped: 'the list of up-to-date clusters' },
  { change: { clusters: 'rings' }, dropped: 'the per-cluster tables (a summary per ring remains)' }
]

interface Ctx {
  report: RunReport
  target: ReportTarget
  rows: ReportRows
  counts: Counts
  multiRing: boolean
  detail: Detail
  /** Rows by lower-cased cluster id. */
  byCluster: Map<string, Row[]>
}

// ---------------------------------------------------------------------------
// Labels

const RESULT_HOLD_LABELS: Record<string, string> = {
  'outside-window': 'Outside the maintenance window',
  blackout: 'Blackout period',
  'window-ending': 'Too little of the window left',
  'no-cluster-schedule': 'No maintenance schedule on the cluster',
  'wait-timeout': 'Run time used up (wait-timeout-minutes)',
  'operation-running': 'Waits for the operation running on the cluster',
  'earlier-operation-failed': 'Not started: an earlier operation on the cluster failed',
  'ring-halted': 'Ring halted: an earlier ring failed',
  'start-refused': 'Azure refused to start it'
}

const WINDOW_HOLDS = new Set(['outside-window', 'blackout', 'window-ending', 'no-cluster-schedule'])

const REASON_LABELS: Record<ReasonCode, string> = {
  'upgrade-due': 'Due, not started in this run',
  'up-to-date': 'Up to date',
  'not-selected': 'Kind not selected in the upgrade input',
  'operation-in-progress': 'AKS is busy with another operation',
  'failed-state': 'Left in the Failed state by an earlier operation',
  stopped: 'Stopped',
  'preview-only': 'Only preview versions are newer',
  'skew-violation': 'Version skew rules',
  'aks-auto-upgrade-channel': 'AKS auto-upgrade channel owns it',
  'node-image-too-new': 'Bake time: the image is too new',
  'covered-by-version-upgrade': 'Comes with the version upgrade',
  'waiting-for-control-plane': 'Waits for the control plane',
  'awaiting-approval': 'Needs approval',
  'lts-rules': 'LTS rules',
  'ring-waiting': 'Previous ring does not run it yet',
  'ring-soaking': 'Previous ring is still soaking it',
  'ring-halted': 'Ring halted: an earlier ring failed',
  'no-image-info': 'No node image information',
  'read-failed': 'Could not be read'
}

function holdLabel(row: Row): string {
  const r = row.result
  if (r && (r.outcome === 'pending' || r.outcome === 'skipped')) {
    const reason = r.holdReason ?? ''
    return RESULT_HOLD_LABELS[reason] ?? (reason || (r.outcome === 'pending' ? 'Pending' : 'Skipped'))
  }
  return row.entry ? REASON_LABELS[row.entry.reason] : 'Held'
}

// ---------------------------------------------------------------------------
// Cells

function t(ctx: Ctx, s: string): string {
  return escapeText(clip(s, ctx.detail.textLimit))
}

function tc(ctx: Ctx, s: string): string {
  return escapeCell(clip(s, ctx.detail.textLimit))
}

function clusterCell(ctx: Ctx, row: Row): string {
  const ring = ctx.multiRing ? ` · ring ${row.ring}` : ''
  return `${escapeCell(row.resourceGroup)}/**${escapeCell(row.cluster)}**${ring}`
}

function poolCell(row: Row): string {
  return row.pool === null ? '*control plane*' : escapeCell(row.pool)
}

function versionChange(kind: 'node image' | 'Kubernetes', from: string | null | undefined, to: string): string {
  const shown = kind === 'node image' ? shortTarget(from, to) : to
  return `${kind} ${escapeText(from ?? '?')} → ${escapeText(shown)}`
}

function changeOf(row: Row): string {
  const op = row.result?.operation
  if (op) return versionChange(op.kind === 'node-image' ? 'node image' : 'Kubernetes', op.from, op.to)
  const e = row.entry
  if (!e) return '—'
  const k = e.kubernetesVersion
  const n = e.nodeImageVersion
  const imageChange = n?.target && n.target !== n.current ? n : null
  const versionDiff = k.target && k.target !== k.current ? k : null
  if (imageChange?.target && (e.action === 'node-image' || !versionDiff)) return versionChange('node image', imageChange.current, imageChange.target)
  if (versionDiff?.target) return versionChange('Kubernetes', versionDiff.current, versionDiff.target)
  return '—'
}

function when(ctx: Ctx, iso: string | undefined): string {
  return iso ? escapeText(formatInstant(iso, ctx.report.timezone)) : '—'
}

function nextWindowText(ctx: Ctx, iso: string): string {
  const rel = formatRelative(iso, ctx.report.startedAt)
  return `${escapeText(formatInstant(iso, ctx.report.timezone))}${rel ? ` (${rel})` : ''}`
}

function statusCell(ctx: Ctx, row: Row): string {
  switch (row.status) {
    case 'failed':
      return row.result?.error ? `❌ failed (${escapeCell(row.result.error.code)})` : '❌ failed'
    case 'in-progress':
      return '🔄 in progress'
    case 'upgraded':
      return '✅ upgraded'
    case 'would-upgrade':
      return '🧪 would upgrade'
    case 'pending':
      return `⏳ ${escapeCell(holdLabel(row).toLowerCase())}`
    case 'held':
      return `✋ ${escapeCell(holdLabel(row).toLowerCase())}`
    case 'up-to-date':
      return ctx.target === 'issue' ? '✔️' : '✔️ up to date'
  }
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.join(' | ')} |`)]
}

function portalUrl(clusterId: string): string | undefined {
  if (!/^\/subscriptions\/[^\s]+$/i.test(clusterId)) return undefined
  return `https://portal.azure.com/#resource${clusterId}`
}

// ---------------------------------------------------------------------------
// Header

function countsLine(c: Counts, dryRun: boolean): string {
  if (c.clusters === 0 && c.readFailures === 0) return '**No AKS clusters in scope.** Check the cluster list or discovery inputs.'
  const parts: string[] = []
  if (c.failed) parts.push(`${c.failed.toLocaleString('en-US')} failed`)
  if (c.readFailures) parts.push(`${c.readFailures.toLocaleString('en-US')} could not be read`)
  if (c.inProgress) parts.push(`${c.inProgress.toLocaleString('en-US')} in progress`)
  if (c.upgraded) parts.push(`${c.upgraded.toLocaleString('en-US')} upgraded`)
  if (c.wouldUpgrade || dryRun) parts.push(`${c.wouldUpgrade.toLocaleString('en-US')} would upgrade`)
  if (c.pending) {
    const approval = c.awaitingApproval ? ` (${c.awaitingApproval.toLocaleString('en-US')} ${c.awaitingApproval === 1 ? 'needs' : 'need'} approval)` : ''
    parts.push(`${c.pending.toLocaleString('en-US')} pending${approval}`)
  }
  if (c.held) parts.push(`${c.held.toLocaleString('en-US')} held`)
  parts.push(`${c.upToDate.toLocaleString('en-US')} up to date`)
  return `**${parts.join(' · ')}** — pools and control planes across ${plural(c.clusters, 'cluster')}`
}

function windowLine(ctx: Ctx): string {
  const w = ctx.report.window
  const detail = w.detail ? ` ${t(ctx, w.detail)}` : ''
  if (w.inWindow) return `🟢 **Maintenance window open:**${detail || ' upgrades may start.'}`
  const next = w.nextWindow ? ` Next window: ${nextWindowText(ctx, w.nextWindow)}.` : ''
  return `🌙 **Maintenance window closed:**${detail || ' nothing starts now.'}${detail ? '.' : ''}${next}`
}

function header(ctx: Ctx, dropped: string[]): string[] {
  const { report } = ctx
  const lines = ['## AKS upgrade report', '', countsLine(ctx.counts, report.dryRun), '']
  if (report.dryRun) lines.push('🧪 **Dry run:** nothing was changed; *Would upgrade* lists what a real run would start.', '')
  lines.push(windowLine(ctx), '')
  for (const note of report.notes) lines.push(`> ℹ️ ${t(ctx, note)}`, '')
  if (dropped.length > 0 && ctx.target === 'issue') {
    const where = report.runUrl ? link('job summary of this run', report.runUrl) : 'job summary of this run'
    lines.push(
      `> ✂️ GitHub limits an issue to ${ISSUE_BODY_LIMIT.toLocaleString('en-US')} characters, so this issue leaves out ${listing(dropped)}. The ${where} has everything.`,
      ''
    )
  } else if (dropped.length > 0) {
    lines.push(`> ✂️ To stay under GitHub's 1 MiB job summary limit, this summary leaves out ${listing(dropped)}.`, '')
  }
  return lines
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`
}

// ---------------------------------------------------------------------------
// Failed

function failureLocation(row: Row): FailureLocation {
  const where: FailureLocation = { resourceGroup: row.resourceGroup, cluster: row.cluster, subscriptionId: row.subscriptionId }
  if (row.pool !== null) where.pool = row.pool
  const cluster = row.plan?.cluster
  if (cluster?.location) where.location = cluster.location
  if (row.result) where.kind = row.result.operation.kind
  const pool = row.pool !== null ? cluster?.pools.find(p => p.name === row.pool) : undefined
  if (pool?.count !== undefined) where.nodes = pool.count
  if (pool?.maxPods !== undefined) where.maxPods = pool.maxPods
  if (pool?.maxSurge !== undefined) where.maxSurge = pool.maxSurge
  return where
}

function failureError(row: Row): ErrorInfo | undefined {
  if (row.result) return row.result.error
  if (row.pool === null) return undefined
  return row.plan?.cluster.pools.find(p => p.name === row.pool)?.provisioningError
}

function adviceFor(row: Row): FailureAdvice {
  const where = failureLocation(row)
  const error = failureError(row)
  if (!row.result) return explainFailedState(error, where)
  return explainFailure(error ?? { code: 'Unknown', message: '' }, where)
}

function failureTitle(ctx: Ctx, row: Row): string {
  const target = row.pool === null ? 'control plane' : `pool ${escapeText(row.pool)}`
  const ring = ctx.multiRing ? ` · ring ${row.ring}` : ''
  return `${escapeText(row.resourceGroup)}/**${escapeText(row.cluster)}** · ${target}${ring}`
}

function azureLine(ctx: Ctx, error: ErrorInfo | undefined): string {
  if (!error) return ''
  const status = error.status !== undefined ? ` (HTTP ${error.status})` : ''
  const message = error.message ? `: ${t(ctx, error.message)}` : ''
  return `**${escapeText(error.code)}**${status}${message}`
}

function skippedBecause(ctx: Ctx, row: Row): string[] {
  if (!row.result) return []
  return (ctx.byCluster.get(row.clusterId.toLowerCase()) ?? [])
    .filter(r => r.result?.outcome === 'skipped' && r.result.holdReason === 'earlier-operation-failed')
    .map(r => (r.pool === null ? 'control plane' : r.pool))
}

function failedSection(ctx: Ctx): string[] {
  const failed = ctx.rows.all.filter(r => r.status === 'failed')
  if (failed.length === 0) return []
  const lines = [`### ❌ Failed (${failed.length.toLocaleString('en-US')})`, '']
  for (const row of failed) {
    const error = failureError(row)
    const what = row.result ? changeOf(row) : t(ctx, row.entry?.message ?? REASON_LABELS['failed-state'])
    if (ctx.detail.failures === 'compact') {
      const code = error ? ` — **${escapeText(error.code)}**${error.message ? `: ${escapeText(clip(error.message, 160))}` : ''}` : ''
      lines.push(`- ${failureTitle(ctx, row)}: ${what}${code}`)
      continue
    }
    const advice = adviceFor(row)
    const r = row.result
    const timing = r?.startedAt
      ? ` · started ${when(ctx, r.startedAt)}${r.finishedAt ? `, failed after ${formatDuration(r.startedAt, r.finishedAt) || '< 1 min'}` : ''}`
      : r?.holdReason === 'start-refused'
        ? ' · Azure refused to start it'
        : ''
    lines.push(`#### ${failureTitle(ctx, row)}`, '', `${what}${timing}`, '')
    const azure = azureLine(ctx, error)
    if (azure) lines.push(`- **Azure:** ${azure}`)
    lines.push(`- **Cause:** ${renderMarked(advice.cause)}`, `- **What to do:** ${renderMarked(advice.fix)}`)
    if (advice.inspect) lines.push(`- **Inspect:** ${codeSpan(advice.inspect)}`)
    if (advice.docs) lines.push(`- **Docs:** ${link(advice.docs.includes('/troubleshoot/') ? 'troubleshooting guide on Microsoft Learn' : 'Microsoft Learn', advice.docs)}`)
    const skipped = skippedBecause(ctx, row)
    if (skipped.length > 0) lines.push(`- **Not started because of this failure:** ${escapeText(skipped.join(', '))}`)
    lines.push('')
  }
  if (ctx.detail.failures === 'compact') lines.push('', '*Cause, fix and commands for each failure are in the job summary.*')
  lines.push('')
  return lines
}

// ---------------------------------------------------------------------------
// Could not read

function readFailuresSection(ctx: Ctx): string[] {
  const failures: ReadFailure[] = ctx.report.readFailures
  if (failures.length === 0) return []
  const lines = [`### ⚠️ Could not read (${failures.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.readFailures === 'counts') {
    const byCode = new Map<string, number>()
    for (const f of failures) byCode.set(f.error.code, (byCode.get(f.error.code) ?? 0) + 1)
    for (const [code, n] of byCode) lines.push(`- **${escapeText(code)}**: ${plural(n, 'scope')}`)
    lines.push('')
    return lines
  }
  lines.push(
    ...table(
      ['Scope', 'Error', 'What to do'],
      failures.map(f => [
        tc(ctx, f.scope),
        `**${escapeCell(f.error.code)}**${f.error.message ? `: ${escapeText(clip(f.error.message, Math.min(ctx.detail.textLimit, 500)))}` : ''}`,
        f.advice ? renderMarked(clip(f.advice, ctx.detail.textLimit), true) : '—'
      ])
    ),
    ''
  )
  return lines
}

// ---------------------------------------------------------------------------
// In progress, upgraded

function inProgressSection(ctx: Ctx): string[] {
  const rows = ctx.rows.all.filter(r => r.status === 'in-progress')
  if (rows.length === 0) return []
  const lines = [`### 🔄 In progress (${rows.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.inProgress === 'counts') {
    lines.push(...ringCounts(ctx, rows), '')
    return lines
  }
  const state = (row: Row): string => {
    if (row.result?.outcome === 'started') return 'started, not waited on'
    if (row.result?.outcome === 'still-running') return 'still running in Azure (the wait timed out)'
    return tc(ctx, row.entry?.message ?? REASON_LABELS['operation-in-progress'])
  }
  lines.push(
    ...table(
      ['Cluster', 'Pool', 'Change', 'State', 'Since'],
      rows.map(r => [clusterCell(ctx, r), poolCell(r), changeOf(r), state(r), r.result?.startedAt ? when(ctx, r.result.startedAt) : '—'])
    ),
    ''
  )
  return lines
}

function doneSection(ctx: Ctx, status: 'upgraded' | 'would-upgrade'): string[] {
  const rows = ctx.rows.all.filter(r => r.status === status)
  if (rows.length === 0) return []
  const title = status === 'would-upgrade' ? '🧪 Would upgrade' : '✅ Upgraded in this run'
  const lines = [`### ${title} (${rows.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.done === 'counts') {
    lines.push(...ringCounts(ctx, rows), '')
    return lines
  }
  if (status === 'would-upgrade') {
    lines.push(...table(['Cluster', 'Pool', 'Change'], rows.map(r => [clusterCell(ctx, r), poolCell(r), changeOf(r)])), '')
    return lines
  }
  lines.push(
    ...table(
      ['Cluster', 'Pool', 'Change', 'Took'],
      rows.map(r => [clusterCell(ctx, r), poolCell(r), changeOf(r), formatDuration(r.result?.startedAt, r.result?.finishedAt) || '—'])
    ),
    ''
  )
  return lines
}

function ringCounts(ctx: Ctx, rows: readonly Row[]): string[] {
  const byRing = new Map<number, number>()
  for (const r of rows) byRing.set(r.ring, (byRing.get(r.ring) ?? 0) + 1)
  if (!ctx.multiRing) return [`- ${plural(rows.length, 'pool or control plane', 'pools and control planes')}`]
  return [...byRing.entries()].sort(([a], [b]) => a - b).map(([ring, n]) => `- Ring ${ring}: ${plural(n, 'pool or control plane', 'pools and control planes')}`)
}

// ---------------------------------------------------------------------------
// Pending (with approvals)

interface PendingGroup {
  title: string
  rows: Row[]
  perRowDetail: boolean
}

function pendingGroups(ctx: Ctx, rows: readonly Row[]): PendingGroup[] {
  const groups = new Map<string, PendingGroup>()
  for (const row of rows) {
    const r = row.result
    let key: string
    let title: string
    let perRowDetail = false
    if (r) {
      const next = r.nextWindow ?? (WINDOW_HOLDS.has(r.holdReason ?? '') ? ctx.report.window.nextWindow : undefined)
      key = `result|${r.holdReason ?? ''}|${r.holdDetail ?? ''}|${next ?? ''}`
      title = `**${escapeText(holdLabel(row))}**`
      if (r.holdDetail) title += ` — ${t(ctx, r.holdDetail)}`
      if (next) title += ` · next window: ${nextWindowText(ctx, next)}`
    } else {
      const reason = row.entry?.reason ?? 'upgrade-due'
      key = `entry|${reason}`
      title = `**${escapeText(REASON_LABELS[reason])}**`
      perRowDetail = true
    }
    const group = groups.get(key)
    if (group) group.rows.push(row)
    else groups.set(key, { title, rows: [row], perRowDetail })
  }
  return [...groups.values()]
}

/** One line per cluster and minor: several entries of one cluster share an approval. */
function approvalEntries(rows: readonly Row[]): PlanEntry[] {
  const seen = new Set<string>()
  const out: PlanEntry[] = []
  for (const row of rows) {
    const e = row.entry
    if (!e) continue
    const k = `${e.clusterId.toLowerCase()}|${minorOf(e.kubernetesVersion.target) ?? ''}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push(e)
  }
  return out
}

// An approved minor upgrade still waiting for its window must keep its tick when the body is
// re-rendered, or the next run would find no approval and ask again.
function approvedWaiting(ctx: Ctx): PlanEntry[] {
  const rows = ctx.rows.all.filter(
    r =>
      r.entry &&
      r.entry.action === 'minor' &&
      (r.result?.outcome === 'pending' || r.result?.outcome === 'would-start') &&
      r.result.operation.upgradeClass === 'minor'
  )
  return approvalEntries(rows)
}

function pendingSection(ctx: Ctx): string[] {
  const rows = ctx.rows.all.filter(r => r.status === 'pending')
  const approvals = rows.filter(r => !r.result && r.entry?.reason === 'awaiting-approval')
  const others = rows.filter(r => !approvals.includes(r))
  const kept = ctx.target === 'issue' ? approvedWaiting(ctx) : []
  if (rows.length === 0 && kept.length === 0) return []
  const lines = [`### ⏳ Pending (${rows.length.toLocaleString('en-US')})`, '']

  const needApproval = approvalEntries(approvals)
  if (needApproval.length > 0) {
    if (ctx.target === 'issue') {
      lines.push('**Needs approval.** Tick a box to let the next run start that minor upgrade (inside its maintenance window):', '')
      for (const e of needApproval) lines.push(approvalCheckbox(e))
    } else {
      lines.push('**Needs approval** in the report issue (tick the box there):', '')
      for (const e of needApproval) {
        lines.push(`- ${escapeText(e.resourceGroup)}/**${escapeText(e.cluster)}**: Kubernetes ${escapeText(e.kubernetesVersion.current ?? '?')} → ${escapeText(e.kubernetesVersion.target ?? '?')}`)
      }
    }
    lines.push('')
  }

  for (const group of pendingGroups(ctx, others)) {
    if (ctx.detail.pending === 'counts') {
      lines.push(`- ${group.title}: ${plural(group.rows.length, 'pool or control plane', 'pools and control planes')}`)
      continue
    }
    lines.push(group.title, '')
    const header = ['Cluster', 'Pool', 'Change']
    if (group.perRowDetail) header.push('Details')
    lines.push(
      ...table(
        header,
        group.rows.map(r => {
          const cells = [clusterCell(ctx, r), poolCell(r), changeOf(r)]
          if (group.perRowDetail) cells.push(tc(ctx, r.entry?.message ?? ''))
          return cells
        })
      ),
      ''
    )
  }
  if (ctx.detail.pending === 'counts' && others.length > 0) lines.push('')

  if (kept.length > 0) {
    lines.push('**Approved, waiting to start.** Untick to withdraw the approval:', '')
    for (const e of kept) lines.push(approvalCheckbox(e, true))
    lines.push('')
  }
  return lines
}

// ---------------------------------------------------------------------------
// Held

function heldSection(ctx: Ctx): string[] {
  const rows = ctx.rows.all.filter(r => r.status === 'held')
  if (rows.length === 0) return []
  const lines = [`### ✋ Held (${rows.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.held === 'counts') {
    const byLabel = new Map<string, number>()
    for (const r of rows) byLabel.set(holdLabel(r), (byLabel.get(holdLabel(r)) ?? 0) + 1)
    for (const [label, n] of byLabel) lines.push(`- **${escapeText(label)}**: ${plural(n, 'pool or control plane', 'pools and control planes')}`)
    lines.push('')
    return lines
  }
  const sorted = [...rows].sort((a, b) => holdLabel(a).localeCompare(holdLabel(b)))
  const detail = (r: Row): string => tc(ctx, r.result?.holdDetail ?? r.entry?.message ?? '')
  lines.push(
    ...table(
      ['Cluster', 'Pool', 'Reason', 'Details'],
      sorted.map(r => [clusterCell(ctx, r), poolCell(r), escapeCell(holdLabel(r)), detail(r)])
    ),
    ''
  )
  return lines
}

// ---------------------------------------------------------------------------
// Per-cluster tables

function osCell(row: Row): string {
  const os = row.entry?.os
  if (!os) return '—'
  const sku = row.plan?.cluster.pools.find(p => p.name === row.pool)?.osSku
  return escapeCell(sku && sku !== os ? `${os} (${sku})` : os)
}

function versionsCell(current: string | null | undefined, target: string | null | undefined, image: boolean): string {
  if (!current && !target) return '—'
  if (!target || target === current) return escapeCell(current ?? '—')
  const shown = image ? shortTarget(current, target) : target
  return `${escapeCell(current ?? '?')} → ${escapeCell(shown)}`
}

const ACTION_LABELS = { none: '—', 'node-image': 'node image', patch: 'patch', minor: 'minor' } as const

function clusterWarnings(plan: ClusterPlan, rows: readonly Row[]): string[] {
  const out = new Set<string>(plan.warnings)
  for (const row of rows) {
    for (const w of row.entry?.warnings ?? []) out.add(row.pool === null ? w : `${row.pool}: ${w}`)
  }
  return [...out]
}

function clusterBlock(ctx: Ctx, c: ClusterRows): string[] {
  const cl = c.plan.cluster
  const version = cl.currentKubernetesVersion ?? cl.kubernetesVersion
  const facts = [escapeText(cl.resourceGroup), escapeText(cl.location)]
  if (version) facts.push(`Kubernetes ${escapeText(version)}`)
  const portal = portalUrl(cl.id)
  if (portal) facts.push(link('portal', portal))
  const lines = [`**${escapeText(cl.name)}** · ${facts.join(' · ')}`, '']
  for (const w of clusterWarnings(c.plan, c.rows)) lines.push(`> ⚠️ ${t(ctx, w)}`)
  if (lines[lines.length - 1] !== '') lines.push('')
  lines.push(
    ...table(
      ['Pool', 'OS', 'Kubernetes', 'Node image', 'Action', 'Result'],
      c.rows.map(r => [
        poolCell(r),
        osCell(r),
        r.entry
          ? versionsCell(r.entry.kubernetesVersion.current, r.entry.kubernetesVersion.target, false)
          : r.result && r.result.operation.kind !== 'node-image'
            ? versionsCell(r.result.operation.from, r.result.operation.to, false)
            : '—',
        r.entry?.nodeImageVersion
          ? versionsCell(r.entry.nodeImageVersion.current, r.entry.nodeImageVersion.target, true)
          : r.result?.operation.kind === 'node-image'
            ? versionsCell(r.result.operation.from, r.result.operation.to, true)
            : '—',
        r.entry ? ACTION_LABELS[r.entry.action] : escapeCell(r.result?.operation.kind ?? '—'),
        statusCell(ctx, r)
      ])
    ),
    ''
  )
  return lines
}

function isUpToDate(c: ClusterRows): boolean {
  return c.rows.length > 0 && c.rows.every(r => r.status === 'up-to-date')
}

function byRing(clusters: readonly ClusterRows[]): Array<[number, ClusterRows[]]> {
  const map = new Map<number, ClusterRows[]>()
  for (const c of clusters) {
    const list = map.get(c.plan.ring)
    if (list) list.push(c)
    else map.set(c.plan.ring, [c])
  }
  return [...map.entries()].sort(([a], [b]) => a - b)
}

function clusterTables(ctx: Ctx, clusters: readonly ClusterRows[]): string[] {
  const lines: string[] = []
  for (const [ring, list] of byRing(clusters)) {
    if (ctx.multiRing) lines.push(`#### Ring ${ring}`, '')
    for (const c of list) lines.push(...clusterBlock(ctx, c))
  }
  return lines
}

const STATUS_COLUMNS: Array<[RowStatus, string]> = [
  ['failed', '❌ Failed'],
  ['in-progress', '🔄 In progress'],
  ['upgraded', '✅ Upgraded'],
  ['would-upgrade', '🧪 Would upgrade'],
  ['pending', '⏳ Pending'],
  ['held', '✋ Held'],
  ['up-to-date', '✔️ Up to date']
]

function ringSummary(clusters: readonly ClusterRows[]): string[] {
  const columns = STATUS_COLUMNS.filter(([s]) => clusters.some(c => c.rows.some(r => r.status === s)))
  return table(
    ['Ring', 'Clusters', ...columns.map(([, label]) => label)],
    byRing(clusters).map(([ring, list]) => {
      const rows = list.flatMap(c => c.rows)
      return [String(ring), list.length.toLocaleString('en-US'), ...columns.map(([s]) => rows.filter(r => r.status === s).length.toLocaleString('en-US'))]
    })
  )
}

function clustersSection(ctx: Ctx): string[] {
  const busy = ctx.rows.clusters.filter(c => !isUpToDate(c))
  if (busy.length === 0) return []
  const lines = [`### 📋 Clusters with something to do (${busy.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.clusters === 'rings') {
    lines.push(...ringSummary(busy), '')
    return lines
  }
  lines.push(ctx.target === 'issue' ? '<details><summary>Every pool of these clusters</summary>' : '<details open><summary>Every pool of these clusters</summary>', '')
  lines.push(...clusterTables(ctx, busy), '</details>', '')
  return lines
}

function upToDateSection(ctx: Ctx): string[] {
  const done = ctx.rows.clusters.filter(isUpToDate)
  if (done.length === 0) return []
  const lines = [`### ✔️ Up to date (${plural(done.length, 'cluster')})`, '']
  const mode = ctx.detail.upToDate
  if (mode === 'counts') {
    for (const [ring, list] of byRing(done)) {
      const pools = list.reduce((n, c) => n + c.rows.length, 0)
      lines.push(`- ${ctx.multiRing ? `Ring ${ring}: ` : ''}${plural(list.length, 'cluster')} (${plural(pools, 'pool or control plane', 'pools and control planes')})`)
    }
    lines.push('')
    return lines
  }
  lines.push(`<details><summary>${plural(done.length, 'cluster')} with nothing to do</summary>`, '')
  if (mode === 'tables') {
    lines.push(...clusterTables(ctx, done))
  } else {
    for (const [ring, list] of byRing(done)) {
      const names = list.map(c => {
        const cl = c.plan.cluster
        const v = cl.currentKubernetesVersion ?? cl.kubernetesVersion
        const warn = clusterWarnings(c.plan, c.rows).length > 0 ? ' ⚠️' : ''
        return `${escapeText(cl.resourceGroup)}/${escapeText(cl.name)}${v ? ` ${escapeText(v)}` : ''}${warn}`
      })
      lines.push(`- ${ctx.multiRing ? `**Ring ${ring}** (${list.length.toLocaleString('en-US')}): ` : ''}${names.join(', ')}`)
    }
    lines.push('')
  }
  lines.push('</details>', '')
  return lines
}

// ---------------------------------------------------------------------------
// Footer and assembly

function footer(ctx: Ctx): string[] {
  const { report } = ctx
  const zone = zoneName(report.startedAt, report.timezone)
  const parts = [`Run of ${escapeText(formatInstant(report.startedAt, report.timezone))} (${escapeText(zone)})`]
  if (report.runUrl) parts.push(link('workflow run', report.runUrl))
  parts.push(`AKS Upgrade Pilot ${escapeText(report.actionVersion)}`)
  if (report.upgrade.length > 0) parts.push(`upgrades: ${escapeText(report.upgrade.join(', '))}`)
  const lines = ['---', '', `<sub>${parts.join(' · ')}</sub>`]
  if (ctx.target === 'issue') lines.push('', reportMarker(report.reportId))
  return lines
}

function body(ctx: Ctx, dropped: string[]): { head: string; foot: string } {
  const sections = [
    ...header(ctx, dropped),
    ...failedSection(ctx),
    ...readFailuresSection(ctx),
    ...inProgressSection(ctx),
    ...doneSection(ctx, 'upgraded'),
    ...doneSection(ctx, 'would-upgrade'),
    ...pendingSection(ctx),
    ...heldSection(ctx),
    ...clustersSection(ctx),
    ...upToDateSection(ctx)
  ]
  return { head: sections.join('\n').replace(/\n{3,}/g, '\n\n'), foot: footer(ctx).join('\n') }
}

function pick(detail: Detail, change: Partial<Detail>): Partial<Detail> {
  const out: Partial<Detail> = {}
  for (const k of Object.keys(change) as Array<keyof Detail>) Object.assign(out, { [k]: detail[k] })
  return out
}

function sizeOf(target: ReportTarget, s: string): number {
  return target === 'issue' ? s.length : Buffer.byteLength(s, 'utf8')
}

// Last resort when even the most compact form is too long: cut at a line boundary, close
// what the cut left open, and keep the footer (the marker must survive).
function hardCut(target: ReportTarget, head: string, foot: string, limit: number): string {
  const note =
    target === 'issue'
      ? '\n\n> ✂️ The rest of this report did not fit in an issue; the job summary of this run has it.\n\n'
      : '\n\n> ✂️ The rest of this report did not fit in the job summary.\n\n'
  const budget = limit - sizeOf(target, note) - sizeOf(target, foot) - 64
  let cut = head
  while (sizeOf(target, cut) > budget) {
    const over = sizeOf(target, cut) - budget
    const end = cut.lastIndexOf('\n', Math.max(0, cut.length - Math.max(over, 1)))
    cut = end > 0 ? cut.slice(0, end) : ''
  }
  const opened = (cut.match(/<details/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length
  const close = opened > 0 ? `\n\n${'</details>\n'.repeat(opened)}` : ''
  return `${cut}${close}${note}${foot}\n`
}

/**
 * Render the report. target 'issue' adds the hidden marker and approval checkboxes and keeps
 * the body under ISSUE_BODY_LIMIT (dropping the least urgent sections with a note that the
 * job summary has everything); 'summary' keeps everything (under SUMMARY_LIMIT).
 */
export function renderReport(report: RunReport, target: ReportTarget): string {
  const rows = buildRows(report)
  const rings = new Set([...Object.keys(report.plan.rings), ...report.plan.clusters.map(c => String(c.ring))])
  const ctx: Ctx = {
    report,
    target,
    rows,
    counts: countRows(rows.all, report),
    multiRing: rings.size > 1,
    detail: target === 'issue' ? ISSUE_DETAIL : SUMMARY_DETAIL,
    byCluster: new Map()
  }
  for (const row of rows.all) {
    const k = row.clusterId.toLowerCase()
    const list = ctx.byCluster.get(k)
    if (list) list.push(row)
    else ctx.byCluster.set(k, [row])
  }
  const limit = target === 'issue' ? ISSUE_BODY_LIMIT : SUMMARY_LIMIT
  const steps = target === 'issue' ? ISSUE_STEPS : SUMMARY_STEPS
  const fits = (h: string, f: string): boolean => sizeOf(target, `${h}\n${f}\n`) < limit
  const dropped: string[] = []
  const applied: Array<{ step: Step; previous: Partial<Detail> }> = []
  let { head, foot } = body(ctx, dropped)
  for (const step of steps) {
    if (fits(head, foot)) break
    const previous = pick(ctx.detail, step.change)
    ctx.detail = { ...ctx.detail, ...step.change }
    const before = head
    ;({ head, foot } = body(ctx, dropped))
    // A step that changed nothing (its section is empty) is not worth a mention.
    if (head !== before) {
      dropped.push(step.dropped)
      applied.push({ step, previous })
      ;({ head, foot } = body(ctx, dropped))
    }
  }
  // The last step may have freed more room than needed: give back what still fits, more
  // urgent sections first (steps were applied least urgent first).
  for (const { step, previous } of applied.slice(0, -1).reverse()) {
    const detail = ctx.detail
    const without = dropped.filter(d => d !== step.dropped)
    ctx.detail = { ...detail, ...previous }
    const candidate = body(ctx, without)
    if (fits(candidate.head, candidate.foot)) {
      dropped.splice(0, dropped.length, ...without)
      ;({ head, foot } = candidate)
    } else {
      ctx.detail = detail
    }
  }
  const full = `${head}\n${foot}\n`
  if (sizeOf(target, full) < limit) return full
  return hardCut(target, head, foot, limit)
}

// ---------------------------------------------------------------------------
// Comment and per-run title

const COMMENT_ITEMS = 10

/** Short comment for the issue history; null when the run changed nothing (no operation started, finished or failed). */
export function renderRunComment(report: RunReport): string | null {
  const changed: OperationResult['outcome'][] = ['failed', 'succeeded', 'started', 'still-running']
  const { all } = buildRows(report)
  const rows = all.filter(r => r.result && changed.includes(r.result.outcome))
  if (rows.length === 0) return null
  const order: Record<string, number> = { failed: 0, 'still-running': 1, started: 2, succeeded: 3 }
  rows.sort((a, b) => (order[a.result?.outcome ?? ''] ?? 9) - (order[b.result?.outcome ?? ''] ?? 9))
  const n = (o: string): number => rows.filter(r => r.result?.outcome === o).length
  const parts: string[] = []
  if (n('failed')) parts.push(`${n('failed')} failed`)
  if (n('started') + n('still-running')) parts.push(`${n('started') + n('still-running')} in progress`)
  if (n('succeeded')) parts.push(`${n('succeeded')} upgraded`)
  const icon: Record<string, string> = { failed: '❌', 'still-running': '🔄', started: '🔄', succeeded: '✅' }
  const lines = [`**Run of ${escapeText(formatInstant(report.startedAt, report.timezone))}:** ${parts.join(' · ')}.`, '']
  for (const row of rows.slice(0, COMMENT_ITEMS)) {
    const r = row.result
    if (!r) continue
    const where = `${escapeText(row.resourceGroup)}/**${escapeText(row.cluster)}** · ${row.pool === null ? 'control plane' : escapeText(row.pool)}`
    const error = r.outcome === 'failed' && r.error ? ` — **${escapeText(r.error.code)}**` : ''
    lines.push(`- ${icon[r.outcome] ?? ''} ${where}: ${changeOf(row)}${error}`)
  }
  if (rows.length > COMMENT_ITEMS) lines.push(`- …and ${(rows.length - COMMENT_ITEMS).toLocaleString('en-US')} more (see the report above)`)
  if (report.runUrl) lines.push('', link('Workflow run', report.runUrl))
  return lines.join('\n')
}

/** Title for `issue: per-run` issues, e.g. `<title> — 2026-11-23 (3 upgraded, 1 failed)` */
export function perRunTitle(baseTitle: string, report: RunReport): string {
  const rows = buildRows(report).all
  const c = countRows(rows, report)
  const parts: string[] = []
  if (c.upgraded) parts.push(`${c.upgraded} upgraded`)
  if (c.failed) parts.push(`${c.failed} failed`)
  if (c.inProgress) parts.push(`${c.inProgress} in progress`)
  if (c.wouldUpgrade) parts.push(`${c.wouldUpgrade} would upgrade`)
  if (c.pending) parts.push(`${c.pending} pending`)
  if (parts.length === 0) parts.push(report.dryRun ? 'dry run, nothing to do' : 'nothing to do')
  else if (report.dryRun) parts.unshift('dry run')
  const base = baseTitle.replace(/\s+/g, ' ').trim()
  return `${base} — ${formatDate(report.startedAt, report.timezone)} (${parts.join(', ')})`
}
