// Pending: what waits (for its window, a ring, an approval), grouped by why, with the
// approval boxes the issue offers and the approvals it keeps ticked.
import type { PlanEntry } from '../../model.js'
import { approvalCheckbox, approvalKeyOf, approvedCheckbox, namesFromId, type ApprovedBox } from '../../approvals.js'
import { minorOf } from '../../plan/kubernetes.js'
import { changeOf, clusterCell, escapedCell, escapedText, flatString, nextWindowText, poolCell, poolCount } from '../cells.js'
import { rowsWith, type RenderContext } from '../context.js'
import { escapeText } from '../escape.js'
import type { SectionDraft } from '../fit.js'
import { holdLabel, REASON_LABELS, WINDOW_HOLDS } from '../labels.js'
import type { Row } from '../rows.js'
import { newRowCut, newSectionMeter, pushTable, sectionHeading } from './table.js'

export const APPROVED_HEADING = '**Approved, waiting to start.** Untick to withdraw the approval:'

interface PendingGroup {
  title: string
  rows: Row[]
  perRowDetail: boolean
}

function pendingGroups(ctx: RenderContext, rows: readonly Row[]): PendingGroup[] {
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
      if (r.holdDetail) title += ` — ${escapedText(ctx, r.holdDetail)}`
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

// Approval boxes are not rows to cut: the next run reads them back from the issue. An
// approval already given is shown ticked below, never also offered unticked.
function approvalRequests(ctx: RenderContext, asking: readonly Row[], kept: readonly ApprovedBox[]): string[] {
  const given = new Set(kept.map(a => approvalKeyOf(a.clusterId, a.minor)))
  const needApproval = approvalEntries(asking).filter(e => !given.has(approvalKeyOf(e.clusterId, minorOf(e.kubernetesVersion.target) ?? '')))
  if (needApproval.length === 0) return []
  const lines: string[] = []
  if (ctx.target === 'issue') {
    // A tick GitHub could not judge yet stays ticked, so the next run can count it.
    const recheck = new Set((ctx.report.approvals ?? []).filter(a => a.recheck).map(a => approvalKeyOf(a.clusterId, a.minor)))
    lines.push('**Needs approval.** Tick a box to let the next run start that minor upgrade (inside its maintenance window):', '')
    for (const e of needApproval) lines.push(approvalCheckbox(e, recheck.has(approvalKeyOf(e.clusterId, minorOf(e.kubernetesVersion.target) ?? ''))))
  } else {
    lines.push('**Needs approval** in the report issue (tick the box there):', '')
    for (const e of needApproval) {
      lines.push(
        `- ${escapeText(e.resourceGroup)}/**${escapeText(e.cluster)}**: Kubernetes ${escapeText(e.kubernetesVersion.current ?? '?')} → ${escapeText(e.kubernetesVersion.target ?? '?')}`
      )
    }
  }
  lines.push('')
  return lines
}

// A tick that does not count is said once, below the boxes: whoever ticked it sees why, and
// the box itself is offered again, unticked, for someone who may approve.
function refusedTicks(ctx: RenderContext): string[] {
  const refused = (ctx.report.approvals ?? []).filter(a => a.refused !== undefined)
  if (refused.length === 0) return []
  const lines = ['**Ticked, but not counted.** These minor upgrades still need an approval:', '']
  for (const a of refused) {
    const { cluster, resourceGroup } = namesFromId(a.clusterId)
    const rg = resourceGroup ? `${escapeText(resourceGroup)}/` : ''
    lines.push(`- ${rg}**${escapeText(cluster)}** to ${escapeText(a.minor)}: ${escapedText(ctx, a.refused ?? '')}.`)
  }
  lines.push('')
  return lines
}

export function pendingSection(ctx: RenderContext): SectionDraft | null {
  const rows = rowsWith(ctx, 'pending')
  const approvals = rows.filter(r => !r.result && r.entry?.reason === 'awaiting-approval')
  const asking = new Set(approvals)
  const others = rows.filter(r => !asking.has(r))
  const kept = ctx.approvedBoxes
  const refused = refusedTicks(ctx)
  if (rows.length === 0 && kept.length === 0 && refused.length === 0) return null
  // Only approvals kept from earlier runs: no rows to count.
  const lines = [sectionHeading('⏳ Pending', rows.length > 0 ? rows.length : undefined), '', ...approvalRequests(ctx, approvals, kept), ...refused]

  const counts = ctx.detail.pending === 'counts'
  const cut = counts || others.length === 0 ? undefined : newRowCut(others.length)
  const meter = newSectionMeter()
  for (const group of pendingGroups(ctx, others)) {
    if (counts) {
      lines.push(`- ${group.title}: ${poolCount(group.rows.length)}`)
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
        ? r =>
            flatString([
              '| ',
              clusterCell(ctx, r),
              ' | ',
              poolCell(r),
              ' | ',
              changeOf(ctx.texts, r),
              ' | ',
              escapedCell(ctx, r.entry?.message ?? ''),
              ' |'
            ])
        : r => flatString(['| ', clusterCell(ctx, r), ' | ', poolCell(r), ' | ', changeOf(ctx.texts, r), ' |']),
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
