// What to do when Azure refuses to start an operation because of someone else (pure).
//   409 OperationNotAllowed: another operation is running (AKS's auto-upgrade, a person,
//     another workflow). Not our failure: the resource is reported in progress, started
//     outside this run, and the next run picks it up.
//   412 PreconditionFailed: the resource changed between our read and our write (If-Match).
//     Decide again with what Azure shows now: still due, send it once more with the new eTag;
//     changed in a way that matters, leave it to the next run, which plans it afresh.
import type { Operation } from '../model.js'

/** The resource as read again after the refusal. */
export interface FreshState {
  provisioningState?: string | undefined
  /** Version the resource asks for (`kubernetesVersion` / `orchestratorVersion`). */
  requested?: string | undefined
  /** Version it runs. */
  current?: string | undefined
}

export type Retake = { kind: 'again' } | { kind: 'outside'; reason: 'started-outside' | 'changed-outside'; detail: string } | { kind: 'failed' }

const SETTLED = new Set(['succeeded', 'failed', 'canceled', 'cancelled'])

export function decideAgain(op: Operation, status: number, fresh: FreshState): Retake {
  const state = fresh.provisioningState ?? 'Succeeded'
  if (!SETTLED.has(state.toLowerCase())) {
    return {
      kind: 'outside',
      reason: 'started-outside',
      detail: `AKS is running an operation started outside this run (provisioningState ${state}); the next run picks it up`
    }
  }
  // Any other 409 (a quota, a policy, a bad request) is AKS's answer to this operation.
  if (status !== 412 || op.kind === 'node-image') return { kind: 'failed' }
  if (fresh.requested === op.to || fresh.current === op.to) {
    return { kind: 'outside', reason: 'changed-outside', detail: `changed outside this run: it already asks for ${op.to}; the next run reports it` }
  }
  if (state.toLowerCase() !== 'succeeded' || (fresh.current !== undefined && fresh.current !== op.from)) {
    const now = fresh.current ?? fresh.requested ?? 'another version'
    return { kind: 'outside', reason: 'changed-outside', detail: `changed outside this run (now ${now}, ${state}); the next run decides again` }
  }
  // Only something else changed (a tag, a setting): the upgrade is still due as planned.
  return { kind: 'again' }
}
