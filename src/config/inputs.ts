// The only module that reads action inputs. It returns one typed, validated Config;
// every bad value fails here, before any network call, with a message that names the
// input, the value and what is allowed.
import type { ClusterRef, UpgradeKind } from '../model.js'
import { InputError } from '../util/errors.js'
import { CLUSTER_ID } from '../util/cluster-id.js'
import { parseBlackoutDates, parseMaintenanceWindow, validateTimeZone } from '../window/spec.js'
import type { GateOptions, WindowSetting } from '../window/gate.js'
import { FLEET_ID } from '../azure/fleet-manager.js'
import { cloudFor, type AzureEnvironment, type CloudEndpoints } from '../azure/clouds.js'
import type { SignInSettings } from '../azure/auth.js'
import type { ReadSettings } from '../azure/snapshot.js'
import type { PlannerOptions } from '../plan/planner.js'
import type { ExecuteOptions } from '../execute/executor.js'
import type { PreflightCheck, PreflightPolicy } from '../preflight/types.js'
import type { MinorApprovers } from '../approvals.js'

type IssueMode = 'dashboard' | 'per-run' | 'off'

/** Sign-in and the ARM client: what `azure/` takes. */
interface AzureSettings extends SignInSettings {
  subscriptionId: string
  environment: AzureEnvironment
  /** First LRO poll delay (production 2 s; the emulator's operations last milliseconds). */
  pollIntervalMs: number
}

/** What the planner takes, less the approvals read from the dashboard at run time. */
interface PlanSettings extends Omit<PlannerOptions, 'approvals'> {
  /** Act only on this ring; null: every ring. */
  ring: number | null
}

/** The report issue, the job summary and where they point: what `report/` and `github/` take. */
export interface ReportSettings {
  githubToken: string
  issue: IssueMode
  issueLabels: string[]
  issueTitle: string
  issueAssignees: string[]
  reportId: string
  /** IANA zone the report's times are shown in (the `timezone` input). */
  timezone: string
  /** `owner/repo` from GITHUB_REPOSITORY; '' outside a workflow run. */
  repository: string
  /** REST API root: GITHUB_API_URL (GitHub Enterprise Server, the emulator) or github.com's. */
  apiUrl: string
  /** This workflow run's page, when the runner says where it is. */
  runUrl?: string
  /** Who may tick the dashboard's approval boxes besides needing write access (`minor-approvers`); empty: anyone with write. */
  minorApprovers: MinorApprovers
}

/** Pre-flight checks before operations start: what `preflight/` takes. */
interface PreflightSettings {
  /** Empty: `preflight: none`. */
  checks: PreflightCheck[]
  policy: PreflightPolicy
}

type EngineSettings = { kind: 'direct' } | { kind: 'fleet'; fleetId: string; groups: 'ring' | 'existing' }

/**
 * Everything one run needs, validated, in the parts each phase takes:
 * inputs -> azure (sign-in) -> discovery (snapshot) -> plan -> window (gate) -> execute -> report.
 */
export interface Config {
  azure: AzureSettings
  discovery: ReadSettings
  plan: PlanSettings
  window: GateOptions
  execute: ExecuteOptions
  preflight: PreflightSettings
  report: ReportSettings
  /** Who carries out the upgrades: this job (`direct`) or Azure Kubernetes Fleet Manager (`fleet`). */
  engine: EngineSettings
  /** Test seam AKS_UPGRADE_PILOT_TEST_NOW (see util/clock.ts); unset in production. */
  testNow?: string
}

/**
 * Fallbacks for inputs read outside the runner (the runner fills in action.yml's defaults
 * itself). action.yml is the source of truth: a unit test fails when these disagree with it.
 */
export const INPUT_DEFAULTS = {
  environment: 'AzureCloud',
  audience: 'api://AzureADTokenExchange',
  upgrade: 'node-image,patch',
  'allow-preview': 'false',
  'aks-auto-upgrade': 'respect',
  'node-image-min-age-days': '0',
  'minor-approval': 'none',
  timezone: 'UTC',
  'min-window-left-minutes': '30',
  'dry-run': 'false',
  wait: 'true',
  'wait-timeout-minutes': '300',
  'max-parallel': '5',
  'max-parallel-pools': '1',
  preflight: 'quota,subnet,pdb',
  'preflight-failures': 'hold',
  'ring-tag': 'aks-upgrade-ring',
  'ring-untagged': 'first',
  'ring-soak-days': '0',
  engine: 'direct',
  'fleet-groups': 'ring',
  issue: 'dashboard',
  'issue-labels': 'aks-upgrade',
  'issue-title': 'AKS upgrade report'
} as const satisfies Record<string, string>

/**
 * Concurrent ARM reads per subscription. At typical ARM latencies (150-250 ms) six in
 * flight stay near ARM's per-subscription refill rate for reads (25/s after a 250 burst);
 * a 429 is retried by the SDK after its Retry-After.
 */
const READS_PER_SUBSCRIPTION = 6

/** The production first poll delay; AKS operations take minutes. */
const POLL_INTERVAL_MS = 2000

/** Reads one input by name ('' when unset), as `core.getInput` does. */
export type InputReader = (name: string) => string

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// ARM's own constraints (AKS-API-NOTES §1): resource group 1-90 chars, cluster 1-63.
const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$|^[-\w()]$/
const CLUSTER_NAME = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/
const UPGRADE_KINDS: readonly UpgradeKind[] = ['node-image', 'patch', 'minor']

function fail(input: string, value: string, allowed: string): never {
  throw new InputError(`Invalid ${input} '${value}': ${allowed}`)
}

/** Split a list input on newlines and commas, dropping blanks. */
function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(s => s.length > 0)
}

// The parsers below take the value with action.yml's default already filled in (withDefault).

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  const v = value.trim()
  const match = allowed.find(a => a.toLowerCase() === v.toLowerCase())
  if (match === undefined) fail(input, v, `expected one of ${allowed.map(a => `'${a}'`).join(', ')}.`)
  return match
}

function bool(input: string, value: string): boolean {
  const v = value.trim()
  // The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
  if (['true', 'True', 'TRUE'].includes(v)) return true
  if (['false', 'False', 'FALSE'].includes(v)) return false
  return fail(input, v, "expected 'true' or 'false'.")
}

function integer(input: string, value: string, min: number, max: number): number {
  const v = value.trim()
  if (!/^\d+$/.test(v)) fail(input, v, `expected a whole number from ${min} to ${max}.`)
  const n = Number(v)
  if (n < min || n > max) fail(input, v, `expected a whole number from ${min} to ${max}.`)
  return n
}

function guid(input: string, value: string): string {
  const v = value.trim()
  if (v === '') throw new InputError(`Input required and not supplied: ${input}. Expected a GUID.`)
  if (!GUID.test(v)) fail(input, v, 'expected a GUID like 00000000-0000-0000-0000-000000000000.')
  return v
}

function httpsUrl(input: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail(input, value, 'expected an https:// URL.')
  }
  if (url.protocol !== 'https:') fail(input, value, 'expected an https:// URL (Azure refuses tokens over plain http).')
  return value.replace(/\/+$/, '')
}

/** `rg/name` in the default subscription, or a full managed cluster resource id. */
function parseClusterRef(entry: string, defaultSubscription: string): ClusterRef {
  const id = CLUSTER_ID.exec(entry)
  if (id) {
    const [, subscriptionId = '', resourceGroup = '', name = ''] = id
    if (!GUID.test(subscriptionId)) fail('clusters', entry, `subscription '${subscriptionId}' is not a GUID.`)
    return checkNames(entry, { subscriptionId, resourceGroup, name })
  }
  const parts = entry.split('/')
  if (parts.length === 2 && parts[0] && parts[1]) {
    return checkNames(entry, { subscriptionId: defaultSubscription, resourceGroup: parts[0], name: parts[1] })
  }
  return fail(
    'clusters',
    entry,
    "expected 'resource-group/cluster-name' or a resource ID '/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>', separated by newlines or commas."
  )
}

function checkNames(entry: string, ref: ClusterRef): ClusterRef {
  if (!RESOURCE_GROUP.test(ref.resourceGroup)) {
    fail('clusters', entry, `'${ref.resourceGroup}' is not a valid resource group name.`)
  }
  if (!CLUSTER_NAME.test(ref.name)) {
    fail('clusters', entry, `'${ref.name}' is not a valid AKS cluster name (1-63 letters, digits, '-' and '_').`)
  }
  return ref
}

function parseUpgrade(value: string): UpgradeKind[] {
  const items = splitList(value === '' ? INPUT_DEFAULTS.upgrade : value)
  if (items.length === 0) fail('upgrade', value, "expected a comma list of 'node-image', 'patch', 'minor'.")
  const kinds: UpgradeKind[] = []
  for (const item of items) {
    const kind = UPGRADE_KINDS.find(k => k === item.toLowerCase())
    if (kind === undefined) {
      fail('upgrade', value, `'${item}' is not an upgrade kind; expected a comma list of 'node-image', 'patch', 'minor'.`)
    }
    if (!kinds.includes(kind)) kinds.push(kind)
  }
  return kinds
}

function parseTags(value: string): Record<string, string> {
  const tags: Record<string, string> = {}
  for (const pair of splitList(value)) {
    const eq = pair.indexOf('=')
    if (eq <= 0) fail('cluster-tags', pair, "expected 'key=value' pairs separated by newlines or commas, e.g. 'env=prod, team=platform'.")
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
  }
  return tags
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
// A team slug is the team name lower-cased with other characters turned into hyphens.
const TEAM_SLUG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/

type Input = (name: string) => string
type Defaulted = keyof typeof INPUT_DEFAULTS

/** An input, or its action.yml default when unset. */
function withDefault(input: Input, name: Defaulted): string {
  return input(name) || INPUT_DEFAULTS[name]
}

function readAzure(input: Input, env: NodeJS.ProcessEnv): AzureSettings {
  const clientId = guid('client-id', input('client-id'))
  const tenantId = guid('tenant-id', input('tenant-id'))
  const subscriptionId = guid('subscription-id', input('subscription-id'))
  const environment = oneOf<AzureEnvironment>('environment', withDefault(input, 'environment'), [
    'AzureCloud',
    'AzureUSGovernment',
    'AzureChinaCloud',
    'Custom'
  ])
  let cloud: CloudEndpoints
  if (environment === 'Custom') {
    const arm = input('arm-endpoint')
    const authority = input('authority-host')
    if (arm === '') throw new InputError("Input 'arm-endpoint' is required with environment 'Custom' (an https:// Resource Manager URL).")
    if (authority === '') throw new InputError("Input 'authority-host' is required with environment 'Custom' (an https:// Entra authority URL).")
    cloud = { armEndpoint: httpsUrl('arm-endpoint', arm), authorityHost: httpsUrl('authority-host', authority), custom: true }
  } else {
    cloud = cloudFor(environment)
  }
  // Test seam: the emulator's operations last milliseconds, real ones minutes.
  const pollMs = Number(env.AKS_UPGRADE_PILOT_POLL_MS)
  return {
    clientId,
    tenantId,
    subscriptionId,
    environment,
    cloud,
    audience: withDefault(input, 'audience'),
    pollIntervalMs: Number.isFinite(pollMs) && pollMs > 0 ? pollMs : POLL_INTERVAL_MS
  }
}

/** One cluster, a list, or discovery. */
function readClusters(input: Input, subscriptionId: string): ClusterRef[] {
  const resourceGroup = input('resource-group')
  const clusterName = input('cluster-name')
  const clusterList = input('clusters')
  if ((resourceGroup === '') !== (clusterName === '')) {
    throw new InputError(
      `Inputs 'resource-group' and 'cluster-name' go together: got resource-group '${resourceGroup}' and cluster-name '${clusterName}'.`
    )
  }
  if (clusterName !== '' && clusterList !== '') {
    throw new InputError("Use either 'resource-group' + 'cluster-name' for one cluster or 'clusters' for a list, not both.")
  }
  const clusters: ClusterRef[] =
    clusterName !== ''
      ? [checkNames(`${resourceGroup}/${clusterName}`, { subscriptionId, resourceGroup, name: clusterName })]
      : splitList(clusterList).map(entry => parseClusterRef(entry, subscriptionId))
  // The same cluster twice would get two concurrent operations: refuse it.
  const seen = new Set<string>()
  for (const c of clusters) {
    const key = `${c.subscriptionId}/${c.resourceGroup}/${c.name}`.toLowerCase()
    if (seen.has(key)) fail('clusters', clusterList, `${c.resourceGroup}/${c.name} is listed twice.`)
    seen.add(key)
  }
  return clusters
}

function readDiscovery(input: Input, subscriptionId: string, upgrade: UpgradeKind[], window: WindowSetting): ReadSettings {
  const clusters = readClusters(input, subscriptionId)
  // The same subscription twice would list its clusters twice and start two operations on each.
  const subscriptions = [...new Map(splitList(input('subscriptions')).map(s => [s.toLowerCase(), s])).values()]
  for (const s of subscriptions) {
    if (!GUID.test(s)) fail('subscriptions', s, 'expected subscription GUIDs separated by newlines or commas.')
  }
  return {
    clusters,
    subscriptions: subscriptions.length > 0 ? subscriptions : [subscriptionId],
    clusterTags: parseTags(input('cluster-tags')),
    upgrade,
    maintenanceConfigs: window.mode === 'cluster',
    readsPerSubscription: READS_PER_SUBSCRIPTION
  }
}

function readWindow(input: Input): GateOptions {
  const windowText = input('maintenance-window')
  const window: WindowSetting =
    windowText === ''
      ? { mode: 'none' }
      : windowText.toLowerCase() === 'cluster'
        ? { mode: 'cluster' }
        : { mode: 'spec', windows: parseMaintenanceWindow(windowText) }
  return {
    window,
    timezone: validateTimeZone(withDefault(input, 'timezone')),
    blackouts: parseBlackoutDates(input('blackout-dates')),
    minWindowLeftMinutes: integer('min-window-left-minutes', withDefault(input, 'min-window-left-minutes'), 0, 1440)
  }
}

function readEngine(input: Input, ring: number | null): EngineSettings {
  const kind = oneOf('engine', withDefault(input, 'engine'), ['direct', 'fleet'])
  const fleet = input('fleet')
  if (kind === 'direct') {
    if (fleet !== '')
      fail(
        'fleet',
        fleet,
        'it names the Fleet Manager that carries out the rings, which only engine: fleet uses. Set engine: fleet, or leave fleet empty.'
      )
    return { kind }
  }
  const m = FLEET_ID.exec(fleet)
  const name = m?.[3] ?? ''
  if (name === '' || name.length > 63 || name !== name.toLowerCase()) {
    fail(
      'fleet',
      fleet,
      'engine: fleet needs the Fleet resource id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/fleets/<name> (name: 1-63 lower-case letters, digits and dashes).'
    )
  }
  if (ring !== null) fail('ring', String(ring), 'engine: fleet carries every ring in one Fleet update run; leave ring empty.')
  return { kind, fleetId: fleet.replace(/\/+$/, ''), groups: oneOf('fleet-groups', withDefault(input, 'fleet-groups'), ['ring', 'existing']) }
}

function readPlan(input: Input, upgrade: UpgradeKind[], issue: IssueMode): PlanSettings {
  const minorApproval = oneOf('minor-approval', withDefault(input, 'minor-approval'), ['none', 'issue'])
  if (minorApproval === 'issue' && issue !== 'dashboard') {
    // Approvals are ticked in the dashboard; without one, minor upgrades would wait forever.
    throw new InputError(
      `Invalid minor-approval 'issue' with issue '${issue}': approval boxes live in the dashboard issue, so minor-approval: issue needs issue: dashboard.`
    )
  }
  return {
    upgrade,
    allowPreview: bool('allow-preview', withDefault(input, 'allow-preview')),
    aksAutoUpgrade: oneOf('aks-auto-upgrade', withDefault(input, 'aks-auto-upgrade'), ['respect', 'override']),
    nodeImageMinAgeDays: integer('node-image-min-age-days', withDefault(input, 'node-image-min-age-days'), 0, 365),
    minorApproval,
    ringTag: withDefault(input, 'ring-tag'),
    ringUntagged: oneOf('ring-untagged', withDefault(input, 'ring-untagged'), ['first', 'last']),
    ringSoakDays: integer('ring-soak-days', withDefault(input, 'ring-soak-days'), 0, 365),
    ring: input('ring') === '' ? null : integer('ring', input('ring'), 0, 1000)
  }
}

function readExecute(input: Input): ExecuteOptions {
  return {
    dryRun: bool('dry-run', withDefault(input, 'dry-run')),
    wait: bool('wait', withDefault(input, 'wait')),
    waitTimeoutMinutes: integer('wait-timeout-minutes', withDefault(input, 'wait-timeout-minutes'), 1, 10080),
    maxParallel: integer('max-parallel', withDefault(input, 'max-parallel'), 1, 100),
    maxParallelPools: integer('max-parallel-pools', withDefault(input, 'max-parallel-pools'), 1, 100)
  }
}

const PREFLIGHT_CHECKS: readonly PreflightCheck[] = ['quota', 'subnet', 'pdb']

function readPreflight(input: Input): PreflightSettings {
  const value = withDefault(input, 'preflight')
  const items = splitList(value).map(i => i.toLowerCase())
  const allowed = "expected 'none' or a comma list of 'quota', 'subnet', 'pdb'."
  if (items.length === 0) fail('preflight', value, allowed)
  const checks: PreflightCheck[] = []
  if (!(items.length === 1 && items[0] === 'none')) {
    for (const item of items) {
      const check = PREFLIGHT_CHECKS.find(c => c === item)
      if (check === undefined) fail('preflight', value, `'${item}' is not a check; ${allowed}`)
      if (!checks.includes(check)) checks.push(check)
    }
  }
  return { checks, policy: oneOf('preflight-failures', withDefault(input, 'preflight-failures'), ['hold', 'warn']) }
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env.GITHUB_SERVER_URL
  const repo = env.GITHUB_REPOSITORY
  const id = env.GITHUB_RUN_ID
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined
}

/**
 * `minor-approvers`: logins (an `@` is dropped) and `org/team` slugs. Set without approval
 * boxes it would restrict nothing while looking like it does, so that fails too.
 */
function readApprovers(input: Input, minorApproval: PlanSettings['minorApproval']): MinorApprovers {
  const value = input('minor-approvers')
  const approvers: MinorApprovers = { logins: [], teams: [] }
  const allowed = "expected GitHub logins or 'org/team' slugs separated by commas or newlines, e.g. 'alice, octo-org/platform-leads'."
  for (const item of splitList(value).map(i => i.replace(/^@/, ''))) {
    const [org = '', team, extra] = item.split('/')
    if (/\[bot\]$/i.test(item)) fail('minor-approvers', value, `'${item}' is an app; only people approve upgrades, so ${allowed}`)
    const valid = team === undefined ? LOGIN.test(item) : extra === undefined && LOGIN.test(org) && TEAM_SLUG.test(team)
    if (!valid) fail('minor-approvers', value, `'${item}' is neither a login nor an 'org/team' slug; ${allowed}`)
    const list = team === undefined ? approvers.logins : approvers.teams
    if (!list.includes(item.toLowerCase())) list.push(item.toLowerCase())
  }
  if (approvers.logins.length + approvers.teams.length > 0 && minorApproval !== 'issue') {
    fail(
      'minor-approvers',
      value,
      "it names who may tick approval boxes, and there are none without 'minor-approval: issue'. Set that, or leave minor-approvers empty."
    )
  }
  return approvers
}

function readReport(input: Input, env: NodeJS.ProcessEnv, issue: IssueMode, timezone: string, approvers: MinorApprovers): ReportSettings {
  const assignees = splitList(input('issue-assignees')).map(a => a.replace(/^@/, ''))
  for (const a of assignees) {
    if (!LOGIN.test(a)) fail('issue-assignees', a, 'expected GitHub logins separated by commas.')
  }
  const settings: ReportSettings = {
    githubToken: input('github-token'),
    issue,
    issueLabels: splitList(withDefault(input, 'issue-labels')),
    issueTitle: withDefault(input, 'issue-title'),
    issueAssignees: assignees,
    // Two workflows in one repository get two dashboards: key them by workflow name.
    reportId: input('report-id') || env.GITHUB_WORKFLOW || 'aks-upgrade-pilot',
    timezone,
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    minorApprovers: approvers
  }
  const url = runUrl(env)
  if (url !== undefined) settings.runUrl = url
  return settings
}

/**
 * Reads and validates every input, and every environment value the run uses, once. Throws
 * an InputError naming the input, the value and what is allowed; nothing has been sent yet.
 */
export function readConfig(get: InputReader, env: NodeJS.ProcessEnv = {}): Config {
  const input: Input = name => get(name).trim()
  const azure = readAzure(input, env)
  const upgrade = parseUpgrade(input('upgrade'))
  const window = readWindow(input)
  const issue = oneOf<IssueMode>('issue', withDefault(input, 'issue'), ['dashboard', 'per-run', 'off'])
  const plan = readPlan(input, upgrade, issue)
  const config: Config = {
    azure,
    discovery: readDiscovery(input, azure.subscriptionId, upgrade, window.window),
    plan,
    window,
    execute: readExecute(input),
    preflight: readPreflight(input),
    report: readReport(input, env, issue, window.timezone, readApprovers(input, plan.minorApproval)),
    engine: readEngine(input, plan.ring)
  }
  const testNow = env.AKS_UPGRADE_PILOT_TEST_NOW
  if (testNow) config.testNow = testNow
  return config
}
