// The report issue and the job summary, rendered by one pure function from the run's
// results. Sections run from most to least urgent, so an operator reads what failed and
// what waits for them first; when GitHub's size limit would be exceeded, the least urgent
// detail gives way first (cut to the rows that fit, or summarised), and the body says so.
import type { ClusterPlan, ErrorInfo, OperationResult, PlanEntry, ReadFailure, ReasonCode, RunReport } from '../model.js'
import { approvalCheckbox, approvedCheckbox, compareMinors, minorOf, namesFromId, type ApprovedBox } from './approvals.js'
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
  /**
   * The same when the section keeps its first rows: only for steps that summarise (counts
   * instead of rows), since a cut beats a summary but not a form that names every row.
   */
  partial?: string
}

// Each way a section can give way, defined once; the two targets order them differently.
const STEP = {
  upToDateList: { change: { upToDate: 'list' }, dropped: 'the tables of up-to-date clusters' },
  upToDate: { change: { upToDate: 'counts' }, dropped: 'the list of up-to-date clusters', partial: 'part of the list of up-to-date clusters' },
  held: { change: { held: 'counts' }, dropped: 'the Held table', partial: 'part of the Held table' },
  clusters: {
    change: { clusters: 'rings' },
    dropped: 'the per-cluster tables (a summary per ring remains)',
    partial: 'part of the per-cluster tables (a summary per ring remains)'
  },
  pending: { change: { pending: 'counts' }, dropped: 'the Pending tables (counts per reason remain)', partial: 'part of the Pending tables' },
  done: { change: { done: 'counts' }, dropped: 'the list of upgrades', partial: 'part of the list of upgrades' },
  inProgress: { change: { inProgress: 'counts' }, dropped: 'the In progress table', partial: 'part of the In progress table' },
  readFailures: { change: { readFailures: 'counts' }, dropped: 'the Could not read table', partial: 'part of the Could not read table' },
  textLimit: { change: { textLimit: 300 }, dropped: 'the end of long Azure messages' },
  failures: { change: { failures: 'compact' }, dropped: 'the advice for each failure' }
} satisfies Record<string, Step>

const ISSUE_STEPS: Step[] = [
  STEP.upToDate,
  STEP.held,
  STEP.clusters,
  STEP.pending,
  STEP.done,
  STEP.inProgress,
  STEP.readFailures,
  STEP.textLimit,
  STEP.failures
]

// The summary is the place the issue sends readers to, so it only gives way for fleets far
// beyond what an issue holds: least useful first, and never the advice on failures.
// upToDateList has no `partial`: the list still names every cluster, which beats the first
// of their tables.
const SUMMARY_STEPS: Step[] = [
  STEP.upToDateList,
  STEP.upToDate,
  STEP.clusters,
  STEP.held,
  STEP.pending,
  STEP.done,
  STEP.inProgress,
  STEP.readFailures
]

interface Ctx {
  report: RunReport
  target: ReportTarget
  rows: ReportRows
  counts: Counts
  multiRing: boolean
  detail: Detail
  /** A section longer than this cannot fit whole: its rows stop there. */
  cap: number
  /** Rows by lower-cased cluster id, built when a failure first asks (shared by every level of detail). */
  lazy: { byCluster?: Map<string, Row[]> }
  /** Rows by status, in report order (each section asks for its own at every level of detail). */
  byStatus: Map<RowStatus, Row[]>
  /** Clusters with nothing to do, and the others. */
  upToDate: ClusterRows[]
  busy: ClusterRows[]
  texts: Texts
  /** Approvals given and not yet carried out: ticked boxes the issue must keep. */
  approved: ApprovedBox[]
}

function rowsWith(ctx: Ctx, status: RowStatus): Row[] {
  return ctx.byStatus.get(status) ?? []
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
// Sections as lines. A section whose rows may be cut when the body is too long also says
// where each row ends, so the renderer can keep the first rows that fit without rendering
// the section again.

interface Raw {
  lines: string[]
  /** Set when the section stopped at the cap: it cannot be shown whole. */
  meter?: Meter
  cut?: RawCut
  /** For a list of names on one line per ring: where the lines of names start, and the names. */
  names?: RawNames
}

interface RawNames {
  head: number
  names: string[]
  rings: Array<{ lead: string; from: number; to: number }>
}

interface RawCut {
  /** Rows (or clusters) in the section, including any not rendered because the cap was reached. */
  units: number
  /** ends[i]: how many of the lines show the first i + 1 rows (with the headings they need). */
  ends: number[]
  /** What a cut section shows instead of lines[0, from) (the clusters keep their per-ring summary). */
  lead?: { lines: string[]; from: number }
  /** Lines that close what the cut left open (a table ends at a blank line, `<details>` at its tag). */
  close: string[]
  /** Lines after the "more" line that a cut must keep (approval checkboxes). */
  suffix?: string[]
  /** What the "more" line counts: rows when absent. */
  noun?: string
}

function newCut(units: number, close: string[] = [''], noun?: string): RawCut {
  const cut: RawCut = { units, ends: [], close }
  if (noun !== undefined) cut.noun = noun
  return cut
}

/** Running size of a section's lines, to stop rendering rows that could never be shown. */
interface Meter {
  counted: number
  size: number
  stopped: boolean
}

function newMeter(): Meter {
  return { counted: 0, size: 0, stopped: false }
}

function overCap(ctx: Ctx, lines: readonly string[], meter: Meter): boolean {
  for (; meter.counted < lines.length; meter.counted++) meter.size += lineSize(ctx.target, lines[meter.counted] ?? '') + 1
  meter.stopped ||= meter.size > ctx.cap
  return meter.stopped
}

/**
 * A table, one row per item; each row ends a unit of `cut` when given. With a meter, the rows
 * stop once the section is longer than the cap (false then): rendering 5,000 rows to keep
 * the 900 that fit in an issue would be wasted.
 */
function pushTable<T>(
  ctx: Ctx,
  lines: string[],
  header: readonly string[],
  items: readonly T[],
  row: (item: T) => string,
  cut?: RawCut,
  meter?: Meter
): boolean {
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`)
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T
    lines.push(row(item))
    cut?.ends.push(lines.length)
    if (meter && overCap(ctx, lines, meter)) return false
  }
  return true
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.join(' | ')} |`)]
}

// ---------------------------------------------------------------------------
// Cells

/**
 * Remembers a pure text built from two strings. A fleet repeats the same cells thousands of
 * times (one version change on every pool, one resource group per cluster's rows): build
 * each once and share it, instead of a new string per row. Bounded, as escape's cache.
 */
class Memo {
  private readonly byFirst = new Map<string, Map<string, string>>()
  private entries = 0
  private readonly make: (a: string, b: string) => string

  constructor(make: (a: string, b: string) => string) {
    this.make = make
  }

  get(a: string, b: string): string {
    let inner = this.byFirst.get(a)
    const hit = inner?.get(b)
    if (hit !== undefined) return hit
    if (this.entries >= 10_000) {
      this.byFirst.clear()
      this.entries = 0
      inner = undefined
    }
    if (!inner) {
      inner = new Map()
      this.byFirst.set(a, inner)
    }
    const text = this.make(a, b)
    inner.set(b, text)
    this.entries++
    return text
  }
}

/** Cell texts of one rendering (kept for that rendering only, so nothing outlives it). */
interface Texts {
  clusterNames: Memo
  withRing: Memo
  imageChanges: Memo
  versionChanges: Memo
  statusLabels: Memo
  osCells: Memo
  imageVersions: Memo
  kubernetesVersions: Memo
  cellPairs: Memo
  rowOf: Memo
}

// The key of a missing current version: no version string is a lone NUL.
const NONE = '\u0000'
const known = (v: string): string | null => (v === NONE ? null : v)

function newTexts(): Texts {
  return {
    clusterNames: new Memo((rg, cluster) => `${escapeCell(rg)}/**${escapeCell(cluster)}**`),
    withRing: new Memo((cell, ring) => `${cell} · ring ${ring}`),
    imageChanges: new Memo((from, to) => `node image ${escapeText(known(from) ?? '?')} → ${escapeText(shortTarget(known(from), to))}`),
    versionChanges: new Memo((from, to) => `Kubernetes ${escapeText(known(from) ?? '?')} → ${escapeText(to)}`),
    statusLabels: new Memo((icon, label) => `${icon} ${escapeCell(label.toLowerCase())}`),
    osCells: new Memo((os, sku) => escapeCell(sku && sku !== os ? `${os} (${sku})` : os)),
    imageVersions: new Memo((current, target) => `${escapeCell(known(current) ?? '?')} → ${escapeCell(shortTarget(known(current), target))}`),
    kubernetesVersions: new Memo((current, target) => `${escapeCell(known(current) ?? '?')} → ${escapeCell(target)}`),
    cellPairs: new Memo((a, b) => flat([a, ' | ', b])),
    rowOf: new Memo(cells => flat(['| ', cells, ' |']))
  }
}

/** One flat string from parts: a template literal would keep a tree of its pieces alive with each row. */
function flat(parts: string[]): string {
  return parts.join('')
}

function t(ctx: Ctx, s: string): string {
  return escapeText(clip(s, ctx.detail.textLimit))
}

function tc(ctx: Ctx, s: string): string {
  return escapeCell(clip(s, ctx.detail.textLimit))
}

function clusterCell(ctx: Ctx, row: Row): string {
  const cell = ctx.texts.clusterNames.get(row.resourceGroup, row.cluster)
  return ctx.multiRing ? ctx.texts.withRing.get(cell, String(row.ring)) : cell
}

function poolCell(row: Row): string {
  return row.pool === null ? '*control plane*' : escapeCell(row.pool)
}

function versionChange(texts: Texts, kind: 'node image' | 'Kubernetes', from: string | null | undefined, to: string): string {
  return (kind === 'node image' ? texts.imageChanges : texts.versionChanges).get(from ?? NONE, to)
}

function changeOf(texts: Texts, row: Row): string {
  const op = row.result?.operation
  if (op) return versionChange(texts, op.kind === 'node-image' ? 'node image' : 'Kubernetes', op.from, op.to)
  const e = row.entry
  if (!e) return '—'
  const k = e.kubernetesVersion
  const n = e.nodeImageVersion
  const imageChange = n?.target && n.target !== n.current ? n : null
  const versionDiff = k.target && k.target !== k.current ? k : null
  if (imageChange?.target && (e.action === 'node-image' || !versionDiff)) return versionChange(texts, 'node image', imageChange.current, imageChange.target)
  if (versionDiff?.target) return versionChange(texts, 'Kubernetes', versionDiff.current, versionDiff.target)
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
      return ctx.texts.statusLabels.get('⏳', holdLabel(row))
    case 'held':
      return ctx.texts.statusLabels.get('✋', holdLabel(row))
    case 'up-to-date':
      return ctx.target === 'issue' ? '✔️' : '✔️ up to date'
  }
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

function header(ctx: Ctx, dropped: readonly string[]): string[] {
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

function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`
}

/** The line after the rows a cut section keeps. */
function moreLine(ctx: Ctx, n: number, noun: string | undefined): string {
  const what = `${n.toLocaleString('en-US')} more${noun ? ` ${n === 1 ? noun : `${noun}s`}` : ''}`
  return ctx.target === 'issue'
    ? `… and ${what}: see the job summary of this run`
    : `… and ${what}, left out to stay under GitHub's 1 MiB job summary limit`
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
  let byCluster = ctx.lazy.byCluster
  if (!byCluster) {
    byCluster = new Map()
    for (const r of ctx.rows.all) {
      const k = r.clusterId.toLowerCase()
      const list = byCluster.get(k)
      if (list) list.push(r)
      else byCluster.set(k, [r])
    }
    ctx.lazy.byCluster = byCluster
  }
  return (byCluster.get(row.clusterId.toLowerCase()) ?? [])
    .filter(r => r.result?.outcome === 'skipped' && r.result.holdReason === 'earlier-operation-failed')
    .map(r => (r.pool === null ? 'control plane' : r.pool))
}

// Failures are never cut to their first rows: each one is what an operator must act on.
function failedSection(ctx: Ctx): Raw | null {
  const failed = rowsWith(ctx, 'failed')
  if (failed.length === 0) return null
  const lines = [`### ❌ Failed (${failed.length.toLocaleString('en-US')})`, '']
  const meter = newMeter()
  for (const row of failed) {
    // Past the cap the body is cut at a line anyway (see hardCut): the rest would be thrown away.
    if (overCap(ctx, lines, meter)) break
    const error = failureError(row)
    const what = row.result ? changeOf(ctx.texts, row) : t(ctx, row.entry?.message ?? REASON_LABELS['failed-state'])
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
  return { lines, meter }
}

// ---------------------------------------------------------------------------
// Could not read

function readFailuresSection(ctx: Ctx): Raw | null {
  const failures: ReadFailure[] = ctx.report.readFailures
  if (failures.length === 0) return null
  const lines = [`### ⚠️ Could not read (${failures.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.readFailures === 'counts') {
    const byCode = new Map<string, number>()
    for (const f of failures) byCode.set(f.error.code, (byCode.get(f.error.code) ?? 0) + 1)
    for (const [code, n] of byCode) lines.push(`- **${escapeText(code)}**: ${plural(n, 'scope')}`)
    lines.push('')
    return { lines }
  }
  const cut = newCut(failures.length)
  const meter = newMeter()
  pushTable(
    ctx,
    lines,
    ['Scope', 'Error', 'What to do'],
    failures,
    f =>
      `| ${tc(ctx, f.scope)} | **${escapeCell(f.error.code)}**${f.error.message ? `: ${escapeText(clip(f.error.message, Math.min(ctx.detail.textLimit, 500)))}` : ''} | ${
        f.advice ? renderMarked(clip(f.advice, ctx.detail.textLimit), true) : '—'
      } |`,
    cut,
    meter
  )
  lines.push('')
  return { lines, cut, meter }
}

// ---------------------------------------------------------------------------
// In progress, upgraded

function inProgressSection(ctx: Ctx): Raw | null {
  const rows = rowsWith(ctx, 'in-progress')
  if (rows.length === 0) return null
  const lines = [`### 🔄 In progress (${rows.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.inProgress === 'counts') {
    lines.push(...ringCounts(ctx, rows), '')
    return { lines }
  }
  const state = (row: Row): string => {
    if (row.result?.outcome === 'started') return 'started, not waited on'
    if (row.result?.outcome === 'still-running') return 'still running in Azure (the wait timed out)'
    return tc(ctx, row.entry?.message ?? REASON_LABELS['operation-in-progress'])
  }
  const cut = newCut(rows.length)
  const meter = newMeter()
  pushTable(
    ctx,
    lines,
    ['Cluster', 'Pool', 'Change', 'State', 'Since'],
    rows,
    r => flat(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' | ', state(r), ' | ', r.result?.startedAt ? when(ctx, r.result.startedAt) : '—', ' |']),
    cut,
    meter
  )
  lines.push('')
  return { lines, cut, meter }
}

function doneSection(ctx: Ctx, status: 'upgraded' | 'would-upgrade'): Raw | null {
  const rows = rowsWith(ctx, status)
  if (rows.length === 0) return null
  const title = status === 'would-upgrade' ? '🧪 Would upgrade' : '✅ Upgraded in this run'
  const lines = [`### ${title} (${rows.length.toLocaleString('en-US')})`, '']
  if (ctx.detail.done === 'counts') {
    lines.push(...ringCounts(ctx, rows), '')
    return { lines }
  }
  const cut = newCut(rows.length)
  const meter = newMeter()
  if (status === 'would-upgrade') {
    pushTable(ctx, lines, ['Cluster', 'Pool', 'Change'], rows, r => flat(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' |']), cut, meter)
  } else {
    pushTable(
      ctx,
      lines,
      ['Cluster', 'Pool', 'Change', 'Took'],
      rows,
      r => flat(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' | ', formatDuration(r.result?.startedAt, r.result?.finishedAt) || '—', ' |']),
      cut,
      meter
    )
  }
  lines.push('')
  return { lines, cut, meter }
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
    if (r) {
      const next = r.nextWindow ?? (WINDOW_HOLDS.has(r.holdReason ?? '') ? ctx.report.window.nextWindow : undefined)
      key = `result|${r.holdReason ?? ''}|${r.holdDetail ?? ''}|${next ?? ''}`
      const group = groups.get(key)
      if (group) {
        group.rows.push(row)
        continue
      }
      // The key holds everything the title says, so the first row of a group names it.
      let title = `**${escapeText(holdLabel(row))}**`
      if (r.holdDetail) title += ` — ${t(ctx, r.holdDetail)}`
      if (next) title += ` · next window: ${nextWindowText(ctx, next)}`
      groups.set(key, { title, rows: [row], perRowDetail: false })
    } else {
      const reason = row.entry?.reason ?? 'upgrade-due'
      key = `entry|${reason}`
      const group = groups.get(key)
      if (group) group.rows.push(row)
      else groups.set(key, { title: `**${escapeText(REASON_LABELS[reason])}**`, rows: [row], perRowDetail: true })
    }
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

const approvalKeyOf = (clusterId: string, minor: string): string => `${clusterId.trim().toLowerCase()}|${minor}`

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? `${s[0]?.toLowerCase() ?? ''}${s.slice(1)}` : s
}

/** Why an approved minor upgrade did not start in this run, from its cluster's control-plane row. */
function waitingReason(row: Row | undefined, planned: boolean): string | undefined {
  if (!planned) return 'the cluster was not planned in this run'
  if (!row) return undefined
  const r = row.result
  switch (row.status) {
    case 'pending':
    case 'held':
      return lowerFirst(holdLabel(row))
    case 'in-progress':
      return r && r.operation.kind === 'control-plane' ? 'its upgrade is still running' : 'AKS is busy with another operation'
    case 'failed':
      return r ? 'the last attempt failed' : lowerFirst(REASON_LABELS['failed-state'])
    case 'would-upgrade':
      return 'dry run'
    case 'upgraded':
      return 'a patch upgrade came first'
    case 'up-to-date':
      return undefined
  }
}

/**
 * Every approval that must stay ticked in the rewritten issue: those read from the dashboard
 * (`report.approvals`) and, inferred, each approved minor upgrade that waits (pending or a
 * dry run), one per cluster and minor. An approval stays whatever held its upgrade (a busy
 * cluster, a ring, an earlier failure, a run-wide failure with no plan at all), or the next
 * run would find no approval and ask again; it goes once the control plane runs that minor
 * or newer, or an upgrade of it to that minor succeeded in this run.
 */
function keptApprovals(report: RunReport, rows: ReportRows): ApprovedBox[] {
  const plans = new Map<string, ClusterPlan>()
  for (const cp of report.plan.clusters) plans.set(cp.cluster.id.trim().toLowerCase(), cp)
  const reached = new Map<string, string[]>()
  for (const r of report.results) {
    const to = minorOf(r.operation.to)
    if (r.outcome !== 'succeeded' || r.operation.kind !== 'control-plane' || !to) continue
    const id = r.operation.clusterId.trim().toLowerCase()
    reached.set(id, [...(reached.get(id) ?? []), to])
  }
  const controlPlanes = new Map<string, Row>()
  for (const row of rows.all) {
    const id = row.clusterId.trim().toLowerCase()
    if (row.pool === null && !controlPlanes.has(id)) controlPlanes.set(id, row)
  }
  const done = (id: string, minor: string): boolean => {
    const cl = plans.get(id)?.cluster
    const runs = cl?.currentKubernetesVersion ?? cl?.kubernetesVersion
    if (runs && (compareMinors(runs, minor) ?? -1) >= 0) return true
    return (reached.get(id) ?? []).some(m => (compareMinors(m, minor) ?? -1) >= 0)
  }

  const out: ApprovedBox[] = []
  const seen = new Set<string>()
  const add = (clusterId: string, version: string | null | undefined, approvedBy: string | undefined, entry?: PlanEntry): void => {
    const minor = minorOf(version)
    if (!minor) return
    const id = clusterId.trim().toLowerCase()
    const key = approvalKeyOf(clusterId, minor)
    if (seen.has(key) || done(id, minor)) return
    seen.add(key)
    const plan = plans.get(id)
    const row = controlPlanes.get(id)
    const names = plan ? { cluster: plan.cluster.name, resourceGroup: plan.cluster.resourceGroup } : namesFromId(clusterId.trim())
    const box: ApprovedBox = { clusterId: plan?.cluster.id ?? clusterId.trim(), minor, ...names }
    const current = plan ? (plan.cluster.currentKubernetesVersion ?? plan.cluster.kubernetesVersion) : entry?.kubernetesVersion.current
    if (current) box.current = current
    const cpTarget = row?.entry?.kubernetesVersion.target
    const target = minorOf(cpTarget) === minor ? cpTarget : entry?.kubernetesVersion.target
    if (target) box.target = target
    if (approvedBy?.trim()) box.approvedBy = approvedBy.trim()
    const waiting = waitingReason(row, plan !== undefined)
    if (waiting) box.waiting = waiting
    out.push(box)
  }
  for (const a of report.approvals ?? []) add(a.clusterId, a.minor, a.approvedBy)
  for (const row of rows.all) {
    const e = row.entry
    const r = row.result
    if (!e || e.action !== 'minor' || !r || (r.outcome !== 'pending' && r.outcome !== 'would-start') || r.operation.upgradeClass !== 'minor') continue
    add(e.clusterId, e.kubernetesVersion.target, undefined, e)
  }
  return out
}

function pendingSection(ctx: Ctx): Raw | null {
  const rows = rowsWith(ctx, 'pending')
  const approvals = rows.filter(r => !r.result && r.entry?.reason === 'awaiting-approval')
  const asking = new Set(approvals)
  const others = rows.filter(r => !asking.has(r))
  const kept = ctx.approved
  if (rows.length === 0 && kept.length === 0) return null
  // Only approvals kept from earlier runs: no rows to count.
  const lines = [rows.length > 0 ? `### ⏳ Pending (${rows.length.toLocaleString('en-US')})` : '### ⏳ Pending', '']

  // Approval boxes are not rows to cut: the next run reads them back from the issue. An
  // approval already given is shown ticked below, never also offered unticked.
  const given = new Set(kept.map(a => approvalKeyOf(a.clusterId, a.minor)))
  const needApproval = approvalEntries(approvals).filter(e => !given.has(approvalKeyOf(e.clusterId, minorOf(e.kubernetesVersion.target) ?? '')))
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

  const counts = ctx.detail.pending === 'counts'
  const cut = counts || others.length === 0 ? undefined : newCut(others.length)
  const meter = newMeter()
  for (const group of pendingGroups(ctx, others)) {
    if (counts) {
      lines.push(`- ${group.title}: ${plural(group.rows.length, 'pool or control plane', 'pools and control planes')}`)
      continue
    }
    lines.push(group.title, '')
    const header = ['Cluster', 'Pool', 'Change']
    if (group.perRowDetail) header.push('Details')
    const complete = pushTable(
      ctx,
      lines,
      header,
      group.rows,
      group.perRowDetail
        ? r => flat(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' | ', tc(ctx, r.entry?.message ?? ''), ' |'])
        : r => flat(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' |']),
      cut,
      meter
    )
    lines.push('')
    if (!complete) break
  }
  if (counts && others.length > 0) lines.push('')

  if (kept.length > 0) {
    const approved = ctx.target === 'issue' ? approvedBlock(kept) : approvedList(kept)
    lines.push(...approved)
    if (cut) cut.suffix = approved
  }
  return cut ? { lines, cut, meter } : { lines }
}

const APPROVED_HEADING = '**Approved, waiting to start.** Untick to withdraw the approval:'

function approvedBlock(kept: readonly ApprovedBox[]): string[] {
  return [APPROVED_HEADING, '', ...kept.map(approvedCheckbox), '']
}

// The job summary has no boxes to tick: it says what waits and who approved it.
function approvedList(kept: readonly ApprovedBox[]): string[] {
  const lines = ['**Approved in the report issue, waiting to start:**', '']
  for (const a of kept) {
    const target = a.target && minorOf(a.target) === a.minor ? a.target : a.minor
    const by = a.approvedBy ? `approved by ${escapeText(a.approvedBy)}` : 'approved'
    const rg = a.resourceGroup ? `${escapeText(a.resourceGroup)}/` : ''
    lines.push(
      `- ${rg}**${escapeText(a.cluster)}**: Kubernetes ${a.current ? `${escapeText(a.current)} → ` : ''}${escapeText(target)}, ${by}${a.waiting ? ` (${escapeText(a.waiting)})` : ''}`
    )
  }
  lines.push('')
  return lines
}

// ---------------------------------------------------------------------------
// Held

function heldSection(ctx: Ctx): Raw | null {
  const rows = rowsWith(ctx, 'held')
  if (rows.length === 0) return null
  const lines = [`### ✋ Held (${rows.length.toLocaleString('en-US')})`, '']
  const labels = new Map<Row, string>()
  for (const r of rows) labels.set(r, holdLabel(r))
  const label = (r: Row): string => labels.get(r) ?? holdLabel(r)
  if (ctx.detail.held === 'counts') {
    const byLabel = new Map<string, number>()
    for (const r of rows) byLabel.set(label(r), (byLabel.get(label(r)) ?? 0) + 1)
    for (const [text, n] of byLabel) lines.push(`- **${escapeText(text)}**: ${plural(n, 'pool or control plane', 'pools and control planes')}`)
    lines.push('')
    return { lines }
  }
  const sorted = [...rows].sort((a, b) => label(a).localeCompare(label(b)))
  const detail = (r: Row): string => tc(ctx, r.result?.holdDetail ?? r.entry?.message ?? '')
  const cut = newCut(rows.length)
  const meter = newMeter()
  pushTable(
    ctx,
    lines,
    ['Cluster', 'Pool', 'Reason', 'Details'],
    sorted,
    r => flat(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', escapeCell(label(r)), ' | ', detail(r), ' |']),
    cut,
    meter
  )
  lines.push('')
  return { lines, cut, meter }
}

// ---------------------------------------------------------------------------
// Per-cluster tables

function osCell(ctx: Ctx, row: Row): string {
  const os = row.entry?.os
  if (!os) return '—'
  const pools = row.plan?.cluster.pools ?? []
  let sku: string | undefined
  for (let i = 0; i < pools.length; i++) {
    const pool = pools[i]
    if (pool?.name === row.pool) {
      sku = pool.osSku
      break
    }
  }
  return ctx.texts.osCells.get(os, sku ?? '')
}

function versionsCell(texts: Texts, current: string | null | undefined, target: string | null | undefined, image: boolean): string {
  if (!current && !target) return '—'
  if (!target || target === current) return escapeCell(current ?? '—')
  return (image ? texts.imageVersions : texts.kubernetesVersions).get(current ?? NONE, target)
}

const ACTION_LABELS = { none: '—', 'node-image': 'node image', patch: 'patch', minor: 'minor' } as const
const [POOL_HEADER = '', POOL_SEPARATOR = ''] = table(['Pool', 'OS', 'Kubernetes', 'Node image', 'Action', 'Result'], [])

const NO_WARNINGS: string[] = []

function clusterWarnings(plan: ClusterPlan, rows: readonly Row[]): string[] {
  if (plan.warnings.length === 0 && rows.every(r => !r.entry || r.entry.warnings.length === 0)) return NO_WARNINGS
  const out = new Set<string>(plan.warnings)
  for (const row of rows) {
    for (const w of row.entry?.warnings ?? []) out.add(row.pool === null ? w : `${row.pool}: ${w}`)
  }
  return [...out]
}

function poolRow(ctx: Ctx, r: Row): string {
  const kubernetes = r.entry
    ? versionsCell(ctx.texts, r.entry.kubernetesVersion.current, r.entry.kubernetesVersion.target, false)
    : r.result && r.result.operation.kind !== 'node-image'
      ? versionsCell(ctx.texts, r.result.operation.from, r.result.operation.to, false)
      : '—'
  const image = r.entry?.nodeImageVersion
    ? versionsCell(ctx.texts, r.entry.nodeImageVersion.current, r.entry.nodeImageVersion.target, true)
    : r.result?.operation.kind === 'node-image'
      ? versionsCell(ctx.texts, r.result.operation.from, r.result.operation.to, true)
      : '—'
  const action = r.entry ? ACTION_LABELS[r.entry.action] : escapeCell(r.result?.operation.kind ?? '—')
  // Pool rows repeat across a fleet (same pool names, versions and results): join the cells
  // from the right through the memo, so a repeated row is found, not built again.
  const { cellPairs, rowOf } = ctx.texts
  let cells = cellPairs.get(action, statusCell(ctx, r))
  cells = cellPairs.get(image, cells)
  cells = cellPairs.get(kubernetes, cells)
  cells = cellPairs.get(osCell(ctx, r), cells)
  cells = cellPairs.get(poolCell(r), cells)
  return rowOf.get(cells, '')
}

function clusterBlock(ctx: Ctx, c: ClusterRows, lines: string[]): void {
  const cl = c.plan.cluster
  const version = cl.currentKubernetesVersion ?? cl.kubernetesVersion
  const facts = [escapeText(cl.resourceGroup), escapeText(cl.location)]
  if (version) facts.push(`Kubernetes ${escapeText(version)}`)
  const portal = portalUrl(cl.id)
  if (portal) facts.push(link('portal', portal))
  lines.push(flat(['**', escapeText(cl.name), '** · ', facts.join(' · ')]), '')
  const warnings = clusterWarnings(c.plan, c.rows)
  for (const w of warnings) lines.push(`> ⚠️ ${t(ctx, w)}`)
  if (warnings.length > 0) lines.push('')
  lines.push(POOL_HEADER, POOL_SEPARATOR)
  for (let i = 0; i < c.rows.length; i++) {
    const r = c.rows[i]
    if (r) lines.push(poolRow(ctx, r))
  }
  lines.push('')
}

function isUpToDate(c: ClusterRows): boolean {
  for (let i = 0; i < c.rows.length; i++) if (c.rows[i]?.status !== 'up-to-date') return false
  return c.rows.length > 0
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

/** One block per cluster, by ring; each block ends a unit of `cut` (when given), and they stop at the cap. */
function clusterTables(ctx: Ctx, clusters: readonly ClusterRows[], lines: string[], cut?: RawCut): Meter {
  const meter = newMeter()
  for (const [ring, list] of byRing(clusters)) {
    if (ctx.multiRing) lines.push(`#### Ring ${ring}`, '')
    for (const c of list) {
      clusterBlock(ctx, c, lines)
      cut?.ends.push(lines.length)
      if (overCap(ctx, lines, meter)) return meter
    }
  }
  return meter
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

function countStatuses(clusters: readonly ClusterRows[]): Map<RowStatus, number> {
  const counts = new Map<RowStatus, number>()
  for (let i = 0; i < clusters.length; i++) {
    const rows = clusters[i]?.rows ?? []
    for (let j = 0; j < rows.length; j++) {
      const status = rows[j]?.status
      if (status) counts.set(status, (counts.get(status) ?? 0) + 1)
    }
  }
  return counts
}

function ringSummary(clusters: readonly ClusterRows[]): string[] {
  const present = countStatuses(clusters)
  const columns = STATUS_COLUMNS.filter(([s]) => present.has(s))
  return table(
    ['Ring', 'Clusters', ...columns.map(([, label]) => label)],
    byRing(clusters).map(([ring, list]) => {
      const counts = countStatuses(list)
      return [String(ring), list.length.toLocaleString('en-US'), ...columns.map(([s]) => (counts.get(s) ?? 0).toLocaleString('en-US'))]
    })
  )
}

function clustersSection(ctx: Ctx): Raw | null {
  const busy = ctx.busy
  if (busy.length === 0) return null
  const heading = [`### 📋 Clusters with something to do (${busy.length.toLocaleString('en-US')})`, '']
  const lines = [...heading]
  if (ctx.detail.clusters === 'rings') {
    lines.push(...ringSummary(busy), '')
    return { lines }
  }
  lines.push(ctx.target === 'issue' ? '<details><summary>Every pool of these clusters</summary>' : '<details open><summary>Every pool of these clusters</summary>', '')
  // Cut to its first clusters, the section keeps the per-ring summary of all of them.
  const cut = newCut(busy.length, ['</details>', ''], 'cluster')
  cut.lead = { lines: [...heading, ...ringSummary(busy), ''], from: heading.length }
  const meter = clusterTables(ctx, busy, lines, cut)
  lines.push('</details>', '')
  return { lines, cut, meter }
}

function upToDateSection(ctx: Ctx): Raw | null {
  const done = ctx.upToDate
  if (done.length === 0) return null
  const lines = [`### ✔️ Up to date (${plural(done.length, 'cluster')})`, '']
  const mode = ctx.detail.upToDate
  if (mode === 'counts') {
    for (const [ring, list] of byRing(done)) {
      const pools = list.reduce((n, c) => n + c.rows.length, 0)
      lines.push(`- ${ctx.multiRing ? `Ring ${ring}: ` : ''}${plural(list.length, 'cluster')} (${plural(pools, 'pool or control plane', 'pools and control planes')})`)
    }
    lines.push('')
    return { lines }
  }
  lines.push(`<details><summary>${plural(done.length, 'cluster')} with nothing to do</summary>`, '')
  if (mode === 'tables') {
    // Not cut to its first tables when too long: the list that replaces it names them all.
    const meter = clusterTables(ctx, done, lines)
    lines.push('</details>', '')
    return { lines, meter }
  }
  // The list names clusters on one line per ring: a cut keeps the first names.
  const cut = newCut(done.length, ['', '</details>', ''], 'cluster')
  const names: string[] = []
  const rings: Array<{ lead: string; from: number; to: number }> = []
  for (const [ring, list] of byRing(done)) {
    const from = names.length
    for (const c of list) {
      const cl = c.plan.cluster
      const v = cl.currentKubernetesVersion ?? cl.kubernetesVersion
      const warn = clusterWarnings(c.plan, c.rows).length > 0 ? ' ⚠️' : ''
      names.push(`${escapeText(cl.resourceGroup)}/${escapeText(cl.name)}${v ? ` ${escapeText(v)}` : ''}${warn}`)
    }
    rings.push({ lead: `- ${ctx.multiRing ? `**Ring ${ring}** (${list.length.toLocaleString('en-US')}): ` : ''}`, from, to: names.length })
  }
  const head = lines.length
  for (const r of rings) lines.push(`${r.lead}${names.slice(r.from, r.to).join(', ')}`)
  lines.push('', '</details>', '')
  return { lines, cut, names: { head, names, rings } }
}

// ---------------------------------------------------------------------------
// Footer

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

// ---------------------------------------------------------------------------
// Parts: sections with known sizes. The body is the parts' lines joined, then the footer;
// fitting it under a limit is arithmetic on the sizes, so no variant of the body is ever
// rendered only to be measured and thrown away (for a fleet of 1,000 clusters each variant
// is about a megabyte).

interface Sized {
  /** Characters (issue) or UTF-8 bytes (summary), counting a line break after each line. */
  size: number
  /** Blank lines the section ends with, at most 2: a body keeps two when nothing follows. */
  trailing: number
}

/** A section ready to place: its lines with runs of blank lines collapsed into one. */
interface Part extends Sized {
  lines: string[]
  /** The section stopped at the cap: its lines are only the start of it, and it never fits. */
  truncated?: boolean
  cut?: Cut
}

/** How to show only the first units (rows or clusters) of a section, with a "more" line. */
interface Cut {
  units: number
  /** Units rendered (fewer than `units` when the section reached the cap). */
  rendered: number
  /** Size of the section cut to its first k units, 0 < k < units. */
  size(k: number): number
  part(k: number): Part
}

function lineSize(target: ReportTarget, line: string): number {
  return target === 'issue' ? line.length : Buffer.byteLength(line, 'utf8')
}

/** Size of `lines` placed after a line that is blank (`afterBlank`) or not, collapsing blank runs. */
function appendedSize(target: ReportTarget, lines: readonly string[], afterBlank: boolean): number {
  let size = 0
  let blank = afterBlank
  for (const line of lines) {
    if (line === '' && blank) continue
    blank = line === ''
    size += lineSize(target, line) + 1
  }
  return size
}

// Markdown reads any run of blank lines as one, and the body has always collapsed them:
// collapsing here keeps the output the same and makes each section's size exact.
function finish(target: ReportTarget, raw: Raw, more?: (n: number, noun: string | undefined) => string): Part {
  const input = raw.lines
  if (input[input.length - 1] !== '') input.push('')
  const marks = raw.cut?.ends ?? []
  const at: number[] = []
  const sizeAt: number[] = []
  const fromRaw = raw.cut?.lead?.from ?? -1
  let fromAt = 0
  let fromSize = 0
  // Most sections have no run of blank lines: keep their array instead of copying it.
  let runs = false
  for (let i = 1; i < input.length && !runs; i++) runs = input[i] === '' && input[i - 1] === ''
  const lines: string[] = runs ? [] : input
  let count = 0
  let size = 0
  let m = 0
  for (let i = 0; i < input.length; i++) {
    if (i === fromRaw) {
      fromAt = count
      fromSize = size
    }
    for (; m < marks.length && marks[m] === i; m++) {
      at.push(count)
      sizeAt.push(size)
    }
    const line = input[i] ?? ''
    if (runs) {
      if (line === '' && lines[count - 1] === '') continue
      lines.push(line)
    }
    count++
    size += lineSize(target, line) + 1
  }
  for (; m < marks.length; m++) {
    at.push(count)
    sizeAt.push(size)
  }
  let trailing = 0
  for (let i = input.length - 1; i >= 0 && input[i] === ''; i--) trailing++
  const part: Part = { lines, size, trailing: Math.min(trailing, 2) }
  if (raw.meter?.stopped) part.truncated = true
  const cut = raw.cut
  if (!cut || !more) return part

  // The closing lines, the "more" line and what follows, without a run of blank lines (so
  // that the cut section's lines can be taken as they are).
  const tail = (k: number, units: number): string[] =>
    [...cut.close, '', more(units - k, cut.noun), '', ...(cut.suffix ?? [])].filter((line, i, all) => line !== '' || all[i - 1] !== '')
  if (raw.names) {
    part.cut = namesCut(target, raw.names, input, tail)
  } else if (at.length > 0 && cut.units > 1) {
    const units = cut.units
    const lead = cut.lead ? finish(target, { lines: cut.lead.lines }) : undefined
    const kept = (k: number): number => at[k - 1] ?? lines.length
    part.cut = {
      units,
      rendered: at.length,
      size: k => {
        const head = lead ? lead.size + (sizeAt[k - 1] ?? size) - fromSize : (sizeAt[k - 1] ?? size)
        return head + appendedSize(target, tail(k, units), lines[kept(k) - 1] === '')
      },
      part: k => {
        const end = kept(k)
        const rest = tail(k, units)
        const head = lead ? lead.lines.concat(lines.slice(fromAt, end)) : lines.slice(0, end)
        return finish(target, { lines: head.concat(lines[end - 1] === '' && rest[0] === '' ? rest.slice(1) : rest) })
      }
    }
  }
  return part
}

function namesCut(target: ReportTarget, list: RawNames, input: readonly string[], tail: (k: number, units: number) => string[]): Cut | undefined {
  const { names, rings } = list
  const units = names.length
  if (units < 2) return undefined
  const prefix = finish(target, { lines: input.slice(0, list.head) })
  const sum = [0]
  for (const name of names) sum.push((sum[sum.length - 1] ?? 0) + lineSize(target, name))
  const separator = lineSize(target, ', ')
  const ringLines = (k: number): string[] =>
    rings.filter(r => r.from < k).map(r => `${r.lead}${names.slice(r.from, Math.min(r.to, k)).join(', ')}`)
  return {
    units,
    rendered: units,
    size: k => {
      let size = prefix.size
      for (const r of rings) {
        if (r.from >= k) break
        const to = Math.min(r.to, k)
        size += lineSize(target, r.lead) + (sum[to] ?? 0) - (sum[r.from] ?? 0) + separator * (to - r.from - 1) + 1
      }
      return size + appendedSize(target, tail(k, units), false)
    },
    part: k => finish(target, { lines: prefix.lines.concat(ringLines(k), tail(k, units)) })
  }
}

function samePart(a: Part | null, b: Part | null): boolean {
  if (a === b) return true
  if (!a || !b || a.size !== b.size || a.trailing !== b.trailing || a.lines.length !== b.lines.length) return false
  return a.lines.every((line, i) => line === b.lines[i])
}

// ---------------------------------------------------------------------------
// Assembly

// Sections in the body's order (the order they give way in is the steps').
const KEYS = ['failed', 'readFailures', 'inProgress', 'upgraded', 'wouldUpgrade', 'pending', 'held', 'clusters', 'upToDate'] as const
type Key = (typeof KEYS)[number]

/** The level of detail each section is rendered at. */
const FIELD: Record<Key, keyof Detail> = {
  failed: 'failures',
  readFailures: 'readFailures',
  inProgress: 'inProgress',
  upgraded: 'done',
  wouldUpgrade: 'done',
  pending: 'pending',
  held: 'held',
  clusters: 'clusters',
  upToDate: 'upToDate'
}

function renderSection(ctx: Ctx, key: Key): Raw | null {
  switch (key) {
    case 'failed':
      return failedSection(ctx)
    case 'readFailures':
      return readFailuresSection(ctx)
    case 'inProgress':
      return inProgressSection(ctx)
    case 'upgraded':
      return doneSection(ctx, 'upgraded')
    case 'wouldUpgrade':
      return doneSection(ctx, 'would-upgrade')
    case 'pending':
      return pendingSection(ctx)
    case 'held':
      return heldSection(ctx)
    case 'clusters':
      return clustersSection(ctx)
    case 'upToDate':
      return upToDateSection(ctx)
  }
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
// what the cut left open, and keep the footer (the marker must survive) and the ticked
// approval boxes `keep` (the next run reads them back: a cut must not withdraw an approval).
function hardCut(target: ReportTarget, head: string, foot: string, limit: number, keep: readonly string[] = []): string {
  const note =
    target === 'issue'
      ? '\n\n> ✂️ The rest of this report did not fit in an issue; the job summary of this run has it.\n\n'
      : '\n\n> ✂️ The rest of this report did not fit in the job summary.\n\n'
  const reserved = keep.length > 0 ? sizeOf(target, `\n\n${APPROVED_HEADING}\n\n${keep.join('\n')}`) : 0
  const budget = limit - sizeOf(target, note) - sizeOf(target, foot) - reserved - 64
  let cut = head
  while (sizeOf(target, cut) > budget) {
    const over = sizeOf(target, cut) - budget
    const end = cut.lastIndexOf('\n', Math.max(0, cut.length - Math.max(over, 1)))
    cut = end > 0 ? cut.slice(0, end) : ''
  }
  const opened = (cut.match(/<details/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length
  const close = opened > 0 ? `\n\n${'</details>\n'.repeat(opened)}` : ''
  const present = new Set(cut.split('\n'))
  const missing = keep.filter(line => !present.has(line))
  const approvals = missing.length > 0 ? `\n\n${APPROVED_HEADING}\n\n${missing.join('\n')}` : ''
  return `${cut}${close}${approvals}${note}${foot}\n`
}

/**
 * Render the report. target 'issue' adds the hidden marker and approval checkboxes and keeps
 * the body under ISSUE_BODY_LIMIT; 'summary' keeps everything that fits under SUMMARY_LIMIT.
 * When the body would be too long, the least urgent sections give way first: summarised
 * (counts instead of rows), and the most urgent of those that do not fit whole keeps its
 * first rows with a line saying how many more there are. Failures are never cut.
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
    cap: target === 'issue' ? ISSUE_BODY_LIMIT : SUMMARY_LIMIT,
    lazy: {},
    byStatus: new Map(),
    upToDate: [],
    busy: [],
    texts: newTexts(),
    approved: keptApprovals(report, rows)
  }
  for (let i = 0; i < rows.all.length; i++) {
    const row = rows.all[i]
    if (!row) continue
    const list = ctx.byStatus.get(row.status)
    if (list) list.push(row)
    else ctx.byStatus.set(row.status, [row])
  }
  for (const c of rows.clusters) (isUpToDate(c) ? ctx.upToDate : ctx.busy).push(c)
  const limit = ctx.cap
  const steps = target === 'issue' ? ISSUE_STEPS : SUMMARY_STEPS
  const more = (n: number, noun: string | undefined): string => moreLine(ctx, n, noun)

  // Each section is rendered once per level of detail it is asked for.
  const rendered = new Map<string, Part | null>()
  const partOf = (key: Key, detail: Detail): Part | null => {
    const id = `${key}|${detail[FIELD[key]]}|${detail.textLimit}`
    let part = rendered.get(id)
    if (part === undefined) {
      const raw = renderSection({ ...ctx, detail }, key)
      part = raw ? finish(target, raw, more) : null
      rendered.set(id, part)
    }
    return part
  }
  const headerOf = (detail: Detail, dropped: readonly string[]): Part => finish(target, { lines: header({ ...ctx, detail }, dropped) })
  const foot = footer(ctx)
  const footSize = appendedSize(target, foot, false)
  const total = (head: Sized, parts: ReadonlyArray<Sized | null>): number => {
    let size = head.size + footSize
    let last = head
    for (const p of parts) {
      if (!p) continue
      if ('truncated' in p && p.truncated) return Infinity
      size += p.size
      last = p
    }
    return size + (last.trailing > 1 ? 1 : 0)
  }
  const layout = (detail: Detail): Array<Part | null> => KEYS.map(k => partOf(k, detail))
  const fits = (detail: Detail, dropped: readonly string[]): boolean => total(headerOf(detail, dropped), layout(detail)) < limit

  let detail = ctx.detail
  let dropped: string[] = []
  const applied: Array<{ step: Step; previous: Partial<Detail> }> = []
  for (const step of steps) {
    if (fits(detail, dropped)) break
    const previous = pick(detail, step.change)
    const next = { ...detail, ...step.change }
    // A step that changed nothing (its section is empty) is not worth a mention.
    const changed =
      KEYS.some(k => !samePart(partOf(k, detail), partOf(k, next))) ||
      ('textLimit' in step.change && !samePart(headerOf(detail, dropped), headerOf(next, dropped)))
    detail = next
    if (changed) {
      dropped.push(step.dropped)
      applied.push({ step, previous })
    }
  }
  // The last step may have freed more room than needed: give back what still fits, more
  // urgent sections first (steps were applied least urgent first).
  for (const { step, previous } of applied.slice(0, -1).reverse()) {
    const without = dropped.filter(d => d !== step.dropped)
    const candidate = { ...detail, ...previous }
    if (fits(candidate, without)) {
      dropped = without
      detail = candidate
    }
  }

  // What is still summarised, most urgent first: restore a section whole if it fits, else
  // keep the first rows that fit and stop there, so that no section shows rows while a more
  // urgent one is cut short.
  const chosen = layout(detail)
  const summarised = applied.filter(a => dropped.includes(a.step.dropped)).reverse()
  cutting: for (const { step, previous } of summarised) {
    const partial = step.partial
    if (partial === undefined) continue
    const richer = { ...detail, ...previous }
    const keys = KEYS.filter(k => FIELD[k] in step.change)
    for (let n = 0; n < keys.length; n++) {
      const i = KEYS.indexOf(keys[n] as Key)
      const full = partOf(keys[n] as Key, richer)
      if (samePart(full, chosen[i] ?? null)) continue
      // The note names the step until each of its sections is back.
      const others = keys.slice(n + 1).every(k => samePart(partOf(k, richer), chosen[KEYS.indexOf(k)] ?? null))
      const note = others ? dropped.filter(d => d !== step.dropped) : dropped
      if (total(headerOf(detail, note), chosen.map((p, j) => (j === i ? full : p))) < limit) {
        chosen[i] = full
        if (others) dropped = note
        continue
      }
      const cut = full?.cut
      if (cut) {
        const withPartial = dropped.map(d => (d === step.dropped ? partial : d))
        const head = headerOf(detail, withPartial)
        const fitsCut = (k: number): boolean => total(head, chosen.map((p, j) => (j === i ? { size: cut.size(k), trailing: 1 } : p))) < limit
        // The largest k that fits (sizes grow with k); 0 when not even one row fits.
        let lo = 0
        let hi = Math.min(cut.rendered, cut.units - 1)
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2)
          if (fitsCut(mid)) lo = mid
          else hi = mid - 1
        }
        if (lo > 0) {
          chosen[i] = cut.part(lo)
          dropped = withPartial
        }
      }
      break cutting
    }
  }

  const head = headerOf(detail, dropped)
  const parts = [head, ...chosen].filter((p): p is Part => p !== null)
  const last = parts[parts.length - 1] ?? head
  const body = ([] as string[]).concat(...parts.map(p => p.lines), last.trailing > 1 ? [''] : [])
  const lines = body.concat(foot, [''])
  const bodyLines = body.length
  const full = lines.join('\n')
  if (!parts.some(p => p.truncated) && sizeOf(target, full) < limit) return full
  const keep = target === 'issue' ? ctx.approved.map(approvedCheckbox) : []
  return hardCut(target, lines.slice(0, bodyLines).join('\n'), foot.join('\n'), limit, keep)
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
  const texts = newTexts()
  for (const row of rows.slice(0, COMMENT_ITEMS)) {
    const r = row.result
    if (!r) continue
    const where = `${escapeText(row.resourceGroup)}/**${escapeText(row.cluster)}** · ${row.pool === null ? 'control plane' : escapeText(row.pool)}`
    const error = r.outcome === 'failed' && r.error ? ` — **${escapeText(r.error.code)}**` : ''
    lines.push(`- ${icon[r.outcome] ?? ''} ${where}: ${changeOf(texts, row)}${error}`)
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
