import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { INPUT_DEFAULTS, readConfig } from '../../src/config/inputs.ts'
import { InputError } from '../../src/util/errors.ts'

const SUB = '0b1f6471-1bf0-4dda-aec3-111122223333'
const OTHER_SUB = '9c2e1d00-aaaa-4bbb-8ccc-444455556666'
const FLEET_ID = `/subscriptions/${SUB}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/platform`
const REQUIRED = {
  'client-id': '11111111-2222-3333-4444-555555555555',
  'tenant-id': '66666666-7777-8888-9999-000000000000',
  'subscription-id': SUB
}

/** Defaults as the runner fills them in from action.yml. */
const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean; description?: string }>
  outputs: Record<string, { description?: string }>
}
const DEFAULTS: Record<string, string> = Object.fromEntries(
  Object.entries(action.inputs).map(([k, v]) => [k, k === 'github-token' ? 'ghs_test' : (v.default ?? '')])
)

function config(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const all: Record<string, string> = { ...DEFAULTS, ...REQUIRED, ...inputs }
  return readConfig(name => all[name] ?? '', env)
}

describe('action.yml', () => {
  it('describes every input and output', () => {
    for (const [name, spec] of Object.entries(action.inputs)) expect(spec.description, name).toBeTruthy()
    for (const [name, spec] of Object.entries(action.outputs)) expect(spec.description, name).toBeTruthy()
  })
  it('runs on node24 from dist/index.js', () => {
    const raw = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')
    expect(raw).toMatch(/using: node24/)
    expect(raw).toMatch(/main: dist\/index\.js/)
  })
})

// action.yml is the source of truth for defaults; readConfig's fallbacks (used outside the
// runner, which fills action.yml's defaults in itself) must say the same.
describe('defaults live once', () => {
  it('INPUT_DEFAULTS lists exactly the non-empty defaults of action.yml (github-token is an expression)', () => {
    const documented = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([name, spec]) => name !== 'github-token' && (spec.default ?? '') !== '')
        .map(([name, spec]) => [name, spec.default])
    )
    expect(INPUT_DEFAULTS).toEqual(documented)
  })
  it('an unset input reads as its action.yml default', () => {
    const unset = readConfig(name => ({ ...REQUIRED, 'github-token': 'ghs_test' })[name] ?? '', { GITHUB_WORKFLOW: 'w' })
    const filled = config({}, { GITHUB_WORKFLOW: 'w' })
    expect(unset).toEqual(filled)
  })
})

describe('readConfig: defaults', () => {
  it('gives the documented defaults', () => {
    const c = config({ 'resource-group': 'rg-dev', 'cluster-name': 'aks-dev' }, { GITHUB_WORKFLOW: 'AKS weekly' })
    expect(c.azure.environment).toBe('AzureCloud')
    expect(c.azure.cloud.armEndpoint).toBe('https://management.azure.com')
    expect(c.azure.cloud.custom).toBe(false)
    expect(c.azure.audience).toBe('api://AzureADTokenExchange')
    expect(c.plan.upgrade).toEqual(['node-image', 'patch'])
    expect(c.execute.dryRun).toBe(false)
    expect(c.execute.wait).toBe(true)
    expect(c.execute.waitTimeoutMinutes).toBe(300)
    expect(c.report.issue).toBe('dashboard')
    expect(c.report.issueLabels).toEqual(['aks-upgrade'])
    expect(c.report.issueTitle).toBe('AKS upgrade report')
    expect(c.report.reportId).toBe('AKS weekly')
    expect(c.window.window).toEqual({ mode: 'none' })
    expect(c.window.timezone).toBe('UTC')
    expect(c.window.minWindowLeftMinutes).toBe(30)
    expect(c.execute.maxParallel).toBe(5)
    expect(c.plan.ringTag).toBe('aks-upgrade-ring')
    expect(c.discovery.clusters).toEqual([{ subscriptionId: SUB, resourceGroup: 'rg-dev', name: 'aks-dev' }])
    expect(c.discovery.subscriptions).toEqual([SUB])
  })
})

describe('readConfig: clusters', () => {
  it.each([
    ['rg-dev/aks-dev', [{ subscriptionId: SUB, resourceGroup: 'rg-dev', name: 'aks-dev' }]],
    [
      'rg-dev/aks-dev, rg-prod/aks-prod',
      [
        { subscriptionId: SUB, resourceGroup: 'rg-dev', name: 'aks-dev' },
        { subscriptionId: SUB, resourceGroup: 'rg-prod', name: 'aks-prod' }
      ]
    ],
    [
      `rg-dev/aks-dev\n/subscriptions/${OTHER_SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod\n`,
      [
        { subscriptionId: SUB, resourceGroup: 'rg-dev', name: 'aks-dev' },
        { subscriptionId: OTHER_SUB, resourceGroup: 'rg-prod', name: 'aks-prod' }
      ]
    ],
    ['', []]
  ])('parses %j', (clusters, expected) => {
    expect(config({ clusters }).discovery.clusters).toEqual(expected)
  })
})

describe('readConfig: Custom environment', () => {
  it('takes arm-endpoint and authority-host and disables instance discovery', () => {
    const c = config({ environment: 'Custom', 'arm-endpoint': 'https://127.0.0.1:8443/', 'authority-host': 'https://127.0.0.1:8443' })
    expect(c.azure.cloud).toEqual({ armEndpoint: 'https://127.0.0.1:8443', authorityHost: 'https://127.0.0.1:8443', custom: true })
  })
  it.each([
    ['AzureUSGovernment', 'https://management.usgovcloudapi.net'],
    ['AzureChinaCloud', 'https://management.chinacloudapi.cn']
  ])('knows %s', (environment, arm) => {
    expect(config({ environment }).azure.cloud.armEndpoint).toBe(arm)
  })
})

// Each bad value fails with a message naming the input, the value and what is allowed.
describe('readConfig: bad input', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['client-id not a GUID', { 'client-id': 'my-app' }, /client-id 'my-app'.*GUID/],
    ['missing tenant-id', { 'tenant-id': '' }, /tenant-id/],
    ['unknown engine', { engine: 'argo' }, /engine 'argo'.*'direct', 'fleet'/],
    ['engine fleet without fleet', { engine: 'fleet' }, /fleet ''.*Fleet resource id/],
    ['fleet not a Fleet id', { engine: 'fleet', fleet: 'platform' }, /fleet 'platform'.*\/fleets\/<name>/],
    ['fleet name in upper case', { engine: 'fleet', fleet: FLEET_ID.replace('platform', 'Platform') }, /fleet '.*Platform'.*lower-case/],
    ['fleet with engine direct', { fleet: FLEET_ID }, /fleet '.*'.*only engine: fleet uses/],
    ['ring with engine fleet', { engine: 'fleet', fleet: FLEET_ID, ring: '1' }, /ring '1'.*every ring in one Fleet update run/],
    ['unknown fleet-groups', { engine: 'fleet', fleet: FLEET_ID, 'fleet-groups': 'labels' }, /fleet-groups 'labels'.*'ring', 'existing'/],
    ['subscription-id not a GUID', { 'subscription-id': 'prod' }, /subscription-id 'prod'.*GUID/],
    [
      'unknown environment',
      { environment: 'AzureGermanCloud' },
      /environment 'AzureGermanCloud'.*'AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud', 'Custom'/
    ],
    ['Custom without arm-endpoint', { environment: 'Custom', 'authority-host': 'https://login.example' }, /arm-endpoint.*required.*Custom/],
    ['Custom without authority-host', { environment: 'Custom', 'arm-endpoint': 'https://arm.example' }, /authority-host.*required.*Custom/],
    [
      'http arm-endpoint',
      { environment: 'Custom', 'arm-endpoint': 'http://arm.example', 'authority-host': 'https://login.example' },
      /arm-endpoint 'http:\/\/arm\.example'.*https/
    ],
    ['cluster-name without resource-group', { 'cluster-name': 'aks-dev' }, /resource-group.*cluster-name.*go together/],
    ['both forms', { 'resource-group': 'rg', 'cluster-name': 'aks', clusters: 'rg/aks2' }, /either/],
    ['cluster entry without a slash', { clusters: 'aks-dev' }, /clusters 'aks-dev'.*resource-group\/cluster-name/],
    ['cluster entry with too many parts', { clusters: 'a/b/c' }, /clusters 'a\/b\/c'/],
    ['cluster name with bad characters', { clusters: 'rg/aks dev!' }, /'aks dev!' is not a valid AKS cluster name/],
    ['duplicate cluster', { clusters: 'rg/aks, RG/AKS' }, /listed twice/],
    [
      'unknown upgrade kind',
      { upgrade: 'node-image,major' },
      /upgrade 'node-image,major'.*'major' is not an upgrade kind.*'node-image', 'patch', 'minor'/
    ],
    ['dry-run not a boolean', { 'dry-run': 'yes' }, /dry-run 'yes'.*'true' or 'false'/],
    ['wait-timeout-minutes not a number', { 'wait-timeout-minutes': 'soon' }, /wait-timeout-minutes 'soon'.*whole number/],
    ['wait-timeout-minutes zero', { 'wait-timeout-minutes': '0' }, /wait-timeout-minutes '0'.*from 1/],
    ['max-parallel too big', { 'max-parallel': '1000' }, /max-parallel '1000'.*1 to 100/],
    ['issue mode', { issue: 'always' }, /issue 'always'.*'dashboard', 'per-run', 'off'/],
    ['aks-auto-upgrade', { 'aks-auto-upgrade': 'ignore' }, /aks-auto-upgrade 'ignore'.*'respect', 'override'/],
    ['minor-approval', { 'minor-approval': 'slack' }, /minor-approval 'slack'.*'none', 'issue'/],
    ['cluster-tags without =', { 'cluster-tags': 'env' }, /cluster-tags 'env'.*key=value/],
    ['subscriptions not GUIDs', { subscriptions: 'prod-sub' }, /subscriptions 'prod-sub'.*GUID/],
    ['ring-untagged', { 'ring-untagged': 'middle' }, /ring-untagged 'middle'.*'first', 'last'/],
    ['ring not a number', { ring: 'prod' }, /ring 'prod'.*whole number/],
    ['approval without a dashboard', { 'minor-approval': 'issue', issue: 'off' }, /minor-approval 'issue' with issue 'off'.*issue: dashboard/],
    ['issue-assignees', { 'issue-assignees': 'not a login' }, /issue-assignees 'not a login'/],
    ['unknown time zone', { timezone: 'Mars/Olympus' }, /timezone.*Mars\/Olympus/],
    ['maintenance-window hour 25', { 'maintenance-window': 'Sat 25:00-04:00' }, /maintenance-window.*25:00/],
    ['maintenance-window unknown day', { 'maintenance-window': 'Caturday 02:00-04:00' }, /maintenance-window.*Caturday/],
    ['unknown pre-flight check', { preflight: 'quota,ips' }, /preflight 'quota,ips'.*'ips' is not a check.*'none'.*'quota', 'subnet', 'pdb'/],
    ['none with a check', { preflight: 'none,quota' }, /preflight 'none,quota'.*'none' is not a check/],
    ['preflight-failures', { 'preflight-failures': 'ignore' }, /preflight-failures 'ignore'.*'hold', 'warn'/],
    ['blackout range reversed', { 'blackout-dates': '2027-01-04..2026-12-20' }, /blackout-dates.*2027-01-04\.\.2026-12-20/]
  ])('%s', (_name, inputs, message) => {
    let thrown: unknown
    try {
      config(inputs)
    } catch (error: unknown) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InputError)
    expect((thrown as Error).message).toMatch(message)
  })
})

describe('readConfig: parsed values', () => {
  it.each<[Record<string, string>, (c: ReturnType<typeof config>) => unknown, unknown]>([
    [{ upgrade: 'minor, patch,minor' }, c => c.plan.upgrade, ['minor', 'patch']],
    [{ 'dry-run': 'True' }, c => c.execute.dryRun, true],
    [{ 'cluster-tags': 'env=prod, team = platform' }, c => c.discovery.clusterTags, { env: 'prod', team: 'platform' }],
    [{ 'issue-labels': 'aks-upgrade, ops' }, c => c.report.issueLabels, ['aks-upgrade', 'ops']],
    [{ 'issue-assignees': '@alice, bob' }, c => c.report.issueAssignees, ['alice', 'bob']],
    [{ 'maintenance-window': 'cluster' }, c => c.window.window, { mode: 'cluster' }],
    [{ 'report-id': 'prod' }, c => c.report.reportId, 'prod'],
    [{ ring: '1' }, c => c.plan.ring, 1],
    [{}, c => c.plan.ring, null],
    [{}, c => c.preflight, { checks: ['quota', 'subnet', 'pdb'], policy: 'hold' }],
    [{ preflight: 'none' }, c => c.preflight.checks, []],
    [{}, c => c.engine, { kind: 'direct' }],
    [{ engine: 'fleet', fleet: `${FLEET_ID}/` }, c => c.engine, { kind: 'fleet', fleetId: FLEET_ID, groups: 'ring' }],
    [{ engine: 'Fleet', fleet: FLEET_ID, 'fleet-groups': 'existing' }, c => c.engine, { kind: 'fleet', fleetId: FLEET_ID, groups: 'existing' }],
    [{ preflight: 'PDB, quota', 'preflight-failures': 'warn' }, c => c.preflight, { checks: ['pdb', 'quota'], policy: 'warn' }],
    [{ subscriptions: `${SUB}\n${OTHER_SUB}` }, c => c.discovery.subscriptions, [SUB, OTHER_SUB]],
    [{ subscriptions: `${SUB}, ${SUB.toUpperCase()}` }, c => c.discovery.subscriptions, [SUB.toUpperCase()]]
  ])('%j', (inputs, pick, expected) => {
    expect(pick(config(inputs))).toEqual(expected)
  })
})
