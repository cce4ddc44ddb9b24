// The Kubernetes objects a cluster's API server holds, derived from its seed: nodes from the
// agent pools, pods and PodDisruptionBudgets from `kubernetes` (status computed the way the
// disruption controller does), plus label and field selectors. Pure: seed in, wire out.
import { createHash } from 'node:crypto'
import type { ClusterSeed, PoolSeed } from './fleet.ts'
import { vmSizesOf } from './fleet-preflight.ts'
import type { Fleet } from './fleet.ts'
import { isRecord } from './jwt.ts'

interface ObjectMeta {
  name: string
  namespace?: string
  labels?: Record<string, string>
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  [key: string]: unknown
}

/** A Kubernetes object as listed (`items[]`: no kind/apiVersion, as the API server writes them). */
export interface KubeObject {
  metadata: ObjectMeta
  spec?: Record<string, unknown>
  status?: Record<string, unknown>
  [key: string]: unknown
}

/** When every seeded object was "created": objects have to carry some creationTimestamp. */
const CREATED = '2026-06-02T08:14:37Z'
/** The suffix AKS hashes into node and scale set names; fixed so tests can name nodes. */
const NODE_HASH = '12345678'

function uid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {}
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

function isStopped(cluster: ClusterSeed, pool: PoolSeed): boolean {
  return cluster.powerState === 'Stopped' || pool.powerState === 'Stopped'
}

/** Nodes a pool runs now (a stopped pool or cluster has none). */
export function runningNodes(cluster: ClusterSeed, pool: PoolSeed): number {
  return isStopped(cluster, pool) ? 0 : (pool.count ?? 0)
}

/** VMSS instance names: Linux `aks-<pool>-<hash>-vmss<6 base-36 digits>`, Windows `aks<pool><6 digits>`. */
function nodeName(pool: PoolSeed, index: number): string {
  const suffix = index.toString(36).padStart(6, '0')
  return pool.osType === 'Windows' ? `aks${pool.name}${suffix}` : `aks-${pool.name}-${NODE_HASH}-vmss${suffix}`
}

function poolNodeNames(cluster: ClusterSeed, pool: PoolSeed): string[] {
  return Array.from({ length: runningNodes(cluster, pool) }, (_, i) => nodeName(pool, i))
}

export function clusterNodes(fleet: Fleet, cluster: ClusterSeed): KubeObject[] {
  const sizes = vmSizesOf(fleet)
  const nodeGroup = `MC_${cluster.resourceGroup}_${cluster.name}_${cluster.location}`
  const nodes: KubeObject[] = []
  for (const pool of cluster.agentPools) {
    const os = pool.osType === 'Windows' ? 'windows' : 'linux'
    const size = sizes.get((pool.vmSize ?? '').toLowerCase())
    const version = pool.currentOrchestratorVersion ?? pool.orchestratorVersion
    poolNodeNames(cluster, pool).forEach((name, index) => {
      const capacity = { cpu: String(size?.vCPUs ?? 4), memory: `${(size?.memoryGB ?? 16) * 1024 * 1024}Ki`, pods: String(pool.maxPods ?? 110) }
      nodes.push({
        metadata: {
          name,
          uid: uid(`${cluster.name}/${name}`),
          resourceVersion: '1',
          creationTimestamp: CREATED,
          labels: {
            agentpool: pool.name,
            'beta.kubernetes.io/arch': 'amd64',
            'beta.kubernetes.io/os': os,
            'kubernetes.azure.com/agentpool': pool.name,
            'kubernetes.azure.com/cluster': nodeGroup,
            'kubernetes.azure.com/mode': (pool.mode ?? 'User').toLowerCase(),
            'kubernetes.azure.com/node-image-version': pool.nodeImageVersion,
            'kubernetes.io/arch': 'amd64',
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': os,
            'node.kubernetes.io/instance-type': pool.vmSize ?? '',
            'topology.kubernetes.io/region': cluster.location,
            ...(pool.nodeLabels ?? {})
          }
        },
        spec: {
          providerID: `azure:///subscriptions/${cluster.subscriptionId}/resourceGroups/${nodeGroup.toLowerCase()}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${pool.name}-${NODE_HASH}-vmss/virtualMachines/${index}`
        },
        status: {
          capacity,
          allocatable: capacity,
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
          addresses: [
            { type: 'InternalIP', address: `10.224.${nodes.length >> 8}.${(nodes.length % 250) + 4}` },
            { type: 'Hostname', address: name }
          ],
          nodeInfo: {
            kubeletVersion: `v${version}`,
            kubeProxyVersion: `v${version}`,
            operatingSystem: os,
            architecture: 'amd64',
            osImage: os === 'windows' ? 'Windows Server 2022 Datacenter' : 'Ubuntu 22.04.5 LTS',
            containerRuntimeVersion: 'containerd://1.7.27-1'
          }
        }
      })
    })
  }
  return nodes
}

/** Seeded pods as the API server lists them; `pool: '<name>'` places them on that pool's nodes round-robin. */
export function clusterPods(cluster: ClusterSeed): KubeObject[] {
  const nextIndex = new Map<string, number>()
  const pods: KubeObject[] = []
  for (const seed of cluster.kubernetes?.pods ?? []) {
    const { pool: poolName, ...wire } = seed
    const meta = isRecord(wire.metadata) ? wire.metadata : {}
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default'
    const name = typeof meta.name === 'string' ? meta.name : `pod-${pods.length}`
    const spec: Record<string, unknown> = isRecord(wire.spec) ? { ...wire.spec } : {}
    const pool = poolName === undefined ? undefined : cluster.agentPools.find(p => p.name.toLowerCase() === poolName.toLowerCase())
    if (pool !== undefined && typeof spec.nodeName !== 'string') {
      const names = poolNodeNames(cluster, pool)
      const i = nextIndex.get(pool.name) ?? 0
      nextIndex.set(pool.name, i + 1)
      // A pool without running nodes leaves its pods unscheduled (Pending), as the scheduler would.
      const node = names[i % Math.max(1, names.length)]
      if (node !== undefined) spec.nodeName = node
    }
    const status: Record<string, unknown> = isRecord(wire.status) ? { ...wire.status } : {}
    status.phase ??= typeof spec.nodeName === 'string' ? 'Running' : 'Pending'
    pods.push({
      ...wire,
      metadata: {
        uid: uid(`${cluster.name}/pod/${namespace}/${name}`),
        resourceVersion: '1',
        creationTimestamp: CREATED,
        ...meta,
        name,
        namespace,
        labels: stringRecord(meta.labels)
      },
      spec,
      status
    })
  }
  return pods
}

// ---------------------------------------------------------------------------
// Selectors

/** One requirement of a label selector (`k in (a,b)`; `=` and `!=` are one-value in / notin). */
export interface Requirement {
  key: string
  op: 'in' | 'notin' | 'exists' | 'doesnotexist'
  values: string[]
}

function satisfies(labels: Record<string, string>, r: Requirement): boolean {
  const has = Object.hasOwn(labels, r.key)
  const value = labels[r.key]
  switch (r.op) {
    case 'exists':
      return has
    case 'doesnotexist':
      return !has
    case 'in':
      return value !== undefined && r.values.includes(value)
    case 'notin':
      // Kubernetes: `!=` and `notin` also match objects without the label.
      return value === undefined || !r.values.includes(value)
  }
}

export function matchesAll(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every(r => satisfies(labels, r))
}

/** Splits at commas outside parentheses (`a in (x,y),b` is two terms). */
function splitTerms(text: string): string[] {
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth = Math.max(0, depth - 1)
    if (ch === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else current += ch
  }
  terms.push(current)
  return terms.map(t => t.trim()).filter(t => t !== '')
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*'

/** The `labelSelector` query syntax; a string (the API server's complaint) when it does not parse. */
export function parseLabelSelector(text: string): Requirement[] | string {
  const out: Requirement[] = []
  for (const term of splitTerms(text)) {
    const set = new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^)]*)\\)$`).exec(term)
    const eq = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(term)
    const not = new RegExp(`^!\\s*(${KEY})$`).exec(term)
    if (set?.[1] !== undefined && set[3] !== undefined) {
      const values = set[3]
        .split(',')
        .map(v => v.trim())
        .filter(v => v !== '')
      out.push({ key: set[1], op: set[2] === 'in' ? 'in' : 'notin', values })
    } else if (eq?.[1] !== undefined && eq[3] !== undefined) {
      out.push({ key: eq[1], op: eq[2] === '!=' ? 'notin' : 'in', values: [eq[3]] })
    } else if (not?.[1] !== undefined) {
      out.push({ key: not[1], op: 'doesnotexist', values: [] })
    } else if (new RegExp(`^${KEY}$`).test(term)) {
      out.push({ key: term, op: 'exists', values: [] })
    } else {
      return `unable to parse requirement: found '${term}', expected: identifier, '!', 'in', 'notin', '=', '==' or '!='`
    }
  }
  return out
}

/** A `metav1.LabelSelector` (wire) as requirements; undefined: the selector is missing and selects nothing. */
function selectorRequirements(selector: unknown): Requirement[] | undefined {
  if (!isRecord(selector)) return undefined
  const out: Requirement[] = Object.entries(stringRecord(selector.matchLabels)).map(([key, value]) => ({ key, op: 'in', values: [value] }))
  for (const expr of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (!isRecord(expr) || typeof expr.key !== 'string') continue
    const values = Array.isArray(expr.values) ? expr.values.filter((v): v is string => typeof v === 'string') : []
    const op = String(expr.operator).toLowerCase()
    if (op === 'in' || op === 'notin' || op === 'exists' || op === 'doesnotexist') out.push({ key: expr.key, op, values })
  }
  return out
}

/** Field selectors the API server supports per kind (pkg/registry/*: ToSelectableFields). */
const SELECTABLE: Record<string, string[]> = {
  pods: [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName'
  ],
  nodes: ['metadata.name', 'spec.unschedulable'],
  poddisruptionbudgets: ['metadata.name', 'metadata.namespace']
}

export interface FieldRequirement {
  path: string
  equal: boolean
  value: string
}

export function parseFieldSelector(text: string, resource: string): FieldRequirement[] | string {
  const out: FieldRequirement[] = []
  for (const term of splitTerms(text)) {
    const m = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/.exec(term)
    if (m?.[1] === undefined || m[3] === undefined) return `invalid selector: '${text}'; can't understand '${term}'`
    if (!(SELECTABLE[resource] ?? []).includes(m[1])) return `field label not supported: ${m[1]}`
    out.push({ path: m[1], equal: m[2] !== '!=', value: m[3] })
  }
  return out
}

function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object
  for (const part of path.split('.')) current = isRecord(current) ? current[part] : undefined
  return current === undefined || current === null ? '' : String(current)
}

export function matchesFields(object: KubeObject, requirements: FieldRequirement[]): boolean {
  return requirements.every(r => (fieldValue(object, r.path) === r.value) === r.equal)
}

// ---------------------------------------------------------------------------
// PodDisruptionBudgets

function isHealthy(pod: KubeObject): boolean {
  const conditions = Array.isArray(pod.status?.conditions) ? pod.status.conditions : []
  const notReady = conditions.some(c => isRecord(c) && c.type === 'Ready' && c.status === 'False')
  return pod.status?.phase === 'Running' && !notReady
}

/** IntOrString against a total: an int, or `N%` of the total rounded up (intstr.GetScaledValueFromIntOrPercent). */
function scaled(value: unknown, total: number): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\d+%$/.test(value)) return Math.ceil((Number.parseInt(value, 10) * total) / 100)
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number.parseInt(value, 10)
  return undefined
}

/** The pods a PDB's selector picks in its namespace (none for a missing selector, all for `{}`). */
function selectedPods(pdb: KubeObject, pods: KubeObject[]): KubeObject[] {
  const requirements = selectorRequirements(pdb.spec?.selector)
  if (requirements === undefined) return []
  return pods.filter(p => p.metadata.namespace === pdb.metadata.namespace && matchesAll(p.metadata.labels ?? {}, requirements))
}

/**
 * The seeded PDBs with metadata filled and `status` as the disruption controller would write
 * it (kept when seeded). Without controllers to ask for a scale, expectedPods is the pod count.
 */
export function clusterPdbs(cluster: ClusterSeed, pods: KubeObject[]): KubeObject[] {
  return (cluster.kubernetes?.pdbs ?? []).filter(isRecord).map((seed, index) => {
    const meta = isRecord(seed.metadata) ? seed.metadata : {}
    const name = typeof meta.name === 'string' ? meta.name : `pdb-${index}`
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default'
    const pdb: KubeObject = {
      ...seed,
      metadata: {
        uid: uid(`${cluster.name}/pdb/${namespace}/${name}`),
        resourceVersion: '1',
        generation: 1,
        creationTimestamp: CREATED,
        ...meta,
        name,
        namespace,
        labels: stringRecord(meta.labels)
      },
      spec: isRecord(seed.spec) ? seed.spec : {}
    }
    if (isRecord(seed.status)) return { ...pdb, status: seed.status }
    const matched = selectedPods(pdb, pods)
    const expected = matched.length
    const healthy = matched.filter(isHealthy).length
    const minAvailable = scaled(pdb.spec?.minAvailable, expected)
    const maxUnavailable = scaled(pdb.spec?.maxUnavailable, expected)
    const desired = minAvailable ?? (maxUnavailable === undefined ? 0 : Math.max(0, expected - maxUnavailable))
    const allowed = Math.max(0, healthy - desired)
    pdb.status = {
      observedGeneration: 1,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: allowed > 0 ? 'True' : 'False',
          observedGeneration: 1,
          lastTransitionTime: CREATED,
          reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: ''
        }
      ]
    }
    return pdb
  })
}

export interface DrainBlock {
  pdb: KubeObject
  pod: KubeObject
  node: string
}

/** The first pod on the pool's nodes a PDB with no disruption left protects (what stops AKS's drain). */
export function drainBlock(cluster: ClusterSeed, pool: PoolSeed): DrainBlock | undefined {
  const nodes = new Set(poolNodeNames(cluster, pool))
  const pods = clusterPods(cluster)
  for (const pdb of clusterPdbs(cluster, pods)) {
    if (pdb.status?.disruptionsAllowed !== 0 || !(Number(pdb.status.expectedPods) > 0)) continue
    for (const pod of selectedPods(pdb, pods)) {
      const node = pod.spec?.nodeName
      if (typeof node === 'string' && nodes.has(node)) return { pdb, pod, node }
    }
  }
  return undefined
}
