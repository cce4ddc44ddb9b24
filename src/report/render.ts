// The report issue and the job summary, rendered by one pure function from the run's
// results. Sections run from most to least urgent, so an operator reads what failed and
// what waits for them first; when GitHub's size limit would be exceeded, the least urgent
// detail gives way first (cut to the rows that fit, or summarised), and the body says so.
import type { RunReport } from '../model.js'
import type { ReportRows } from './rows.js'
import { approvedCheckbox } from '../approvals.js'
import { newRenderContext, type RenderContext } from './context.js'
import { ISSUE_STEPS, SHARED_LEVELS, SUMMARY_STEPS, type DetailLevels } from './detail.js'
import { fitBody, type SectionDraft } from './fit.js'
import { clustersSection } from './sections/clusters.js'
import { doneSection } from './sections/done.js'
import { failedSection } from './sections/failed.js'
import { fleetSection } from './sections/fleet.js'
import { footerLines } from './sections/footer.js'
import { headerLines } from './sections/header.js'
import { heldSection } from './sections/held.js'
import { inProgressSection } from './sections/in-progress.js'
import { APPROVED_HEADING, pendingSection } from './sections/pending.js'
import { preflightNotesSection, preflightSection } from './sections/preflight.js'
import { readFailuresSection } from './sections/read-failures.js'
import { upToDateSection } from './sections/up-to-date.js'
import { bodyLimit, type ReportTarget } from './target.js'

export { ISSUE_BODY_LIMIT, SUMMARY_LIMIT, type ReportTarget } from './target.js'

interface ReportSection {
  /** The level of detail the section is rendered at. */
  level: keyof DetailLevels
  draft(ctx: RenderContext): SectionDraft | null
}

// Sections in the body's order (the order they give way in is the steps').
const SECTIONS: readonly ReportSection[] = [
  { level: 'failures', draft: failedSection },
  { level: 'readFailures', draft: readFailuresSection },
  { level: 'inProgress', draft: fleetSection },
  { level: 'inProgress', draft: inProgressSection },
  { level: 'done', draft: ctx => doneSection(ctx, 'upgraded') },
  { level: 'done', draft: ctx => doneSection(ctx, 'would-upgrade') },
  { level: 'pending', draft: pendingSection },
  { level: 'held', draft: heldSection },
  { level: 'preflight', draft: preflightSection },
  { level: 'preflight', draft: preflightNotesSection },
  { level: 'clusters', draft: clustersSection },
  { level: 'upToDate', draft: upToDateSection }
]

/** The line after the rows a cut section keeps. */
function moreLine(target: ReportTarget, n: number, noun: string | undefined): string {
  const what = `${n.toLocaleString('en-US')} more${noun ? ` ${n === 1 ? noun : `${noun}s`}` : ''}`
  return target === 'issue'
    ? `… and ${what}: see the job summary of this run`
    : `… and ${what}, left out to stay under GitHub's 1 MiB job summary limit`
}

const HARD_CUT_NOTES: Record<ReportTarget, string> = {
  issue: '> ✂️ The rest of this report did not fit in an issue; the job summary of this run has it.',
  summary: '> ✂️ The rest of this report did not fit in the job summary.'
}

/**
 * Render the report. target 'issue' adds the hidden marker and approval checkboxes and keeps
 * the body under ISSUE_BODY_LIMIT; 'summary' keeps everything that fits under SUMMARY_LIMIT.
 * When the body would be too long, the least urgent sections give way first: summarised
 * (counts instead of rows), and the most urgent of those that do not fit whole keeps its
 * first rows with a line saying how many more there are. Failures are never cut. `rows`: the
 * report's rows when the caller built them already (buildRows(report)).
 */
export function renderReport(report: RunReport, target: ReportTarget, rows?: ReportRows): string {
  const ctx = newRenderContext(report, target, rows)
  return fitBody({
    target,
    limit: bodyLimit(target),
    levels: ctx.detail,
    steps: target === 'issue' ? ISSUE_STEPS : SUMMARY_STEPS,
    sections: SECTIONS.map(s => ({ level: s.level, draft: (detail: DetailLevels) => s.draft({ ...ctx, detail }) })),
    sharedLevels: SHARED_LEVELS,
    header: (detail, dropped) => headerLines({ ...ctx, detail }, dropped),
    footer: footerLines(ctx),
    moreLine: (n, noun) => moreLine(target, n, noun),
    hardCutNote: HARD_CUT_NOTES[target],
    // A cut must not withdraw an approval: the issue keeps its ticked boxes.
    keep: { heading: APPROVED_HEADING, lines: target === 'issue' ? ctx.approvedBoxes.map(approvedCheckbox) : [] }
  })
}
