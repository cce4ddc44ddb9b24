// Transient faults the SDKs do not retry on their own, end to end on dist/index.js: ARM's 429
// without Retry-After, a JSON body cut short on a GET, and a 500 from GitHub's OIDC token
// service. Each is answered once (or twice) and the run carries on; a 4xx from the token
// service still fails at once, with the permission advice.
import { describe, expect, it } from 'vitest'
import { NODE_IMAGES } from '../emulator/fleet.ts'
import type { Fleet } from '../emulator/fleet.ts'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { Emulator } from '../emulator/server.ts'
import { armWrites, expectSuccess, label, oneClusterFleet, planRow, planRows, useEmulator } from './support.ts'

const SUB = '5b7d2e90-3c1a-4f68-b2d4-8e6a0c9f1b37'
const RG = 'rg-it-faults'

function fleet(): Fleet {
  return oneClusterFleet({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: 'aks-faults',
    kubernetesVersion: '1.35.6',
    agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: NODE_IMAGES.ubuntu2204Old }]
  })
}

function inputs(e: Emulator): Record<string, string> {
  return { ...baseInputs(e), clusters: `${RG}/aks-faults`, issue: 'off', preflight: 'none' }
}

const PROFILE = /\/agentPools\/system\/upgradeProfiles\/default$/i
const { start } = useEmulator({ operationDurationMs: 100 })

describe('transient faults', () => {
  it('tries a read again after a 429 without Retry-After', async () => {
    const e = await start(fleet())
    e.inject({ method: 'GET', path: PROFILE, status: 429, body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, count: 2 })
    const result = await runAction(e, inputs(e))
    expectSuccess(result)
    expect(e.requests.filter(r => PROFILE.test(r.path))).toHaveLength(3)
    expect(planRow(planRows(result), 'aks-faults', 'system').result).toBe('succeeded')
    expect(result.stdout).toMatch(/got 429 without Retry-After; trying again in \d+\.\d s \(attempt 2 of 3\)/)
  })

  it('tries a read again when its JSON body arrives cut short', async () => {
    const e = await start(fleet())
    e.inject({
      method: 'GET',
      path: PROFILE,
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"id":"/subscriptions/x","properties":{"kube'
    })
    const result = await runAction(e, inputs(e))
    expectSuccess(result)
    expect(armWrites(e).map(label)).toEqual(['POST aks-faults/agentPools/system/upgradeNodeImageVersion'])
  })

  it('gets a GitHub OIDC token after a 500 from the token service', async () => {
    const e = await start(fleet())
    e.inject({ method: 'GET', path: '/_oidc/token', status: 500, body: { message: 'Internal Server Error' } })
    const result = await runAction(e, inputs(e))
    expectSuccess(result)
    expect(e.requests.filter(r => r.service === 'oidc' && r.path === '/_oidc/token').length).toBeGreaterThanOrEqual(2)
  })

  it('fails at once on a 403 from the token service, with the permission advice', async () => {
    const e = await start(fleet())
    e.inject({ method: 'GET', path: '/_oidc/token', status: 403, body: { message: 'Forbidden' }, count: Infinity })
    const result = await runAction(e, inputs(e))
    expect(result.code).not.toBe(0)
    expect(e.requests.filter(r => r.service === 'oidc' && r.path === '/_oidc/token')).toHaveLength(1)
    expect(result.stdout + result.stderr).toMatch(/permissions: id-token: write/)
    expect(e.requests.filter(r => r.service === 'arm')).toEqual([])
  })
})
