// Clusters with something to do: one table of pools per cluster, by ring, or (summarised) a
// table of counts per ring. The cluster tables serve the up-to-date section too.
import type { ClusterPlan } from '../../model.js'
import { flatString, escapedText, NO_VERSION, poolCell, statusCell, type CellTexts } from '../cells.js'
import type { RenderContext } from '../context.js'
import { escapeCell, escapeText, link } from '../escape.js'
import type { RowCut, SectionDraft, SectionMeter } from '../fit.js'
import type { ClusterRows, Row, RowStatus } from '../rows.js'
import { markdownTable, newRowCut, newSectionMeter, overCap, sectionHeading, summarySection } from './table.js'

function portalUrl(clusterId: string): string | undefined {
  if (!/^\/subscriptions\/[^\s]+$/i.test(clusterId)) return undefined
  return `https://portal.azure.com/#resource${clusterId}`
}

function osCell(ctx: RenderContext, row: Row): string {
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

function versionsCell(texts: CellTexts, current: string | null | undefined, target: string | null | undefined, image: boolean): string {
  if (!current && !target) return '—'
  if (!target || target === current) return escapeCell(current ?? '—')
  return (image ? texts.imageVersions : texts.kubernetesVersions).get(current ?? NO_VERSION, target)
}

const ACTION_LABELS = { none: '—', 'node-image': 'node image', patch: 'patch', minor: 'minor' } as const
const [POOL_HEADER = '', POOL_SEPARATOR = ''] = markdownTable(['Pool', 'OS', 'Kubernetes', 'Node image', 'Action', 'Result'], [])

const NO_WARNINGS: string[] = []

export function clusterWarnings(plan: ClusterPlan, rows: readonly Row[]): string[] {
  if (plan.warnings.length === 0 && rows.every(r => !r.entry || r.entry.warnings.length === 0)) return NO_WARNINGS
  const out = new Set<string>(plan.warnings)
  for (const row of rows) {
    for (const w of row.entry?.warnings ?? []) out.add(row.pool === null ? w : `${row.pool}: ${w}`)
  }
  return [...out]
}

function poolRow(ctx: RenderContext, r: Row): string {
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

function clusterBlock(ctx: RenderContext, c: ClusterRows, lines: string[]): void {
  const cl = c.plan.cluster
  const version = cl.currentKubernetesVersion ?? cl.kubernetesVersion
  const facts = [escapeText(cl.resourceGroup), escapeText(cl.location)]
  if (version) facts.push(`Kubernetes ${escapeText(version)}`)
  const portal = portalUrl(cl.id)
  if (portal) facts.push(link('portal', portal))
  lines.push(flatString(['**', escapeText(cl.name), '** · ', facts.join(' · ')]), '')
  const warnings = clusterWarnings(c.plan, c.rows)
  for (const w of warnings) lines.push(`> ⚠️ ${escapedText(ctx, w)}`)
  if (warnings.length > 0) lines.push('')
  lines.push(POOL_HEADER, POOL_SEPARATOR)
  for (let i = 0; i < c.rows.length; i++) {
    const r = c.rows[i]
    if (r) lines.push(poolRow(ctx, r))
  }
  lines.push('')
}

export function byRing(clusters: readonly ClusterRows[]): Array<[number, ClusterRows[]]> {
  const map = new Map<number, ClusterRows[]>()
  for (const c of clusters) {
    const list = map.get(c.plan.ring)
    if (list) list.push(c)
    else map.set(c.plan.ring, [c])
  }
  return [...map.entries()].sort(([a], [b]) => a - b)
}

/** One block per cluster, by ring; each block ends a unit of `cut` (when given), and they stop at the cap. */
export function clusterTables(ctx: RenderContext, clusters: readonly ClusterRows[], lines: string[], cut?: RowCut): SectionMeter {
  const meter = newSectionMeter()
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
  return markdownTable(
    ['Ring', 'Clusters', ...columns.map(([, label]) => label)],
    byRing(clusters).map(([ring, list]) => {
      const counts = countStatuses(list)
      return [String(ring), list.length.toLocaleString('en-US'), ...columns.map(([s]) => (counts.get(s) ?? 0).toLocaleString('en-US'))]
    })
  )
}

export function clustersSection(ctx: RenderContext): SectionDraft | null {
  const busy = ctx.busyClusters
  if (busy.length === 0) return null
  const heading = sectionHeading('📋 Clusters with something to do', busy.length)
  if (ctx.detail.clusters === 'rings') return summarySection(heading, ringSummary(busy))
  const lines = [heading, '']
  lines.push(
    ctx.target === 'issue'
      ? '<details><summary>Every pool of these clusters</summary>'
      : '<details open><summary>Every pool of these clusters</summary>',
    ''
  )
  // Cut to its first clusters, the section keeps the per-ring summary of all of them.
  const cut = newRowCut(busy.length, ['</details>', ''], 'cluster')
  cut.lead = { lines: [heading, '', ...ringSummary(busy), ''], from: 2 }
  const meter = clusterTables(ctx, busy, lines, cut)
  lines.push('</details>', '')
  return { lines, cut, meter }
}
