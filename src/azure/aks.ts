// Thin adapter over @azure/arm-containerservice: the reads (turned into snapshot types by
// convert.ts) and the three mutating operations the product uses.
// It keeps the raw resources it read, so a PUT sends back exactly what was read (with its
// eTag) and no resource is read twice in a run.
import { ContainerServiceClient } from '@azure/arm-containerservice'
import type { AgentPool, AgentPoolUpgradeProfile, ManagedCluster, ManagedClusterUpgradeProfile } from '@azure/arm-containerservice'
import type { TokenCredential } from '@azure/identity'
import { createDefaultHttpClient, createPipelineRequest, type HttpClient } from '@azure/core-rest-pipeline'
import type { ClusterRef, KubernetesMinorVersion, MaintenanceConfig, Operation } from '../model.js'
import { toKubernetesVersions, toMaintenanceConfig } from './convert.js'
import type { CloudEndpoints } from './clouds.js'
import { armScope } from './clouds.js'
import { readRetryPolicy, type BackoffOptions } from './retry.js'
import { decideAgain, type FreshState } from './refusal.js'
import { OutsideChangeError, toErrorInfo } from '../util/errors.js'
import { clusterId, parseClusterId } from '../util/cluster-id.js'

/** A started long-running operation. */
export interface RunningOperation {
  /** Resolves when Azure reports success; rejects with Azure's error, or with an AbortError when `signal` fires. */
  wait(signal: AbortSignal): Promise<void>
}

export interface ArmRequest {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE'
  /** An ARM path with its query, or an absolute link on the ARM endpoint. */
  path: string
  headers?: Record<string, string>
  body?: unknown
}

export interface ArmResponse {
  url: string
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  body: unknown
}

/** ARM's error body (`{error:{code,message}}`) as a thrown error with `statusCode` and `code`. */
export function armFailure(response: ArmResponse, what: string): Error {
  const body = response.body
  const error = typeof body === 'object' && body !== null ? ((body as { error?: { code?: unknown; message?: unknown } }).error ?? body) : undefined
  const fields = (error ?? {}) as { code?: unknown; message?: unknown }
  const code = typeof fields.code === 'string' ? fields.code : `HTTP${response.status}`
  const message = typeof fields.message === 'string' ? fields.message : `${what} answered ${response.status}`
  return Object.assign(new Error(message), { statusCode: response.status, code })
}

export interface AksAdapterOptions {
  /** First LRO poll delay; later polls back off towards `maxPollIntervalMs`. */
  pollIntervalMs: number
  maxPollIntervalMs: number
  sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /** Reads ARM answers with 429 and no Retry-After, or a body cut short: tried again with back-off. */
  readRetry: BackoffOptions
  log: (message: string) => void
}

interface Poller {
  submitted(): Promise<void>
  readonly isDone: boolean
  readonly operationState?: { status: string; error?: Error } | undefined
  poll(options?: { abortSignal?: AbortSignal }): Promise<unknown>
}

interface RawCluster {
  ref: ClusterRef
  cluster: ManagedCluster
  pools: Map<string, AgentPool>
  /** Set once this run changed the cluster: AKS then renews every pool's eTag. */
  changed: boolean
}

export class AksAdapter {
  private readonly clients = new Map<string, ContainerServiceClient>()
  private readonly raw = new Map<string, RawCluster>()
  private readonly credential: TokenCredential
  private readonly cloud: CloudEndpoints
  private readonly options: AksAdapterOptions
  private http: HttpClient | undefined

  constructor(credential: TokenCredential, cloud: CloudEndpoints, options: AksAdapterOptions) {
    this.credential = credential
    this.cloud = cloud
    this.options = options
  }

  private client(subscriptionId: string): ContainerServiceClient {
    let client = this.clients.get(subscriptionId)
    if (!client) {
      client = new ContainerServiceClient(this.credential, subscriptionId, {
        endpoint: this.cloud.armEndpoint,
        credentials: { scopes: [armScope(this.cloud)] },
        userAgentOptions: { userAgentPrefix: 'aks-upgrade-pilot' },
        additionalPolicies: [{ policy: readRetryPolicy(this.options.readRetry, this.options.log), position: 'perCall' }]
      })
      this.clients.set(subscriptionId, client)
    }
    return client
  }

  private key(id: string): string {
    return id.toLowerCase()
  }

  private remember(ref: ClusterRef, cluster: ManagedCluster): void {
    this.raw.set(this.key(cluster.id ?? clusterId(ref)), { ref, cluster, pools: new Map(), changed: false })
  }

  /** Every managed cluster of a subscription (one paged list; no per-cluster GET afterwards). */
  async listClusters(subscriptionId: string): Promise<Array<{ ref: ClusterRef; cluster: ManagedCluster }>> {
    const out: Array<{ ref: ClusterRef; cluster: ManagedCluster }> = []
    for await (const cluster of this.client(subscriptionId).managedClusters.list()) {
      const ref = parseClusterId(cluster.id ?? '')
      if (!ref) continue
      this.remember(ref, cluster)
      out.push({ ref, cluster })
    }
    return out
  }

  async getCluster(ref: ClusterRef): Promise<ManagedCluster> {
    const cluster = await this.client(ref.subscriptionId).managedClusters.get(ref.resourceGroup, ref.name)
    this.remember(ref, cluster)
    return cluster
  }

  async listPools(ref: ClusterRef, id: string): Promise<AgentPool[]> {
    const pools: AgentPool[] = []
    for await (const pool of this.client(ref.subscriptionId).agentPools.list(ref.resourceGroup, ref.name)) {
      pools.push(pool)
    }
    const raw = this.raw.get(this.key(id))
    if (raw) for (const p of pools) raw.pools.set(p.name ?? '', p)
    return pools
  }

  async poolUpgradeProfile(ref: ClusterRef, pool: string): Promise<AgentPoolUpgradeProfile> {
    return this.client(ref.subscriptionId).agentPools.getUpgradeProfile(ref.resourceGroup, ref.name, pool)
  }

  async clusterUpgradeProfile(ref: ClusterRef): Promise<ManagedClusterUpgradeProfile> {
    return this.client(ref.subscriptionId).managedClusters.getUpgradeProfile(ref.resourceGroup, ref.name)
  }

  async maintenanceConfigs(ref: ClusterRef): Promise<MaintenanceConfig[]> {
    const out: MaintenanceConfig[] = []
    const pager = this.client(ref.subscriptionId).maintenanceConfigurations.listByManagedCluster(ref.resourceGroup, ref.name)
    for await (const config of pager) out.push(toMaintenanceConfig(config))
    return out
  }

  async kubernetesVersions(subscriptionId: string, location: string): Promise<KubernetesMinorVersion[]> {
    const result = await this.client(subscriptionId).managedClusters.listKubernetesVersions(location)
    return toKubernetesVersions(result.values ?? [])
  }

  /**
   * GET a resource of another provider (Compute SKUs and usages, virtual network usages)
   * through the SDK's own pipeline: same sign-in, retries and throttling as every AKS call.
   * `path` is an ARM path with its query, or a `nextLink` (followed only on the ARM endpoint).
   */
  async armGet(subscriptionId: string, path: string): Promise<unknown> {
    const response = await this.armSend(subscriptionId, { method: 'GET', path })
    if (response.status >= 400) throw armFailure(response, `GET ${response.url.split('?')[0]}`)
    return response.body
  }

  /**
   * Any ARM request through the same pipeline (Fleet Manager's raw REST, notes §9): the
   * answer whatever its status, for the caller to judge (412 means "read again").
   */
  async armSend(subscriptionId: string, request: ArmRequest): Promise<ArmResponse> {
    const base = this.cloud.armEndpoint.replace(/\/+$/, '')
    const url = /^https:\/\//i.test(request.path) ? request.path : `${base}${request.path}`
    if (new URL(url).origin !== new URL(base).origin) throw new Error(`Refusing to follow a link outside ${base}: ${url}`)
    this.http ??= createDefaultHttpClient()
    const pipelineRequest = createPipelineRequest({ url, method: request.method })
    for (const [name, value] of Object.entries(request.headers ?? {})) pipelineRequest.headers.set(name, value)
    if (request.body !== undefined) {
      pipelineRequest.headers.set('Content-Type', 'application/json')
      pipelineRequest.body = JSON.stringify(request.body)
    }
    const response = await this.client(subscriptionId).pipeline.sendRequest(this.http, pipelineRequest)
    const text = response.bodyAsText ?? ''
    let body: unknown
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown)
    } catch {
      body = text
    }
    return { url, status: response.status, headers: response.headers.toJSON(), body }
  }

  /** The cluster user kubeconfig (`listClusterUserCredential`), as YAML text. */
  async userKubeconfig(ref: ClusterRef): Promise<string> {
    const result = await this.client(ref.subscriptionId).managedClusters.listClusterUserCredentials(ref.resourceGroup, ref.name, { format: 'exec' })
    const first = result.kubeconfigs?.[0]?.value
    if (first === undefined) throw new Error('listClusterUserCredential returned no kubeconfig')
    return typeof first === 'string' ? Buffer.from(first, 'base64').toString('utf8') : Buffer.from(first).toString('utf8')
  }

  /**
   * Forget the raw resources of clusters that will get no PUT in this run: at a thousand
   * clusters they are most of the memory the run holds, and only PUT bodies need them.
   */
  keepRawFor(clusterIds: Iterable<string>): void {
    const keep = new Set([...clusterIds].map(id => this.key(id)))
    for (const id of [...this.raw.keys()]) if (!keep.has(id)) this.raw.delete(id)
  }

  private rawCluster(id: string): RawCluster {
    const raw = this.raw.get(this.key(id))
    if (!raw) throw new Error(`Cluster ${id} was not read in this run`)
    return raw
  }

  /**
   * Start one planned operation. When Azure refuses because of someone else (409: another
   * operation runs; 412: the resource changed since our read), read it again and decide:
   * send once more with the new eTag, or report it as changed outside this run.
   */
  async start(op: Operation): Promise<RunningOperation> {
    try {
      return await this.send(op)
    } catch (error: unknown) {
      const status = toErrorInfo(error).status
      if (status !== 409 && status !== 412) throw error
      let fresh: FreshState
      try {
        fresh = await this.readAgain(op)
      } catch {
        throw error
      }
      const retake = decideAgain(op, status, fresh)
      if (retake.kind === 'outside') throw new OutsideChangeError(retake.reason, retake.detail)
      if (retake.kind === 'failed') throw error
      // A second refusal is reported as it comes.
      return this.send(op)
    }
  }

  /** The request the operation's kind needs. */
  private async send(op: Operation): Promise<RunningOperation> {
    switch (op.kind) {
      case 'node-image':
        if (!op.pool) throw new Error('node-image operation without a pool')
        return this.startNodeImageUpgrade(op.clusterId, op.pool)
      case 'control-plane':
        return this.startClusterUpgrade(op.clusterId, op.to)
      case 'pool-version':
        if (!op.pool) throw new Error('pool-version operation without a pool')
        return this.startPoolUpgrade(op.clusterId, op.pool, op.to)
    }
  }

  /** The cluster or pool as Azure shows it now; a PUT sent after this carries its new eTag. */
  private async readAgain(op: Operation): Promise<FreshState> {
    const ref = parseClusterId(op.clusterId)
    if (!ref) throw new Error(`'${op.clusterId}' is not a managed cluster resource id`)
    const client = this.client(ref.subscriptionId)
    const raw = this.raw.get(this.key(op.clusterId))
    if (op.pool === undefined) {
      const cluster = await client.managedClusters.get(ref.resourceGroup, ref.name)
      if (raw) {
        raw.cluster = cluster
        raw.changed = false
      }
      return { provisioningState: cluster.provisioningState, requested: cluster.kubernetesVersion, current: cluster.currentKubernetesVersion }
    }
    const pool = await client.agentPools.get(ref.resourceGroup, ref.name, op.pool)
    if (raw) raw.pools.set(op.pool, pool)
    return { provisioningState: pool.provisioningState, requested: pool.orchestratorVersion, current: pool.currentOrchestratorVersion }
  }

  /** POST upgradeNodeImageVersion: the pool moves to `latestNodeImageVersion`. */
  async startNodeImageUpgrade(id: string, pool: string): Promise<RunningOperation> {
    // Needs no raw resource (the POST has no body), so it works for pruned clusters too.
    const ref = parseClusterId(id)
    if (!ref) throw new Error(`'${id}' is not a managed cluster resource id`)
    const raw = this.raw.get(this.key(id))
    if (raw) raw.changed = true
    const client = this.client(ref.subscriptionId)
    const poller = client.agentPools.upgradeNodeImageVersion(ref.resourceGroup, ref.name, pool)
    return this.started(poller, async () => {
      const p = await client.agentPools.get(ref.resourceGroup, ref.name, pool)
      return { state: p.provisioningState, error: p.status?.provisioningError, reached: true }
    })
  }

  /**
   * Control-plane version upgrade: PUT the cluster as read, changing only kubernetesVersion,
   * with If-Match so a concurrent change made since our GET is not overwritten.
   */
  async startClusterUpgrade(id: string, version: string): Promise<RunningOperation> {
    const raw = this.rawCluster(id)
    const { ref } = raw
    const client = this.client(ref.subscriptionId)
    if (raw.changed) {
      // A pool of this cluster was upgraded earlier in this run (a skew pre-upgrade): the
      // cluster as first read carries the old pool versions, and PUTting it back would ask
      // AKS to downgrade them. Read it again; its new eTag comes with it.
      raw.cluster = await client.managedClusters.get(ref.resourceGroup, ref.name)
    }
    raw.changed = true
    const cluster = raw.cluster
    const body: ManagedCluster = {
      ...cluster,
      kubernetesVersion: version,
      // nodeImageVersion is writable and means "roll back to this image": never echo it.
      agentPoolProfiles: cluster.agentPoolProfiles?.map(({ nodeImageVersion: _image, ...profile }) => profile)
    }
    const options = cluster.eTag ? { ifMatch: cluster.eTag } : {}
    const poller = client.managedClusters.createOrUpdate(ref.resourceGroup, ref.name, body, options)
    return this.started(poller, async () => {
      const c = await client.managedClusters.get(ref.resourceGroup, ref.name)
      return { state: c.provisioningState, reached: c.currentKubernetesVersion === version || c.kubernetesVersion === version }
    })
  }

  /** Node pool version upgrade: PUT the pool as read with a new orchestratorVersion. */
  async startPoolUpgrade(id: string, poolName: string, version: string): Promise<RunningOperation> {
    const raw = this.rawCluster(id)
    const { ref, pools } = raw
    const client = this.client(ref.subscriptionId)
    let pool = pools.get(poolName)
    if (!pool) throw new Error(`Agent pool ${poolName} of ${id} was not read in this run`)
    if (raw.changed) {
      // An operation of this run on the cluster renewed the pool's eTag (AKS renews every
      // pool's eTag on a cluster operation): read it again rather than fail with 412.
      pool = await client.agentPools.get(ref.resourceGroup, ref.name, poolName)
      pools.set(poolName, pool)
    }
    raw.changed = true
    // nodeImageVersion is writable and means "roll back to this image": never echo it, so
    // the version upgrade also brings the newest image.
    const { nodeImageVersion: _image, ...rest } = pool
    const body: AgentPool = { ...rest, orchestratorVersion: version }
    const options = pool.eTag ? { ifMatch: pool.eTag } : {}
    const poller = client.agentPools.createOrUpdate(ref.resourceGroup, ref.name, poolName, body, options)
    return this.started(poller, async () => {
      const p = await client.agentPools.get(ref.resourceGroup, ref.name, poolName)
      return {
        state: p.provisioningState,
        error: p.status?.provisioningError,
        reached: p.currentOrchestratorVersion === version || p.orchestratorVersion === version
      }
    })
  }

  /**
   * Waits until Azure accepted the request (errors such as 409 surface here), then hands back
   * a waiter. When waiting ends in an error, the resource itself is read once to tell what
   * really happened: the status monitor's error may be a generic wrapper
   * (ResourceOperationFailure) around the pool's real cause (PodDrainFailure), and a polling
   * error (a 5xx after retries) says nothing about the upgrade, which may still be running.
   */
  private async started(poller: Poller, inspect: () => Promise<Inspection>): Promise<RunningOperation> {
    await poller.submitted()
    const { pollIntervalMs, maxPollIntervalMs, sleep } = this.options
    return {
      wait: async (signal: AbortSignal): Promise<void> => {
        try {
          // Back off from a short first poll (short operations finish fast) to a gentle
          // interval for hour-long upgrades, so waiting does not eat into ARM's read budget.
          let interval = pollIntervalMs
          while (!poller.isDone) {
            await sleep(interval, signal)
            await poller.poll({ abortSignal: signal })
            interval = Math.min(maxPollIntervalMs, Math.ceil(interval * 1.5))
          }
          // Done at the first answer (no status monitor): a failure there throws nothing.
          const state = poller.operationState
          if (state?.status === 'failed' || state?.status === 'canceled') {
            throw (
              state.error ??
              new Error(
                `The long-running operation has failed. ${state.status === 'canceled' ? 'Canceled' : 'Failed'}. Azure reported the operation as ${state.status}.`
              )
            )
          }
        } catch (error: unknown) {
          if (signal.aborted) throw error
          const explained = await explainWaitError(error, inspect)
          if (explained !== undefined) throw explained
        }
      }
    }
  }
}

export interface Inspection {
  state: string | undefined
  error?: { code?: string; message?: string } | undefined
  /** Whether the resource runs the requested version (version upgrades). */
  reached: boolean
}

/** Thrown when waiting failed but the resource shows the operation is still going. */
class StillRunningError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StillRunningError'
  }
}

const TERMINAL = ['succeeded', 'failed', 'canceled', 'cancelled']

export async function explainWaitError(error: unknown, inspect: () => Promise<Inspection>): Promise<unknown> {
  let seen: Inspection
  try {
    seen = await inspect()
  } catch {
    return error
  }
  const state = (seen.state ?? '').toLowerCase()
  const lroFailed = error instanceof Error && error.message.startsWith('The long-running operation has failed')
  if (!TERMINAL.includes(state)) {
    return lroFailed
      ? error
      : new StillRunningError(`Lost track of the operation (${errorText(error)}); Azure shows it still ${seen.state ?? 'running'}.`)
  }
  if (state === 'succeeded' && seen.reached && !lroFailed) return undefined
  const code = seen.error?.code
  if (code) {
    // The resource's own provisioning error names the real cause.
    const wrapped = error instanceof Error ? error.message.replace(/^The long-running operation has failed\.\s*/, '') : ''
    return Object.assign(new Error(seen.error?.message ?? wrapped), { code, detail: wrapped })
  }
  return error
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
