// Fleet Manager (`engine: fleet`): what this check-in did, then each update run as Fleet
// shows it, stage -> group -> member, with gates, waits and the images it installs; runs
// that wait their turn; clusters left out. Summarised to counts per stage when the body is
// too long.
import { retryCheckbox } from '../../approvals.js'
import { windowStoppedMarker } from '../../fleet-engine/markers.js'
import type { FleetEngineReport, FleetRunView } from '../../fleet-engine/types.js'
import { GATE_PREFIX } from '../../fleet-engine/mapping.js'
import { gateName, isWaiting, shownMember } from '../../fleet-engine/runs.js'
import type { GateStatus, MemberStatus, StageStatus } from '../../fleet-engine/wire.js'
import { plural } from '../../util/text.js'
import { escapedCell, instantText } from '../cells.js'
import type { RenderContext } from '../context.js'
import { codeSpan, escapeText } from '../escape.js'
import type { SectionDraft } from '../fit.js'
import { formatDuration } from '../format.js'
import { sectionHeading } from './table.js'

const STATE_ICONS: Record<string, string> = {
  Completed: '✅',
  Running: '🔄',
  Pending: '⏳',
  NotStarted: '⏸️',
  Skipped: '⏭️',
  Failed: '❌',
  Stopping: '🛑',
  Stopped: '🛑'
}

function stateText(state: string | undefined): string {
  const s = state ?? 'NotStarted'
  return `${STATE_ICONS[s] ?? '•'} ${escapeText(s)}`
}

function gateLines(ctx: RenderContext, where: string, gates: readonly GateStatus[] | undefined, stage: StageStatus): string[] {
  return (gates ?? []).map(g => {
    const id = g.gateId ? ` (gate ${codeSpan(gateName(g.gateId))})` : ''
    let waiting = ''
    if (g.status?.state === 'Pending') {
      const clusters = (stage.groups ?? [])
        .flatMap(gr => gr.members ?? [])
        .filter(isWaiting)
        .map(shownMember)
      waiting = (g.displayName ?? '').startsWith(GATE_PREFIX)
        ? `: writers' ticks of the approval boxes under "Needs approval" complete it${clusters.length > 0 ? ` (waiting: ${escapeText(clusters.join(', '))})` : ''}`
        : ': not one of this Action’s gates; whoever set it up completes it in Fleet'
    }
    const when = g.status?.completedTime ? `, ${instantText(ctx, g.status.completedTime)}` : ''
    return `- Gate ${where}, ${escapeText(g.displayName ?? 'approval')}: ${stateText(g.status?.state)}${id}${waiting}${when}`
  })
}

function waitLine(ctx: RenderContext, run: FleetRunView, stage: StageStatus): string | undefined {
  const wait = stage.afterStageWaitStatus
  const seconds = wait?.waitDurationInSeconds ?? run.waits[stage.name ?? '']
  if (!seconds) return undefined
  const days = seconds / 86_400
  const length = days >= 1 && Number.isInteger(days) ? plural(days, 'day') : `${Math.round(seconds / 60)} min`
  const start = wait?.status?.startTime
  let left = ''
  if (wait?.status?.state === 'Running' && start) {
    const end = new Date(Date.parse(start) + seconds * 1000).toISOString()
    left = `, ${formatDuration(ctx.report.startedAt, end) || 'under a minute'} left (until ${instantText(ctx, end)})`
  }
  return `- Wait after ${escapeText(stage.name ?? '')}: ${length}, ${stateText(wait?.status?.state)}${left}`
}

function memberRow(ctx: RenderContext, stage: string, group: string, m: MemberStatus): string {
  const s = m.status
  const details = [
    m.message ? escapedCell(ctx, m.message) : '',
    s?.error?.code
      ? `**${escapeText(s.error.code)}**${s.error.message && s.error.message !== m.message ? `: ${escapedCell(ctx, s.error.message)}` : ''}`
      : '',
    m.operationId ? `operation ${codeSpan(m.operationId, true)}` : ''
  ].filter(d => d !== '')
  return `| ${escapeText(stage)} | ${escapeText(group)} | ${escapeText(shownMember(m))} | ${stateText(s?.state)} | ${instantText(ctx, s?.startTime)} | ${instantText(ctx, s?.completedTime)} | ${details.join('<br>') || '—'} |`
}

function stageCounts(stage: StageStatus): string {
  const counts = new Map<string, number>()
  for (const m of (stage.groups ?? []).flatMap(g => g.members ?? []))
    counts.set(m.status?.state ?? 'NotStarted', (counts.get(m.status?.state ?? 'NotStarted') ?? 0) + 1)
  const parts = [...counts].map(([state, n]) => `${n} ${escapeText(state)}`)
  return `- ${escapeText(stage.name ?? '')}: ${stateText(stage.status?.state)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`
}

function runLines(ctx: RenderContext, run: FleetRunView): string[] {
  const when = [
    run.startTime ? `started ${instantText(ctx, run.startTime)}` : '',
    run.completedTime ? `ended ${instantText(ctx, run.completedTime)}` : ''
  ]
    .filter(Boolean)
    .join(', ')
  const lines = [`#### ${escapeText(run.name)}: ${escapeText(run.update)}, ${stateText(run.state)}${when ? ` (${when})` : ''}`, '']
  if (!run.ours) lines.push('Not created by this Action.', '')
  if (run.error?.code || run.error?.message)
    lines.push(`Error: **${escapeText(run.error.code ?? 'Unknown')}** ${escapedCell(ctx, run.error.message ?? '')}`, '')
  if (run.images.length > 0) lines.push(`Node images: ${run.images.map(v => codeSpan(v)).join(', ')}`, '')
  if (run.stoppedForWindow)
    lines.push('Stopped by this Action because the maintenance window closed; it resumes in the next window.', windowStoppedMarker(run.name), '')
  if (run.retry) {
    // Only the dashboard's box can be ticked; the job summary points to it.
    if (ctx.target === 'issue') lines.push(retryCheckbox(`${ctx.report.fleet?.fleetId ?? ''}/updateRuns/${run.name}`, run.name, run.state), '')
    else lines.push(`Nothing restarts it by itself: a writer's tick of its retry box in the dashboard issue (\`issue: dashboard\`) does.`, '')
  }
  const extra: string[] = []
  for (const stage of run.stages) {
    extra.push(...gateLines(ctx, `before ${escapeText(stage.name ?? '')}`, stage.beforeGates, stage))
    for (const g of stage.groups ?? []) extra.push(...gateLines(ctx, `before group ${escapeText(g.name ?? '')}`, g.beforeGates, stage))
    extra.push(...gateLines(ctx, `after ${escapeText(stage.name ?? '')}`, stage.afterGates, stage))
    const wait = waitLine(ctx, run, stage)
    if (wait) extra.push(wait)
  }
  if (ctx.detail.inProgress === 'counts') {
    lines.push(...run.stages.map(stageCounts), ...extra, '')
    return lines
  }
  lines.push('| Stage | Group | Member | State | Started | Ended | Details |', '|---|---|---|---|---|---|---|')
  for (const stage of run.stages) {
    for (const g of stage.groups ?? []) for (const m of g.members ?? []) lines.push(memberRow(ctx, stage.name ?? '', g.name ?? '', m))
  }
  lines.push('', ...extra, ...(extra.length > 0 ? [''] : []))
  return lines
}

export function fleetSection(ctx: RenderContext): SectionDraft | null {
  const fleet: FleetEngineReport | undefined = ctx.report.fleet
  if (!fleet) return null
  const lines = [sectionHeading(`🚢 Fleet Manager ${escapeText(fleet.fleetName)}`), '']
  if (fleet.actions.length > 0) lines.push('This run:', ...fleet.actions.map(a => `- ${escapeText(a)}`), '')
  else lines.push('This run changed nothing in Fleet.', '')
  for (const run of fleet.runs) lines.push(...runLines(ctx, run))
  if (fleet.queued.length > 0) {
    lines.push(
      'Waiting to be created:',
      ...fleet.queued.map(q => `- ${escapeText(q.name)}: ${escapeText(q.update)} for ${plural(q.clusters.length, 'cluster')}, ${escapeText(q.why)}`),
      ''
    )
  }
  if (fleet.held.length > 0) lines.push('Left out of Fleet:', ...fleet.held.map(h => `- **${escapeText(h.cluster)}**: ${escapeText(h.detail)}`), '')
  if (fleet.notes.length > 0) lines.push(...fleet.notes.map(n => `> ${escapeText(n)}`), '')
  return { lines }
}
