// One job per ring (`ring: N`): the job acts only on its ring but still reads the earlier
// rings, so the promotion gate works the same as in a single job.
import { describe, expect, it } from 'vitest'
import type { Emulator } from '../emulator/server.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { Fleet } from '../emulator/fleet.ts'
import { armWrites, clusterSeed, planRows, useEmulator } from './support.ts'

const SUB = '8f3c2a71-4b6e-4d19-9a5c-2e7b1f0d6c34'
const OLD = 'AKSUbuntu-2204gen2containerd-202607.02.0'
const NEW = 'AKSUbuntu-2204gen2containerd-202607.09.0'

function fleet(devImage: string): Fleet {
  const cluster = (name: string, ring: string, image: string) =>
    clusterSeed({
      subscriptionId: SUB,
      resourceGroup: `rg-${name}`,
      name,
      tags: { 'aks-upgrade-ring': ring, team: 'platform' },
      kubernetesVersion: '1.35.6',
      agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: image, latestNodeImageVersion: NEW }]
    })
  return { subscriptions: { [SUB]: {} }, clusters: [cluster('aks-dev', '0', devImage), cluster('aks-prod', '1', OLD)] }
}

const { start } = useEmulator()

const posts = (e: Emulator): string[] =>
  armWrites(e)
    .filter(r => r.method === 'POST')
    .map(r => r.path.split('/managedClusters/')[1] ?? r.path)

describe('ring input', () => {
  it('ring 0 job upgrades only ring 0', async () => {
    const emu = await start(fleet(OLD))
    const result = await runAction(emu, { ...baseInputs(emu), 'cluster-tags': 'team=platform', upgrade: 'node-image', ring: '0', issue: 'off' })
    expect(result.code, result.stdout).toBe(0)
    expect(posts(emu)).toEqual(['aks-dev/agentPools/system/upgradeNodeImageVersion'])
    const plan = planRows(result)
    expect(new Set(plan.map(e => e.cluster))).toEqual(new Set(['aks-dev']))
    // `rings` still names every ring.
    expect(Object.keys(JSON.parse(result.outputs.rings ?? '{}') as object).sort()).toEqual(['0', '1'])
  })

  it('ring 1 job waits while ring 0 runs the old image, and adopts the image once ring 0 runs it', async () => {
    const emu = await start(fleet(OLD))
    const inputs = { ...baseInputs(emu), 'cluster-tags': 'team=platform', upgrade: 'node-image', ring: '1', issue: 'off' }
    const waiting = await runAction(emu, inputs)
    expect(waiting.code, waiting.stdout).toBe(0)
    expect(posts(emu)).toEqual([])
    const row = planRows(waiting).find(e => e.cluster === 'aks-prod' && e.pool === 'system')
    expect(row?.reason).toBe('ring-waiting')

    // Ring 0 has moved (its own job ran): now ring 1 follows.
    const dev = emu.state.fleet.clusters.find(c => c.name === 'aks-dev')
    const devPool = dev?.agentPools[0]
    if (devPool) devPool.nodeImageVersion = NEW
    const adopting = await runAction(emu, inputs)
    expect(adopting.code, adopting.stdout).toBe(0)
    expect(posts(emu)).toEqual(['aks-prod/agentPools/system/upgradeNodeImageVersion'])
  })
})
