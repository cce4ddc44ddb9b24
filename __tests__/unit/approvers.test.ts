import { describe, expect, it } from 'vitest'
import { approvalCheckbox, attributeApprovals, parseApprovals, type BodyEdit } from '../../src/approvals.ts'
import type { PlanEntry } from '../../src/model.ts'

const ID = '/subscriptions/5b2c8f3e-9d41-4a6b-8e07-3f1c2d9a6b58/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod'
const entry: PlanEntry = {
  clusterId: ID,
  cluster: 'aks-prod',
  resourceGroup: 'rg-prod',
  subscriptionId: '5b2c8f3e-9d41-4a6b-8e07-3f1c2d9a6b58',
  ring: 0,
  pool: null,
  os: null,
  mode: null,
  kubernetesVersion: { current: '1.35.6', target: '1.36.2' },
  nodeImageVersion: null,
  action: 'minor',
  reason: 'awaiting-approval',
  message: '',
  warnings: []
}
const unticked = `## report\n${approvalCheckbox(entry)}\n`
const ticked = unticked.replace('[ ]', '[x]')

function edit(at: string, editor: string | null, body: string): BodyEdit {
  return { editedAt: `2026-11-2${at}T10:00:00Z`, editor, body }
}

describe('attributeApprovals', () => {
  it('checkbox text round-trips through the parser', () => {
    expect(parseApprovals(ticked)).toEqual([{ clusterId: ID, minor: '1.36' }])
    expect(parseApprovals(unticked)).toEqual([])
  })

  it.each<[string, BodyEdit[], string | undefined]>([
    ['the person who ticked it', [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked)], 'alice'],
    [
      'a later bot rewrite that keeps it ticked does not take the credit',
      [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked), edit('2', 'github-actions[bot]', ticked)],
      'alice'
    ],
    [
      'ticked, unticked, ticked again: the last one to tick',
      [edit('0', 'github-actions[bot]', unticked), edit('1', 'alice', ticked), edit('2', 'bob', unticked), edit('3', 'carol', ticked)],
      'carol'
    ],
    ['order of the history does not matter', [edit('1', 'alice', ticked), edit('0', 'github-actions[bot]', unticked)], 'alice'],
    ['no history: approved in the issue', [], undefined],
    ['a tick by a bot is not a person approving', [edit('0', 'github-actions[bot]', unticked), edit('1', 'renovate[bot]', ticked)], undefined],
    [
      'an edit that only changed other text does not approve',
      [edit('0', 'github-actions[bot]', ticked), edit('1', 'dave', `${ticked}\nnote`)],
      undefined
    ]
  ])('%s', (_name, edits, approver) => {
    const [approval] = attributeApprovals(parseApprovals(ticked), edits, parseApprovals)
    expect(approval?.approvedBy).toBe(approver)
  })
})
