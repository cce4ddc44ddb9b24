// Types shared by the emulator's services (ARM, Entra ID, GitHub OIDC, GitHub REST, Kubernetes API).
import type { Fleet, FleetError } from './fleet.ts'
import type { FleetManagerState } from './fleet-manager.ts'
import type { GitHubState } from './github.ts'
import type { JwtKey } from './jwt.ts'

export type Service = 'arm' | 'aad' | 'oidc' | 'github' | 'kube'

export interface RecordedRequest {
  method: string
  /** Without the query string, as sent (not lower-cased). */
  path: string
  query: Record<string, string>
  /** Lower-case header names. */
  headers: Record<string, string>
  /** Parsed JSON, parsed form (token endpoint), raw text, or undefined when empty. */
  body: unknown
  /** Emulator clock (ms since epoch) when the request arrived. */
  at: number
  service: Service
}

export interface Fault {
  /** Any method when absent. */
  method?: string
  /** Exact path (case-insensitive, no query) or a RegExp tested against the path. */
  path: string | RegExp
  /** Answer with this status; absent: the request goes on to its route (after `before` and `delayMs`). */
  status?: number
  headers?: Record<string, string>
  /** JSON-encoded unless a string; no body when absent. */
  body?: unknown
  /** How many requests it answers; default 1; `Infinity` for all. */
  count?: number
  /** Runs when the fault matches, first: e.g. someone else changes the resource (a real eTag change). */
  before?: (state: EmulatorState) => void
  /** Wait this long before answering (or routing). */
  delayMs?: number
  /** Close the connection without an answer. */
  drop?: boolean
}

/** What a route handler answers. */
export interface Reply {
  status: number
  headers?: Record<string, string>
  /** undefined: no body; string: sent as is; anything else: JSON. */
  body?: unknown
}

export interface Incoming {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: unknown
  /** `https://<Host header>`: every URL the emulator hands out is built on it. */
  baseUrl: string
}

export type OperationKind = 'node-image' | 'pool-version' | 'control-plane' | 'pool-update' | 'cluster-update'
type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed'

export interface PoolTarget {
  name: string
  /** As requested (`1.35` or `1.35.6`). */
  requested: string
  resolved: string
}

/** What a running pool upgrade holds while its surge nodes exist (released when it ends). */
export interface OperationCapacity {
  /** The quota row the surge vCPUs count against: the size's family, or `lowPriorityCores` for Spot. */
  usage: string
  /** Also counted in `cores` (Total Regional vCPUs); Spot vCPUs are not. */
  regional: boolean
  vCPUs: number
  /** Subnet id (as the pool names it) -> addresses the surge nodes take there. */
  subnets: Array<{ id: string; addresses: number }>
}

/** A long-running operation the emulator tracks (status monitor + Location URL). */
export interface OperationRecord {
  id: string
  kind: OperationKind
  /** Resource id of the pool or the cluster. */
  resourceId: string
  subscriptionId: string
  resourceGroup: string
  cluster: string
  pool?: string
  location: string
  status: OperationStatus
  startTime: number
  endTime?: number
  /** When it finishes; Infinity for stuck operations. */
  dueAt: number
  error?: FleetError
  /** Decided when the operation starts (from `failNextOperation`). */
  willFail?: FleetError
  /** control-plane: the new version; pool-version: the pool's. */
  kubernetesVersion?: PoolTarget
  /** Pools upgraded together with the control plane (their orchestratorVersion changed in the cluster PUT). */
  pools?: PoolTarget[]
  /** Pool upgrades: the surge it holds while it runs (absent when it failed to get it). */
  capacity?: OperationCapacity
}

export interface EmulatorState {
  /** The live fleet (normalised seed). Mutate it freely between requests. */
  fleet: Fleet
  operations: OperationRecord[]
  /** Azure Kubernetes Fleet Manager: fleets (members, strategies, runs, gates), member upgrades, async operations. */
  fleetManager: FleetManagerState
  github: GitHubState
  aad: {
    /** When set, only assertions whose `sub` is listed are accepted (federated credential subjects). */
    federatedSubjects?: string[]
    /** Access tokens issued so far. */
    tokensIssued: number
  }
}

export interface EmulatorContext {
  tokenLifetimeSeconds: number
  operationDurationMs: number
  pageSize: number
  githubToken: string
  repository: string
  oidcRequestToken: string
  oidcKey: JwtKey
  aadKey: JwtKey
  /** PEM of the emulator's CA (the kubeconfig's certificate-authority-data). */
  caPem: string
  /** A loopback port bound and closed at start: a private cluster's API server (connects are refused). */
  closedPort: number
  state: EmulatorState
  now(): number
  /** Re-check running operations after `ms` (timers are cleared on stop). */
  scheduleSettle(ms: number): void
  onOperationFinished(op: OperationRecord): void
}

export const OIDC_ISSUER = 'https://token.actions.githubusercontent.com'
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange'

/** ARM writes instants with 7 fractional digits. */
export function armTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
}

/** GitHub writes instants without fractions. */
export function githubTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
