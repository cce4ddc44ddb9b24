// Turns Azure's error into what the operator does next. AKS often reports the real cause
// inside a generic code (a PDB drain failure arrives as `UpgradeFailed`, a quota problem as
// `OperationNotAllowed`, the deprecated-API stop as `ValidationError` with a subcode in the
// message), so the message is matched as well as the code.
import type { ErrorInfo, OperationKind } from '../model.js'

/**
 * Plain text (usable in logs and annotations). Commands and identifiers are wrapped in
 * backticks; the report renders those parts as code and escapes the rest.
 */
export interface FailureAdvice {
  cause: string
  fix: string
  docs?: string
  inspect?: string
}

export interface FailureLocation {
  resourceGroup: string
  cluster: string
  pool?: string
  subscriptionId: string
  /** Region, for quota and capacity commands. */
  location?: string
  /** Which operation failed, to name the role action it needed. */
  kind?: OperationKind
  /** Pool size and settings, to work out the addresses a surge upgrade needs. */
  nodes?: number
  maxPods?: number
  maxSurge?: string
}

const TROUBLESHOOT = 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/'
const DOCS = {
  drain: `${TROUBLESHOOT}error-code-poddrainfailure`,
  quota: `${TROUBLESHOOT}error-code-quotaexceeded`,
  allocation: `${TROUBLESHOOT}error-code-zonalallocationfailed-allocationfailed`,
  subnet: `${TROUBLESHOOT}error-code-subnetisfull-upgrade`,
  publicIp: `${TROUBLESHOOT}error-code-publicipcountlimitreached`,
  busy: `${TROUBLESHOOT}operationnotallowed`,
  preempted: `${TROUBLESHOOT}error-code-operationpreempted`,
  throttled: `${TROUBLESHOOT}429-too-many-requests-errors`,
  deprecatedApi: 'https://learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes',
  authorization: 'https://learn.microsoft.com/azure/aks/concepts-identity',
  etag: 'https://learn.microsoft.com/azure/aks/use-etags',
  versionBlocked: 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/aks-upgrade-blocked',
  errorCodes: 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/aks-error-code-page'
} as const

const ROLE_ACTIONS: Record<OperationKind, string> = {
  'node-image': 'Microsoft.ContainerService/managedClusters/agentPools/upgradeNodeImageVersion/action',
  'pool-version': 'Microsoft.ContainerService/managedClusters/agentPools/write',
  'control-plane': 'Microsoft.ContainerService/managedClusters/write'
}

type FailureKind =
  | 'deprecated-api'
  | 'drain'
  | 'subnet'
  | 'public-ip'
  | 'quota'
  | 'sku'
  | 'allocation'
  | 'authorization'
  | 'precondition'
  | 'canceled'
  | 'throttled'
  | 'version'
  | 'busy'
  | 'unknown'

const ALLOCATION_CODES = /^(AllocationFailed|ZonalAllocationFailed|OverconstrainedAllocationRequest|OverconstrainedZonalAllocationRequest)$/i
const ALLOCATION_TEXT = /\b(AllocationFailed|ZonalAllocationFailed|OverconstrainedAllocationRequest|OverconstrainedZonalAllocationRequest)\b/i

function classify(error: ErrorInfo): FailureKind {
  const code = error.code.trim()
  const message = error.message
  if (
    /UpgradeBlockedOnDeprecatedAPIUsage/i.test(code) ||
    /UpgradeBlockedOnDeprecatedAPIUsage|deprecated in the (specified|target) version/i.test(message)
  ) {
    return 'deprecated-api'
  }
  if (/^(PodDrainFailure|UnsatisfiablePDB|DrainTimeout)$/i.test(code) || /\bdrain|\bevict|disruption budget/i.test(message)) return 'drain'
  if (/^SubnetIsFull$/i.test(code) || /SubnetIsFull|enough capacity for IP addresses/i.test(message)) return 'subnet'
  if (/^PublicIPCountLimitReached$/i.test(code) || /PublicIPCountLimitReached/i.test(message)) return 'public-ip'
  if (/^QuotaExceeded$/i.test(code) || (/quota/i.test(message) && /exceed/i.test(message))) return 'quota'
  if (/^SkuNotAvailable$/i.test(code) || /\bSkuNotAvailable\b/i.test(message)) return 'sku'
  if (ALLOCATION_CODES.test(code) || ALLOCATION_TEXT.test(message)) return 'allocation'
  if (
    /^(AuthorizationFailed|LinkedAuthorizationFailed|Forbidden)$/i.test(code) ||
    error.status === 403 ||
    /does not have authorization to perform action/i.test(message)
  ) {
    return 'authorization'
  }
  if (/^PreconditionFailed$/i.test(code) || error.status === 412) return 'precondition'
  if (
    /^(AKSOperationPreempted|AKSOperationPreemptedByDelete|Canceled|OperationCanceled)$/i.test(code) ||
    /^operation was cancell?ed/i.test(message)
  ) {
    return 'canceled'
  }
  if (/^(TooManyRequests|SubscriptionRequestsThrottled|AKSRequestsThrottled|Throttled)$/i.test(code) || error.status === 429) return 'throttled'
  if (
    /^(K8sVersionNotSupported|NodePoolMcVersionIncompatible|VersionNotSupported)$/i.test(code) ||
    /is not allowed\.\s*available upgrades/i.test(message)
  ) {
    return 'version'
  }
  if (/^(OperationNotAllowed|Conflict|EtagMismatch)$/i.test(code) || error.status === 409) return 'busy'
  return 'unknown'
}

/** Untrusted text interpolated into advice: no backticks (they mark code) and one line. */
function plain(s: string): string {
  return s.replace(/`/g, "'").replace(/\s+/g, ' ').trim()
}

/**
 * A command argument: ARM names are letters, digits, `._-()` (resource groups may also
 * hold other Unicode letters). Anything else cannot be a real name, so the placeholder
 * is printed instead of echoing it into a command the reader might paste.
 */
function arg(value: string | undefined, placeholder: string): string {
  if (!value || !/^[\p{L}\p{N}._()-]+$/u.test(value) || value.startsWith('-')) return placeholder
  return /[()]/.test(value) ? `'${value}'` : value
}

function scopeArg(where: FailureLocation): string {
  const sub = arg(where.subscriptionId, 'SUBSCRIPTION_ID')
  const rg = arg(where.resourceGroup, 'RESOURCE_GROUP').replace(/'/g, '')
  const cluster = arg(where.cluster, 'CLUSTER')
  const scope = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${cluster}`
  return /[()]/.test(scope) ? `'${scope}'` : scope
}

interface Names {
  rg: string
  cluster: string
  pool: string | undefined
  sub: string
  location: string
}

function names(where: FailureLocation): Names {
  return {
    rg: arg(where.resourceGroup, 'RESOURCE_GROUP'),
    cluster: arg(where.cluster, 'CLUSTER'),
    pool: where.pool === undefined ? undefined : arg(where.pool, 'POOL'),
    sub: arg(where.subscriptionId, 'SUBSCRIPTION_ID'),
    location: arg(where.location, 'LOCATION')
  }
}

function showState(n: Names): string {
  if (n.pool !== undefined) {
    return `az aks nodepool show -g ${n.rg} --cluster-name ${n.cluster} -n ${n.pool} --subscription ${n.sub} --query "{state: provisioningState, error: status.provisioningError}"`
  }
  return `az aks show -g ${n.rg} -n ${n.cluster} --subscription ${n.sub} --query "{state: provisioningState, power: powerState.code, version: currentKubernetesVersion}"`
}

/** Nodes a surge adds: an absolute count, or a percentage of the pool rounded up (as AKS does). */
export function surgeNodes(maxSurge: string | undefined, nodes: number): number | undefined {
  if (!maxSurge) return undefined
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(maxSurge.trim())
  if (pct?.[1]) return Math.ceil((nodes * Number(pct[1])) / 100)
  const abs = /^\d+$/.exec(maxSurge.trim())
  return abs ? Number(abs[0]) : undefined
}

function subnetNeed(where: FailureLocation): string {
  const { nodes, maxPods, maxSurge } = where
  if (nodes === undefined || maxPods === undefined) return ''
  const surge = surgeNodes(maxSurge, nodes)
  if (surge === undefined) return ''
  const need = (nodes + surge) * (1 + maxPods)
  return ` For this pool that is (${nodes} + ${surge}) × (1 + ${maxPods}) = ${need} addresses while the upgrade runs.`
}

function authorizationAdvice(error: ErrorInfo, where: FailureLocation): FailureAdvice {
  const actionMatch = /perform action '([A-Za-z0-9./_*-]+)'/i.exec(error.message)
  const objectId = /object id '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'/i.exec(error.message)?.[1]
  let actions: string[]
  if (actionMatch?.[1]) actions = [actionMatch[1]]
  else if (where.kind) actions = [ROLE_ACTIONS[where.kind]]
  else if (where.pool !== undefined) actions = [ROLE_ACTIONS['node-image'], ROLE_ACTIONS['pool-version']]
  else actions = [ROLE_ACTIONS['control-plane']]
  const named = actions.map(a => `\`${a}\``).join(' and ')
  const assignee = objectId ? `--assignee-object-id ${objectId} --assignee-principal-type ServicePrincipal` : '--assignee CLIENT_ID'
  const scope = scopeArg(where)
  return {
    cause: `The identity this action signs in with is not allowed ${named} on this cluster${actionMatch ? " (named in Azure's message)" : ''}.`,
    fix:
      `Grant it on the cluster, for example with the built-in role: ` +
      `\`az role assignment create ${assignee} --role "Azure Kubernetes Service Contributor Role" --scope ${scope}\`` +
      ` (or a custom role with ${named}). Role assignments can take a few minutes to apply; the next run retries.`,
    docs: DOCS.authorization,
    inspect: `az role assignment list ${objectId ? `--assignee ${objectId}` : '--assignee CLIENT_ID'} --scope ${scope} --include-inherited -o table`
  }
}

/** What each advice builder works from: the error, where it happened, and the names already made safe for commands. */
interface AdviceContext {
  error: ErrorInfo
  where: FailureLocation
  n: Names
  /** What failed, as a phrase: "pool `NAME`" or "the cluster". */
  target: string
}

type AdviceBuilder = (c: AdviceContext) => FailureAdvice

// Blocked by the cluster's own workloads: deprecated API callers, pods that will not drain.

function deprecatedApiAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: 'AKS stopped the minor upgrade: clients called Kubernetes APIs that the target version removes (usage seen in the last 12 hours).',
    fix:
      "Find the callers in the portal: the cluster's Diagnose and solve problems, 'Selected Kubernetes API deprecations'. " +
      'Move them to the supported API versions, wait until no usage is seen for 12 hours, then approve the upgrade again. ' +
      'If you accept that those calls will fail after the upgrade, AKS documents an override for you to decide on: ' +
      `\`az aks update -g ${n.rg} -n ${n.cluster} --enable-force-upgrade --upgrade-override-until YYYY-MM-DDTHH:MM:SSZ\`` +
      ' (it also ignores PodDisruptionBudgets). This action never sets it.',
    docs: DOCS.deprecatedApi,
    inspect: 'kubectl get --raw /metrics | grep apiserver_requested_deprecated_apis'
  }
}

function drainAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause:
      'A node could not be drained: a PodDisruptionBudget allowed no eviction (or a pod did not stop within the drain timeout), so AKS stopped the upgrade and left the pool Failed.',
    fix:
      'Run `kubectl get pdb -A` and look for ALLOWED DISRUPTIONS 0; add replicas or relax minAvailable/maxUnavailable, then start the same upgrade again (that also reconciles the Failed pool). ' +
      'So one blocked node does not fail the whole pool next time, set `upgradeSettings.undrainableNodeBehavior: Cordon` (the node is cordoned and left for you), ' +
      'and give slow pods more time with `upgradeSettings.drainTimeoutInMinutes` (default 30): ' +
      `\`az aks nodepool update -g ${n.rg} --cluster-name ${n.cluster} -n ${n.pool ?? 'POOL'} --undrainable-node-behavior Cordon --drain-timeout 60\`.`,
    docs: DOCS.drain,
    inspect: 'kubectl get pdb -A'
  }
}

// No room for the surge nodes: addresses (subnet, public IPs), quota, VM size or capacity.

function subnetAdvice({ n, where }: AdviceContext): FailureAdvice {
  return {
    cause:
      "The pool's subnet has no free IP addresses for the surge nodes. With Azure CNI every node reserves 1 + maxPods addresses, so an upgrade needs (nodes + maxSurge) × (1 + maxPods) of them." +
      subnetNeed(where),
    fix: 'Free addresses in the subnet, lower `upgradeSettings.maxSurge` for this pool (fewer surge nodes, slower upgrade), or move the pool to a larger subnet (or to Azure CNI Overlay, where pods do not use subnet addresses). Then start the upgrade again.',
    docs: DOCS.subnet,
    inspect: `az aks nodepool show -g ${n.rg} --cluster-name ${n.cluster} -n ${n.pool ?? 'POOL'} --subscription ${n.sub} --query "{nodes: count, maxPods: maxPods, maxSurge: upgradeSettings.maxSurge, subnet: vnetSubnetId}"`
  }
}

function publicIpAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: 'The subscription reached its limit of public IP addresses in this region, so the nodes the upgrade adds could not get one.',
    fix: 'Delete unused public IP addresses or request a higher Public IP Addresses quota for the region, then start the upgrade again.',
    docs: DOCS.publicIp,
    inspect: `az network list-usages -l ${n.location} --subscription ${n.sub} -o table`
  }
}

function quotaAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause:
      "The upgrade adds surge nodes (maxSurge) before it removes old ones, and the subscription's vCPU quota for this VM family in the region has no room for them.",
    fix:
      `Check the usage with \`az vm list-usage -l ${n.location} --subscription ${n.sub} -o table\`, then request a quota increase for the VM family, ` +
      'or lower `upgradeSettings.maxSurge` on the pool (fewer surge nodes at a time, slower upgrade). Then start the upgrade again.',
    docs: DOCS.quota,
    inspect: `az vm list-usage -l ${n.location} --subscription ${n.sub} -o table`
  }
}

function skuAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: "The pool's VM size is not available to this subscription in this region or zone, so AKS could not create surge nodes.",
    fix:
      `See the restrictions with \`az vm list-skus -l ${n.location} --subscription ${n.sub} --resource-type virtualMachines --all -o table\`; ` +
      'move the workloads to a pool with an available VM size, or ask Azure support to lift the restriction.',
    docs: DOCS.allocation,
    inspect: `az vm list-skus -l ${n.location} --subscription ${n.sub} --resource-type virtualMachines --all -o table`
  }
}

function allocationAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: "Azure had no capacity for the pool's VM size (in the requested zone) when the upgrade added surge nodes.",
    fix:
      'Capacity changes over time: start the upgrade again later, or lower `upgradeSettings.maxSurge` so fewer new VMs are needed at once. ' +
      `Surge nodes also count against quota: \`az vm list-usage -l ${n.location} --subscription ${n.sub} -o table\`. ` +
      'If it keeps failing, move the workloads to a pool with another VM size or other zones.',
    docs: DOCS.allocation,
    inspect: showState(n)
  }
}

// Another writer or Azure itself got in the way; the next run usually gets through.

function preconditionAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause:
      'The cluster changed between this run reading it and writing to it (its eTag no longer matched), so AKS refused to overwrite the other change.',
    fix: 'Nothing is broken: the next run reads the new state and plans again. If it repeats, look for another tool that updates the cluster at the same time.',
    docs: DOCS.etag,
    inspect: showState(n)
  }
}

function canceledAdvice({ n, target }: AdviceContext): FailureAdvice {
  return {
    cause: 'The operation was canceled: someone aborted it, or AKS preempted it with another operation (for example a delete or an update).',
    fix: `Check what replaced it with \`az aks operation show-latest -g ${n.rg} -n ${n.cluster}\` (aks-preview extension); the next run plans ${target} again.`,
    docs: DOCS.preempted,
    inspect: showState(n)
  }
}

function throttledAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: 'Azure Resource Manager throttled the requests (too many calls for this subscription or cluster).',
    fix: 'Nothing to repair: the next run retries. With many clusters, lower `max-parallel` or stagger schedules across subscriptions.',
    docs: DOCS.throttled,
    inspect: showState(n)
  }
}

function busyAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: 'AKS runs one operation at a time per cluster, and another one (a scale, an update, an AKS auto-upgrade or another pipeline) was running.',
    fix: `Let it finish; the next run starts this upgrade again. See what is running with \`az aks operation show-latest -g ${n.rg} -n ${n.cluster}${n.pool !== undefined ? ` --nodepool-name ${n.pool}` : ''}\` (aks-preview extension).`,
    docs: DOCS.busy,
    inspect: showState(n)
  }
}

// The rest: a version step AKS refuses, or a code this action has no specific advice for.

function versionAdvice({ n }: AdviceContext): FailureAdvice {
  return {
    cause: 'AKS does not allow this version step here (unsupported in the region, skipped minor, or a pool too far behind the control plane).',
    fix: `List the allowed targets with \`az aks get-upgrades -g ${n.rg} -n ${n.cluster} -o table\` and check the version skew between the control plane and its pools.`,
    docs: DOCS.versionBlocked,
    inspect: `az aks get-upgrades -g ${n.rg} -n ${n.cluster} --subscription ${n.sub} -o table`
  }
}

function unknownAdvice({ error, n, target }: AdviceContext): FailureAdvice {
  return {
    cause: `AKS reported ${plain(error.code) || 'Unknown'}; this action has no specific advice for that code (Azure's message is shown as it came).`,
    fix: `Check the state of ${target} and the cluster's activity log, fix the cause, then start the same upgrade again (that also reconciles a Failed state).`,
    docs: DOCS.errorCodes,
    inspect: showState(n)
  }
}

/** One builder per kind; the Record type makes the compiler flag a kind without advice. */
const ADVICE: Record<FailureKind, AdviceBuilder> = {
  'deprecated-api': deprecatedApiAdvice,
  drain: drainAdvice,
  subnet: subnetAdvice,
  'public-ip': publicIpAdvice,
  quota: quotaAdvice,
  sku: skuAdvice,
  allocation: allocationAdvice,
  authorization: ({ error, where }) => authorizationAdvice(error, where),
  precondition: preconditionAdvice,
  canceled: canceledAdvice,
  throttled: throttledAdvice,
  version: versionAdvice,
  busy: busyAdvice,
  unknown: unknownAdvice
}

/** What went wrong, what to do, where to look. Unknown codes get generic advice; the report shows Azure's code and message as they are. */
export function explainFailure(error: ErrorInfo, where: FailureLocation): FailureAdvice {
  const n = names(where)
  const target = n.pool !== undefined ? `pool \`${n.pool}\`` : 'the cluster'
  return ADVICE[classify(error)]({ error, where, n, target })
}

/**
 * A control plane or pool an earlier operation left in the Failed state (found at read
 * time, not failed in this run). With AKS's own provisioning error the usual advice
 * applies; without one, the way out is the same for every cause.
 */
export function explainFailedState(error: ErrorInfo | undefined, where: FailureLocation): FailureAdvice {
  if (error) return explainFailure(error, where)
  const n = names(where)
  const target = n.pool !== undefined ? `pool \`${n.pool}\`` : 'the control plane'
  return {
    cause: `An earlier operation left ${target} in the Failed state, and AKS keeps it there until an operation on it succeeds.`,
    fix:
      `Find the failed operation with \`az aks operation show-latest -g ${n.rg} -n ${n.cluster}${n.pool !== undefined ? ` --nodepool-name ${n.pool}` : ''}\` (aks-preview extension) or in the activity log, fix its cause, ` +
      'then start the same upgrade again: that also reconciles the Failed state. This action leaves it alone until then.',
    docs: DOCS.errorCodes,
    inspect: showState(n)
  }
}
