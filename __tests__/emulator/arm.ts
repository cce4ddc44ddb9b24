// Azure Resource Manager, Microsoft.ContainerService slice: the routes, payloads, LRO headers
// and error bodies of AKS-API-NOTES.md §1-§8 and the official examples.
import { randomUUID } from 'node:crypto'
import { pathSegments } from './paths.ts'
import {
  clusterId,
  compareVersions,
  controlPlaneUpgradesFor,
  isBusyState,
  kubernetesVersionsFor,
  parseVersion,
  poolUpgradesFor,
  resolveVersion,
  allPatches
} from './fleet.ts'
import type { ClusterSeed, FleetError, KubernetesVersionSeed, PoolSeed } from './fleet.ts'
import { armError, forbidden, rpError } from './arm-errors.ts'
import { admitPoolUpgrade } from './capacity.ts'
import { isRecord, verifyJwt } from './jwt.ts'
import { handlePreflightArm } from './preflight-arm.ts'
import { isFleetManagerPath, settleFleetManagers } from './fleet-manager.ts'
import { handleFleetManager } from './fleet-routes.ts'
import { armTime } from './types.ts'
import type { EmulatorContext, Incoming, OperationKind, OperationRecord, PoolTarget, Reply } from './types.ts'

const RP = 'Microsoft.ContainerService'
const CLUSTER_TYPE = `${RP}/managedClusters`
const POOL_TYPE = `${RP}/managedClusters/agentPools`
const SUPPORTED_API_VERSIONS = [
  '2025-08-01',
  '2025-09-01',
  '2025-10-01',
  '2026-01-01',
  '2026-02-01',
  '2026-03-01',
  '2026-04-01',
  '2026-05-01',
  '2026-06-01',
  '2025-10-02-preview'
]
/** Versions only the SDK's preview line would send; any 202x date is accepted. */
const API_VERSION_PATTERN = /^202\d-\d{2}-\d{2}(-preview)?$/

// ---------------------------------------------------------------------------
// Error bodies

function hasProperties(body: unknown): body is Record<string, unknown> & { properties: Record<string, unknown> } {
  return isRecord(body) && isRecord(body.properties)
}

/** ARM's answer to a PUT body without `properties`. */
function missingProperties(): Reply {
  return armError(
    400,
    'InvalidRequestContent',
    "The request content was invalid and could not be deserialized: 'Missing required property properties'."
  )
}

// ---------------------------------------------------------------------------
// Authentication

interface Caller {
  oid: string
  appid: string
}

function authenticate(ctx: EmulatorContext, req: Incoming): Caller | Reply {
  const header = req.headers.authorization
  const challenge =
    'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."'
  if (header === undefined || header === '') {
    return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", { 'www-authenticate': challenge })
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  const claims = match?.[1] === undefined ? undefined : verifyJwt(ctx.aadKey, match[1])
  if (claims === undefined) {
    return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', {
      'www-authenticate':
        'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is invalid."'
    })
  }
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : 0
  const now = ctx.now()
  if (exp <= now) {
    return armError(
      401,
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${armDate(exp)}' is earlier than current UTC time '${armDate(now)}'.`,
      {
        'www-authenticate':
          'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token has expired."'
      }
    )
  }
  return {
    oid: typeof claims.oid === 'string' ? claims.oid : 'unknown',
    appid: typeof claims.appid === 'string' ? claims.appid : 'unknown'
  }
}

/** ARM prints expiry times the .NET way: `9/25/2026 1:02:03 PM`. */
function armDate(ms: number): string {
  const d = new Date(ms)
  const h = d.getUTCHours()
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
}

// ---------------------------------------------------------------------------
// Lookups

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function findCluster(ctx: EmulatorContext, sub: string, rg: string, name: string): ClusterSeed | undefined {
  return ctx.state.fleet.clusters.find(c => sameName(c.subscriptionId, sub) && sameName(c.resourceGroup, rg) && sameName(c.name, name))
}

function findPool(cluster: ClusterSeed, name: string): PoolSeed | undefined {
  return cluster.agentPools.find(p => sameName(p.name, name))
}

function subscriptionKnown(ctx: EmulatorContext, sub: string): boolean {
  const subs = ctx.state.fleet.subscriptions ?? {}
  return Object.keys(subs).some(s => sameName(s, sub)) || ctx.state.fleet.clusters.some(c => sameName(c.subscriptionId, sub))
}

function subscriptionForbidden(ctx: EmulatorContext, sub: string): boolean {
  const subs = ctx.state.fleet.subscriptions ?? {}
  return Object.entries(subs).some(([id, s]) => sameName(id, sub) && s.forbidden === true)
}

function resourceGroupKnown(ctx: EmulatorContext, sub: string, rg: string): boolean {
  const subs = ctx.state.fleet.subscriptions ?? {}
  const extra = Object.entries(subs).find(([id]) => sameName(id, sub))?.[1].resourceGroups ?? []
  return extra.some(g => sameName(g, rg)) || ctx.state.fleet.clusters.some(c => sameName(c.subscriptionId, sub) && sameName(c.resourceGroup, rg))
}

function poolId(cluster: ClusterSeed, pool: PoolSeed): string {
  return `${clusterId(cluster)}/agentPools/${pool.name}`
}

function versionsOf(ctx: EmulatorContext, cluster: ClusterSeed): KubernetesVersionSeed[] {
  return kubernetesVersionsFor(ctx.state.fleet, cluster.location)
}

function currentCp(cluster: ClusterSeed): string {
  return cluster.currentKubernetesVersion ?? cluster.kubernetesVersion
}

function currentPool(pool: PoolSeed): string {
  return pool.currentOrchestratorVersion ?? pool.orchestratorVersion
}

// ---------------------------------------------------------------------------
// Wire shapes

function poolProperties(pool: PoolSeed): Record<string, unknown> {
  const props: Record<string, unknown> = {
    count: pool.count,
    vmSize: pool.vmSize,
    osDiskSizeGB: 128,
    osDiskType: 'Ephemeral',
    kubeletDiskType: 'OS',
    maxPods: pool.maxPods,
    type: 'VirtualMachineScaleSets',
    enableAutoScaling: pool.enableAutoScaling ?? false,
    provisioningState: pool.provisioningState,
    powerState: { code: pool.powerState ?? 'Running' },
    orchestratorVersion: pool.orchestratorVersion,
    currentOrchestratorVersion: pool.currentOrchestratorVersion,
    nodeImageVersion: pool.nodeImageVersion,
    upgradeSettings: pool.upgradeSettings,
    enableNodePublicIP: false,
    mode: pool.mode,
    osType: pool.osType,
    osSKU: pool.osSKU,
    enableFIPS: false,
    securityProfile: { enableVTPM: false, enableSecureBoot: false },
    eTag: pool.eTag
  }
  if (pool.availabilityZones !== undefined) props.availabilityZones = pool.availabilityZones
  if (pool.minCount !== undefined) props.minCount = pool.minCount
  if (pool.maxCount !== undefined) props.maxCount = pool.maxCount
  if (pool.nodeLabels !== undefined) props.nodeLabels = pool.nodeLabels
  if (pool.tags !== undefined) props.tags = pool.tags
  if (pool.vnetSubnetID !== undefined) props.vnetSubnetID = pool.vnetSubnetID
  if (pool.podSubnetID !== undefined) props.podSubnetID = pool.podSubnetID
  if (pool.podIPAllocationMode !== undefined) props.podIPAllocationMode = pool.podIPAllocationMode
  if (pool.scaleSetPriority !== undefined) props.scaleSetPriority = pool.scaleSetPriority
  // AKS fills these for Spot pools (AgentPoolsCreate_Update.json).
  if (pool.scaleSetPriority === 'Spot') Object.assign(props, { scaleSetEvictionPolicy: 'Delete', spotMaxPrice: -1 })
  if (pool.provisioningError !== undefined) props.status = { provisioningError: pool.provisioningError }
  return props
}

function poolToWire(cluster: ClusterSeed, pool: PoolSeed): Record<string, unknown> {
  return { id: poolId(cluster, pool), name: pool.name, type: POOL_TYPE, properties: poolProperties(pool) }
}

function dnsPrefix(cluster: ClusterSeed): string {
  return `${cluster.name}-${cluster.resourceGroup}-${cluster.subscriptionId.slice(0, 6)}`.slice(0, 54)
}

function clusterToWire(cluster: ClusterSeed): Record<string, unknown> {
  const prefix = dnsPrefix(cluster)
  const hash = cluster.subscriptionId.replace(/-/g, '').slice(0, 8)
  const properties: Record<string, unknown> = {
    provisioningState: cluster.provisioningState,
    powerState: { code: cluster.powerState ?? 'Running' },
    kubernetesVersion: cluster.kubernetesVersion,
    currentKubernetesVersion: cluster.currentKubernetesVersion,
    dnsPrefix: prefix,
    fqdn: `${prefix}-${hash}.hcp.${cluster.location}.azmk8s.io`,
    azurePortalFQDN: `${prefix}-${hash}.portal.hcp.${cluster.location}.azmk8s.io`,
    agentPoolProfiles: cluster.agentPools.map(p => ({ name: p.name, ...poolProperties(p) })),
    nodeResourceGroup: `MC_${cluster.resourceGroup}_${cluster.name}_${cluster.location}`,
    enableRBAC: true,
    supportPlan: cluster.supportPlan,
    networkProfile: networkProfileWire(cluster),
    maxAgentPools: 100,
    autoUpgradeProfile: {
      upgradeChannel: cluster.autoUpgradeProfile?.upgradeChannel ?? 'none',
      nodeOSUpgradeChannel: cluster.autoUpgradeProfile?.nodeOSUpgradeChannel ?? 'NodeImage'
    },
    disableLocalAccounts: cluster.disableLocalAccounts ?? false,
    oidcIssuerProfile: { enabled: true },
    resourceUID: stableUid(clusterId(cluster))
  }
  if (cluster.aadProfile !== undefined) properties.aadProfile = cluster.aadProfile
  if (cluster.apiServerAccessProfile !== undefined) {
    properties.apiServerAccessProfile = cluster.apiServerAccessProfile
    if (cluster.apiServerAccessProfile.enablePrivateCluster === true) {
      properties.privateFQDN = `${prefix}-${stableUid(`${clusterId(cluster)}#private`).slice(0, 8)}.${stableUid(clusterId(cluster)).slice(0, 32)}.privatelink.${cluster.location}.azmk8s.io`
    }
  }
  if (cluster.provisioningError !== undefined) properties.status = { provisioningError: cluster.provisioningError }
  return {
    id: clusterId(cluster),
    location: cluster.location,
    name: cluster.name,
    type: CLUSTER_TYPE,
    tags: cluster.tags ?? {},
    eTag: cluster.eTag,
    sku: cluster.sku,
    identity: { type: 'SystemAssigned', principalId: stableUid(`${clusterId(cluster)}#mi`), tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    properties
  }
}

/** The seed's plugin and mode with the fields AKS shows for that network model. */
function networkProfileWire(cluster: ClusterSeed): Record<string, unknown> {
  const plugin = cluster.networkProfile?.networkPlugin ?? 'kubenet'
  const mode = cluster.networkProfile?.networkPluginMode
  const wire: Record<string, unknown> = { networkPlugin: plugin }
  if (mode !== undefined) wire.networkPluginMode = mode
  if (mode?.toLowerCase() === 'overlay') Object.assign(wire, { networkPolicy: 'cilium', networkDataplane: 'cilium' })
  else if (plugin === 'azure') wire.networkDataplane = 'azure'
  // Pods get addresses from a CIDR of their own with kubenet and Overlay, from subnets otherwise.
  if (plugin === 'kubenet' || mode?.toLowerCase() === 'overlay') wire.podCidr = '10.244.0.0/16'
  return {
    ...wire,
    loadBalancerSku: 'standard',
    outboundType: 'loadBalancer',
    serviceCidr: '10.0.0.0/16',
    dnsServiceIP: '10.0.0.10',
    ipFamilies: ['IPv4']
  }
}

/** A 24-hex-digit id that stays the same for a resource across requests. */
function stableUid(seed: string): string {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < seed.length; i++) {
    h1 = Math.imul(h1 ^ seed.charCodeAt(i), 16777619) >>> 0
    h2 = Math.imul(h2 + seed.charCodeAt(i), 2246822519) >>> 0
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0') + (h1 ^ h2).toString(16).padStart(8, '0')).slice(0, 24)
}

function upgradesWire(list: Array<{ kubernetesVersion: string; isPreview?: boolean }>): Array<Record<string, unknown>> {
  return list.map(u =>
    u.isPreview === true ? { kubernetesVersion: u.kubernetesVersion, isPreview: true } : { kubernetesVersion: u.kubernetesVersion }
  )
}

function clusterUpgradeProfile(ctx: EmulatorContext, cluster: ClusterSeed): Record<string, unknown> {
  const versions = versionsOf(ctx, cluster)
  const cp = currentCp(cluster)
  return {
    id: `${clusterId(cluster)}/upgradeprofiles/default`,
    name: 'default',
    type: `${CLUSTER_TYPE}/upgradeprofiles`,
    properties: {
      controlPlaneProfile: {
        kubernetesVersion: cp,
        name: null,
        osType: 'Linux',
        upgrades: upgradesWire(cluster.controlPlaneUpgrades ?? controlPlaneUpgradesFor(cp, versions))
      },
      agentPoolProfiles: cluster.agentPools.map(p => ({
        kubernetesVersion: currentPool(p),
        name: p.name,
        osType: p.osType ?? 'Linux',
        upgrades: upgradesWire(p.upgrades ?? poolUpgradesFor(currentPool(p), cp, versions))
      }))
    }
  }
}

function poolUpgradeProfile(ctx: EmulatorContext, cluster: ClusterSeed, pool: PoolSeed): Record<string, unknown> {
  const versions = versionsOf(ctx, cluster)
  const properties: Record<string, unknown> = {
    kubernetesVersion: currentPool(pool),
    osType: pool.osType ?? 'Linux',
    upgrades: upgradesWire(pool.upgrades ?? poolUpgradesFor(currentPool(pool), currentCp(cluster), versions)),
    latestNodeImageVersion: pool.latestNodeImageVersion
  }
  if (pool.recentlyUsedVersions !== undefined && pool.recentlyUsedVersions.length > 0) {
    properties.recentlyUsedVersions = pool.recentlyUsedVersions
  }
  return {
    id: `${poolId(cluster, pool)}/upgradeprofiles/default`,
    name: 'default',
    type: `${POOL_TYPE}/upgradeProfiles`,
    properties
  }
}

function maintenanceToWire(cluster: ClusterSeed, config: { name: string; properties: Record<string, unknown> }): Record<string, unknown> {
  return {
    id: `${clusterId(cluster)}/maintenanceConfigurations/${config.name}`,
    name: config.name,
    type: `${CLUSTER_TYPE}/maintenanceConfigurations`,
    properties: config.properties
  }
}

// ---------------------------------------------------------------------------
// Paging

function page(req: Incoming, ctx: EmulatorContext, items: unknown[]): Reply {
  const raw = req.query.$skipToken ?? req.query.$skiptoken
  const offset = raw === undefined ? 0 : Math.max(0, Number.parseInt(raw, 10) || 0)
  const size = Math.max(1, ctx.pageSize)
  const slice = items.slice(offset, offset + size)
  const body: Record<string, unknown> = { value: slice }
  if (offset + size < items.length) {
    const apiVersion = req.query['api-version'] ?? ''
    body.nextLink = `${req.baseUrl}${req.path}?api-version=${encodeURIComponent(apiVersion)}&$skipToken=${offset + size}`
  }
  return { status: 200, body }
}

// ---------------------------------------------------------------------------
// Operations (LRO)

function operationUrl(req: Incoming, op: OperationRecord, segment: 'operations' | 'operationresults'): string {
  const apiVersion = req.query['api-version'] ?? '2026-06-01'
  return `${req.baseUrl}/subscriptions/${op.subscriptionId}/providers/${RP}/locations/${op.location}/${segment}/${op.id}?api-version=${encodeURIComponent(apiVersion)}`
}

function runningOperationOn(ctx: EmulatorContext, resourceId: string): OperationRecord | undefined {
  return ctx.state.operations.find(o => o.status === 'InProgress' && sameName(o.resourceId, resourceId))
}

const KIND_WORDS: Record<OperationKind, string> = {
  'node-image': 'upgrade node image version',
  'pool-version': 'upgrade agent pool',
  'control-plane': 'upgrade managed cluster',
  'pool-update': 'update agent pool',
  'cluster-update': 'update managed cluster'
}

function busyReply(ctx: EmulatorContext, resourceId: string, where: 'agent pool' | 'managed cluster', state: string): Reply {
  const op = runningOperationOn(ctx, resourceId)
  if (op !== undefined) {
    return rpError(
      409,
      'OperationNotAllowed',
      `Operation is not allowed because there's an in progress ${KIND_WORDS[op.kind]} operation (operation ID: ${op.id}) on the ${where} started on UTC ${new Date(op.startTime).toISOString().replace(/\.\d{3}Z$/, 'Z')}. Please wait for it to finish before starting a new operation. You can also use 'az aks ${where === 'agent pool' ? 'nodepool ' : ''}operation-abort ...' to abort the ongoing operation.`
    )
  }
  return rpError(
    409,
    'OperationNotAllowed',
    `Operation is not allowed: Another operation (${state}) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details`
  )
}

/** 409 when the cluster is busy, or (pool operations) the pool, or (cluster operations) any pool. */
function conflictFor(ctx: EmulatorContext, cluster: ClusterSeed, pool?: PoolSeed): Reply | undefined {
  if (isBusyState(cluster.provisioningState)) {
    return busyReply(ctx, clusterId(cluster), 'managed cluster', cluster.provisioningState ?? 'Updating')
  }
  if (pool !== undefined) {
    return isBusyState(pool.provisioningState)
      ? busyReply(ctx, poolId(cluster, pool), 'agent pool', `${pool.name} - ${pool.provisioningState ?? 'Updating'}`)
      : undefined
  }
  const busy = cluster.agentPools.find(p => isBusyState(p.provisioningState))
  if (busy === undefined) return undefined
  return rpError(
    409,
    'OperationNotAllowed',
    `Operation is not allowed: Another agentpool operation (${busy.name} - ${busy.provisioningState ?? 'Updating'}) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details`
  )
}

interface StartArgs {
  kind: OperationKind
  cluster: ClusterSeed
  pool?: PoolSeed
  kubernetesVersion?: PoolTarget
  pools?: PoolTarget[]
  /** Seeded operations began before the emulator started. */
  startedAgoMs?: number
}

function startOperation(ctx: EmulatorContext, args: StartArgs): OperationRecord {
  const { cluster, pool } = args
  const subject: { failNextOperation?: FleetError; stuck?: boolean } = pool ?? cluster
  const stuck =
    subject.stuck === true ||
    (pool === undefined && cluster.agentPools.some(p => p.stuck === true && args.pools?.some(t => sameName(t.name, p.name))))
  const now = ctx.now()
  const durationMs = pool?.operationDurationMs ?? cluster.operationDurationMs ?? ctx.operationDurationMs
  const op: OperationRecord = {
    id: randomUUID(),
    kind: args.kind,
    resourceId: pool === undefined ? clusterId(cluster) : poolId(cluster, pool),
    subscriptionId: cluster.subscriptionId,
    resourceGroup: cluster.resourceGroup,
    cluster: cluster.name,
    location: cluster.location,
    status: 'InProgress',
    startTime: now - (args.startedAgoMs ?? 0),
    dueAt: stuck ? Number.POSITIVE_INFINITY : now + durationMs
  }
  if (pool !== undefined) op.pool = pool.name
  if (args.kubernetesVersion !== undefined) op.kubernetesVersion = args.kubernetesVersion
  if (args.pools !== undefined) op.pools = args.pools
  if (subject.failNextOperation !== undefined) {
    op.willFail = subject.failNextOperation
    delete subject.failNextOperation
  }
  // Surge nodes take quota and addresses, and a blocking PDB stops the drain (capacity.ts).
  if (pool !== undefined && (args.kind === 'node-image' || args.kind === 'pool-version')) {
    admitPoolUpgrade(ctx, cluster, pool, op, args.startedAgoMs !== undefined)
  }
  ctx.state.operations.push(op)
  if (!stuck) ctx.scheduleSettle(durationMs + 1)
  return op
}

/** Finishes every running operation whose time has come (called per request and by timers). */
export function settleOperations(ctx: EmulatorContext): void {
  const now = ctx.now()
  for (const op of ctx.state.operations) {
    if (op.status !== 'InProgress' || op.dueAt > now) continue
    finish(ctx, op, now)
    ctx.onOperationFinished(op)
  }
}

function pushRecentlyUsed(pool: PoolSeed, now: number): void {
  const entry = { orchestratorVersion: currentPool(pool), nodeImageVersion: pool.nodeImageVersion, timestamp: armTime(now) }
  pool.recentlyUsedVersions = [entry, ...(pool.recentlyUsedVersions ?? [])].slice(0, 3)
}

function finish(ctx: EmulatorContext, op: OperationRecord, now: number): void {
  op.endTime = now
  const cluster = findCluster(ctx, op.subscriptionId, op.resourceGroup, op.cluster)
  if (cluster === undefined) {
    op.status = 'Failed'
    op.error = { code: 'NotFound', message: 'The managed cluster was deleted while the operation ran.' }
    return
  }
  const pool = op.pool === undefined ? undefined : findPool(cluster, op.pool)
  const failure = op.willFail
  if (failure !== undefined) {
    op.status = 'Failed'
    op.error = failure
    const failPool = (p: PoolSeed): void => {
      p.provisioningState = 'Failed'
      p.provisioningError = failure
      p.eTag = randomUUID()
    }
    if (pool !== undefined) {
      failPool(pool)
    } else {
      cluster.provisioningState = 'Failed'
      cluster.provisioningError = failure
      cluster.eTag = randomUUID()
      for (const target of op.pools ?? []) {
        const p = findPool(cluster, target.name)
        if (p !== undefined) failPool(p)
      }
    }
    return
  }
  op.status = 'Succeeded'
  const upgradePool = (p: PoolSeed, target: PoolTarget | undefined): void => {
    if (target !== undefined || op.kind === 'node-image') pushRecentlyUsed(p, now)
    if (target !== undefined) {
      p.orchestratorVersion = target.requested
      p.currentOrchestratorVersion = target.resolved
    }
    if (target !== undefined || op.kind === 'node-image') p.nodeImageVersion = p.latestNodeImageVersion ?? p.nodeImageVersion
    p.provisioningState = 'Succeeded'
    delete p.provisioningError
    p.eTag = randomUUID()
  }
  if (pool !== undefined) {
    upgradePool(pool, op.kind === 'pool-version' ? op.kubernetesVersion : undefined)
    return
  }
  if (op.kind === 'control-plane' && op.kubernetesVersion !== undefined) {
    cluster.kubernetesVersion = op.kubernetesVersion.requested
    cluster.currentKubernetesVersion = op.kubernetesVersion.resolved
  }
  cluster.provisioningState = 'Succeeded'
  delete cluster.provisioningError
  cluster.eTag = randomUUID()
  for (const p of cluster.agentPools) {
    const target = op.pools?.find(t => sameName(t.name, p.name))
    if (target !== undefined) upgradePool(p, target)
    else p.eTag = randomUUID()
  }
}

/** Seeded busy states become running operations so they finish (or stay stuck) like real ones. */
export function seedOperations(ctx: EmulatorContext): void {
  const startedAgoMs = 17 * 60 * 1000
  for (const cluster of ctx.state.fleet.clusters) {
    const versions = versionsOf(ctx, cluster)
    if (isBusyState(cluster.provisioningState)) {
      const upgrading = cluster.provisioningState?.toLowerCase() === 'upgrading'
      const resolved = resolveVersion(cluster.kubernetesVersion, versions) ?? cluster.kubernetesVersion
      startOperation(
        ctx,
        upgrading
          ? {
              kind: 'control-plane',
              cluster,
              kubernetesVersion: { name: cluster.name, requested: cluster.kubernetesVersion, resolved },
              startedAgoMs
            }
          : { kind: 'cluster-update', cluster, startedAgoMs }
      )
    }
    for (const pool of cluster.agentPools) {
      if (!isBusyState(pool.provisioningState)) continue
      const state = pool.provisioningState?.toLowerCase()
      if (state === 'upgradingnodeimageversion') {
        startOperation(ctx, { kind: 'node-image', cluster, pool, startedAgoMs })
      } else if (state === 'upgrading') {
        const resolved = resolveVersion(pool.orchestratorVersion, versions) ?? pool.orchestratorVersion
        startOperation(ctx, {
          kind: 'pool-version',
          cluster,
          pool,
          kubernetesVersion: { name: pool.name, requested: pool.orchestratorVersion, resolved },
          startedAgoMs
        })
      } else {
        startOperation(ctx, { kind: 'pool-update', cluster, pool, startedAgoMs })
      }
    }
  }
}

function operationStatusBody(op: OperationRecord, now: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: `/subscriptions/${op.subscriptionId}/providers/${RP}/locations/${op.location}/operations/${op.id}`,
    name: op.id,
    status: op.status,
    startTime: armTime(op.startTime)
  }
  if (op.status === 'InProgress') {
    if (Number.isFinite(op.dueAt)) {
      const total = Math.max(1, op.dueAt - op.startTime)
      body.percentComplete = Math.min(99, Math.max(0, Math.floor(((now - op.startTime) / total) * 100)))
    }
  } else {
    body.endTime = armTime(op.endTime ?? now)
    body.percentComplete = 100
  }
  if (op.error !== undefined) body.error = { code: op.error.code, message: op.error.message }
  return body
}

// ---------------------------------------------------------------------------
// Version validation

function validateControlPlaneTarget(cluster: ClusterSeed, versions: KubernetesVersionSeed[], requested: string): { resolved: string } | Reply {
  const resolved = resolveVersion(requested, versions)
  const current = currentCp(cluster)
  if (resolved === undefined || (resolved !== current && !allPatches(versions).some(p => p.version === resolved))) {
    return rpError(
      400,
      'VersionNotSupported',
      `Version ${requested} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list`
    )
  }
  if (resolved === current) return { resolved }
  if (compareVersions(resolved, current) < 0) {
    return rpError(
      400,
      'OperationNotAllowed',
      `Downgrading Kubernetes version ${current} to ${resolved} is not allowed. Available upgrades: [${controlPlaneUpgradesFor(current, versions)
        .map(u => u.kubernetesVersion)
        .reverse()
        .join(' ')}]. Please see https://aka.ms/aks-supported-k8s-ver for version details.`
    )
  }
  const allowed = (cluster.controlPlaneUpgrades ?? controlPlaneUpgradesFor(current, versions)).map(u => u.kubernetesVersion)
  if (!allowed.includes(resolved)) {
    return rpError(
      400,
      'OperationNotAllowed',
      `Upgrading Kubernetes version ${current} to ${resolved} is not allowed. Available upgrades: [${[...allowed].reverse().join(' ')}]. Please see https://aka.ms/aks-supported-k8s-ver for version details.`
    )
  }
  return { resolved }
}

/** AKS's skew rule: pools never above the control plane and at most 3 minors below it. */
function skewError(poolVersion: string, cpVersion: string): Reply | undefined {
  const [, poolMinor] = parseVersion(poolVersion)
  const [, cpMinor] = parseVersion(cpVersion)
  if (poolMinor > cpMinor) {
    return rpError(
      400,
      'NodePoolMcVersionIncompatible',
      `Node pool version ${poolVersion} and control plane version ${cpVersion} are incompatible. Minor version of node pool version ${poolMinor} is bigger than control plane version ${cpMinor}. For more information, please check https://aka.ms/version-skew-policy`
    )
  }
  if (compareVersions(poolVersion, cpVersion) > 0) {
    return rpError(
      400,
      'NodePoolMcVersionIncompatible',
      `Node pool version ${poolVersion} and control plane version ${cpVersion} are incompatible. Node pool version cannot be bigger than control plane version. For more information, please check https://aka.ms/version-skew-policy`
    )
  }
  if (cpMinor - poolMinor > 3) {
    return rpError(
      400,
      'NodePoolMcVersionIncompatible',
      `Node pool version ${poolVersion} and control plane version ${cpVersion} are incompatible. Minor version of node pool cannot be more than 3 versions less than control plane's version. Minor version of node pool is ${poolMinor} and control plane is ${cpMinor}.`
    )
  }
  return undefined
}

function validatePoolTarget(pool: PoolSeed, versions: KubernetesVersionSeed[], requested: string, cpVersion: string): { resolved: string } | Reply {
  const resolved = resolveVersion(requested, versions)
  const current = currentPool(pool)
  if (resolved === undefined || (resolved !== current && !allPatches(versions).some(p => p.version === resolved))) {
    return rpError(
      400,
      'VersionNotSupported',
      `Version ${requested} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list`
    )
  }
  if (compareVersions(resolved, current) < 0) {
    return rpError(400, 'OperationNotAllowed', `Downgrading agent pool ${pool.name} from version ${current} to ${resolved} is not allowed.`)
  }
  return skewError(resolved, cpVersion) ?? { resolved }
}

function isReply(value: unknown): value is Reply {
  return isRecord(value) && typeof value.status === 'number'
}

// ---------------------------------------------------------------------------
// Handlers

function ifMatchFails(req: Incoming, eTag: string | undefined): Reply | undefined {
  const ifMatch = req.headers['if-match']
  if (ifMatch === undefined || ifMatch === '' || ifMatch === '*') return undefined
  const wanted = ifMatch.replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
  if (wanted === eTag) return undefined
  return rpError(
    412,
    'PreconditionFailed',
    `Operation is not allowed because the provided eTag '${wanted}' in the if-match header does not match the current eTag '${eTag ?? ''}' of the resource. Please get the latest resource and retry.`
  )
}

function asyncHeaders(req: Incoming, op: OperationRecord, withLocation: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'azure-asyncoperation': operationUrl(req, op, 'operations') }
  if (withLocation) headers.location = operationUrl(req, op, 'operationresults')
  return headers
}

function stringProp(body: unknown, key: string): string | undefined {
  if (!isRecord(body)) return undefined
  const props = body.properties
  if (!isRecord(props)) return undefined
  const value = props[key]
  return typeof value === 'string' ? value : undefined
}

function putCluster(ctx: EmulatorContext, req: Incoming, cluster: ClusterSeed): Reply {
  const precondition = ifMatchFails(req, cluster.eTag)
  if (precondition !== undefined) return precondition
  const conflict = conflictFor(ctx, cluster)
  if (conflict !== undefined) return conflict
  if (cluster.powerState === 'Stopped') {
    return rpError(
      400,
      'OperationNotAllowed',
      `Managed cluster ${cluster.name} is in stopped state, please start the cluster before performing this operation.`
    )
  }
  const body = req.body
  if (!hasProperties(body)) return missingProperties()
  const props = body.properties
  const versions = versionsOf(ctx, cluster)
  const requested = stringProp(body, 'kubernetesVersion') ?? cluster.kubernetesVersion
  const cp = validateControlPlaneTarget(cluster, versions, requested)
  if (isReply(cp)) return cp
  const poolTargets: PoolTarget[] = []
  const profiles = Array.isArray(props.agentPoolProfiles) ? props.agentPoolProfiles : []
  for (const profile of profiles) {
    if (!isRecord(profile) || typeof profile.name !== 'string') continue
    const pool = findPool(cluster, profile.name)
    if (pool === undefined) {
      return rpError(
        400,
        'BadRequest',
        'A new agent pool was introduced. Adding agent pools to an existing cluster is not allowed through managed cluster operations. For agent pool specific change, please use per agent pool operations: https://aka.ms/agent-pool-rest-api'
      )
    }
    const wanted =
      typeof profile.orchestratorVersion === 'string' && profile.orchestratorVersion !== '' ? profile.orchestratorVersion : pool.orchestratorVersion
    const target = validatePoolTarget(pool, versions, wanted, cp.resolved)
    if (isReply(target)) return target
    if (target.resolved !== currentPool(pool) || wanted !== pool.orchestratorVersion) {
      poolTargets.push({ name: pool.name, requested: wanted, resolved: target.resolved })
    }
  }
  for (const pool of cluster.agentPools) {
    if (poolTargets.some(t => sameName(t.name, pool.name))) continue
    const skew = skewError(currentPool(pool), cp.resolved)
    if (skew !== undefined) return skew
  }
  if (isRecord(body.tags)) {
    cluster.tags = Object.fromEntries(Object.entries(body.tags).filter((e): e is [string, string] => typeof e[1] === 'string'))
  }
  const auto = props.autoUpgradeProfile
  if (isRecord(auto)) {
    cluster.autoUpgradeProfile = {
      ...cluster.autoUpgradeProfile,
      ...(typeof auto.upgradeChannel === 'string' ? { upgradeChannel: auto.upgradeChannel } : {}),
      ...(typeof auto.nodeOSUpgradeChannel === 'string' ? { nodeOSUpgradeChannel: auto.nodeOSUpgradeChannel } : {})
    }
  }
  const versionChange = cp.resolved !== currentCp(cluster) || requested !== cluster.kubernetesVersion
  const upgrading = versionChange || poolTargets.length > 0
  const op = startOperation(ctx, {
    kind: upgrading ? 'control-plane' : 'cluster-update',
    cluster,
    kubernetesVersion: { name: cluster.name, requested, resolved: cp.resolved },
    pools: poolTargets
  })
  cluster.provisioningState = upgrading ? 'Upgrading' : 'Updating'
  delete cluster.provisioningError
  cluster.eTag = randomUUID()
  for (const pool of cluster.agentPools) {
    if (poolTargets.some(t => sameName(t.name, pool.name))) {
      pool.provisioningState = 'Upgrading'
      delete pool.provisioningError
    }
    pool.eTag = randomUUID()
  }
  return { status: 200, headers: asyncHeaders(req, op, false), body: clusterToWire(cluster) }
}

function putPool(ctx: EmulatorContext, req: Incoming, cluster: ClusterSeed, pool: PoolSeed): Reply {
  const precondition = ifMatchFails(req, pool.eTag)
  if (precondition !== undefined) return precondition
  const conflict = conflictFor(ctx, cluster, pool)
  if (conflict !== undefined) return conflict
  const body = req.body
  if (!hasProperties(body)) return missingProperties()
  const props = body.properties
  const versions = versionsOf(ctx, cluster)
  const requested =
    typeof props.orchestratorVersion === 'string' && props.orchestratorVersion !== '' ? props.orchestratorVersion : pool.orchestratorVersion
  const target = validatePoolTarget(pool, versions, requested, currentCp(cluster))
  if (isReply(target)) return target
  const image = props.nodeImageVersion
  if (
    typeof image === 'string' &&
    image !== '' &&
    image !== pool.nodeImageVersion &&
    !(pool.recentlyUsedVersions ?? []).some(r => r.nodeImageVersion === image)
  ) {
    return rpError(
      400,
      'InvalidParameter',
      `The value of parameter agentPoolProfile.nodeImageVersion '${image}' is invalid. Only node image versions in recentlyUsedVersions can be set (rollback). Use upgradeNodeImageVersion to move to ${pool.latestNodeImageVersion ?? 'the latest node image'}.`
    )
  }
  if (typeof props.count === 'number') pool.count = props.count
  if (typeof props.enableAutoScaling === 'boolean') pool.enableAutoScaling = props.enableAutoScaling
  if (typeof props.minCount === 'number') pool.minCount = props.minCount
  if (typeof props.maxCount === 'number') pool.maxCount = props.maxCount
  const settings = props.upgradeSettings
  if (isRecord(settings)) {
    const next = { ...pool.upgradeSettings }
    if (typeof settings.maxSurge === 'string') next.maxSurge = settings.maxSurge
    if (typeof settings.maxUnavailable === 'string') next.maxUnavailable = settings.maxUnavailable
    if (typeof settings.drainTimeoutInMinutes === 'number') next.drainTimeoutInMinutes = settings.drainTimeoutInMinutes
    if (typeof settings.nodeSoakDurationInMinutes === 'number') next.nodeSoakDurationInMinutes = settings.nodeSoakDurationInMinutes
    if (typeof settings.undrainableNodeBehavior === 'string') next.undrainableNodeBehavior = settings.undrainableNodeBehavior
    pool.upgradeSettings = next
  }
  const versionChange = target.resolved !== currentPool(pool)
  const op = versionChange
    ? startOperation(ctx, { kind: 'pool-version', cluster, pool, kubernetesVersion: { name: pool.name, requested, resolved: target.resolved } })
    : startOperation(ctx, { kind: 'pool-update', cluster, pool })
  if (!versionChange) pool.orchestratorVersion = requested
  pool.provisioningState = versionChange ? 'Upgrading' : 'Updating'
  delete pool.provisioningError
  pool.eTag = randomUUID()
  return { status: 200, headers: asyncHeaders(req, op, false), body: poolToWire(cluster, pool) }
}

function upgradeNodeImage(ctx: EmulatorContext, req: Incoming, cluster: ClusterSeed, pool: PoolSeed): Reply {
  const conflict = conflictFor(ctx, cluster, pool)
  if (conflict !== undefined) return conflict
  if (pool.powerState === 'Stopped') {
    return rpError(
      400,
      'OperationNotAllowed',
      `Agent pool ${pool.name} is in stopped state, please start the agent pool before performing this operation.`
    )
  }
  const op = startOperation(ctx, { kind: 'node-image', cluster, pool })
  pool.provisioningState = 'UpgradingNodeImageVersion'
  delete pool.provisioningError
  pool.eTag = randomUUID()
  return { status: 202, headers: asyncHeaders(req, op, true), body: poolToWire(cluster, pool) }
}

// ---------------------------------------------------------------------------
// Router

type Route =
  | { kind: 'listClusters'; sub: string; rg?: string }
  | { kind: 'cluster'; sub: string; rg: string; name: string }
  | { kind: 'clusterUpgradeProfile'; sub: string; rg: string; name: string }
  | { kind: 'pools'; sub: string; rg: string; name: string }
  | { kind: 'pool'; sub: string; rg: string; name: string; pool: string }
  | { kind: 'poolUpgradeProfile'; sub: string; rg: string; name: string; pool: string }
  | { kind: 'upgradeNodeImage'; sub: string; rg: string; name: string; pool: string }
  | { kind: 'maintenanceConfigs'; sub: string; rg: string; name: string }
  | { kind: 'maintenanceConfig'; sub: string; rg: string; name: string; config: string }
  | { kind: 'kubernetesVersions'; sub: string; location: string }
  | { kind: 'operation'; sub: string; location: string; id: string }
  | { kind: 'operationResult'; sub: string; location: string; id: string }

function parseRoute(path: string): Route | undefined {
  const { seg, low } = pathSegments(path)
  if (low[0] !== 'subscriptions' || seg[1] === undefined) return undefined
  const sub = seg[1]
  const rp = RP.toLowerCase()
  if (low[2] === 'providers' && low[3] === rp) {
    if (low[4] === 'managedclusters' && seg.length === 5) return { kind: 'listClusters', sub }
    if (low[4] === 'locations' && seg[5] !== undefined) {
      const location = seg[5]
      if (low[6] === 'kubernetesversions' && seg.length === 7) return { kind: 'kubernetesVersions', sub, location }
      if (low[6] === 'operations' && seg[7] !== undefined && seg.length === 8) return { kind: 'operation', sub, location, id: seg[7] }
      if (low[6] === 'operationresults' && seg[7] !== undefined && seg.length === 8) return { kind: 'operationResult', sub, location, id: seg[7] }
    }
    return undefined
  }
  if (low[2] !== 'resourcegroups' || seg[3] === undefined || low[4] !== 'providers' || low[5] !== rp || low[6] !== 'managedclusters') return undefined
  const rg = seg[3]
  if (seg.length === 7) return { kind: 'listClusters', sub, rg }
  const name = seg[7]
  if (name === undefined) return undefined
  const rest = low.slice(8)
  if (rest.length === 0) return { kind: 'cluster', sub, rg, name }
  if (rest.length === 2 && rest[0] === 'upgradeprofiles' && rest[1] === 'default') return { kind: 'clusterUpgradeProfile', sub, rg, name }
  if (rest[0] === 'agentpools') {
    if (rest.length === 1) return { kind: 'pools', sub, rg, name }
    const pool = seg[9]
    if (pool === undefined) return undefined
    if (rest.length === 2) return { kind: 'pool', sub, rg, name, pool }
    if (rest.length === 4 && rest[2] === 'upgradeprofiles' && rest[3] === 'default') return { kind: 'poolUpgradeProfile', sub, rg, name, pool }
    if (rest.length === 3 && rest[2] === 'upgradenodeimageversion') return { kind: 'upgradeNodeImage', sub, rg, name, pool }
    return undefined
  }
  if (rest[0] === 'maintenanceconfigurations') {
    if (rest.length === 1) return { kind: 'maintenanceConfigs', sub, rg, name }
    if (rest.length === 2 && seg[9] !== undefined) return { kind: 'maintenanceConfig', sub, rg, name, config: seg[9] }
  }
  return undefined
}

const METHODS: Record<Route['kind'], string[]> = {
  listClusters: ['GET'],
  cluster: ['GET', 'PUT'],
  clusterUpgradeProfile: ['GET'],
  pools: ['GET'],
  pool: ['GET', 'PUT'],
  poolUpgradeProfile: ['GET'],
  upgradeNodeImage: ['POST'],
  maintenanceConfigs: ['GET'],
  maintenanceConfig: ['GET'],
  kubernetesVersions: ['GET'],
  operation: ['GET'],
  operationResult: ['GET']
}

function actionFor(route: Route, method: string): string {
  switch (route.kind) {
    case 'listClusters':
      return `${CLUSTER_TYPE}/read`
    case 'cluster':
      return method === 'PUT' ? `${CLUSTER_TYPE}/write` : `${CLUSTER_TYPE}/read`
    case 'clusterUpgradeProfile':
      return `${CLUSTER_TYPE}/upgradeProfiles/read`
    case 'pools':
      return `${POOL_TYPE}/read`
    case 'pool':
      return method === 'PUT' ? `${POOL_TYPE}/write` : `${POOL_TYPE}/read`
    case 'poolUpgradeProfile':
      return `${POOL_TYPE}/upgradeProfiles/read`
    case 'upgradeNodeImage':
      return `${POOL_TYPE}/upgradeNodeImageVersion/action`
    case 'maintenanceConfigs':
    case 'maintenanceConfig':
      return `${CLUSTER_TYPE}/maintenanceConfigurations/read`
    case 'kubernetesVersions':
      return `${RP}/locations/kubernetesVersions/read`
    case 'operation':
      return `${RP}/locations/operations/read`
    case 'operationResult':
      return `${RP}/locations/operationresults/read`
  }
}

function scopeFor(route: Route): string {
  if (route.kind === 'listClusters') {
    return route.rg === undefined ? `/subscriptions/${route.sub}` : `/subscriptions/${route.sub}/resourceGroups/${route.rg}`
  }
  if (route.kind === 'kubernetesVersions' || route.kind === 'operation' || route.kind === 'operationResult') {
    return `/subscriptions/${route.sub}/providers/${RP}/locations/${route.location}`
  }
  const base = clusterId({ subscriptionId: route.sub, resourceGroup: route.rg, name: route.name })
  if ('pool' in route) return `${base}/agentPools/${route.pool}`
  return base
}

export function handleArm(ctx: EmulatorContext, req: Incoming): Reply {
  settleOperations(ctx)
  // Fleet Manager update runs move on the same clock (and change clusters the AKS routes show).
  settleFleetManagers(ctx.state)
  const caller = authenticate(ctx, req)
  if (isReply(caller)) return caller
  const apiVersion = req.query['api-version']
  if (apiVersion === undefined || apiVersion === '') {
    return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.')
  }
  if (isFleetManagerPath(req.path)) return handleFleetManager(ctx, req, caller.oid)
  const route = parseRoute(req.path)
  // Other providers' reads and listClusterUserCredential (preflight-arm.ts).
  const other = route === undefined ? handlePreflightArm(ctx, req, caller.oid) : undefined
  if (other !== undefined) return other
  if (!API_VERSION_PATTERN.test(apiVersion)) {
    const location = route !== undefined && 'location' in route ? route.location : 'westeurope'
    return armError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type 'managedClusters'. The supported api-versions are '${SUPPORTED_API_VERSIONS.join(', ')}'. The supported locations are 'eastus, westeurope, northeurope, westus2, swedencentral, germanywestcentral, uksouth'.`
    )
  }
  if (route === undefined) {
    return armError(
      404,
      'InvalidResourceType',
      `The resource type '${
        req.path
          .split('/')
          .filter(s => s !== '')
          .at(-1) ?? ''
      }' could not be found in the namespace '${RP}' for api version '${apiVersion}'.`
    )
  }
  if (!METHODS[route.kind].includes(req.method)) {
    return armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`)
  }
  if (!subscriptionKnown(ctx, route.sub)) {
    return armError(404, 'SubscriptionNotFound', `The subscription '${route.sub}' could not be found.`)
  }
  const action = actionFor(route, req.method)
  if (subscriptionForbidden(ctx, route.sub)) return forbidden(caller.oid, action, scopeFor(route))

  switch (route.kind) {
    case 'kubernetesVersions':
      return { status: 200, body: { values: kubernetesVersionsFor(ctx.state.fleet, route.location) } }
    case 'operation':
    case 'operationResult':
      return operationReply(ctx, req, route)
    case 'listClusters': {
      if (route.rg !== undefined && !resourceGroupKnown(ctx, route.sub, route.rg)) {
        return armError(404, 'ResourceGroupNotFound', `Resource group '${route.rg}' could not be found.`)
      }
      const rg = route.rg
      const clusters = ctx.state.fleet.clusters.filter(
        c => sameName(c.subscriptionId, route.sub) && (rg === undefined || sameName(c.resourceGroup, rg)) && c.forbidden !== true
      )
      return page(req, ctx, clusters.map(clusterToWire))
    }
    default:
      break
  }

  if (!resourceGroupKnown(ctx, route.sub, route.rg)) {
    return armError(404, 'ResourceGroupNotFound', `Resource group '${route.rg}' could not be found.`)
  }
  const cluster = findCluster(ctx, route.sub, route.rg, route.name)
  if (cluster === undefined) {
    return armError(
      404,
      'ResourceNotFound',
      `The Resource '${CLUSTER_TYPE}/${route.name}' under resource group '${route.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
    )
  }
  const mutating = req.method !== 'GET'
  if (cluster.forbidden === true || (cluster.forbidden === 'write' && mutating)) {
    return forbidden(caller.oid, action, scopeFor(route))
  }

  switch (route.kind) {
    case 'cluster':
      return req.method === 'PUT' ? putCluster(ctx, req, cluster) : { status: 200, body: clusterToWire(cluster) }
    case 'clusterUpgradeProfile':
      return { status: 200, body: clusterUpgradeProfile(ctx, cluster) }
    case 'pools':
      return page(
        req,
        ctx,
        cluster.agentPools.map(p => poolToWire(cluster, p))
      )
    case 'maintenanceConfigs':
      return { status: 200, body: { value: (cluster.maintenanceConfigurations ?? []).map(m => maintenanceToWire(cluster, m)) } }
    case 'maintenanceConfig': {
      const config = (cluster.maintenanceConfigurations ?? []).find(m => sameName(m.name, route.config))
      return config === undefined
        ? armError(404, 'NotFound', `Maintenance configuration '${route.config}' is not found in managed cluster ${cluster.name}.`)
        : { status: 200, body: maintenanceToWire(cluster, config) }
    }
    default:
      break
  }

  const pool = findPool(cluster, route.pool)
  if (pool === undefined) {
    return armError(
      404,
      'NotFound',
      `Could not find agent pool '${route.pool}' in managed cluster '${cluster.name}' in resource group '${cluster.resourceGroup}'.`
    )
  }
  switch (route.kind) {
    case 'pool':
      return req.method === 'PUT' ? putPool(ctx, req, cluster, pool) : { status: 200, body: poolToWire(cluster, pool) }
    case 'poolUpgradeProfile':
      return { status: 200, body: poolUpgradeProfile(ctx, cluster, pool) }
    case 'upgradeNodeImage':
      return upgradeNodeImage(ctx, req, cluster, pool)
  }
}

function operationReply(
  ctx: EmulatorContext,
  req: Incoming,
  route: { kind: 'operation' | 'operationResult'; sub: string; location: string; id: string }
): Reply {
  const op = ctx.state.operations.find(o => sameName(o.id, route.id) && sameName(o.subscriptionId, route.sub))
  if (op === undefined) {
    return armError(404, 'NotFound', `Operation '${route.id}' was not found in location '${route.location}'.`)
  }
  if (route.kind === 'operation') return { status: 200, body: operationStatusBody(op, ctx.now()) }
  // Location (operationresults): 202 while running, 200 when done (never 204: the SDK rejects it).
  if (op.status === 'InProgress') return { status: 202, headers: { location: operationUrl(req, op, 'operationresults') } }
  if (op.status === 'Failed') {
    const error = op.error ?? { code: 'InternalOperationError', message: 'The operation failed.' }
    return { status: 400, body: { error: { code: error.code, message: error.message } } }
  }
  return { status: 200 }
}
