// Wires the phases together; the logic lives in the modules it calls.
//   inputs -> Azure snapshot -> plan -> window gate -> execute -> report
import * as core from '@actions/core'
import { readConfig, type Config } from './config/inputs.js'
import { createCredential, verifySignIn } from './azure/auth.js'
import { AksAdapter } from './azure/aks.js'
import { readFleet } from './azure/snapshot.js'
import { planFleet, type Approval } from './plan/planner.js'
import { checkWindow, type GateOptions } from './window/gate.js'
import { executePlan } from './execute/executor.js'
import { parseApprovals } from './report/approvals.js'
import { hasReportMarker, perRunTitle, renderReport, renderRunComment } from './report/render.js'
import { IssueClient, explainGitHubError, type IssueRef } from './github/issues.js'
import { attributeApprovals } from './github/approvers.js'
import { countResults, planOutput, serializePlan } from './outputs.js'
import type { FleetPlan, FleetSnapshot, OperationResult, RunReport, WindowDecision } from './model.js'
import { createClock, sleep } from './util/clock.js'
import { errorMessage } from './util/errors.js'
import { ACTION_VERSION } from './version.js'

/**
 * Concurrent ARM reads per subscription. At typical ARM latencies (150-250 ms) six in
 * flight stay near ARM's per-subscription refill rate for reads (25/s after a 250 burst);
 * a 429 is retried by the SDK after its Retry-After.
 */
const READS_PER_SUBSCRIPTION = 6

function pollInterval(env: NodeJS.ProcessEnv): number {
  // Test seam: the emulator's operations last milliseconds, real ones minutes.
  const ms = Number(env['AKS_UPGRADE_PILOT_POLL_MS'])
  return Number.isFinite(ms) && ms > 0 ? ms : 2000
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env['GITHUB_SERVER_URL']
  const repo = env['GITHUB_REPOSITORY']
  const id = env['GITHUB_RUN_ID']
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined
}

function gateOptions(config: Config): GateOptions {
  return {
    window: config.window,
    timezone: config.timezone,
    blackouts: config.blackouts,
    minWindowLeftMinutes: config.minWindowLeftMinutes
  }
}

/** `in-window` / `next-window`: whether operations could start when the run began. */
function windowStatus(config: Config, plan: FleetPlan, at: Date): RunReport['window'] {
  const gate = gateOptions(config)
  let decisions: WindowDecision[]
  if (config.window.mode === 'cluster') {
    decisions = plan.clusters
      .filter(cp => cp.operations.length > 0)
      .flatMap(cp => [...new Set(cp.operations.map(op => op.upgradeClass))].map(cls => checkWindow(gate, cp.cluster.maintenanceConfigs, cls, at)))
  } else {
    decisions = [checkWindow(gate, undefined, 'node-image', at)]
  }
  const closed = decisions.filter(d => !d.open)
  const next = closed
    .map(d => d.nextOpen)
    .filter((n): n is string => n !== undefined)
    .sort()[0]
  const status: RunReport['window'] = { inWindow: decisions.length === 0 || closed.length < decisions.length }
  // next-window is empty while operations can start (as action.yml promises).
  if (!status.inWindow && next !== undefined) status.nextWindow = next
  const detail = (closed[0] ?? decisions[0])?.detail
  if (detail !== undefined) status.detail = detail
  return status
}

export async function run(): Promise<void> {
  const env = process.env
  let now: () => Date
  let config: Config
  try {
    now = createClock(env)
    config = readConfig(name => core.getInput(name), env)
  } catch (error: unknown) {
    // Bad input: nothing was sent anywhere.
    core.setFailed(errorMessage(error))
    return
  }
  if (config.githubToken) core.setSecret(config.githubToken)
  const startedAt = now()
  const failures: string[] = []
  const notes: string[] = []
  let snapshot: FleetSnapshot = { takenAt: startedAt.toISOString(), clusters: [], kubernetesVersions: {}, readFailures: [] }
  let plan: FleetPlan = { clusters: [], rings: {} }
  let results: OperationResult[] = []
  // Ticked approval boxes of the dashboard; carried into the report so none is lost.
  let approvals: Approval[] = []
  // undefined: not looked up (yet, or the lookup failed); null: looked up, none open.
  let dashboard: IssueRef | null | undefined
  const repository = env['GITHUB_REPOSITORY'] ?? ''
  // Constructing the client sends nothing; it exists before sign-in so even a run that
  // cannot reach Azure can still report in its issue.
  let issues: IssueClient | undefined
  if (config.issue !== 'off' && repository !== '' && config.githubToken !== '') {
    try {
      issues = new IssueClient(config.githubToken, repository, { info: m => core.info(m), warning: m => core.warning(m) })
    } catch (error: unknown) {
      core.warning(errorMessage(error))
    }
  }

  try {
    const credential = await core.group('Sign in to Azure (GitHub OIDC)', async () => {
      const settings = { tenantId: config.tenantId, clientId: config.clientId, audience: config.audience, cloud: config.cloud }
      const cred = createCredential(settings)
      await verifySignIn(cred, settings)
      core.info(`Signed in to ${config.cloud.armEndpoint} as client ${config.clientId}`)
      return cred
    })

    const firstPoll = pollInterval(env)
    const adapter = new AksAdapter(credential, config.cloud, { pollIntervalMs: firstPoll, maxPollIntervalMs: Math.max(firstPoll, 30_000), sleep })

    snapshot = await core.group('Read clusters', async () => {
      const s = await readFleet(
        adapter,
        {
          clusters: config.clusters,
          subscriptions: config.subscriptions,
          clusterTags: config.clusterTags,
          upgrade: config.upgrade,
          maintenanceConfigs: config.window.mode === 'cluster',
          readsPerSubscription: READS_PER_SUBSCRIPTION
        },
        { info: m => core.info(m), warning: m => core.warning(m) },
        now
      )
      core.info(`Read ${s.clusters.filter(c => !c.readError).length} cluster(s); ${s.readFailures.length} read(s) failed`)
      return s
    })
    if (snapshot.clusters.every(c => c.readError !== undefined) && snapshot.readFailures.length > 0) {
      failures.push('No cluster could be read: see "Could not read" in the report.')
    }

    // The dashboard is looked up before planning: ticked approval boxes feed the planner.
    if (issues && config.issue === 'dashboard') {
      const client = issues
      try {
        dashboard = await core.group('Find the dashboard issue', async () => findDashboard(client, config))
        if (dashboard) approvals = parseApprovals(dashboard.body)
        if (dashboard && approvals.length > 0) {
          const number = dashboard.number
          try {
            approvals = attributeApprovals(approvals, await client.editHistory(number), parseApprovals)
          } catch (error: unknown) {
            // Edit history is GraphQL-only (and absent on some servers): approvals still count.
            core.info(`Could not read who ticked the approval boxes (${errorMessage(error)}); recording them as approved in the issue.`)
          }
        }
      } catch (error: unknown) {
        // Upgrades do not depend on GitHub; the report step tries again and fails with this.
        core.warning(`${errorMessage(error)} Minor upgrades awaiting approval stay pending.`)
      }
    }

    plan = planFleet(
      snapshot,
      {
        upgrade: config.upgrade,
        allowPreview: config.allowPreview,
        aksAutoUpgrade: config.aksAutoUpgrade,
        nodeImageMinAgeDays: config.nodeImageMinAgeDays,
        minorApproval: config.minorApproval,
        approvals,
        ringTag: config.ringTag,
        ringUntagged: config.ringUntagged,
        ringSoakDays: config.ringSoakDays
      },
      now()
    )
    if (config.ring !== null) {
      // The other rings were read and planned only so the promotion gate could see them.
      const ring = config.ring
      plan = { ...plan, clusters: plan.clusters.filter(cp => cp.ring === ring) }
      core.info(`ring: ${ring}: acting on ${plan.clusters.length} cluster(s) of ring ${ring} only`)
    }
    for (const cp of plan.clusters) {
      core.startGroup(`Plan: ${cp.cluster.resourceGroup}/${cp.cluster.name} (ring ${cp.ring})`)
      for (const e of cp.entries) core.info(`${e.pool ?? 'control plane'}: ${e.action} [${e.reason}] ${e.message}`)
      for (const w of cp.warnings) core.warning(`${cp.cluster.name}: ${w}`)
      core.endGroup()
    }

    adapter.keepRawFor(
      config.dryRun ? [] : plan.clusters.filter(cp => cp.operations.some(op => op.kind !== 'node-image')).map(cp => cp.cluster.id)
    )
    const gate = gateOptions(config)
    results = await core.group(config.dryRun ? 'Execute (dry run: nothing changes)' : 'Execute', async () =>
      executePlan(
        plan,
        { dryRun: config.dryRun, wait: config.wait, waitTimeoutMinutes: config.waitTimeoutMinutes, maxParallel: config.maxParallel },
        {
          start: async op => {
            if (op.kind === 'node-image') {
              if (!op.pool) throw new Error('node-image operation without a pool')
              return adapter.startNodeImageUpgrade(op.clusterId, op.pool)
            }
            if (op.kind === 'control-plane') return adapter.startClusterUpgrade(op.clusterId, op.to)
            if (!op.pool) throw new Error('pool-version operation without a pool')
            return adapter.startPoolUpgrade(op.clusterId, op.pool, op.to)
          },
          checkWindow: (cluster, upgradeClass, at) => checkWindow(gate, cluster.maintenanceConfigs, upgradeClass, at),
          now,
          deadlineSignal: deadline => AbortSignal.timeout(Math.max(0, deadline.getTime() - now().getTime())),
          log: { info: m => core.info(m), warning: m => core.warning(m), error: m => core.error(m) }
        }
      )
    )
  } catch (error: unknown) {
    // Sign-in and other run-wide failures: still report below, then fail.
    const message = errorMessage(error)
    failures.push(message)
    notes.push(message)
    core.error(message)
  }

  // Report: always, whatever happened above, so a failed run explains itself.
  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    timezone: config.timezone,
    dryRun: config.dryRun,
    upgrade: config.upgrade,
    reportId: config.reportId,
    actionVersion: ACTION_VERSION,
    plan,
    results,
    readFailures: snapshot.readFailures,
    notes,
    window: { inWindow: true }
  }
  try {
    report.window = windowStatus(config, plan, startedAt)
  } catch (error: unknown) {
    // A schedule the gate could not read was already reported on its operations.
    core.warning(`Could not summarise the maintenance window: ${errorMessage(error)}`)
  }
  if (approvals.length > 0) report.approvals = approvals
  const url = runUrl(env)
  if (url !== undefined) report.runUrl = url

  const counts = countResults(report)
  if (counts.failed > 0) failures.push(`${counts.failed} upgrade operation(s) failed: see "Failed" in the report.`)

  let issueRef: IssueRef | undefined
  if (config.issue !== 'off') {
    try {
      issueRef = await core.group('Write the report issue', async () => writeIssue(config, report, issues, dashboard, repository))
    } catch (error: unknown) {
      const message = errorMessage(error)
      failures.push(`The report issue could not be written: ${message} The job summary and this log carry the full report.`)
      core.error(message)
    }
  }

  // Rendered once: written to the job summary and to the log, which both keep the whole report.
  let summary: string
  try {
    summary = renderReport(report, 'summary')
  } catch (error: unknown) {
    // Never lose the report: fall back to the plan as data.
    failures.push(`The report could not be rendered: ${errorMessage(error)}`)
    summary = `## AKS upgrade report\n\nThe report could not be rendered (${errorMessage(error)}); the plan as JSON:\n\n\`\`\`json\n${JSON.stringify(planOutput(plan, results), null, 2)}\n\`\`\`\n`
  }
  try {
    await core.summary.addRaw(summary, true).write()
  } catch (error: unknown) {
    failures.push(`The job summary could not be written: ${errorMessage(error)}`)
  }
  core.startGroup('Report')
  core.info(summary)
  core.endGroup()

  const planJson = serializePlan(planOutput(plan, results))
  if (planJson.truncated) core.warning(`The plan output was shortened to fit GitHub's 1 MiB output limit (left out: ${planJson.truncated}); the job summary has everything.`)
  core.setOutput('plan', planJson.json)
  core.setOutput('upgrades-started', String(counts.started))
  core.setOutput('upgrades-failed', String(counts.failed))
  core.setOutput('pending', String(counts.pending))
  core.setOutput('in-window', String(report.window.inWindow))
  core.setOutput('next-window', report.window.nextWindow ?? '')
  core.setOutput('rings', JSON.stringify(plan.rings))
  core.setOutput('issue-number', issueRef ? String(issueRef.number) : '')
  core.setOutput('issue-url', issueRef?.url ?? '')

  if (failures.length > 0) core.setFailed(failures.join('\n'))
}

async function writeIssue(
  config: Config,
  report: RunReport,
  issues: IssueClient | undefined,
  known: IssueRef | null | undefined,
  repository: string
): Promise<IssueRef | undefined> {
  if (repository === '') throw new Error('GITHUB_REPOSITORY is not set, so there is no repository to write the issue in.')
  if (!issues || config.githubToken === '') {
    throw new Error("No GitHub token: pass 'github-token' (the default is the job's GITHUB_TOKEN) or set 'issue: off'.")
  }
  const comment = renderRunComment(report)
  try {
    if (config.issue === 'per-run') {
      const body = renderReport(report, 'issue')
      if (comment === null) {
        core.info('Nothing started, finished or failed: no per-run issue.')
        return undefined
      }
      await issues.ensureLabels(config.issueLabels)
      const created = await issues.create(perRunTitle(config.issueTitle, report), body, config.issueLabels, config.issueAssignees)
      core.info(`Opened issue #${created.number}: ${created.url}`)
      return created
    }
    // Looked up again only if the run stopped before the first lookup (e.g. sign-in failed).
    const dashboard = known === undefined ? await findDashboard(issues, config) : known
    if (known === undefined && dashboard && report.approvals === undefined) {
      // The run stopped before reading the dashboard: keep its ticked boxes in the rewrite.
      const ticked = parseApprovals(dashboard.body)
      if (ticked.length > 0) report.approvals = ticked
    }
    const body = renderReport(report, 'issue')
    let ref: IssueRef
    if (dashboard) {
      ref = await issues.update(dashboard.number, config.issueTitle, body, config.issueAssignees)
      core.info(`Updated dashboard issue #${ref.number}: ${ref.url}`)
    } else {
      await issues.ensureLabels(config.issueLabels)
      ref = await issues.create(config.issueTitle, body, config.issueLabels, config.issueAssignees)
      core.info(`Opened dashboard issue #${ref.number}: ${ref.url}`)
    }
    if (comment !== null) {
      try {
        await issues.comment(ref.number, comment)
      } catch (error: unknown) {
        // The report itself is in the issue body; only the history line is missing.
        core.warning(`The report is in issue #${ref.number}, but its history comment could not be added: ${explainGitHubError(error, 'comment on the issue', repository)}`)
      }
    }
    return ref
  } catch (error: unknown) {
    throw new Error(explainGitHubError(error, 'write the report issue', repository))
  }
}

/** The open dashboard of this report id, or null. GitHub errors propagate with advice. */
async function findDashboard(issues: IssueClient, config: Config): Promise<IssueRef | null> {
  const label = config.issueLabels[0] ?? 'aks-upgrade'
  try {
    const found = await issues.findOpen(label, body => hasReportMarker(body, config.reportId))
    core.info(found ? `Dashboard issue #${found.number}` : `No open dashboard for report '${config.reportId}' yet`)
    return found ?? null
  } catch (error: unknown) {
    throw new Error(explainGitHubError(error, 'list issues', issues.repository))
  }
}
