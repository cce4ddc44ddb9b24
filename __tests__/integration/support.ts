// Scaffolding the integration tests share: one emulator per test, stopped after it, and
// readers for what the action sent to ARM and wrote to its `plan` output.
import { afterEach, expect } from 'vitest'
import type { PlanOutputEntry } from '../../src/report/outputs.ts'
import type { ClusterSeed, Fleet, PoolSeed } from '../emulator/fleet.ts'
import type { RunResult } from '../emulator/run-action.ts'
import { startEmulator } from '../emulator/server.ts'
import type { Emulator, EmulatorOptions, RecordedRequest } from '../emulator/server.ts'

export type EmulatorSettings = Omit<EmulatorOptions, 'fleet'>

/**
 * Registers an afterEach that stops the emulator the test started, so a failing test does
 * not leave a server behind. `options` of `start` override `defaults` key by key.
 */
export function useEmulator(defaults: EmulatorSettings = { operationDurationMs: 100 }): {
  start: (fleet: Fleet, options?: EmulatorSettings) => Promise<Emulator>
} {
  let current: Emulator | undefined
  afterEach(async () => {
    await current?.stop()
    current = undefined
  })
  return {
    async start(fleet, options = {}) {
      current = await startEmulator({ ...defaults, ...options, fleet })
      return current
    }
  }
}

/** A cluster with AKS's own upgrade channels off (the workflow owns timing), in westeurope unless told. */
export function clusterSeed(
  seed: Pick<ClusterSeed, 'subscriptionId' | 'resourceGroup' | 'name' | 'kubernetesVersion' | 'agentPools'> & Partial<ClusterSeed>
): ClusterSeed {
  return { location: 'westeurope', autoUpgradeProfile: { upgradeChannel: 'none', nodeOSUpgradeChannel: 'None' }, ...seed }
}

/** `listClusterUserCredential` is a POST that only reads (pre-flight's way to the API server). */
function isCredentialRead(r: RecordedRequest): boolean {
  return r.method === 'POST' && /\/listClusterUserCredential$/i.test(r.path)
}

/** A fleet of one cluster in its own subscription (the shape most single-scenario tests need). */
export function oneClusterFleet(seed: Parameters<typeof clusterSeed>[0]): Fleet {
  return { subscriptions: { [seed.subscriptionId]: {} }, clusters: [clusterSeed(seed)] }
}

/** ARM requests that change something (PUT, POST, PATCH, DELETE), from request index `since` on. */
export function armWrites(emu: Emulator, since = 0): RecordedRequest[] {
  return emu.requests.slice(since).filter(r => r.service === 'arm' && r.method !== 'GET' && !isCredentialRead(r))
}

const CLUSTER_PATH = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\//i

/** `PUT aks-x`, `PUT aks-x/agentPools/system`, `POST aks-x/agentPools/apps/upgradeNodeImageVersion`. */
export function label(r: RecordedRequest): string {
  return `${r.method} ${r.path.replace(CLUSTER_PATH, '')}`
}

export type PlanRow = PlanOutputEntry

/** The `plan` output; a run that wrote none fails the test here, with the log. */
export function planRows(result: RunResult): PlanRow[] {
  const text = result.outputs.plan
  if (text === undefined) throw new Error(`no plan output; stdout:\n${result.stdout}`)
  return JSON.parse(text) as PlanRow[]
}

export function planRow(rows: PlanRow[], clusterName: string, poolName: string | null): PlanRow {
  const found = rows.find(r => r.cluster === clusterName && r.pool === poolName)
  if (found === undefined) throw new Error(`no plan entry for ${clusterName}/${poolName ?? 'control plane'}: ${JSON.stringify(rows)}`)
  return found
}

/** The cluster as the emulator holds it now (after the run's operations). */
export function liveCluster(emu: Emulator, name: string): ClusterSeed {
  const found = emu.state.fleet.clusters.find(c => c.name === name)
  if (found === undefined) throw new Error(`no cluster ${name} in the emulator`)
  return found
}

export function livePool(emu: Emulator, clusterName: string, poolName: string): PoolSeed {
  const found = liveCluster(emu, clusterName).agentPools.find(p => p.name === poolName)
  if (found === undefined) throw new Error(`no pool ${clusterName}/${poolName} in the emulator`)
  return found
}

/** The run must have succeeded; on failure show the log so the reason is visible in the test output. */
export function expectSuccess(result: RunResult): void {
  expect(result.code, `exit code; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0)
}
