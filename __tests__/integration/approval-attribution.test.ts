// Who approved a minor upgrade: read from the issue's edit history (GraphQL), recorded in
// the plan and the report; the REST-only fallback is covered in report-issue.test.ts.
import { expect, it } from 'vitest'
import { baseInputs, runAction } from '../emulator/run-action.ts'
import type { Fleet } from '../emulator/fleet.ts'
import { clusterSeed, planRows, useEmulator } from './support.ts'

const SUB = '8f3c2a71-4b6e-4d19-9a5c-2e7b1f0d6c34'
const IMAGE = 'AKSUbuntu-2204gen2containerd-202607.09.0'

const fleet: Fleet = {
  subscriptions: { [SUB]: {} },
  clusters: [
    clusterSeed({
      subscriptionId: SUB,
      resourceGroup: 'rg-prod',
      name: 'aks-prod',
      kubernetesVersion: '1.35.6',
      agentPools: [{ name: 'system', mode: 'System', orchestratorVersion: '1.35.6', nodeImageVersion: IMAGE, latestNodeImageVersion: IMAGE }]
    })
  ]
}

const { start } = useEmulator()

it('records the person who ticked the box, from the issue edit history', async () => {
  const emu = await start(fleet)
  const inputs = { ...baseInputs(emu), 'resource-group': 'rg-prod', 'cluster-name': 'aks-prod', upgrade: 'minor', 'minor-approval': 'issue' }
  const first = await runAction(emu, inputs)
  expect(first.code, first.stdout).toBe(0)
  expect(emu.requests.filter(r => r.service === 'arm' && r.method === 'PUT')).toEqual([])
  const issue = emu.state.github.issues[0]
  if (!issue?.body) throw new Error('no dashboard issue')
  expect(issue.body).toMatch(/- \[ \] .*1\.36/)

  emu.state.github.editIssueBody(issue.number, issue.body.replace(/- \[ \]/, '- [x]'), 'alice')
  const second = await runAction(emu, inputs)
  expect(second.code, second.stdout).toBe(0)
  const put = emu.requests.find(r => r.service === 'arm' && r.method === 'PUT')
  expect((put?.body as { properties?: { kubernetesVersion?: string } } | undefined)?.properties?.kubernetesVersion).toBe('1.36.2')
  const plan = planRows(second)
  expect(plan.find(e => e.pool === null)?.message).toMatch(/approved by alice/)
  expect(emu.requests.some(r => r.path === '/api/graphql')).toBe(true)
})

it('keeps a ticked box when a run fails before planning (sign-in refused)', async () => {
  const emu = await start(fleet)
  const inputs = { ...baseInputs(emu), 'resource-group': 'rg-prod', 'cluster-name': 'aks-prod', upgrade: 'minor', 'minor-approval': 'issue' }
  expect((await runAction(emu, inputs)).code).toBe(0)
  const issue = emu.state.github.issues[0]
  if (!issue?.body) throw new Error('no dashboard issue')
  emu.state.github.editIssueBody(issue.number, issue.body.replace(/- \[ \]/, '- [x]'), 'alice')

  // The federated credential no longer matches this repository: Entra refuses the sign-in.
  emu.state.aad.federatedSubjects = ['repo:someone-else/other:ref:refs/heads/main']
  const before = emu.requests.length
  const failed = await runAction(emu, inputs)
  expect(failed.code).not.toBe(0)
  expect(failed.stdout).toMatch(/Sign-in to Azure failed/)
  expect(emu.requests.slice(before).filter(r => r.service === 'arm')).toEqual([])
  const body = emu.state.github.issues[0]?.body ?? ''
  expect(body).toMatch(/- \[x\] .*approve:/)
  expect(body).toMatch(/Sign-in to Azure failed/)
})
