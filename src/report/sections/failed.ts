// Failed: every failure whole, with what Azure said and what to do about it.
import type { ErrorInfo } from '../../model.js'
import { changeOf, escapedText, instantText } from '../cells.js'
import { rowsWith, type RenderContext } from '../context.js'
import { clip, codeSpan, escapeText, link, renderMarked } from '../escape.js'
import { explainFailedState, explainFailure, type FailureAdvice, type FailureLocation } from '../failures.js'
import type { SectionDraft } from '../fit.js'
import { formatDuration } from '../format.js'
import { REASON_LABELS } from '../labels.js'
import type { Row } from '../rows.js'
import { markdownTable, newSectionMeter, overCap, sectionHeading } from './table.js'
import { parseUsageDetails } from '../../preflight/deprecated.js'

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

function failureTitle(ctx: RenderContext, row: Row): string {
  const target = row.pool === null ? 'control plane' : `pool ${escapeText(row.pool)}`
  const ring = ctx.multiRing ? ` · ring ${row.ring}` : ''
  return `${escapeText(row.resourceGroup)}/**${escapeText(row.cluster)}** · ${target}${ring}`
}

function azureLine(ctx: RenderContext, error: ErrorInfo | undefined): string {
  if (!error) return ''
  const status = error.status !== undefined ? ` (HTTP ${error.status})` : ''
  const message = error.message ? `: ${escapedText(ctx, error.message)}` : ''
  return `**${escapeText(error.code)}**${status}${message}`
}

function skippedBecause(ctx: RenderContext, row: Row): string[] {
  if (!row.result) return []
  let byCluster = ctx.cache.rowsByCluster
  if (!byCluster) {
    byCluster = new Map()
    for (const r of ctx.rows.all) {
      const k = r.clusterId.toLowerCase()
      const list = byCluster.get(k)
      if (list) list.push(r)
      else byCluster.set(k, [r])
    }
    ctx.cache.rowsByCluster = byCluster
  }
  return (byCluster.get(row.clusterId.toLowerCase()) ?? [])
    .filter(r => r.result?.outcome === 'skipped' && r.result.holdReason === 'earlier-operation-failed')
    .map(r => (r.pool === null ? 'control plane' : r.pool))
}

/** One failure in full: what changed and when, Azure's error, cause, fix, and what it held back. */
function pushFailure(ctx: RenderContext, row: Row, what: string, error: ErrorInfo | undefined, lines: string[]): void {
  const advice = adviceFor(row)
  const r = row.result
  const timing = r?.startedAt
    ? ` · started ${instantText(ctx, r.startedAt)}${r.finishedAt ? `, failed after ${formatDuration(r.startedAt, r.finishedAt) || '< 1 min'}` : ''}`
    : r?.holdReason === 'start-refused'
      ? ' · Azure refused to start it'
      : ''
  lines.push(`#### ${failureTitle(ctx, row)}`, '', `${what}${timing}`, '')
  const azure = azureLine(ctx, error)
  if (azure) lines.push(`- **Azure:** ${azure}`)
  const usages = error ? parseUsageDetails(error.message) : []
  if (usages.length > 0) {
    // AKS's deprecated-API stop lists each API in one long sentence: a table reads better.
    lines.push(
      '',
      ...markdownTable(
        ['Deprecated API', 'Last seen', 'Removed in'],
        usages.map(u => [codeSpan(u.api, true), escapeText(u.lastSeen), escapeText(u.removedIn)])
      ),
      ''
    )
  }
  lines.push(`- **Cause:** ${renderMarked(advice.cause)}`, `- **What to do:** ${renderMarked(advice.fix)}`)
  if (advice.inspect) lines.push(`- **Inspect:** ${codeSpan(advice.inspect)}`)
  if (advice.docs)
    lines.push(
      `- **Docs:** ${link(advice.docs.includes('/troubleshoot/') ? 'troubleshooting guide on Microsoft Learn' : 'Microsoft Learn', advice.docs)}`
    )
  const skipped = skippedBecause(ctx, row)
  if (skipped.length > 0) lines.push(`- **Not started because of this failure:** ${escapeText(skipped.join(', '))}`)
  lines.push('')
}

// Failures are never cut to their first rows: each one is what an operator must act on.
export function failedSection(ctx: RenderContext): SectionDraft | null {
  const failed = rowsWith(ctx, 'failed')
  if (failed.length === 0) return null
  const lines = [sectionHeading('❌ Failed', failed.length), '']
  const meter = newSectionMeter()
  for (const row of failed) {
    // Past the cap the body is cut at a line anyway (see hardCut): the rest would be thrown away.
    if (overCap(ctx, lines, meter)) break
    const error = failureError(row)
    const what = row.result ? changeOf(ctx.texts, row) : escapedText(ctx, row.entry?.message ?? REASON_LABELS['failed-state'])
    if (ctx.detail.failures === 'compact') {
      const code = error ? ` — **${escapeText(error.code)}**${error.message ? `: ${escapeText(clip(error.message, 160))}` : ''}` : ''
      lines.push(`- ${failureTitle(ctx, row)}: ${what}${code}`)
      continue
    }
    pushFailure(ctx, row, what, error, lines)
  }
  if (ctx.detail.failures === 'compact') lines.push('', '*Cause, fix and commands for each failure are in the job summary.*')
  lines.push('')
  return { lines, meter }
}
