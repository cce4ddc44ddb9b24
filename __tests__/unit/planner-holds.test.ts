import { describe, expect, it } from 'vitest'
import type { ClusterSnapshot, PoolSnapshot } from '../../src/model.ts'
import type { PlannerOptions } from '../../src/plan/planner.ts'
import { U0702, U0709 } from './fixtures.ts'
import { pool, sys, cluster, onVersion, plan, clusterPlan, entry, ops } from './planner-fixtures.ts'

// Holds from the cluster's or a pool's state, and from AKS's own automation (auto-upgrade and
// node OS channels).

describe('holds from state', () => {
  const behind = (): Partial<ClusterSnapshot> =>
    onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 }), pool('apps', { nodeImageVersion: U0702 })])

  it.each<[string, Partial<ClusterSnapshot>, string, RegExp]>([
    ['cluster upgrading', { provisioningState: 'Upgrading' }, 'operation-in-progress', /cluster is Upgrading/],
    [
      'cluster failed',
      { provisioningState: 'Failed' },
      'failed-state',
      /failed on the cluster.*az aks show -g rg-aks-a -n aks-a --query status.*re-run/
    ],
    ['cluster stopped', { powerState: 'Stopped' }, 'stopped', /cluster is stopped/]
  ])('%s holds every entry', (_name, over, reason, message) => {
    const p = plan([cluster('aks-a', { ...behind(), ...over })])
    for (const e of clusterPlan(p, 'aks-a').entries) {
      expect(e).toMatchObject({ reason, action: 'none' })
      expect(e.message).toMatch(message)
    }
    // The targets still show what would happen.
    expect(entry(p, 'aks-a', null).kubernetesVersion.target).toBe('1.35.6')
    expect(ops(p, 'aks-a')).toEqual([])
  })

  it.each<[string, Partial<PoolSnapshot>, string, RegExp]>([
    ['pool upgrading', { provisioningState: 'Upgrading' }, 'operation-in-progress', /pool is Upgrading/],
    [
      'pool failed',
      { provisioningState: 'Failed', provisioningError: { code: 'PodDrainFailure', message: 'drain blocked by PDB' } },
      'failed-state',
      /failed on the pool \(PodDrainFailure\).*az aks nodepool show -g rg-aks-a --cluster-name aks-a -n apps --query status.*re-run/
    ],
    ['pool stopped', { powerState: 'Stopped' }, 'stopped', /pool is stopped/]
  ])('%s holds only that pool', (_name, over, reason, message) => {
    const c = cluster('aks-a', { pools: [sys('system', { nodeImageVersion: U0702 }), pool('apps', { nodeImageVersion: U0702, ...over })] })
    const p = plan([c])
    const apps = entry(p, 'aks-a', 'apps')
    expect(apps).toMatchObject({ reason, action: 'none', nodeImageVersion: { target: U0709 } })
    expect(apps.message).toMatch(message)
    expect(ops(p, 'aks-a')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
  })
})

describe('a pool still busy holds a control-plane upgrade', () => {
  it('holds the due control-plane patch while a pool upgrades its node image, and plans the other pools', () => {
    const c = cluster(
      'aks-a',
      onVersion('1.35.5', [
        sys('system', { nodeImageVersion: U0702 }),
        pool('apps', { nodeImageVersion: U0702, provisioningState: 'UpgradingNodeImageVersion' })
      ])
    )
    const p = plan([c])
    expect(entry(p, 'aks-a', null)).toMatchObject({ reason: 'operation-in-progress', action: 'none', kubernetesVersion: { target: '1.35.6' } })
    expect(entry(p, 'aks-a', null).message).toMatch(/pool apps has an operation running/)
    expect(ops(p, 'aks-a').some(o => o.startsWith('control-plane'))).toBe(false)
  })

  it('leaves a control plane with nothing to do as it is', () => {
    const on = (provisioningState: string) => cluster('aks-a', onVersion('1.35.6', [pool('apps', { nodeImageVersion: U0709, provisioningState })]))
    const idle = entry(plan([on('Succeeded')]), 'aks-a', null)
    expect(idle.action).toBe('none')
    expect(entry(plan([on('Upgrading')]), 'aks-a', null)).toEqual(idle)
  })
})

describe('AKS automation', () => {
  it.each<[string, string, PlannerOptions['aksAutoUpgrade'], string, RegExp]>([
    [
      'stable, respect',
      'stable',
      'respect',
      'aks-auto-upgrade-channel',
      /channel 'stable' owns the Kubernetes version \(set aks-auto-upgrade: override/
    ],
    ['patch, respect', 'patch', 'respect', 'aks-auto-upgrade-channel', /channel 'patch'/],
    ['rapid, override', 'rapid', 'override', 'upgrade-due', /1\.35\.5 → 1\.35\.6/],
    ['none', 'none', 'respect', 'upgrade-due', /1\.35\.5 → 1\.35\.6/]
  ])('upgrade channel %s', (_name, channel, aksAutoUpgrade, reason, message) => {
    const p = plan([cluster('aks-a', { ...onVersion('1.35.5', [sys('system', { nodeImageVersion: U0702 })]), upgradeChannel: channel })], {
      aksAutoUpgrade
    })
    const cp = entry(p, 'aks-a', null)
    expect(cp.reason).toBe(reason)
    expect(cp.message).toMatch(message)
    if (reason === 'aks-auto-upgrade-channel') {
      // Version upgrades are AKS's; the node image is still ours.
      expect(ops(p, 'aks-a')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
      expect(entry(p, 'aks-a', 'system').warnings.join(' ')).toMatch(/aks-auto-upgrade-channel/)
    }
    if (channel !== 'none' && aksAutoUpgrade === 'override') {
      expect(clusterPlan(p, 'aks-a').warnings.join(' ')).toMatch(/'rapid' is set and aks-auto-upgrade is override/)
    }
  })

  it('holds a pool catching up to the control plane while the channel owns versions', () => {
    const p = plan([cluster('aks-a', { upgradeChannel: 'stable', pools: [sys('system', { currentOrchestratorVersion: '1.35.5' })] })])
    expect(entry(p, 'aks-a', 'system')).toMatchObject({ reason: 'aks-auto-upgrade-channel', kubernetesVersion: { target: '1.35.6' } })
  })

  it.each<[string, string, string, RegExp | null]>([
    [
      'NodeImage',
      'none',
      'NodeImage',
      /node OS channel 'NodeImage'.*az aks update -g rg-aks-a -n aks-a --node-os-upgrade-channel None.*aksManagedNodeOSUpgradeSchedule/
    ],
    ['SecurityPatch', 'none', 'SecurityPatch', /node OS channel 'SecurityPatch'/],
    ['legacy node-image channel', 'node-image', 'NodeImage', /'node-image' forces node OS channel NodeImage.*--auto-upgrade-channel none/],
    ['None', 'none', 'None', null],
    ['Unmanaged', 'none', 'Unmanaged', null]
  ])('node OS channel %s still upgrades images, with a warning', (_name, upgradeChannel, nodeOSUpgradeChannel, warning) => {
    const p = plan([cluster('aks-a', { upgradeChannel, nodeOSUpgradeChannel, pools: [sys('system', { nodeImageVersion: U0702 })] })])
    expect(ops(p, 'aks-a')).toEqual([`node-image system node-image ${U0702}→${U0709}`])
    const text = clusterPlan(p, 'aks-a').warnings.join(' ')
    if (warning) expect(text).toMatch(warning)
    else expect(text).not.toMatch(/node OS/)
  })
})
