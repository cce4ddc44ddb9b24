// Pre-flight: what the checks predict will fail, with the numbers and what to fix before the
// window opens; the assumptions they made; and, collapsed, the checks that could not run.
import type { ClusterPlan, Operation } from '../../model.js'
import type { CheckNotRun, Finding } from '../../preflight/types.js'
import { plural } from '../../util/text.js'
import { escapedCell } from '../cells.js'
import type { RenderContext } from '../context.js'
import { escapeCell, escapeText } from '../escape.js'
import type { SectionDraft } from '../fit.js'
import { sectionHeading, summarySection, tableSection } from './table.js'

interface Prediction {
  cluster: ClusterPlan
  op: Operation
  finding: Finding
}

const CHECK_NAMES: Record<Finding['reason'], string> = {
  'preflight-quota': 'quota',
  'preflight-subnet': 'subnet',
  'preflight-pdb': 'pdb',
  'preflight-deprecated-api': 'deprecated APIs'
}

function predictions(ctx: RenderContext): Prediction[] {
  const checked = ctx.report.preflight
  if (!checked) return []
  const out: Prediction[] = []
  for (const cluster of ctx.report.plan.clusters) {
    for (const op of cluster.operations) {
      for (const finding of checked.operations[op.key]?.findings ?? []) out.push({ cluster, op, finding })
    }
  }
  return out
}

/** What happens to the operation: held, or started anyway (warn). */
function effect(ctx: RenderContext, p: Prediction): string {
  if (p.finding.severity === 'warn') return 'warning'
  return ctx.report.preflight?.policy === 'warn' ? 'starts anyway (preflight-failures: warn)' : 'held'
}

export function preflightSection(ctx: RenderContext): SectionDraft | null {
  const found = predictions(ctx)
  if (found.length === 0) return null
  const heading = sectionHeading('🔎 Pre-flight predictions', found.length)
  if (ctx.detail.preflight === 'counts') {
    const byCheck = new Map<string, number>()
    for (const p of found) byCheck.set(p.finding.reason, (byCheck.get(p.finding.reason) ?? 0) + 1)
    return summarySection(
      heading,
      [...byCheck].map(([reason, n]) => `- **${escapeText(reason)}**: ${plural(n, 'operation')}`)
    )
  }
  return tableSection(
    ctx,
    heading,
    ['Cluster', 'Pool', 'Check', 'Prediction', 'What to do'],
    found,
    p =>
      `| ${escapedCell(ctx, `${p.cluster.cluster.resourceGroup}/${p.cluster.cluster.name}`)} | ${escapeCell(p.op.pool ?? 'control plane')} | ${escapeCell(
        `${CHECK_NAMES[p.finding.reason]}: ${effect(ctx, p)}`
      )} | ${escapedCell(ctx, p.finding.detail)} | ${escapedCell(ctx, p.finding.advice)} |`
  )
}

/** The assumptions pre-flight made (a default maxSurge, a pool on an AKS-managed network), collapsed. */
export function preflightNotesSection(ctx: RenderContext): SectionDraft | null {
  const checked = ctx.report.preflight
  if (!checked) return null
  const notes = new Map<string, string[]>()
  for (const cluster of ctx.report.plan.clusters) {
    const texts = new Set(cluster.operations.flatMap(op => checked.operations[op.key]?.notes ?? []))
    if (texts.size > 0) notes.set(`${cluster.cluster.resourceGroup}/${cluster.cluster.name}`, [...texts])
  }
  const notRun = checked.notRun
  if (notes.size === 0 && notRun.length === 0) return null
  // Under the predictions table when there is one; else a heading of its own that says the
  // checks ran and found nothing.
  const lines: string[] =
    predictions(ctx).length > 0
      ? []
      : [sectionHeading('🔎 Pre-flight'), '', `No planned operation is predicted to fail (checks: ${checked.checks.join(', ')}).`, '']
  if (notRun.length > 0) {
    lines.push(`<details><summary>Checks not run (${notRun.length.toLocaleString('en-US')})</summary>`, '')
    if (ctx.detail.preflight === 'counts') lines.push(...notRunCounts(notRun))
    else lines.push('| Check | Scope | Why | Grant |', '|---|---|---|---|', ...notRun.map(n => notRunRow(ctx, n)))
    lines.push('', '</details>', '')
  }
  if (notes.size > 0 && ctx.detail.preflight === 'table') {
    lines.push(`<details><summary>Pre-flight assumptions (${plural(notes.size, 'cluster')})</summary>`, '')
    for (const [cluster, texts] of notes) lines.push(`- **${escapeText(cluster)}**: ${texts.map(t => escapeText(t)).join(' ')}`)
    lines.push('', '</details>', '')
  }
  return lines.length > 0 ? { lines } : null
}

function notRunRow(ctx: RenderContext, n: CheckNotRun): string {
  return `| ${escapeCell(n.check)} | ${escapedCell(ctx, n.scope)} | ${escapedCell(ctx, n.reason)} | ${n.roleAction ? `\`${escapeCell(n.roleAction)}\`` : '—'} |`
}

function notRunCounts(notRun: readonly CheckNotRun[]): string[] {
  const byCheck = new Map<string, number>()
  for (const n of notRun) byCheck.set(n.check, (byCheck.get(n.check) ?? 0) + 1)
  return [...byCheck].map(([check, n]) => `- **${escapeText(check)}**: ${plural(n, 'scope')}`)
}
