// Pre-flight reads: what the checks need, read once each for the whole run. The Compute SKU
// list once per location, Compute usages once per subscription and location, each virtual
// network's usages once, and each cluster's API server (PodDisruptionBudgets, and the
// deprecated-API metric before a minor) once. Only for clusters with an operation planned.
// A read that fails never fails the run: it becomes a "check not run" with what to grant.
import type { ClusterPlan, ClusterSnapshot, FleetPlan } from '../model.js'
import { KubeClient, KubeStatusError, KubeUnreachableError } from '../kube/client.js'
import { parseKubeconfig, type ApiServerTarget } from '../kube/kubeconfig.js'
import { parseDeprecatedApiMetric } from '../preflight/deprecated.js'
import { locationKey, usageKey } from '../preflight/evaluate.js'
import { isBlocking, poolOfNode, poolsOf, selectorQuery } from '../preflight/pdb.js'
import { parseNodes, parsePdbs, parsePods } from '../preflight/wire.js'
import type { CheckNotRun, ClusterApiFacts, PreflightCheck, PreflightFacts, Usage, VmSize } from '../preflight/types.js'
import { parseClusterId } from '../util/cluster-id.js'
import { errorMessage, toErrorInfo } from '../util/errors.js'
import { createLimiter, keyedLimiter } from '../util/limit.js'

/** The AKS server application: Entra-integrated API servers accept tokens for it. */
export const AKS_SERVER_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default'

const API_VERSIONS = { skus: '2021-07-01', usages: '2024-11-01', vnetUsages: '2024-05-01' }

const ROLE_ACTIONS = {
  skus: 'Microsoft.Compute/skus/read',
  usages: 'Microsoft.Compute/locations/usages/read',
  vnet: 'Microsoft.Network/virtualNetworks/usages/read',
  credential: 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action'
}

export interface PreflightReadDeps {
  armGet(subscriptionId: string, path: string): Promise<unknown>
  userKubeconfig(cluster: ClusterSnapshot): Promise<string>
  /** A token for the AKS server application (Entra-integrated clusters). */
  apiServerToken(): Promise<string>
  kube(target: ApiServerTarget, token: string | undefined): Pick<KubeClient, 'list' | 'getText'>
  readsPerSubscription: number
  log: { info(message: string): void }
  /** Masks a secret in the job log (a local account's token or client key). */
  secret(value: string): void
}

/** The default Kubernetes client: 5 s to connect, 30 s per request. */
export function kubeClient(target: ApiServerTarget, token: string | undefined): KubeClient {
  return new KubeClient(target, { connectTimeoutMs: 5_000, requestTimeoutMs: 30_000, ...(token !== undefined ? { token } : {}) })
}

function isForbidden(error: unknown): boolean {
  const info = toErrorInfo(error)
  return info.status === 403 || info.code === 'AuthorizationFailed'
}

/** ARM's `value` array, page by page (`nextLink`). */
async function armList(deps: PreflightReadDeps, counter: { n: number }, subscriptionId: string, path: string): Promise<unknown[]> {
  const out: unknown[] = []
  let next: string | undefined = path
  while (next) {
    counter.n++
    const body = (await deps.armGet(subscriptionId, next)) as { value?: unknown; nextLink?: unknown } | undefined
    if (Array.isArray(body?.value)) out.push(...(body.value as unknown[]))
    next = typeof body?.nextLink === 'string' && body.nextLink !== '' ? body.nextLink : undefined
  }
  return out
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function parseSkus(values: unknown[]): Map<string, VmSize> {
  const sizes = new Map<string, VmSize>()
  for (const v of values as Array<Record<string, unknown>>) {
    if (typeof v !== 'object' || v === null || String(v.resourceType).toLowerCase() !== 'virtualmachines') continue
    const caps = Array.isArray(v.capabilities) ? (v.capabilities as Array<{ name?: unknown; value?: unknown }>) : []
    const vCpus = Number(caps.find(c => c.name === 'vCPUs')?.value)
    if (typeof v.name === 'string' && typeof v.family === 'string' && vCpus > 0) sizes.set(v.name.toLowerCase(), { family: v.family, vCpus })
  }
  return sizes
}

function parseUsages(values: unknown[]): Map<string, Usage> {
  const usages = new Map<string, Usage>()
  for (const v of values as Array<{ name?: { value?: unknown }; currentValue?: unknown; limit?: unknown }>) {
    const name = v?.name?.value
    const current = num(v?.currentValue)
    const limit = num(v?.limit)
    if (typeof name === 'string' && current !== undefined && limit !== undefined) usages.set(name.toLowerCase(), { current, limit })
  }
  return usages
}

/** The operations' pools that need the surge checks, and the clusters whose API server is read. */
interface Wanted {
  /** location key -> a subscription that can list its SKUs. */
  skuLocations: Map<string, { subscriptionId: string; location: string }>
  usageScopes: Map<string, { subscriptionId: string; location: string }>
  /** lower-case virtual network id -> its id as written. */
  vnets: Map<string, string>
  /** Clusters whose API server is read; `minor`: a control-plane minor is due (read the metric). */
  apiClusters: Array<{ cluster: ClusterSnapshot; minor: boolean }>
}

function vnetOf(subnetId: string): string | undefined {
  const at = subnetId.toLowerCase().indexOf('/subnets/')
  return at > 0 ? subnetId.slice(0, at) : undefined
}

function wantedReads(plan: FleetPlan, checks: readonly PreflightCheck[]): Wanted {
  const wanted: Wanted = { skuLocations: new Map(), usageScopes: new Map(), vnets: new Map(), apiClusters: [] }
  for (const cp of plan.clusters) addCluster(wanted, cp, checks)
  return wanted
}

function addCluster(wanted: Wanted, cp: ClusterPlan, checks: readonly PreflightCheck[]): void {
  const { cluster } = cp
  const poolOps = cp.operations.filter(op => op.pool !== undefined)
  const minor = cp.operations.some(op => op.kind === 'control-plane' && op.upgradeClass === 'minor')
  if (checks.includes('pdb') && (poolOps.length > 0 || minor)) wanted.apiClusters.push({ cluster, minor })
  if (poolOps.length === 0) return
  if (checks.includes('quota')) {
    const loc = locationKey(cluster.location)
    if (!wanted.skuLocations.has(loc)) wanted.skuLocations.set(loc, { subscriptionId: cluster.subscriptionId, location: cluster.location })
    wanted.usageScopes.set(usageKey(cluster.subscriptionId, cluster.location), { subscriptionId: cluster.subscriptionId, location: cluster.location })
  }
  if (!checks.includes('subnet')) return
  for (const op of poolOps) {
    const pool = cluster.pools.find(p => p.name === op.pool)
    for (const subnet of [pool?.vnetSubnetId, pool?.podSubnetId]) {
      const vnet = subnet ? vnetOf(subnet) : undefined
      if (vnet) wanted.vnets.set(vnet.toLowerCase(), vnet)
    }
  }
}

/** One run's pre-flight reads. */
class PreflightRead {
  readonly facts: PreflightFacts = {
    vmSizes: new Map(),
    computeUsages: new Map(),
    subnetUsages: new Map(),
    vnetsRead: new Set(),
    clusters: new Map(),
    notRun: [],
    armRequests: 0
  }
  private readonly counter = { n: 0 }
  private readonly deps: PreflightReadDeps
  private readonly limit: (key: string) => <T>(task: () => Promise<T>) => Promise<T>
  private token: Promise<string> | undefined

  constructor(deps: PreflightReadDeps) {
    this.deps = deps
    this.limit = keyedLimiter(deps.readsPerSubscription)
  }

  private notRun(entry: CheckNotRun): void {
    this.facts.notRun.push(entry)
  }

  async skus(key: string, subscriptionId: string, location: string): Promise<void> {
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/skus?api-version=${API_VERSIONS.skus}&$filter=${encodeURIComponent(`location eq '${locationKey(location)}'`)}`
    const scope = `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${locationKey(location)}`
    try {
      this.facts.vmSizes.set(key, parseSkus(await this.limit(subscriptionId)(() => armList(this.deps, this.counter, subscriptionId, path))))
    } catch (error: unknown) {
      this.armFailed('quota', scope, error, ROLE_ACTIONS.skus, 'the Compute resource SKUs list')
    }
  }

  async usages(key: string, subscriptionId: string, location: string): Promise<void> {
    const scope = `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${locationKey(location)}`
    try {
      const values = await this.limit(subscriptionId)(() =>
        armList(this.deps, this.counter, subscriptionId, `${scope}/usages?api-version=${API_VERSIONS.usages}`)
      )
      this.facts.computeUsages.set(key, parseUsages(values))
    } catch (error: unknown) {
      this.armFailed('quota', scope, error, ROLE_ACTIONS.usages, 'the Compute usages')
    }
  }

  async vnet(id: string): Promise<void> {
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? ''
    try {
      const values = await this.limit(subscriptionId)(() =>
        armList(this.deps, this.counter, subscriptionId, `${id}/usages?api-version=${API_VERSIONS.vnetUsages}`)
      )
      this.facts.vnetsRead.add(id.toLowerCase())
      for (const v of values as Array<{ id?: unknown; currentValue?: unknown; limit?: unknown }>) {
        const current = num(v?.currentValue)
        const limit = num(v?.limit)
        // -1: Azure does not count this subnet (e.g. a gateway subnet).
        if (typeof v?.id === 'string' && current !== undefined && limit !== undefined && limit >= 0) {
          this.facts.subnetUsages.set(v.id.toLowerCase(), { current, limit })
        }
      }
    } catch (error: unknown) {
      this.armFailed('subnet', id, error, ROLE_ACTIONS.vnet, "the virtual network's usages")
    }
  }

  private armFailed(check: PreflightCheck, scope: string, error: unknown, action: string, what: string): void {
    const info = toErrorInfo(error)
    if (isForbidden(error)) this.notRun({ check, scope, reason: `the identity may not read ${what} (403)`, roleAction: action })
    else this.notRun({ check, scope, reason: `${what} could not be read: ${info.code}: ${info.message}` })
  }

  private async serverToken(): Promise<string> {
    this.token ??= this.deps.apiServerToken()
    return this.token
  }

  /** One cluster's API server: blocking PDBs and the pools they hold, and (before a minor) deprecated APIs. */
  async apiServer(cluster: ClusterSnapshot, minor: boolean): Promise<void> {
    const ref = parseClusterId(cluster.id)
    const subscriptionId = ref?.subscriptionId ?? cluster.subscriptionId
    let client: Pick<KubeClient, 'list' | 'getText'>
    try {
      this.counter.n++
      const kubeconfig = await this.limit(subscriptionId)(() => this.deps.userKubeconfig(cluster))
      const target = parseKubeconfig(kubeconfig)
      for (const value of [target.token, target.clientKey]) if (value !== undefined) this.deps.secret(value)
      const entra = cluster.apiAccess?.entra === true
      if (!entra && target.token === undefined && target.clientCert === undefined) {
        this.notRun({
          check: 'pdb',
          scope: cluster.id,
          reason: 'the user credential carries no token or certificate, and the cluster is not Entra-integrated'
        })
        return
      }
      client = this.deps.kube(target, entra ? await this.serverToken() : undefined)
    } catch (error: unknown) {
      if (isForbidden(error)) {
        this.notRun({
          check: 'pdb',
          scope: cluster.id,
          reason: 'the identity may not list the cluster user credential (403)',
          roleAction: ROLE_ACTIONS.credential
        })
      } else this.notRun({ check: 'pdb', scope: cluster.id, reason: `could not get the cluster's API server address: ${errorMessage(error)}` })
      return
    }
    const facts: ClusterApiFacts = { pdbs: [] }
    try {
      await this.readPdbs(client, facts)
    } catch (error: unknown) {
      this.notRun({ check: 'pdb', scope: cluster.id, reason: kubeReason(error, 'poddisruptionbudgets, pods and nodes') })
      return
    }
    if (minor) await this.readDeprecated(client, cluster, facts)
    this.facts.clusters.set(cluster.id.toLowerCase(), facts)
  }

  private async readPdbs(client: Pick<KubeClient, 'list'>, facts: ClusterApiFacts): Promise<void> {
    const blocking = parsePdbs(await client.list('/apis/policy/v1/poddisruptionbudgets')).filter(isBlocking)
    if (blocking.length === 0) return
    const nodePools = new Map<string, string>()
    for (const node of parseNodes(await client.list('/api/v1/nodes'))) {
      const pool = poolOfNode(node.labels)
      if (pool !== undefined) nodePools.set(node.name, pool)
    }
    for (const pdb of blocking) {
      const query = pdb.selector ? selectorQuery(pdb.selector) : ''
      const pods = pdb.selector
        ? parsePods(await client.list(`/api/v1/namespaces/${encodeURIComponent(pdb.namespace)}/pods`, query ? { labelSelector: query } : {}))
        : []
      facts.pdbs.push({ pdb, pools: poolsOf(pdb, pods, nodePools) })
    }
  }

  private async readDeprecated(client: Pick<KubeClient, 'getText'>, cluster: ClusterSnapshot, facts: ClusterApiFacts): Promise<void> {
    try {
      facts.deprecatedApis = parseDeprecatedApiMetric(await client.getText('/metrics'))
    } catch (error: unknown) {
      this.notRun({ check: 'deprecated-api', scope: cluster.id, reason: kubeReason(error, 'the /metrics endpoint') })
    }
  }

  /** The facts, with the checks not run in a stable order (reads finish in any order). */
  finish(): PreflightFacts {
    this.facts.armRequests = this.counter.n
    const order = ['quota', 'subnet', 'pdb', 'deprecated-api']
    this.facts.notRun.sort((a, b) => order.indexOf(a.check) - order.indexOf(b.check) || a.scope.localeCompare(b.scope))
    return this.facts
  }
}

/** Why the API server could not be read, and what to do. */
function kubeReason(error: unknown, what: string): string {
  if (error instanceof KubeUnreachableError) {
    return `API server not reachable (private cluster? use a self-hosted runner in the VNet): ${error.message}`
  }
  if (error instanceof KubeStatusError && (error.status === 401 || error.status === 403)) {
    return `the API server refused to list ${what} (${error.status}): grant the identity read access (Azure RBAC: 'Azure Kubernetes Service RBAC Reader' on the cluster; Kubernetes RBAC: get and list on them)`
  }
  return `the API server could not be read: ${errorMessage(error)}`
}

/** Reads what the enabled checks need for the planned operations. Never throws. */
export async function readPreflightFacts(plan: FleetPlan, checks: readonly PreflightCheck[], deps: PreflightReadDeps): Promise<PreflightFacts> {
  const read = new PreflightRead(deps)
  const wanted = wantedReads(plan, checks)
  const apiSlots = createLimiter(8)
  await Promise.all([
    ...[...wanted.skuLocations].map(([key, s]) => read.skus(key, s.subscriptionId, s.location)),
    ...[...wanted.usageScopes].map(([key, s]) => read.usages(key, s.subscriptionId, s.location)),
    ...[...wanted.vnets.values()].map(id => read.vnet(id)),
    ...wanted.apiClusters.map(({ cluster, minor }) => apiSlots(() => read.apiServer(cluster, minor)))
  ])
  const facts = read.finish()
  deps.log.info(
    `Pre-flight: ${facts.armRequests} ARM request(s), ${wanted.apiClusters.length} API server(s), ${facts.notRun.length} check(s) not run`
  )
  return facts
}
