// Scaffolding for the Fleet Manager emulator tests: an emulator on an injected clock, a signed-in
// HTTPS caller, cluster and fleet seeds, and the example-shape comparison.
import { peakOverlap } from '../emulator/timeline.ts'
import { readFileSync } from 'node:fs'
import { type HttpsReply, httpsJson } from '../emulator/https-json.ts'
import { afterEach } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { ClusterSeed, Fleet } from '../emulator/fleet.ts'
import { findFleetManager } from '../emulator/fleet-manager.ts'
import type { FleetManagerSeed, FleetMemberSeed, LiveFleetManager, LiveRun, MemberUpgradeRecord } from '../emulator/fleet-manager.ts'
import { TEST_CLIENT_ID, TEST_TENANT_ID } from '../emulator/run-action.ts'
import { startEmulator } from '../emulator/server.ts'
import type { Emulator, EmulatorOptions } from '../emulator/server.ts'

export const API = '2026-06-01'
/** 2026-10-05T08:00:00Z, a Monday. */
export const T0 = Date.UTC(2026, 9, 5, 8, 0, 0)
export const MINUTE = 60_000
export const HOUR = 60 * MINUTE

export type Response = HttpsReply

interface CallOptions {
  query?: Record<string, string>
  headers?: Record<string, string>
  body?: unknown
  /** Default 2026-06-01; `null` sends none. Ignored for absolute URLs that carry one. */
  apiVersion?: string | null
}

export interface Harness {
  emu: Emulator
  /** The emulator's clock: starts at T0 and moves only when told. */
  clock: { now(): number; advance(ms: number): void; set(ms: number): void }
  /** A signed-in ARM call; `path` is a path (`/subscriptions/...`) or an absolute URL the emulator handed out. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>
}

async function armToken(emu: Emulator, ca: string): Promise<string> {
  const oidc = await httpsJson('GET', `${emu.url}/_oidc/token?api-version=2.0&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, ca, {
    authorization: `Bearer ${emu.oidcRequestToken}`
  })
  const assertion = (oidc.body as { value?: unknown }).value
  if (typeof assertion !== 'string') throw new Error(`no OIDC token: ${JSON.stringify(oidc.body)}`)
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: TEST_CLIENT_ID,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: 'https://management.azure.com/.default'
  }).toString()
  const res = await httpsJson(
    'POST',
    `${emu.url}/${TEST_TENANT_ID}/oauth2/v2.0/token`,
    ca,
    { 'content-type': 'application/x-www-form-urlencoded' },
    form
  )
  const token = (res.body as { access_token?: unknown }).access_token
  if (typeof token !== 'string') throw new Error(`no access token: ${JSON.stringify(res.body)}`)
  return token
}

export type HarnessOptions = Omit<EmulatorOptions, 'fleet' | 'now'>

/** An emulator on a clock that starts at T0, and a signed-in caller. Stop it with `h.emu.stop()`. */
export async function startHarness(fleet: Fleet, options: HarnessOptions = {}): Promise<Harness> {
  let now = T0
  const emu = await startEmulator({ operationDurationMs: 5 * MINUTE, tokenLifetimeSeconds: 90 * 24 * 3600, ...options, fleet, now: () => now })
  const ca = readFileSync(emu.caPath, 'utf8')
  const token = await armToken(emu, ca)
  return {
    emu,
    clock: {
      now: () => now,
      advance(ms) {
        now += ms
      },
      set(ms) {
        now = ms
      }
    },
    async call(method, path, options = {}) {
      const url = new URL(path.startsWith('https://') ? path : `${emu.url}${path}`)
      if (options.apiVersion !== null && !url.searchParams.has('api-version')) url.searchParams.set('api-version', options.apiVersion ?? API)
      for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers }
      let body: string | undefined
      if (options.body !== undefined) {
        body = JSON.stringify(options.body)
        headers['content-type'] = 'application/json'
      }
      return httpsJson(method, url.toString(), ca, headers, body)
    }
  }
}

/** Registers an afterEach that stops the emulator a test started. */
export function useFleetEmulator(): { start(fleet: Fleet, options?: HarnessOptions): Promise<Harness> } {
  let current: Emulator | undefined
  afterEach(async () => {
    await current?.stop()
    current = undefined
  })
  return {
    async start(fleet, options = {}) {
      const h = await startHarness(fleet, options)
      current = h.emu
      return h
    }
  }
}

// ---------------------------------------------------------------------------
// Seeds

export const SUB = '3c1f7a52-8e4d-4b6a-9f20-6d5e8c7b1a93'

/** A cluster on Kubernetes 1.35.5 with an Ubuntu system pool and an Azure Linux user pool on older images. */
function cluster(name: string, extra: Partial<ClusterSeed> = {}): ClusterSeed {
  return {
    subscriptionId: SUB,
    resourceGroup: 'rg-clusters',
    name,
    location: 'westeurope',
    kubernetesVersion: '1.35.5',
    autoUpgradeProfile: { upgradeChannel: 'none', nodeOSUpgradeChannel: 'None' },
    agentPools: [
      { name: 'system', mode: 'System', osSKU: 'Ubuntu', orchestratorVersion: '1.35.5', nodeImageVersion: NODE_IMAGES.ubuntu2204Old },
      { name: 'apps', mode: 'User', osSKU: 'AzureLinux', orchestratorVersion: '1.35.5', nodeImageVersion: NODE_IMAGES.azureLinux3Old }
    ],
    ...extra
  }
}

/** `{ 'ring-0': 2, 'ring-1': 3 }` → members ring-0-1, ring-0-2, ring-1-1… on clusters aks-ring-0-1… */
export function membersOf(groups: Record<string, number>): FleetMemberSeed[] {
  return Object.entries(groups).flatMap(([group, n]) =>
    Array.from({ length: n }, (_, i) => ({ name: `${group}-${i + 1}`, clusterName: `aks-${group}-${i + 1}`, group }))
  )
}

/** A fleet `fleet-1` in `rg-fleet` over one cluster per member (clusters named by the members' clusterName). */
export function fleetWith(
  members: FleetMemberSeed[],
  extra: Partial<FleetManagerSeed> = {},
  clusterExtra: (name: string) => Partial<ClusterSeed> = () => ({})
): Fleet {
  return {
    subscriptions: { [SUB]: {} },
    clusters: members.map(m => cluster(m.clusterName, clusterExtra(m.clusterName))),
    fleetManagers: [{ subscriptionId: SUB, resourceGroup: 'rg-fleet', name: 'fleet-1', members, ...extra }]
  }
}

export const F = `/subscriptions/${SUB}/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet-1`

/** The live fleet-1 (`findFleetManager` takes its id or, when unique, its name). */
export function liveFleet(h: Harness): LiveFleetManager {
  const fm = findFleetManager(h.emu.state, F)
  if (fm === undefined) throw new Error(`no fleet manager ${F}`)
  return fm
}

export function liveRun(h: Harness, name: string): LiveRun {
  const run = liveFleet(h).runs.find(r => r.name === name)
  if (run === undefined) throw new Error(`no run ${name}`)
  return run
}

/** `{properties:{strategy?, managedClusterUpdate}}` for a Full upgrade to 1.36.2 unless told. */
export function runBody(
  stages: unknown[] | undefined,
  update: Record<string, unknown> = { upgrade: { type: 'Full', kubernetesVersion: '1.36.2' } }
): Record<string, unknown> {
  return { properties: stages === undefined ? { managedClusterUpdate: update } : { strategy: { stages }, managedClusterUpdate: update } }
}

// ---------------------------------------------------------------------------
// Reading answers

export type Json = Record<string, unknown>

export function obj(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not an object: ${JSON.stringify(value)}`)
  return value as Json
}

/** `at(body, 'properties.status.stages.0.groups.1.status.state')`. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value
  for (const key of path.split('.')) {
    if (current === undefined || current === null) return undefined
    current = Array.isArray(current) ? current[Number(key)] : (current as Json)[key]
  }
  return current
}

/** The run status tree's states, flattened: `{ run, 'stage1', 'stage1/group-a', 'stage1/group-a/member-one', 'stage1/before/0', 'stage1/wait' }`. */
export function states(runBody: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { run: at(runBody, 'properties.status.status.state') }
  const stages = (at(runBody, 'properties.status.stages') ?? []) as Json[]
  for (const s of stages) {
    const sn = String(s.name)
    out[sn] = at(s, 'status.state')
    if (s.afterStageWaitStatus !== undefined) out[`${sn}/wait`] = at(s, 'afterStageWaitStatus.status.state')
    for (const timing of ['before', 'after'] as const) {
      for (const [i, g] of ((s[`${timing}Gates`] ?? []) as Json[]).entries()) out[`${sn}/${timing}/${i}`] = at(g, 'status.state')
    }
    for (const g of (s.groups ?? []) as Json[]) {
      const gn = `${sn}/${String(g.name)}`
      out[gn] = at(g, 'status.state')
      for (const timing of ['before', 'after'] as const) {
        for (const [i, gate] of ((g[`${timing}Gates`] ?? []) as Json[]).entries()) out[`${gn}/${timing}/${i}`] = at(gate, 'status.state')
      }
      for (const m of (g.members ?? []) as Json[]) out[`${gn}/${String(m.name)}`] = at(m, 'status.state')
    }
  }
  return out
}

/**
 * Paths whose keys the example has and `actual` lacks, recursively (arrays index by index).
 * A `null` in the example stands for an absent value (`nextLink: null`) and is not required.
 */
export function missingKeys(expected: unknown, actual: unknown, ignore: (path: string) => boolean = () => false, path = '$'): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path} (not an array)`]
    return expected.flatMap((e, i) => (i < actual.length ? missingKeys(e, actual[i], ignore, `${path}[${i}]`) : [`${path}[${i}]`]))
  }
  if (typeof expected !== 'object' || expected === null) return []
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path} (not an object)`]
  const out: string[] = []
  for (const [key, value] of Object.entries(expected)) {
    const p = `${path}.${key}`
    if (ignore(p) || value === null) continue
    if (!(key in actual)) out.push(p)
    else out.push(...missingKeys(value, (actual as Json)[key], ignore, p))
  }
  return out
}

/** Every `state` value anywhere in the body. */
export function allStates(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allStates)
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([k, v]) => (k === 'state' && typeof v === 'string' ? [v] : allStates(v)))
}

export const UPDATE_STATES = ['NotStarted', 'Running', 'Stopping', 'Stopped', 'Skipped', 'Failed', 'Pending', 'Completed']

/** The most member upgrades in flight at once (an upgrade ending when another starts doesn't overlap it). */
export function peak(records: MemberUpgradeRecord[]): number {
  return peakOverlap(records.map(r => ({ start: r.startMs, end: r.endMs })))
}

export function header(res: Response, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : value
}
