// A cancelled run still reports, end to end on dist/index.js: the runner's SIGINT arrives while
// the action waits for a node-image upgrade. Nothing new starts, the running operation is left
// to AKS (never aborted), and the job summary, the dashboard and the outputs say what was done
// and what still runs; the process exits non-zero within 5 s of the signal.
import { describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { Fleet } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import { oneClusterFleet, planRow, planRows, useEmulator } from './support.ts'

const SUB = '2e8b6d14-7a3f-4c95-b1e0-6f4d2a9c8b57'
const RG = 'rg-it-cancel'

function fleet(): Fleet {
  const pool = (name: string) => ({
    name,
    mode: name === 'system' ? 'System' : 'User',
    orchestratorVersion: '1.35.6',
    nodeImageVersion: NODE_IMAGES.ubuntu2204Old
  })
  return oneClusterFleet({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: 'aks-cancel',
    kubernetesVersion: '1.35.6',
    agentPools: [pool('system'), pool('apps')]
  })
}

// Upgrades that take ten minutes: the signal arrives while the first one is waited on.
const { start } = useEmulator({ operationDurationMs: 600_000 })

describe('a cancelled run', () => {
  it('starts nothing new, leaves the running upgrade to AKS, writes summary, dashboard and outputs, and exits within 5 s', async () => {
    const e = await start(fleet())
    const result = await runAction(
      e,
      { ...baseInputs(e), clusters: `${RG}/aks-cancel`, preflight: 'none' },
      { signal: { signal: 'SIGINT', when: () => e.state.operations.length > 0 } }
    )
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.exitAfterSignalMs).toBeLessThan(5_000)

    // One upgrade was started and is still running in Azure; nothing aborted it.
    expect(e.state.operations.map(o => [o.pool, o.status])).toEqual([['system', 'InProgress']])
    expect(e.requests.filter(r => r.service === 'arm' && /\/abort$/i.test(r.path))).toEqual([])

    const rows = planRows(result)
    expect(planRow(rows, 'aks-cancel', 'system')).toMatchObject({ result: 'still-running' })
    expect(planRow(rows, 'aks-cancel', 'apps')).toMatchObject({ result: 'pending', hold: { reason: 'cancelled' } })
    expect(result.outputs['upgrades-started']).toBe('1')
    expect(result.summary).toContain('the run was cancelled while waiting (the operation was not aborted)')
    const dashboard = e.state.github.issues.find(i => i.state === 'open')
    expect(dashboard?.body ?? '').toContain('the run was cancelled')
    expect(result.stdout).toContain('Received SIGINT')
  })
})
