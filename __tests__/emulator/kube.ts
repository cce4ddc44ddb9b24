// A read-only Kubernetes API server per cluster, at `<emulator>/_kube/<sub>/<rg>/<cluster>`:
// nodes, pods and PodDisruptionBudgets (label/field selectors, limit/continue paging) and
// the apiserver's /metrics, with Kubernetes `Status` errors. What the user kubeconfig of
// listClusterUserCredential points at (preflight-arm.ts).
import type { ClusterSeed } from './fleet.ts'
import { isRecord, verifyJwt } from './jwt.ts'
import { clusterNodes, clusterPdbs, clusterPods, matchesAll, matchesFields, parseFieldSelector, parseLabelSelector } from './kube-objects.ts'
import type { KubeObject } from './kube-objects.ts'
import type { EmulatorContext, Incoming, Reply } from './types.ts'

export const KUBE_PREFIX = '/_kube/'

/** The AKS server application: Entra-integrated API servers take tokens issued for it. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630'

/** Every list answers with this resourceVersion: nothing in the emulator writes Kubernetes objects. */
const RESOURCE_VERSION = '48213'

function kubeStatus(code: number, reason: string, message: string, details?: Record<string, unknown>): Reply {
  const body: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason }
  if (details !== undefined) body.details = details
  body.code = code
  return { status: code, body }
}

const notFound = (): Reply => kubeStatus(404, 'NotFound', 'the server could not find the requested resource', {})

export function kubeBaseUrl(baseUrl: string, cluster: Pick<ClusterSeed, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `${baseUrl}${KUBE_PREFIX}${cluster.subscriptionId}/${cluster.resourceGroup}/${cluster.name}`
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** Who the bearer token says the caller is, or undefined when the API server would answer 401. */
function authenticate(ctx: EmulatorContext, req: Incoming, cluster: ClusterSeed): string | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (token === undefined) return undefined
  if (cluster.aadProfile === undefined) return token === cluster.kubeToken ? 'clusterUser' : undefined
  const claims = verifyJwt(ctx.aadKey, token)
  if (claims === undefined) return undefined
  // The AKS server app's id, bare (what a `<id>/.default` scope yields) or in its URI forms.
  const aud = typeof claims.aud === 'string' ? claims.aud : ''
  if (aud.replace(/^(api:\/\/|spn:)/, '') !== AKS_SERVER_APP_ID) return undefined
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.now()) return undefined
  return typeof claims.oid === 'string' ? claims.oid : 'unknown'
}

type Route = { kind: 'list'; resource: 'nodes' | 'pods' | 'poddisruptionbudgets'; group: string; namespace?: string } | { kind: 'metrics' }

function parseRoute(rest: string[]): Route | undefined {
  const path = rest.join('/')
  if (path === 'metrics') return { kind: 'metrics' }
  if (path === 'api/v1/nodes') return { kind: 'list', resource: 'nodes', group: '' }
  if (path === 'api/v1/pods') return { kind: 'list', resource: 'pods', group: '' }
  if (path === 'apis/policy/v1/poddisruptionbudgets') return { kind: 'list', resource: 'poddisruptionbudgets', group: 'policy' }
  const ns = /^api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path)?.[1]
  if (ns !== undefined) return { kind: 'list', resource: 'pods', group: '', namespace: ns }
  const pdbNs = /^apis\/policy\/v1\/namespaces\/([^/]+)\/poddisruptionbudgets$/.exec(path)?.[1]
  if (pdbNs !== undefined) return { kind: 'list', resource: 'poddisruptionbudgets', group: 'policy', namespace: pdbNs }
  return undefined
}

export function handleKube(ctx: EmulatorContext, req: Incoming): Reply {
  const seg = req.path
    .slice(KUBE_PREFIX.length)
    .split('/')
    .filter(s => s !== '')
    .map(s => decodeURIComponent(s))
  const [sub, rg, name, ...rest] = seg
  const cluster =
    sub === undefined || rg === undefined || name === undefined
      ? undefined
      : ctx.state.fleet.clusters.find(c => sameName(c.subscriptionId, sub) && sameName(c.resourceGroup, rg) && sameName(c.name, name))
  if (cluster === undefined) return notFound()
  const user = authenticate(ctx, req, cluster)
  if (user === undefined) return kubeStatus(401, 'Unauthorized', 'Unauthorized')
  const route = parseRoute(rest)
  if (route === undefined) return notFound()
  if (req.method !== 'GET') return kubeStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {})
  const kube = cluster.kubernetes ?? {}
  if (route.kind === 'metrics') {
    if (kube.metricsForbidden === true) return kubeStatus(403, 'Forbidden', `forbidden: User "${user}" cannot get path "/metrics"`, {})
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: metricsText(cluster) }
  }
  if (kube.forbidden === true) {
    const qualified = route.group === '' ? route.resource : `${route.resource}.${route.group}`
    const where = route.namespace === undefined ? 'at the cluster scope' : `in the namespace "${route.namespace}"`
    return kubeStatus(
      403,
      'Forbidden',
      `${qualified} is forbidden: User "${user}" cannot list resource "${route.resource}" in API group "${route.group}" ${where}`,
      route.group === '' ? { kind: route.resource } : { group: route.group, kind: route.resource }
    )
  }
  return list(ctx, req, cluster, route)
}

const LIST_KINDS = {
  nodes: { kind: 'NodeList', apiVersion: 'v1' },
  pods: { kind: 'PodList', apiVersion: 'v1' },
  poddisruptionbudgets: { kind: 'PodDisruptionBudgetList', apiVersion: 'policy/v1' }
} as const

function objectsOf(ctx: EmulatorContext, cluster: ClusterSeed, resource: 'nodes' | 'pods' | 'poddisruptionbudgets'): KubeObject[] {
  if (resource === 'nodes') return clusterNodes(ctx.state.fleet, cluster)
  const pods = clusterPods(cluster)
  return resource === 'pods' ? pods : clusterPdbs(cluster, pods)
}

/** etcd key order: namespace, then name (what `continue` resumes after). */
function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`
}

interface ContinueToken {
  v: string
  rv: number
  start: string
}

/** Opaque to clients; the real API server's token is base64 JSON of this shape too. */
function encodeContinue(start: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv: Number(RESOURCE_VERSION), start: `${start}\u0000` }
  return Buffer.from(JSON.stringify(token)).toString('base64url')
}

function decodeContinue(raw: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    return isRecord(parsed) && parsed.v === 'meta.k8s.io/v1' && typeof parsed.start === 'string'
      ? parsed.start.endsWith('\u0000')
        ? parsed.start.slice(0, -1)
        : parsed.start
      : undefined
  } catch {
    return undefined
  }
}

function list(
  ctx: EmulatorContext,
  req: Incoming,
  cluster: ClusterSeed,
  route: { resource: 'nodes' | 'pods' | 'poddisruptionbudgets'; namespace?: string }
): Reply {
  const labels = req.query.labelSelector ?? ''
  const fields = req.query.fieldSelector ?? ''
  const labelReqs = parseLabelSelector(labels)
  if (typeof labelReqs === 'string') return kubeStatus(400, 'BadRequest', labelReqs)
  const fieldReqs = parseFieldSelector(fields, route.resource)
  if (typeof fieldReqs === 'string') return kubeStatus(400, 'BadRequest', fieldReqs)
  let items = objectsOf(ctx, cluster, route.resource)
    .filter(o => route.namespace === undefined || o.metadata.namespace === route.namespace)
    .filter(o => matchesAll(o.metadata.labels ?? {}, labelReqs) && matchesFields(o, fieldReqs))
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
  const rawContinue = req.query.continue
  if (rawContinue !== undefined && rawContinue !== '') {
    const after = decodeContinue(rawContinue)
    if (after === undefined) return kubeStatus(400, 'BadRequest', 'continue key is not valid: illegal base64 data or malformed token')
    items = items.filter(o => keyOf(o) > after)
  }
  const limit = Number.parseInt(req.query.limit ?? '', 10)
  const metadata: Record<string, unknown> = { resourceVersion: RESOURCE_VERSION }
  if (limit > 0 && items.length > limit) {
    const page = items.slice(0, limit)
    const last = page.at(-1)
    if (last !== undefined) metadata.continue = encodeContinue(keyOf(last))
    // An estimate the API server only gives for unfiltered lists.
    if (labels === '' && fields === '') metadata.remainingItemCount = items.length - limit
    items = page
  }
  return { status: 200, body: { ...LIST_KINDS[route.resource], metadata, items } }
}

// ---------------------------------------------------------------------------
// /metrics (Prometheus text exposition 0.0.4)

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function series(name: string, labels: Record<string, string>, value: number): string {
  const inner = Object.keys(labels)
    .sort()
    .map(k => `${k}="${escapeLabel(labels[k] ?? '')}"`)
    .join(',')
  return `${name}{${inner}} ${value}`
}

/**
 * A few of kube-apiserver's families, sorted by name as client_golang writes them. A vector
 * with no series is left out entirely (no HELP/TYPE either), as client_golang does.
 */
function metricsText(cluster: ClusterSeed): string {
  const deprecated = (cluster.kubernetes?.deprecatedApis ?? [])
    .map(d =>
      series(
        'apiserver_requested_deprecated_apis',
        { group: d.group, removed_release: d.removed_release, resource: d.resource, subresource: d.subresource ?? '', version: d.version },
        1
      )
    )
    .sort()
  const lines: string[] = []
  if (deprecated.length > 0) {
    lines.push(
      '# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.',
      '# TYPE apiserver_requested_deprecated_apis gauge',
      ...deprecated
    )
  }
  const pods = cluster.kubernetes?.pods?.length ?? 0
  const pdbs = cluster.kubernetes?.pdbs?.length ?? 0
  lines.push(
    '# HELP apiserver_storage_objects [STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
    '# TYPE apiserver_storage_objects gauge',
    series(
      'apiserver_storage_objects',
      { resource: 'nodes' },
      cluster.agentPools.reduce((n, p) => n + (p.count ?? 0), 0)
    ),
    series('apiserver_storage_objects', { resource: 'poddisruptionbudgets.policy' }, pdbs),
    series('apiserver_storage_objects', { resource: 'pods' }, pods),
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
    '# TYPE process_start_time_seconds gauge',
    'process_start_time_seconds 1.78238432e+09'
  )
  return `${lines.join('\n')}\n`
}
