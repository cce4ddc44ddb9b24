// Publishes the rendered report as a GitHub issue: finds the dashboard of this report id
// (only an issue the action or a writer opened: trust.ts), reads its approvals, rewrites it
// (or opens one per run) and adds the run's history comment. The report is rendered by
// report/; this module only decides where it goes and explains GitHub's refusals.
import type { RunReport } from '../model.js'
import type { ReportSettings } from '../config/inputs.js'
import { perRunTitle, renderRunComment } from '../report/comment.js'
import { hasReportMarker } from '../report/marker.js'
import { renderReport } from '../report/render.js'
import type { Approval } from '../approvals.js'
import { explainGitHubError, type IssueClient, type IssueLog, type IssueRef } from './issues.js'
import { RepoTrust } from './trust.js'

export class ReportPublisher {
  private readonly issues: IssueClient | undefined
  private readonly settings: ReportSettings
  private readonly log: IssueLog
  private readonly trust: RepoTrust | undefined
  /** Why issues carrying the marker were not adopted, for the report (each once). */
  private readonly dashboardNotes: string[] = []

  /** `issues` is undefined when no client could be made (no token, no repository). */
  constructor(issues: IssueClient | undefined, settings: ReportSettings, log: IssueLog) {
    this.issues = issues
    this.settings = settings
    this.log = log
    this.trust = issues && new RepoTrust(issues, settings.repository)
  }

  /** Whether there is a client to reach GitHub with (a token and a repository). */
  get ready(): boolean {
    return this.issues !== undefined
  }

  /** Run notes about issues that carry this report's marker but were not adopted. */
  get notes(): readonly string[] {
    return this.dashboardNotes
  }

  /**
   * The open dashboard of this report id, or null: the newest open issue with the label and
   * marker that the action itself or someone with write access opened. GitHub errors
   * propagate with advice.
   */
  async findDashboard(): Promise<IssueRef | null> {
    const issues = this.client()
    const label = this.settings.issueLabels[0] ?? 'aks-upgrade'
    try {
      const candidates = await issues.findOpen(label, body => hasReportMarker(body, this.settings.reportId))
      const { dashboard, notes } = await this.repoTrust().adopt(candidates)
      for (const note of notes) {
        if (this.dashboardNotes.includes(note)) continue
        this.dashboardNotes.push(note)
        this.log.warning(note)
      }
      this.log.info(dashboard ? `Dashboard issue #${dashboard.number}` : `No open dashboard for report '${this.settings.reportId}' yet`)
      return dashboard
    } catch (error: unknown) {
      throw new Error(explainGitHubError(error, 'find the dashboard issue', issues.repository))
    }
  }

  /** The dashboard's ticked approval boxes, each judged: it counts only when someone who may approve ticked it. */
  async approvals(dashboard: IssueRef): Promise<Approval[]> {
    return this.repoTrust().approvals(dashboard, this.settings.minorApprovers)
  }

  /**
   * Write the report: rewrite the dashboard (`known`, or looked up now when undefined) or
   * open a per-run issue. Returns the issue written, undefined when a per-run report had
   * nothing to say. Throws with what the user has to change.
   */
  async publish(given: RunReport, known: IssueRef | null | undefined): Promise<IssueRef | undefined> {
    const issues = this.client()
    const settings = this.settings
    const comment = renderRunComment(given)
    // The dashboard may be looked up only now (a run that failed early): its notes still show.
    const report = this.withNotes(given)
    try {
      if (settings.issue === 'per-run') {
        const body = renderReport(report, 'issue')
        if (comment === null) {
          this.log.info('Nothing started, finished or failed: no per-run issue.')
          return undefined
        }
        await issues.ensureLabels(settings.issueLabels)
        const created = await issues.create(perRunTitle(settings.issueTitle, report), body, settings.issueLabels, settings.issueAssignees)
        this.log.info(`Opened issue #${created.number}: ${created.url}`)
        return created
      }
      const dashboard = known === undefined ? await this.findDashboard() : known
      const ref = await this.writeDashboard(report, dashboard)
      if (comment !== null) await this.addComment(ref, comment)
      return ref
    } catch (error: unknown) {
      throw new Error(explainGitHubError(error, 'write the report issue', settings.repository))
    }
  }

  private withNotes(report: RunReport): RunReport {
    const missing = this.dashboardNotes.filter(n => !report.notes.includes(n))
    return missing.length === 0 ? report : { ...report, notes: [...report.notes, ...missing] }
  }

  private repoTrust(): RepoTrust {
    // The same advice as every other GitHub call when there is no token or repository.
    this.client()
    if (!this.trust) throw new Error('No GitHub client to read the repository with.')
    return this.trust
  }

  private client(): IssueClient {
    if (this.settings.repository === '') throw new Error('GITHUB_REPOSITORY is not set, so there is no repository to write the issue in.')
    if (!this.issues || this.settings.githubToken === '') {
      throw new Error("No GitHub token: pass 'github-token' (the default is the job's GITHUB_TOKEN) or set 'issue: off'.")
    }
    return this.issues
  }

  private async writeDashboard(report: RunReport, dashboard: IssueRef | null): Promise<IssueRef> {
    const issues = this.client()
    const { issueTitle, issueLabels, issueAssignees } = this.settings
    const body = renderReport(report, 'issue')
    if (dashboard) {
      const ref = await issues.update(dashboard.number, issueTitle, body, issueAssignees)
      this.log.info(`Updated dashboard issue #${ref.number}: ${ref.url}`)
      return ref
    }
    await issues.ensureLabels(issueLabels)
    const ref = await issues.create(issueTitle, body, issueLabels, issueAssignees)
    this.log.info(`Opened dashboard issue #${ref.number}: ${ref.url}`)
    return ref
  }

  private async addComment(ref: IssueRef, comment: string): Promise<void> {
    try {
      await this.client().comment(ref.number, comment)
    } catch (error: unknown) {
      // The report itself is in the issue body; only the history line is missing.
      this.log.warning(
        `The report is in issue #${ref.number}, but its history comment could not be added: ${explainGitHubError(error, 'comment on the issue', this.settings.repository)}`
      )
    }
  }
}
