// Deciding again after Azure refused because of someone else: 409 while another operation
// runs, 412 when the resource changed between our read and our write.
import { describe, expect, it } from 'vitest'
import { decideAgain } from '../../src/azure/refusal.ts'
import type { Operation } from '../../src/model.ts'

const CLUSTER = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod'
const controlPlane: Operation = {
  key: `${CLUSTER}#control-plane`,
  kind: 'control-plane',
  upgradeClass: 'patch',
  clusterId: CLUSTER,
  from: '1.35.5',
  to: '1.35.6'
}
const image: Operation = {
  key: `${CLUSTER}/agentPools/apps#node-image`,
  kind: 'node-image',
  upgradeClass: 'node-image',
  clusterId: CLUSTER,
  pool: 'apps',
  from: 'AKSUbuntu-2204gen2containerd-202607.02.0',
  to: 'AKSUbuntu-2204gen2containerd-202607.09.0'
}

describe('decideAgain', () => {
  it.each([
    {
      name: '409, an upgrade started by AKS auto-upgrade',
      op: image,
      status: 409,
      fresh: { provisioningState: 'UpgradingNodeImageVersion' },
      kind: 'outside',
      reason: 'started-outside'
    },
    { name: '409 on a settled pool (quota, policy)', op: image, status: 409, fresh: { provisioningState: 'Succeeded' }, kind: 'failed' },
    {
      name: '412, only a tag changed',
      op: controlPlane,
      status: 412,
      fresh: { provisioningState: 'Succeeded', requested: '1.35.5', current: '1.35.5' },
      kind: 'again'
    },
    {
      name: '412, someone upgraded it already',
      op: controlPlane,
      status: 412,
      fresh: { provisioningState: 'Succeeded', requested: '1.35.6', current: '1.35.6' },
      kind: 'outside',
      reason: 'changed-outside'
    },
    {
      name: '412, someone moved it elsewhere',
      op: controlPlane,
      status: 412,
      fresh: { provisioningState: 'Succeeded', requested: '1.36.2', current: '1.36.2' },
      kind: 'outside',
      reason: 'changed-outside'
    },
    {
      name: '412, an update of someone else is running',
      op: controlPlane,
      status: 412,
      fresh: { provisioningState: 'Updating', current: '1.35.5' },
      kind: 'outside',
      reason: 'started-outside'
    },
    {
      name: '412, left Failed by someone else',
      op: controlPlane,
      status: 412,
      fresh: { provisioningState: 'Failed', current: '1.35.5' },
      kind: 'outside',
      reason: 'changed-outside'
    }
  ])('$name: $kind', ({ op, status, fresh, kind, reason }) => {
    const retake = decideAgain(op, status, fresh)
    expect(retake.kind).toBe(kind)
    if (reason) expect(retake).toMatchObject({ reason })
  })

  it('says what it saw', () => {
    expect(decideAgain(image, 409, { provisioningState: 'UpgradingNodeImageVersion' })).toMatchObject({
      detail: 'AKS is running an operation started outside this run (provisioningState UpgradingNodeImageVersion); the next run picks it up'
    })
  })
})
