// Pre-flight: plain data for the checks that predict failing upgrades (quota, subnet
// addresses, drain-blocking PodDisruptionBudgets, deprecated APIs) before they start.
//   facts (read by the adapters) -> evaluate (pure) -> PreflightReport -> executor + report

/** Checks a user can turn on (input `preflight`). */
export type PreflightCheck = 'quota' | 'subnet' | 'pdb'

/** `hold.reason` codes of a due operation pre-flight stopped (stable, in README). */
type PreflightHoldReason = 'preflight-quota' | 'preflight-subnet' | 'preflight-pdb' | 'preflight-deprecated-api'

/** What a failed prediction does (input `preflight-failures`). */
export type PreflightPolicy = 'hold' | 'warn'

/** A VM size's quota family and vCPUs, from the Compute resource SKUs list. */
export interface VmSize {
  family: string
  vCpus: number
}

/** One `value[]` entry of Compute or Network usages. */
export interface Usage {
  current: number
  limit: number
}

/** A PodDisruptionBudget, reduced to what the drain prediction needs. */
export interface Pdb {
  namespace: string
  name: string
  minAvailable?: string
  maxUnavailable?: string
  /** `matchLabels` and `matchExpressions` of `spec.selector`; undefined: selects nothing. */
  selector?: LabelSelector
  disruptionsAllowed: number
  currentHealthy: number
  desiredHealthy: number
  expectedPods: number
}

export interface LabelSelector {
  matchLabels: Record<string, string>
  matchExpressions: Array<{ key: string; operator: string; values: string[] }>
}

export interface PodInfo {
  namespace: string
  labels: Record<string, string>
  nodeName?: string
}

/** A deprecated API the API server saw requests for (`apiserver_requested_deprecated_apis`). */
export interface DeprecatedApi {
  group: string
  version: string
  resource: string
  subresource: string
  /** `1.32`; empty when the API has no planned removal. */
  removedRelease: string
}

/** What the API server of one cluster told. */
export interface ClusterApiFacts {
  /** Blocking PDBs with the pools their pods run on; `pools` empty: could not be mapped. */
  pdbs: Array<{ pdb: Pdb; pools: string[] }>
  /** undefined: the metric was not read (no minor upgrade due, or not allowed). */
  deprecatedApis?: DeprecatedApi[]
}

/** A check that could not run: listed once, in "Checks not run". */
export interface CheckNotRun {
  check: PreflightCheck | 'deprecated-api'
  /** Resource id, `/subscriptions/{id}/locations/{location}` or a virtual network id. */
  scope: string
  reason: string
  /** The role action to grant, when a permission was missing. */
  roleAction?: string
}

/** Everything the pre-flight reads found, keyed for the evaluation. */
export interface PreflightFacts {
  /** location key -> vmSize (lower-case) -> size. Absent location: the SKU list was not read. */
  vmSizes: Map<string, Map<string, VmSize>>
  /** `sub|location` key -> usage name (lower-case) -> usage. */
  computeUsages: Map<string, Map<string, Usage>>
  /** lower-case subnet id -> usage. Absent: its virtual network was not read. */
  subnetUsages: Map<string, Usage>
  /** lower-case ids of the virtual networks whose usages were read. */
  vnetsRead: Set<string>
  /** lower-case cluster id -> what its API server told. */
  clusters: Map<string, ClusterApiFacts>
  notRun: CheckNotRun[]
  /** ARM requests the reads made (for the figure in README and the log). */
  armRequests: number
}

/** A shared budget that operations in flight at once draw on: one quota, or one subnet's free addresses. */
export interface Budget {
  key: string
  check: 'quota' | 'subnet'
  /** e.g. `standardDSv3Family vCPUs in westeurope` or `addresses in subnet aks-nodes`. */
  label: string
  /** What is left at the time of the read. */
  free: number
  unit: 'vCPUs' | 'addresses'
}

export interface Claim {
  budget: string
  amount: number
}

/** One prediction about one operation. */
export interface Finding {
  reason: PreflightHoldReason
  /** Numbers and names: "needs 8 vCPUs of standardDSv3Family in westeurope, 4 free". */
  detail: string
  /** What to do about it. */
  advice: string
  /** `block`: the operation would fail (held under policy hold); `warn`: reported only. */
  severity: 'block' | 'warn'
}

/** Pre-flight for one planned operation. */
export interface OperationCheck {
  key: string
  /** What the operation's surge takes from shared budgets while it runs. */
  claims: Claim[]
  findings: Finding[]
  /** Assumptions made, e.g. the default maxSurge. */
  notes: string[]
}

export interface PreflightReport {
  checks: PreflightCheck[]
  policy: PreflightPolicy
  budgets: Budget[]
  /** By operation key (plain data: the report is JSON-serialisable). */
  operations: Record<string, OperationCheck>
  notRun: CheckNotRun[]
  armRequests: number
}
