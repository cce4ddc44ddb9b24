// Writes that race with someone else, end to end on dist/index.js. The emulator changes the
// resource between the action's read and its write (a real eTag change, so its own If-Match
// check answers 412), or starts an operation of its own (so AKS answers 409).
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { Fleet } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { armWrites, expectSuccess, label, liveCluster, oneClusterFleet, planRow, planRows, useEmulator } from './support.ts'

const SUB = '7c2a4e61-8b3d-4f09-a5e7-1d6b9c3f2e84'
const RG = 'rg-it-races'

/** A patch is due on the control plane (1.35.5 → 1.35.6); the pool runs the newest image. */
function fleet(): Fleet {
  return oneClusterFleet({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: 'aks-race',
    kubernetesVersion: '1.35.5',
    agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.5', nodeImageVersion: NODE_IMAGES.ubuntu2204 }]
  })
}

function inputs(e: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...baseInputs(e), clusters: `${RG}/aks-race`, issue: 'off', preflight: 'none', ...extra }
}

const CLUSTER_PUT = /\/managedClusters\/aks-race$/i
const { start } = useEmulator({ operationDurationMs: 100 })

describe('a cluster PUT that races with someone else', () => {
  it('reads the cluster again after a 412 and sends the upgrade once more with the new eTag, keeping their change', async () => {
    const e = await start(fleet())
    let theirETag = ''
    e.inject({
      method: 'PUT',
      path: CLUSTER_PUT,
      // Someone tags the cluster between our GET and our PUT: AKS gives it a new eTag.
      before: state => {
        const c = state.fleet.clusters.find(x => x.name === 'aks-race')
        if (!c) return
        c.tags = { ...(c.tags ?? {}), owner: 'team-payments' }
        c.eTag = randomUUID()
        theirETag = c.eTag
      }
    })
    const result = await runAction(e, inputs(e, { upgrade: 'patch' }))
    expectSuccess(result)
    const puts = armWrites(e).filter(r => r.method === 'PUT' && CLUSTER_PUT.test(r.path))
    expect(puts.map(label)).toEqual(['PUT aks-race', 'PUT aks-race'])
    expect(puts[1]?.headers['if-match']).toBe(theirETag)
    expect(liveCluster(e, 'aks-race')).toMatchObject({ currentKubernetesVersion: '1.35.6', tags: { owner: 'team-payments' } })
    expect(planRow(planRows(result), 'aks-race', null).result).toBe('succeeded')
  })

  it('reports a second 412 as it comes', async () => {
    const e = await start(fleet())
    e.inject({
      method: 'PUT',
      path: CLUSTER_PUT,
      count: 2,
      before: state => {
        const c = state.fleet.clusters.find(x => x.name === 'aks-race')
        if (c) c.eTag = randomUUID()
      }
    })
    const result = await runAction(e, inputs(e, { upgrade: 'patch' }))
    expect(result.code).not.toBe(0)
    expect(planRow(planRows(result), 'aks-race', null)).toMatchObject({ result: 'failed', error: { code: 'PreconditionFailed' } })
  })
})

describe('an operation started outside this run', () => {
  it('reports the pool in progress, started outside this run, and counts it pending, not failed', async () => {
    const e = await start(
      oneClusterFleet({
        subscriptionId: SUB,
        resourceGroup: RG,
        name: 'aks-race',
        kubernetesVersion: '1.35.6',
        agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: NODE_IMAGES.ubuntu2204Old }]
      })
    )
    e.inject({
      method: 'POST',
      path: /\/agentPools\/system\/upgradeNodeImageVersion$/i,
      // AKS's node OS auto-upgrade starts on the pool just before our request: AKS answers 409.
      before: state => {
        const pool = state.fleet.clusters.find(x => x.name === 'aks-race')?.agentPools.find(p => p.name === 'system')
        if (pool) pool.provisioningState = 'UpgradingNodeImageVersion'
      }
    })
    const result = await runAction(e, inputs(e))
    expectSuccess(result)
    expect(result.outputs['upgrades-failed']).toBe('0')
    expect(result.outputs.pending).toBe('1')
    expect(planRow(planRows(result), 'aks-race', 'system')).toMatchObject({
      result: 'pending',
      hold: { reason: 'started-outside' }
    })
    expect(result.summary).toContain('In progress: an operation started outside this run')
  })
})
