// What the version-upgrade PUTs carry. nodeImageVersion is writable in 2026 api-versions and
// means "roll back to this image", so it must never be echoed; and a control-plane PUT
// after a pool was upgraded in the same run must carry the pool's new version.
import { describe, expect, it } from 'vitest'
import type { Emulator } from '../emulator/server.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import { kubernetesVersionsFrom, type Fleet } from '../emulator/fleet.ts'
import { clusterSeed, useEmulator } from './support.ts'

const SUB = '8f3c2a71-4b6e-4d19-9a5c-2e7b1f0d6c34'
const OLD = 'AKSUbuntu-2204gen2containerd-202607.02.0'
const NEW = 'AKSUbuntu-2204gen2containerd-202607.09.0'

interface Props {
  kubernetesVersion?: string
  orchestratorVersion?: string
  nodeImageVersion?: string
  agentPoolProfiles?: Array<{ name: string; orchestratorVersion?: string; nodeImageVersion?: string }>
}

const { start } = useEmulator()

const puts = (e: Emulator) =>
  e.requests
    .filter(r => r.service === 'arm' && r.method === 'PUT')
    .map(r => ({ path: r.path, ifMatch: r.headers['if-match'], props: (r.body as { properties?: Props } | undefined)?.properties ?? {} }))

describe('version-upgrade PUT bodies', () => {
  it('never echo nodeImageVersion (a rollback request), so the upgrade also brings the newest image', async () => {
    const fleet: Fleet = {
      subscriptions: { [SUB]: {} },
      clusters: [
        clusterSeed({
          subscriptionId: SUB,
          resourceGroup: 'rg-dev',
          name: 'aks-dev',
          kubernetesVersion: '1.35.5',
          agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.5', nodeImageVersion: OLD, latestNodeImageVersion: NEW }]
        })
      ]
    }
    const emu = await start(fleet)
    const result = await runAction(emu, { ...baseInputs(emu), clusters: 'rg-dev/aks-dev', upgrade: 'patch', issue: 'off' })
    expect(result.code, result.stdout).toBe(0)
    const [cluster, pool] = puts(emu)
    expect(cluster?.props.kubernetesVersion).toBe('1.35.6')
    expect(cluster?.props.agentPoolProfiles?.length).toBe(1)
    expect(cluster?.props.agentPoolProfiles?.every(p => p.nodeImageVersion === undefined)).toBe(true)
    expect(pool?.props.orchestratorVersion).toBe('1.35.6')
    expect(pool?.props.nodeImageVersion).toBeUndefined()
    expect(emu.state.fleet.clusters[0]?.agentPools[0]?.nodeImageVersion).toBe(NEW)
  })

  it('a control-plane PUT after a skew pre-upgrade of a pool carries the pool as it is now', async () => {
    // Every minor GA here, so a pool three minors behind can move up one before the control plane.
    const versions = kubernetesVersionsFrom([
      { version: '1.32', patches: ['1.32.9'] },
      { version: '1.33', patches: ['1.33.13'] },
      { version: '1.34', patches: ['1.34.9'] },
      { version: '1.35', patches: ['1.35.6'], isDefault: true },
      { version: '1.36', patches: ['1.36.2'] }
    ])
    const fleet: Fleet = {
      subscriptions: { [SUB]: {} },
      kubernetesVersions: { default: versions },
      clusters: [
        clusterSeed({
          subscriptionId: SUB,
          resourceGroup: 'rg-dev',
          name: 'aks-dev',
          kubernetesVersion: '1.35.6',
          agentPools: [
            { name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: NEW, latestNodeImageVersion: NEW },
            { name: 'legacy', mode: 'User', orchestratorVersion: '1.32.9', nodeImageVersion: NEW, latestNodeImageVersion: NEW }
          ]
        })
      ]
    }
    const emu = await start(fleet)
    const result = await runAction(emu, { ...baseInputs(emu), clusters: 'rg-dev/aks-dev', upgrade: 'minor', issue: 'off' })
    expect(result.code, result.stdout).toBe(0)
    const sent = puts(emu)
    // First the lagging pool, by one minor only; then the control plane, whose body shows the
    // pool's new version (not the 1.32.9 first read, which AKS would take as a downgrade).
    expect(sent[0]?.path).toMatch(/agentPools\/legacy$/)
    expect(sent[0]?.props.orchestratorVersion).toBe('1.33.13')
    expect(sent[1]?.props.kubernetesVersion).toBe('1.36.2')
    expect(sent[1]?.props.agentPoolProfiles?.find(p => p.name === 'legacy')?.orchestratorVersion).toBe('1.33.13')
    const live = emu.state.fleet.clusters[0]
    expect(live?.agentPools.find(p => p.name === 'legacy')?.orchestratorVersion).toBe('1.33.13')
  })
})
