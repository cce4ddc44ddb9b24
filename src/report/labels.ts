// What the report calls each reason a row waits or is held for.
import type { ReasonCode } from '../model.js'
import type { Row } from './rows.js'

const RESULT_HOLD_LABELS: Record<string, string> = {
  'outside-window': 'Outside the maintenance window',
  blackout: 'Blackout period',
  'window-ending': 'Too little of the window left',
  'no-cluster-schedule': 'No maintenance schedule on the cluster',
  'wait-timeout': 'Run time used up (wait-timeout-minutes)',
  'operation-running': 'Waits for the operation running on the cluster',
  'earlier-operation-failed': 'Not started: an earlier operation on the cluster failed',
  'ring-halted': 'Ring halted: an earlier ring failed',
  'start-refused': 'Azure refused to start it',
  cancelled: 'Not started: the run was cancelled',
  'waiting-for-capacity': 'Waits for quota or subnet addresses held by operations still running',
  'started-outside': 'In progress: an operation started outside this run',
  'changed-outside': 'Changed outside this run: decided again next run',
  'preflight-quota': 'Pre-flight: not enough vCPU quota for the surge nodes',
  'preflight-subnet': 'Pre-flight: not enough free addresses in the subnet',
  'preflight-pdb': 'Pre-flight: a PodDisruptionBudget blocks the drain',
  'preflight-deprecated-api': 'Pre-flight: deprecated APIs still in use',
  'not-in-fleet': 'Not a member of the fleet',
  'fleet-group-conflict': 'Fleet group this Action may not use',
  'fleet-pool-held': 'A pool of the cluster is stopped or failed (Fleet upgrades all pools)',
  'fleet-queued': 'Queued for a later Fleet update run',
  'fleet-run-active': 'Another Fleet update run is in progress',
  'fleet-waiting': 'Waits for its stage in the Fleet update run',
  'fleet-gate': 'Waits for approval (Fleet gate)',
  'fleet-pending': 'Fleet holds it (window or region)',
  'fleet-run-halted': 'Fleet update run failed or stopped',
  'fleet-skipped': 'Skipped by Fleet'
}

/** Hold reasons the operator must fix in Fleet Manager before the cluster can take part. */
export const FLEET_SETUP_HOLDS = new Set(['not-in-fleet', 'fleet-group-conflict', 'fleet-pool-held'])

/** Hold reasons of pre-flight: the operator has something to fix before the window. */
export function isPreflightHold(reason: string | undefined): boolean {
  return reason?.startsWith('preflight-') === true
}

/** Hold reasons that end when the maintenance window opens. */
export const WINDOW_HOLDS = new Set(['outside-window', 'blackout', 'window-ending', 'no-cluster-schedule'])

export const REASON_LABELS: Record<ReasonCode, string> = {
  'upgrade-due': 'Due, not started in this run',
  'up-to-date': 'Up to date',
  'not-selected': 'Kind not selected in the upgrade input',
  'operation-in-progress': 'AKS is busy with another operation',
  'failed-state': 'Left in the Failed state by an earlier operation',
  stopped: 'Stopped',
  'preview-only': 'Only preview versions are newer',
  'skew-violation': 'Version skew rules',
  'aks-auto-upgrade-channel': 'AKS auto-upgrade channel owns it',
  'node-image-too-new': 'Bake time: the image is too new',
  'covered-by-version-upgrade': 'Comes with the version upgrade',
  'waiting-for-control-plane': 'Waits for the control plane',
  'awaiting-approval': 'Needs approval',
  'lts-rules': 'LTS rules',
  'ring-waiting': 'Previous ring does not run it yet',
  'ring-soaking': 'Previous ring is still soaking it',
  'ring-halted': 'Ring halted: an earlier ring failed',
  'no-image-info': 'No node image information',
  'read-failed': 'Could not be read'
}

/** Why a pending or held row waits: the run's hold reason, else the plan's. */
export function holdLabel(row: Row): string {
  const r = row.result
  if (r && (r.outcome === 'pending' || r.outcome === 'skipped')) {
    const reason = r.holdReason ?? ''
    return RESULT_HOLD_LABELS[reason] ?? (reason || (r.outcome === 'pending' ? 'Pending' : 'Skipped'))
  }
  return row.entry ? REASON_LABELS[row.entry.reason] : 'Held'
}
