// The only module that reads action inputs. It returns one typed, validated Config;
// every bad value fails here, before any network call, with a message that names the
// input, the value and what is allowed.
import type { ClusterRef, UpgradeKind } from '../model.js'
import { InputError } from '../util/errors.js'
import {
  parseBlackoutDates,
  parseMaintenanceWindow,
  validateTimeZone,
  type DateRange
} from '../window/spec.js'
import type { WindowSetting } from '../window/gate.js'
import { cloudFor, type AzureEnvironment, type CloudEndpoints } from '../azure/clouds.js'

export type IssueMode = 'dashboard' | 'per-run' | 'off'

export interface Config {
  clientId: string
  tenantId: string
  subscriptionId: string
  environment: AzureEnvironment
  cloud: CloudEndpoints
  audience: string
  /** Clusters named by the user; empty means discovery. */
  clusters: ClusterRef[]
  /** Discovery scope and filter. */
  subscriptions: string[]
  clusterTags: Record<string, string>
  upgrade: UpgradeKind[]
  allowPreview: boolean
  aksAutoUpgrade: 'respect' | 'override'
  nodeImageMinAgeDays: number
  minorApproval: 'none' | 'issue'
  window: WindowSetting
  timezone: string
  blackouts: DateRange[]
  minWindowLeftMinutes: number
  dryRun: boolean
  wait: boolean
  waitTimeoutMinutes: number
  maxParallel: number
  ringTag: string
  ringUntagged: 'first' | 'last'
  ringSoakDays: number
  /** Act only on this ring; null: every ring. */
  ring: number | null
  githubToken: string
  issue: IssueMode
  issueLabels: string[]
  issueTitle: string
  issueAssignees: string[]
  reportId: string
}

/** Reads one input by name ('' when unset), as `core.getInput` does. */
export type InputReader = (name: string) => string

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// ARM's own constraints (AKS-API-NOTES §1): resource group 1-90 chars, cluster 1-63.
const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$|^[-\w()]$/
const CLUSTER_NAME = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/
const CLUSTER_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)\/?$/i
const UPGRADE_KINDS: readonly UpgradeKind[] = ['node-image', 'patch', 'minor']

function fail(input: string, value: string, allowed: string): never {
  throw new InputError(`Invalid ${input} '${value}': ${allowed}`)
}

/** Split a list input on newlines and commas, dropping blanks. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(s => s.length > 0)
}

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[], fallback: T): T {
  const v = value.trim()
  if (v === '') return fallback
  const match = allowed.find(a => a.toLowerCase() === v.toLowerCase())
  if (match === undefined) fail(input, v, `expected one of ${allowed.map(a => `'${a}'`).join(', ')}.`)
  return match
}

function bool(input: string, value: string, fallback: boolean): boolean {
  const v = value.trim()
  if (v === '') return fallback
  // The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
  if (['true', 'True', 'TRUE'].includes(v)) return true
  if (['false', 'False', 'FALSE'].includes(v)) return false
  return fail(input, v, "expected 'true' or 'false'.")
}

function integer(input: string, value: string, fallback: number, min: number, max: number): number {
  const v = value.trim()
  if (v === '') return fallback
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
export function parseClusterRef(entry: string, defaultSubscription: string): ClusterRef {
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
  const items = splitList(value === '' ? 'node-image,patch' : value)
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

export function readConfig(get: InputReader, env: NodeJS.ProcessEnv = {}): Config {
  const input = (name: string): string => get(name).trim()

  const clientId = guid('client-id', input('client-id'))
  const tenantId = guid('tenant-id', input('tenant-id'))
  const subscriptionId = guid('subscription-id', input('subscription-id'))

  const environment = oneOf<AzureEnvironment>(
    'environment',
    input('environment'),
    ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud', 'Custom'],
    'AzureCloud'
  )
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

  const audience = input('audience') || 'api://AzureADTokenExchange'

  // One cluster, a list, or discovery.
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

  // The same subscription twice would list its clusters twice and start two operations on each.
  const subscriptions = [...new Map(splitList(input('subscriptions')).map(s => [s.toLowerCase(), s])).values()]
  for (const s of subscriptions) {
    if (!GUID.test(s)) fail('subscriptions', s, 'expected subscription GUIDs separated by newlines or commas.')
  }

  const windowText = input('maintenance-window')
  const window: WindowSetting =
    windowText === ''
      ? { mode: 'none' }
      : windowText.toLowerCase() === 'cluster'
        ? { mode: 'cluster' }
        : { mode: 'spec', windows: parseMaintenanceWindow(windowText) }

  const labels = splitList(input('issue-labels') || 'aks-upgrade')
  const assignees = splitList(input('issue-assignees')).map(a => a.replace(/^@/, ''))
  for (const a of assignees) {
    if (!LOGIN.test(a)) fail('issue-assignees', a, 'expected GitHub logins separated by commas.')
  }

  const ringTag = input('ring-tag') || 'aks-upgrade-ring'
  const issueMode = oneOf<IssueMode>('issue', input('issue'), ['dashboard', 'per-run', 'off'], 'dashboard')
  const minorApproval = oneOf('minor-approval', input('minor-approval'), ['none', 'issue'], 'none')
  if (minorApproval === 'issue' && issueMode !== 'dashboard') {
    // Approvals are ticked in the dashboard; without one, minor upgrades would wait forever.
    throw new InputError(
      `Invalid minor-approval 'issue' with issue '${issueMode}': approval boxes live in the dashboard issue, so minor-approval: issue needs issue: dashboard.`
    )
  }

  return {
    clientId,
    tenantId,
    subscriptionId,
    environment,
    cloud,
    audience,
    clusters,
    subscriptions: subscriptions.length > 0 ? subscriptions : [subscriptionId],
    clusterTags: parseTags(input('cluster-tags')),
    upgrade: parseUpgrade(input('upgrade')),
    allowPreview: bool('allow-preview', input('allow-preview'), false),
    aksAutoUpgrade: oneOf('aks-auto-upgrade', input('aks-auto-upgrade'), ['respect', 'override'], 'respect'),
    nodeImageMinAgeDays: integer('node-image-min-age-days', input('node-image-min-age-days'), 0, 0, 365),
    minorApproval,
    window,
    timezone: validateTimeZone(input('timezone') || 'UTC'),
    blackouts: parseBlackoutDates(input('blackout-dates')),
    minWindowLeftMinutes: integer('min-window-left-minutes', input('min-window-left-minutes'), 30, 0, 1440),
    dryRun: bool('dry-run', input('dry-run'), false),
    wait: bool('wait', input('wait'), true),
    waitTimeoutMinutes: integer('wait-timeout-minutes', input('wait-timeout-minutes'), 300, 1, 10080),
    maxParallel: integer('max-parallel', input('max-parallel'), 5, 1, 100),
    ringTag,
    ringUntagged: oneOf('ring-untagged', input('ring-untagged'), ['first', 'last'], 'first'),
    ringSoakDays: integer('ring-soak-days', input('ring-soak-days'), 0, 0, 365),
    ring: input('ring') === '' ? null : integer('ring', input('ring'), 0, 0, 1000),
    githubToken: input('github-token'),
    issue: issueMode,
    issueLabels: labels,
    issueTitle: input('issue-title') || 'AKS upgrade report',
    issueAssignees: assignees,
    // Two workflows in one repository get two dashboards: key them by workflow name.
    reportId: input('report-id') || env['GITHUB_WORKFLOW'] || 'aks-upgrade-pilot'
  }
}
