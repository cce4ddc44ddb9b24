// Publishes the rendered report as a GitHub issue: finds the dashboard of this report id,
// rewrites it (or opens one per run) and adds the run's history comment. The report is
// rendered by report/; this module only decides where it goes and explains GitHub's refusals.
import type { RunReport } from '../model.js'
import type { ReportSettings } from '../config/inputs.js'
import { perRunTitle, renderRunComment } from '../report/comment.js'
import { hasReportMarker } from '../report/marker.js'
import { renderReport } from '../report/render.js'
import type { BodyEdit } from '../approvals.js'
import { explainGitHubError, type IssueClient, type IssueLog, type IssueRef } from './issues.js'

export class ReportPublisher {
  private readonly issues: IssueClient | undefined
  private readonly settings: ReportSettings
  private readonly log: IssueLog

  /** `issues` is undefined when no client could be made (no token, no repository). */
  constructor(issues: IssueClient | undefined, settings: ReportSettings, log: IssueLog) {
    this.issues = issues
    this.settings = settings
    this.log = log
  }

  /** Whether there is a client to reach GitHub with (a token and a repository). */
  get ready(): boolean {
    return this.issues !== undefined
  }

  /** The dashboard body's edit history, for who ticked which approval box. */
  async editHistory(issue: number): Promise<BodyEdit[]> {
    return this.client().editHistory(issue)
  }

  /** The open dashboard of this report id, or null. GitHub errors propagate with advice. */
  async findDashboard(): Promise<IssueRef | null> {
    const issues = this.client()
    const label = this.settings.issueLabels[0] ?? 'aks-upgrade'
    try {
      const found = await issues.findOpen(label, body => hasReportMarker(body, this.settings.reportId))
      this.log.info(found ? `Dashboard issue #${found.number}` : `No open dashboard for report '${this.settings.reportId}' yet`)
      return found ?? null
    } catch (error: unknown) {
      throw new Error(explainGitHubError(error, 'list issues', issues.repository))
    }
  }

  /**
   * Write the report: rewrite the dashboard (`known`, or looked up now when undefined) or
   * open a per-run issue. Returns the issue written, undefined when a per-run report had
   * nothing to say. Throws with what the user has to change.
   */
  async publish(report: RunReport, known: IssueRef | null | undefined): Promise<IssueRef | undefined> {
    const issues = this.client()
    const settings = this.settings
    const comment = renderRunComment(report)
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
