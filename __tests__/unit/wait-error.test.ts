import { describe, expect, it } from 'vitest'
import { explainWaitError, type Inspection } from '../../src/azure/aks.ts'
import { toErrorInfo } from '../../src/util/errors.ts'

const LRO_WRAPPED = new Error(
  "The long-running operation has failed. ResourceOperationFailure. The resource operation completed with terminal provisioning state 'Failed'."
)
const POLL_503 = Object.assign(new Error('Service Unavailable'), { statusCode: 503, code: 'ServiceUnavailable' })

describe('explainWaitError: what really happened when waiting ended in an error', () => {
  it.each<[string, unknown, Inspection | 'unreadable', string]>([
    [
      "a generic LRO failure takes the pool's own provisioning error",
      LRO_WRAPPED,
      { state: 'Failed', reached: false, error: { code: 'PodDrainFailure', message: 'Cannot evict pod payments-7d9: PodDisruptionBudget' } },
      'failed PodDrainFailure: Cannot evict pod payments-7d9: PodDisruptionBudget'
    ],
    ['a failed LRO without a provisioning error keeps its code', LRO_WRAPPED, { state: 'Failed', reached: false }, 'failed ResourceOperationFailure'],
    ['a polling error while AKS still upgrades is still running', POLL_503, { state: 'Upgrading', reached: false }, 'still-running'],
    ['a polling error after the upgrade reached its version is success', POLL_503, { state: 'Succeeded', reached: true }, 'succeeded'],
    [
      'a polling error on a resource that did not reach the version stays a failure',
      POLL_503,
      { state: 'Succeeded', reached: false },
      'failed ServiceUnavailable'
    ],
    ['when the resource cannot be read the original error stands', POLL_503, 'unreadable', 'failed ServiceUnavailable'],
    [
      'an LRO failure is never turned into success by a Succeeded resource',
      LRO_WRAPPED,
      { state: 'Succeeded', reached: true },
      'failed ResourceOperationFailure'
    ]
  ])('%s', async (_name, error, seen, expected) => {
    const result = await explainWaitError(error, async () => {
      if (seen === 'unreadable') throw new Error('403')
      return seen
    })
    let got: string
    if (result === undefined) got = 'succeeded'
    else if (result instanceof Error && result.name === 'StillRunningError') got = 'still-running'
    else {
      const info = toErrorInfo(result)
      got = expected.includes(':') ? `failed ${info.code}: ${info.message}` : `failed ${info.code}`
    }
    expect(got).toBe(expected)
  })
})
