// ARM reads the action's pre-flight checks make outside the AKS routes of arm.ts: Compute
// resource SKUs and usages, virtual network usages, and the cluster user kubeconfig
// (listClusterUserCredential) that leads to the cluster's API server (kube.ts).
// Shapes: the official examples in /tmp/contracts (see each function).
import { stringify } from 'yaml'
import { pathSegments } from './paths.ts'
import { armError, forbidden, rpError } from './arm-errors.ts'
import { computeUsages, subnetCurrent } from './capacity.ts'
import { clusterId } from './fleet.ts'
import type { ClusterSeed } from './fleet.ts'
import { vmSizesOf } from './fleet-preflight.ts'
import { AKS_SERVER_APP_ID, kubeBaseUrl } from './kube.ts'
import type { EmulatorContext, Incoming, Reply } from './types.ts'

const API_VERSION = /^20\d{2}-\d{2}-\d{2}(-preview)?$/
/** The Azure CLI's public client, which kubelogin signs in as (kubeconfig_entra_exec_observed). */
const KUBELOGIN_CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a'

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

type Route =
  | { kind: 'skus'; sub: string }
  | { kind: 'usages'; sub: string; location: string }
  | { kind: 'vnetUsages'; sub: string; rg: string; name: string }
  | { kind: 'credential'; sub: string; rg: string; name: string }

function parseRoute(path: string): Route | undefined {
  const { seg, low } = pathSegments(path)
  const sub = seg[1]
  if (low[0] !== 'subscriptions' || sub === undefined) return undefined
  if (low[2] === 'providers' && low[3] === 'microsoft.compute') {
    if (low[4] === 'skus' && seg.length === 5) return { kind: 'skus', sub }
    if (low[4] === 'locations' && seg[5] !== undefined && low[6] === 'usages' && seg.length === 7) return { kind: 'usages', sub, location: seg[5] }
    return undefined
  }
  const rg = seg[3]
  const name = seg[7]
  if (low[2] !== 'resourcegroups' || rg === undefined || low[4] !== 'providers' || name === undefined || seg.length !== 9) return undefined
  if (low[5] === 'microsoft.network' && low[6] === 'virtualnetworks' && low[8] === 'usages') return { kind: 'vnetUsages', sub, rg, name }
  if (low[5] === 'microsoft.containerservice' && low[6] === 'managedclusters' && low[8] === 'listclusterusercredential') {
    return { kind: 'credential', sub, rg, name }
  }
  return undefined
}

const TYPES: Record<Route['kind'], string> = {
  skus: 'skus',
  usages: 'locations/usages',
  vnetUsages: 'virtualNetworks/usages',
  credential: 'managedClusters'
}

const ACTIONS: Record<Route['kind'], string> = {
  skus: 'Microsoft.Compute/skus/read',
  usages: 'Microsoft.Compute/locations/usages/read',
  // The operation that lists subnet usage (not `virtualNetworks/read`): see /tmp/contracts/SUMMARY.md §3.
  vnetUsages: 'Microsoft.Network/virtualNetworks/usages/read',
  credential: 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action'
}

function scopeOf(route: Route): string {
  switch (route.kind) {
    case 'skus':
      return `/subscriptions/${route.sub}`
    case 'usages':
      return `/subscriptions/${route.sub}/providers/Microsoft.Compute/locations/${route.location}`
    case 'vnetUsages':
      return `/subscriptions/${route.sub}/resourceGroups/${route.rg}/providers/Microsoft.Network/virtualNetworks/${route.name}`
    case 'credential':
      return clusterId({ subscriptionId: route.sub, resourceGroup: route.rg, name: route.name })
  }
}

/** `/subscriptions/<id>/resourceGroups/<rg>/…` of a resource id. */
function idParts(id: string): { sub: string; rg: string } {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id)
  return { sub: m?.[1] ?? '', rg: m?.[2] ?? '' }
}

function subscriptionKnown(ctx: EmulatorContext, sub: string): boolean {
  const fleet = ctx.state.fleet
  return (
    Object.keys(fleet.subscriptions ?? {}).some(s => same(s, sub)) ||
    fleet.clusters.some(c => same(c.subscriptionId, sub)) ||
    (fleet.virtualNetworks ?? []).some(v => same(idParts(v.id).sub, sub))
  )
}

function resourceGroupKnown(ctx: EmulatorContext, sub: string, rg: string): boolean {
  const fleet = ctx.state.fleet
  const extra = Object.entries(fleet.subscriptions ?? {}).find(([id]) => same(id, sub))?.[1].resourceGroups ?? []
  return (
    extra.some(g => same(g, rg)) ||
    fleet.clusters.some(c => same(c.subscriptionId, sub) && same(c.resourceGroup, rg)) ||
    (fleet.virtualNetworks ?? []).some(v => same(idParts(v.id).sub, sub) && same(idParts(v.id).rg, rg))
  )
}

/** nextLink paging like arm.ts, keeping the other query parameters (a SKU list's `$filter`). */
function page(ctx: EmulatorContext, req: Incoming, items: unknown[]): Reply {
  const raw = req.query.$skipToken ?? req.query.$skiptoken
  const offset = raw === undefined ? 0 : Math.max(0, Number.parseInt(raw, 10) || 0)
  const size = Math.max(1, ctx.pageSize)
  const body: Record<string, unknown> = { value: items.slice(offset, offset + size) }
  if (offset + size < items.length) {
    const kept = Object.entries(req.query).filter(([k]) => k.toLowerCase() !== '$skiptoken')
    const query = [...kept, ['$skipToken', String(offset + size)]].map(([k, v]) => `${k}=${encodeURIComponent(v ?? '')}`).join('&')
    body.nextLink = `${req.baseUrl}${req.path}?${query}`
  }
  return { status: 200, body }
}

/** Routes this file serves, or undefined to let arm.ts answer (404 for unknown types). Auth is done. */
export function handlePreflightArm(ctx: EmulatorContext, req: Incoming, oid: string): Reply | undefined {
  const route = parseRoute(req.path)
  if (route === undefined) return undefined
  const apiVersion = req.query['api-version'] ?? ''
  if (!API_VERSION.test(apiVersion)) {
    const location = route.kind === 'usages' ? route.location : 'westeurope'
    return armError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${TYPES[route.kind]}'.`
    )
  }
  const wanted = route.kind === 'credential' ? 'POST' : 'GET'
  if (req.method !== wanted) return armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`)
  if (!subscriptionKnown(ctx, route.sub)) return armError(404, 'SubscriptionNotFound', `The subscription '${route.sub}' could not be found.`)
  const denied = forbidden(oid, ACTIONS[route.kind], scopeOf(route))
  if (Object.entries(ctx.state.fleet.subscriptions ?? {}).some(([id, s]) => same(id, route.sub) && s.forbidden === true)) return denied
  const compute = ctx.state.fleet.compute ?? {}
  switch (route.kind) {
    case 'skus':
      return compute.forbiddenSkus === true ? denied : page(ctx, req, skus(ctx, route.sub, req.query.$filter))
    case 'usages': {
      const blocked = (compute.forbiddenUsages ?? []).some(k => k === '*' || same(k, `${route.sub}/${route.location}`))
      if (blocked) return denied
      const rows = computeUsages(ctx, route.sub, route.location).map(r => ({
        unit: 'Count',
        currentValue: r.currentValue,
        limit: r.limit,
        name: { value: r.name, localizedValue: r.localizedValue }
      }))
      return page(ctx, req, rows)
    }
    case 'vnetUsages':
      return vnetUsages(ctx, req, route, denied)
    case 'credential':
      return credential(ctx, req, route, denied)
  }
}

/** ListAvailableResourceSkusForARegion.json: one `virtualMachines` entry per size and location. */
function skus(ctx: EmulatorContext, sub: string, filter: string | undefined): unknown[] {
  const wanted = filter === undefined ? undefined : /location\s+eq\s+'([^']*)'/i.exec(filter)?.[1]
  const locations =
    wanted !== undefined
      ? [wanted.toLowerCase()]
      : [...new Set(ctx.state.fleet.clusters.filter(c => same(c.subscriptionId, sub)).map(c => c.location.toLowerCase()))]
  const out: unknown[] = []
  for (const location of locations.length > 0 ? locations : ['westeurope']) {
    for (const size of vmSizesOf(ctx.state.fleet).values()) {
      const capability = (name: string, value: string | number): { name: string; value: string } => ({ name, value: String(value) })
      out.push({
        resourceType: 'virtualMachines',
        locations: [location],
        capabilities: [
          capability('MaxResourceVolumeMB', size.vCPUs * 8192),
          capability('OSVhdSizeMB', 1047552),
          capability('vCPUs', size.vCPUs),
          capability('MemoryPreservingMaintenanceSupported', 'True'),
          capability('HyperVGenerations', 'V1,V2'),
          capability('MemoryGB', size.memoryGB),
          capability('MaxDataDiskCount', Math.min(64, size.vCPUs * 4)),
          capability('LowPriorityCapable', 'True'),
          capability('PremiumIO', 'True'),
          capability('vCPUsAvailable', size.vCPUs),
          capability('ACUs', 195),
          capability('vCPUsPerCore', size.vCPUs > 1 ? 2 : 1),
          capability('EphemeralOSDiskSupported', 'True'),
          capability('AcceleratedNetworkingEnabled', 'True'),
          capability('RdmaEnabled', 'False'),
          capability('MaxNetworkInterfaces', Math.max(2, size.vCPUs))
        ],
        locationInfo: [{ location, zones: ['1', '2', '3'] }],
        name: size.name,
        tier: 'Standard',
        size: size.name.replace(/^Standard_/, ''),
        family: size.family,
        restrictions: []
      })
    }
  }
  return out
}

/** VirtualNetworkListUsage.json: one `SubnetSpace` row per subnet. */
function vnetUsages(ctx: EmulatorContext, req: Incoming, route: { sub: string; rg: string; name: string }, denied: Reply): Reply {
  const id = scopeOf({ kind: 'vnetUsages', ...route })
  const vnet = (ctx.state.fleet.virtualNetworks ?? []).find(v => same(v.id, id))
  if (vnet === undefined) {
    if (!resourceGroupKnown(ctx, route.sub, route.rg))
      return armError(404, 'ResourceGroupNotFound', `Resource group '${route.rg}' could not be found.`)
    return armError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.Network/virtualNetworks/${route.name}' under resource group '${route.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
    )
  }
  if (vnet.forbidden === true) return denied
  const rows = vnet.subnets.map(subnet => ({
    name: { localizedValue: 'Subnet size and usage', value: 'SubnetSpace' },
    currentValue: subnetCurrent(ctx, vnet, subnet),
    id: `${vnet.id}/subnets/${subnet.name}`,
    limit: subnet.limit,
    unit: 'Count'
  }))
  return page(ctx, req, rows)
}

/**
 * ManagedClustersListClusterUserCredentials.json: `{kubeconfigs: [{name, value: base64 YAML}]}`.
 * The kubeconfig follows the observed Entra sample (exec kubelogin, no token) and, for local
 * accounts, the docs sample with a token only (no client certificate: the emulator mints none).
 */
function credential(ctx: EmulatorContext, req: Incoming, route: { sub: string; rg: string; name: string }, denied: Reply): Reply {
  if (!resourceGroupKnown(ctx, route.sub, route.rg)) return armError(404, 'ResourceGroupNotFound', `Resource group '${route.rg}' could not be found.`)
  const cluster = ctx.state.fleet.clusters.find(c => same(c.subscriptionId, route.sub) && same(c.resourceGroup, route.rg) && same(c.name, route.name))
  if (cluster === undefined) {
    return armError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.ContainerService/managedClusters/${route.name}' under resource group '${route.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`
    )
  }
  // `forbidden: 'write'` models a reader: Reader's `*/read` does not cover this `/action`.
  if (cluster.forbidden !== undefined && cluster.forbidden !== false) return denied
  if (cluster.credentialsForbidden === true) return denied
  if (cluster.aadProfile === undefined && cluster.disableLocalAccounts === true) {
    return rpError(400, 'BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.')
  }
  const value = Buffer.from(kubeconfig(ctx, req, cluster)).toString('base64')
  return { status: 200, body: { kubeconfigs: [{ name: 'clusterUser', value }] } }
}

function kubeconfig(ctx: EmulatorContext, req: Incoming, cluster: ClusterSeed): string {
  const user = `clusterUser_${cluster.resourceGroup}_${cluster.name}`
  // A private API server is only reachable from its virtual network: from here, a refused connect.
  const server =
    cluster.apiServerAccessProfile?.enablePrivateCluster === true ? `https://127.0.0.1:${ctx.closedPort}` : kubeBaseUrl(req.baseUrl, cluster)
  const userEntry =
    cluster.aadProfile === undefined
      ? { token: cluster.kubeToken ?? '' }
      : {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            args: [
              'get-token',
              '--environment',
              'AzurePublicCloud',
              '--server-id',
              AKS_SERVER_APP_ID,
              '--client-id',
              KUBELOGIN_CLIENT_ID,
              '--tenant-id',
              cluster.aadProfile.tenantID ?? '',
              '--login',
              'devicecode'
            ],
            command: 'kubelogin',
            env: null,
            installHint:
              '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n'
          }
        }
  const doc = {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(ctx.caPem).toString('base64'), server }, name: cluster.name }],
    contexts: [{ context: { cluster: cluster.name, user }, name: cluster.name }],
    'current-context': cluster.name,
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: userEntry }]
  }
  // Go's YAML (what AKS and kubectl write) puts list dashes at the parent's indent.
  return stringify(doc, { lineWidth: 0, indentSeq: false })
}
