// Wires the phases together; the logic lives in the modules it calls.
//   inputs -> Azure snapshot -> plan -> window gate -> execute -> report
import * as core from '@actions/core'
import { readConfig, type Config } from './config/inputs.js'
import { createCredential, verifySignIn } from './azure/auth.js'
import { AksAdapter } from './azure/aks.js'
import { readFleet } from './azure/snapshot.js'
import { planFleet } from './plan/planner.js'
import { checkWindow } from './window/gate.js'
import { windowStatus } from './window/status.js'
import { executePlan } from './execute/executor.js'
import { FleetClient } from './azure/fleet-manager.js'
import { runFleetEngine } from './fleet-engine/engine.js'
import { heldBefore } from './fleet-engine/mapping.js'
import { parseWindowStopped } from './fleet-engine/markers.js'
import type { FleetEngineReport } from './fleet-engine/types.js'
import { AKS_SERVER_SCOPE, kubeClient, readPreflightFacts } from './azure/preflight-reads.js'
import { DEFAULT_BACKOFF } from './azure/retry.js'
import { CapacityLedger } from './preflight/capacity.js'
import { evaluatePreflight, preflightHold } from './preflight/evaluate.js'
import type { PreflightReport } from './preflight/types.js'
import { renderReport } from './report/render.js'
import { countResults, planOutput, serializePlan } from './report/outputs.js'
import { IssueClient, type IssueRef } from './github/issues.js'
import { ReportPublisher } from './github/publisher.js'
import { keptApprovals, parseApprovals, type Approval } from './approvals.js'
import { buildRows, type ReportRows } from './report/rows.js'
import type { TokenCredential } from '@azure/identity'
import type { FleetPlan, FleetSnapshot, OperationResult, RunReport } from './model.js'
import { createClock, sleep } from './util/clock.js'
import { errorMessage } from './util/errors.js'
import { ACTION_VERSION } from './version.js'
import { CancelledError, unlessCancelled } from './util/cancel.js'

const log = { info: (m: string) => core.info(m), warning: (m: string) => core.warning(m), error: (m: string) => core.error(m) }

/** What the phases produced; each phase fills in its part, and the report reads them all. */
interface RunState {
  snapshot: FleetSnapshot
  plan: FleetPlan
  results: OperationResult[]
  /** Ticked approval boxes of the dashboard; carried into the report so none is lost. */
  approvals: Approval[]
  /** undefined: not looked up (yet, or the lookup failed); null: looked up, none open. */
  dashboard: IssueRef | null | undefined
  /** What pre-flight predicted; undefined with `preflight: none` or before it ran. */
  preflight?: PreflightReport
  /** `engine: fleet`: the update runs this check-in saw and what it did to them. */
  fleet?: FleetEngineReport
  failures: string[]
  notes: string[]
}

export async function run(): Promise<void> {
  let now: () => Date
  let config: Config
  try {
    config = readConfig(name => core.getInput(name), process.env)
    now = createClock(config.testNow)
  } catch (error: unknown) {
    // Bad input: nothing was sent anywhere.
    core.setFailed(errorMessage(error))
    return
  }
  if (config.report.githubToken) core.setSecret(config.report.githubToken)
  const startedAt = now()
  const state: RunState = {
    snapshot: { takenAt: startedAt.toISOString(), clusters: [], kubernetesVersions: {}, readFailures: [] },
    plan: { clusters: [], rings: {} },
    results: [],
    approvals: [],
    dashboard: undefined,
    failures: [],
    notes: []
  }
  // Made before sign-in (it sends nothing) so even a run that cannot reach Azure still reports.
  const publisher = new ReportPublisher(issueClient(config), config.report, log)
  const cancel = listenForCancel()
  try {
    await upgrade(config, state, publisher, now, cancel)
    // Cancelled while operations ran: they were left running in Azure, the run still fails.
    if (cancel.aborted) throw cancel.reason
  } catch (error: unknown) {
    // Sign-in and other run-wide failures: still report below, then fail.
    const message = errorMessage(error)
    state.failures.push(message)
    state.notes.push(message)
    core.error(message)
  }
  await report(config, state, publisher, startedAt)
}

/** How long after the runner's first signal the process may still take: it kills soon after. */
const CANCEL_GRACE_MS = 4_500

/**
 * The runner cancels a job (a person, or `timeout-minutes`) with SIGINT, then SIGTERM a few
 * seconds later. On the first: start nothing new, stop waiting (operations go on in Azure),
 * write the report, and leave within 5 s whatever the report still waits for.
 */
function listenForCancel(): AbortSignal {
  const cancel = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (cancel.signal.aborted) return
    core.warning(`Received ${signal}: starting nothing new, and reporting what was done and what still runs in Azure.`)
    cancel.abort(new CancelledError(signal))
    setTimeout(() => process.exit(1), CANCEL_GRACE_MS).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return cancel.signal
}

function issueClient(config: Config): IssueClient | undefined {
  const { issue, repository, githubToken, apiUrl } = config.report
  if (issue === 'off' || repository === '' || githubToken === '') return undefined
  try {
    return new IssueClient(githubToken, repository, apiUrl, log)
  } catch (error: unknown) {
    core.warning(errorMessage(error))
    return undefined
  }
}

/** Sign in, read, plan and execute. Throws on run-wide failures; the report follows in any case. */
async function upgrade(config: Config, state: RunState, publisher: ReportPublisher, now: () => Date, cancel: AbortSignal): Promise<void> {
  const { azure } = config
  const credential = await unlessCancelled(
    core.group('Sign in to Azure (GitHub OIDC)', async () => {
      const cred = createCredential(azure)
      await verifySignIn(cred, azure)
      core.info(`Signed in to ${azure.cloud.armEndpoint} as client ${azure.clientId}`)
      return cred
    }),
    cancel
  )
  const adapter = new AksAdapter(credential, azure.cloud, {
    pollIntervalMs: azure.pollIntervalMs,
    // The poll backs off from the first delay to 5 s at most, so a slot is freed within 5 s of
    // its operation's end (and never later than a status monitor's Retry-After of 5 s or more asks).
    maxPollIntervalMs: Math.max(azure.pollIntervalMs, 5_000),
    sleep,
    readRetry: { ...DEFAULT_BACKOFF, sleep },
    log: message => core.info(message)
  })

  // Reads cannot be called back; a cancelled run leaves them behind and reports at once.
  state.snapshot = await unlessCancelled(
    core.group('Read clusters', async () => {
      const s = await readFleet(adapter, config.discovery, log, now)
      core.info(`Read ${s.clusters.filter(c => !c.readError).length} cluster(s); ${s.readFailures.length} read(s) failed`)
      return s
    }),
    cancel
  )
  if (state.snapshot.clusters.every(c => c.readError !== undefined) && state.snapshot.readFailures.length > 0) {
    state.failures.push('No cluster could be read: see "Could not read" in the report.')
  }

  // The dashboard is looked up before planning: ticked approval boxes feed the planner.
  if (publisher.ready && config.report.issue === 'dashboard') await readApprovals(state, publisher)

  const { ring, ...planOptions } = config.plan
  state.plan = planFleet(state.snapshot, { ...planOptions, approvals: state.approvals }, now())
  if (ring !== null) {
    // The other rings were read and planned only so the promotion gate could see them.
    state.plan = { ...state.plan, clusters: state.plan.clusters.filter(cp => cp.ring === ring) }
    core.info(`ring: ${ring}: acting on ${state.plan.clusters.length} cluster(s) of ring ${ring} only`)
  }
  logPlan(state.plan)
  // Only PUT bodies need the raw resources (and the Fleet engine sends none): forget the rest
  // before pre-flight and the report.
  const { execute } = config
  adapter.keepRawFor(
    execute.dryRun || config.engine.kind === 'fleet'
      ? []
      : state.plan.clusters.filter(cp => cp.operations.some(op => op.kind !== 'node-image')).map(cp => cp.cluster.id)
  )

  if (config.preflight.checks.length > 0) await unlessCancelled(preflight(config, state, adapter, credential), cancel)
  const checked = state.preflight
  const ledger = new CapacityLedger(checked?.budgets ?? [])

  if (config.engine.kind === 'fleet') {
    await unlessCancelled(fleetCheckIn(config, config.engine.fleetId, config.engine.groups, state, adapter, now), cancel)
    return
  }
  state.results = await core.group(execute.dryRun ? 'Execute (dry run: nothing changes)' : 'Execute', async () =>
    executePlan(state.plan, execute, {
      start: async op => adapter.start(op),
      checkWindow: (cluster, upgradeClass, at) => checkWindow(config.window, cluster.maintenanceConfigs, upgradeClass, at),
      preflight: {
        hold: op => preflightHold(checked, op.key),
        acquire: async (op, waiting) => ledger.acquire(checked?.operations[op.key]?.claims ?? [], waiting)
      },
      now,
      stop: cancel,
      deadlineSignal: deadline => AbortSignal.timeout(Math.max(0, deadline.getTime() - now().getTime())),
      log
    })
  )
}

/**
 * `engine: fleet`: Fleet Manager carries out the rings; this run decides what each ring
 * gets, when a run may go, completes gates writers approved, and reads the run back.
 */
async function fleetCheckIn(
  config: Config,
  fleetId: string,
  groups: 'ring' | 'existing',
  state: RunState,
  adapter: AksAdapter,
  now: () => Date
): Promise<void> {
  const api = new FleetClient(fleetId, async (subscriptionId, request) => adapter.armSend(subscriptionId, request))
  // Fleet honours each member's AKS maintenance window itself; ours decides when a run may go.
  const gate = config.window.window.mode === 'cluster' ? { ...config.window, window: { mode: 'none' as const } } : config.window
  const dashboard = state.dashboard
  // An upgrade pre-flight predicts to fail keeps its cluster out of the run (and skipped in it).
  const held = heldBefore(state.plan.clusters, key => {
    const finding = preflightHold(state.preflight, key)
    return finding && { reason: finding.reason, detail: `${finding.detail}: ${finding.advice}` }
  })
  const result = await core.group(config.execute.dryRun ? 'Fleet Manager (dry run: nothing changes)' : 'Fleet Manager', async () =>
    runFleetEngine(state.plan, api, {
      fleetId,
      groups,
      maxParallel: config.execute.maxParallel,
      ringSoakDays: config.plan.ringSoakDays,
      approvalGates: config.plan.minorApproval === 'issue',
      now: now(),
      held,
      dryRun: config.execute.dryRun,
      window: at => checkWindow(gate, undefined, 'patch', at),
      approvals: state.approvals,
      windowStopped: parseWindowStopped(dashboard?.body ?? ''),
      // With a dashboard its marks decide (unreadable: no run resumes by itself); without one, guess.
      guessStops: config.report.issue !== 'dashboard',
      log
    })
  )
  state.results = result.results
  state.fleet = result.report
  state.failures.push(...result.report.failures)
}

/** Read what the checks need and predict which operations would fail. Never fails the run. */
async function preflight(config: Config, state: RunState, adapter: AksAdapter, credential: TokenCredential): Promise<void> {
  await core.group('Pre-flight checks', async () => {
    try {
      const facts = await readPreflightFacts(state.plan, config.preflight.checks, {
        armGet: async (subscriptionId, path) => adapter.armGet(subscriptionId, path),
        userKubeconfig: async cluster => adapter.userKubeconfig(cluster),
        apiServerToken: async () => {
          const token = await credential.getToken(AKS_SERVER_SCOPE)
          if (!token) throw new Error('Entra ID returned no token for the AKS server application')
          return token.token
        },
        kube: kubeClient,
        readsPerSubscription: config.discovery.readsPerSubscription,
        log,
        secret: value => core.setSecret(value)
      })
      state.preflight = evaluatePreflight(state.plan, facts, config.preflight)
      for (const [key, check] of Object.entries(state.preflight.operations)) {
        for (const f of check.findings) core.warning(`Pre-flight ${f.reason} on ${key}: ${f.detail}`)
      }
      for (const n of state.preflight.notRun) core.info(`Check not run: ${n.check} on ${n.scope}: ${n.reason}`)
    } catch (error: unknown) {
      // A defect of ours must not stop the upgrades the checks only advise on.
      const message = `Pre-flight checks could not run: ${errorMessage(error)}`
      state.notes.push(message)
      core.warning(message)
    }
  })
}

/**
 * Find the dashboard (an issue the action or a writer opened) and its ticked approval boxes,
 * each counted only when GitHub shows who ticked it and that person may approve.
 */
async function readApprovals(state: RunState, publisher: ReportPublisher): Promise<void> {
  try {
    const dashboard = await core.group('Find the dashboard issue', async () => publisher.findDashboard())
    state.dashboard = dashboard
    state.notes.push(...publisher.notes)
    if (dashboard) state.approvals = await core.group('Check who ticked the approval boxes', async () => publisher.approvals(dashboard))
    // A refused tick leaves its minor upgrade awaiting approval; the report says why.
    for (const a of state.approvals) if (a.refused !== undefined) core.warning(`Approval of ${a.clusterId} to ${a.minor} not counted: ${a.refused}.`)
  } catch (error: unknown) {
    // Upgrades do not depend on GitHub; the report step tries again and fails with this.
    core.warning(`${errorMessage(error)} Minor upgrades awaiting approval stay pending.`)
  }
}

function logPlan(plan: FleetPlan): void {
  for (const cp of plan.clusters) {
    core.startGroup(`Plan: ${cp.cluster.resourceGroup}/${cp.cluster.name} (ring ${cp.ring})`)
    for (const e of cp.entries) core.info(`${e.pool ?? 'control plane'}: ${e.action} [${e.reason}] ${e.message}`)
    for (const w of cp.warnings) core.warning(`${cp.cluster.name}: ${w}`)
    core.endGroup()
  }
}

/** Report: always, whatever happened above, so a failed run explains itself. */
async function report(config: Config, state: RunState, publisher: ReportPublisher, startedAt: Date): Promise<void> {
  const { failures } = state
  if (config.report.issue === 'dashboard' && state.dashboard === undefined) {
    // The run stopped before reading the dashboard (e.g. sign-in failed): keep its ticked
    // boxes in the rewrite. A failed lookup is reported by the write that follows.
    try {
      state.dashboard = await publisher.findDashboard()
      if (state.dashboard) state.approvals = parseApprovals(state.dashboard.body)
    } catch {
      state.dashboard = undefined
    }
  }
  const { runReport, rows } = buildReport(config, state, startedAt)
  const counts = countResults(runReport, rows)
  if (counts.failed > 0) failures.push(`${counts.failed} upgrade operation(s) failed: see "Failed" in the report.`)

  // The job summary first: it is local and fast, so a cancelled run that is killed while the
  // issue is written still leaves the full report.
  await writeSummary(runReport, rows, failures)
  let issueRef: IssueRef | undefined
  if (config.report.issue !== 'off') {
    try {
      issueRef = await core.group('Write the report issue', async () => publisher.publish(runReport, state.dashboard))
    } catch (error: unknown) {
      const message = errorMessage(error)
      failures.push(`The report issue could not be written: ${message} The job summary and this log carry the full report.`)
      core.error(message)
    }
  }
  setOutputs(runReport, rows, issueRef)
  if (failures.length > 0) core.setFailed(failures.join('\n'))
}

/** The report, and its rows: built once, for the approvals, the counts, the summary and the outputs. */
function buildReport(config: Config, state: RunState, startedAt: Date): { runReport: RunReport; rows: ReportRows } {
  const runReport: RunReport = {
    startedAt: startedAt.toISOString(),
    timezone: config.report.timezone,
    dryRun: config.execute.dryRun,
    upgrade: config.plan.upgrade,
    reportId: config.report.reportId,
    actionVersion: ACTION_VERSION,
    plan: state.plan,
    results: state.results,
    readFailures: state.snapshot.readFailures,
    notes: state.notes,
    window: { inWindow: true }
  }
  try {
    runReport.window = windowStatus(config.window, state.plan, startedAt)
  } catch (error: unknown) {
    // A schedule the gate could not read was already reported on its operations.
    core.warning(`Could not summarise the maintenance window: ${errorMessage(error)}`)
  }
  if (state.preflight) runReport.preflight = state.preflight
  if (state.fleet) runReport.fleet = state.fleet
  if (state.approvals.length > 0) runReport.approvals = state.approvals
  // Which ticked boxes stay, decided once: the issue and the summary render the same list.
  const rows = buildRows(runReport)
  runReport.approved = keptApprovals(runReport, rows)
  if (config.report.runUrl !== undefined) runReport.runUrl = config.report.runUrl
  return { runReport, rows }
}

/** The job summary and the log both keep the whole report, rendered once. */
async function writeSummary(runReport: RunReport, rows: ReportRows, failures: string[]): Promise<void> {
  let summary: string
  try {
    summary = renderReport(runReport, 'summary', rows)
  } catch (error: unknown) {
    // Never lose the report: fall back to the plan as data.
    failures.push(`The report could not be rendered: ${errorMessage(error)}`)
    summary = `## AKS upgrade report\n\nThe report could not be rendered (${errorMessage(error)}); the plan as JSON:\n\n\`\`\`json\n${JSON.stringify(planOutput(runReport.plan, runReport.results), null, 2)}\n\`\`\`\n`
  }
  try {
    await core.summary.addRaw(summary, true).write()
  } catch (error: unknown) {
    failures.push(`The job summary could not be written: ${errorMessage(error)}`)
  }
  core.startGroup('Report')
  core.info(summary)
  core.endGroup()
}

function setOutputs(runReport: RunReport, rows: ReportRows, issueRef: IssueRef | undefined): void {
  const counts = countResults(runReport, rows)
  const planJson = serializePlan(planOutput(runReport.plan, runReport.results))
  if (planJson.truncated)
    core.warning(
      `The plan output was shortened to fit GitHub's 1 MiB output limit (left out: ${planJson.truncated}); the job summary has everything.`
    )
  core.setOutput('plan', planJson.json)
  core.setOutput('upgrades-started', String(counts.started))
  core.setOutput('upgrades-failed', String(counts.failed))
  core.setOutput('pending', String(counts.pending))
  core.setOutput('in-window', String(runReport.window.inWindow))
  core.setOutput('next-window', runReport.window.nextWindow ?? '')
  core.setOutput('rings', JSON.stringify(runReport.plan.rings))
  core.setOutput('issue-number', issueRef ? String(issueRef.number) : '')
  core.setOutput('issue-url', issueRef?.url ?? '')
}
