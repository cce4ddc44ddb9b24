// What one check-in of the Fleet engine leaves for the report: the runs as Fleet shows them,
// what this run did to them, and what waits. Plain data, like the rest of RunReport.
import type { ErrorDetail, StageStatus } from './wire.js'

export interface FleetRunView {
  name: string
  /** Created by this Action (`aup-` prefix). */
  ours: boolean
  /** The run's rollout state. */
  state: string
  /** What it upgrades, e.g. `Kubernetes 1.34.2` or `node images`. */
  update: string
  /** The `Custom` versions we named, or Fleet's selection. */
  images: string[]
  startTime?: string
  completedTime?: string
  error?: ErrorDetail
  /** The status tree: stage -> group -> member, with gates and waits. */
  stages: StageStatus[]
  /** Configured `afterStageWaitInSeconds` per stage name. */
  waits: Record<string, number>
  /** Failed or stopped by someone else: a writer's tick of the retry box starts it again. */
  retry: boolean
  /** Stopped by this Action because our window closed: it resumes in the next window. */
  stoppedForWindow: boolean
}

interface FleetQueued {
  name: string
  update: string
  clusters: string[]
  /** Why it was not created in this run. */
  why: string
}

export interface FleetEngineReport {
  fleetId: string
  fleetName: string
  /** What this check-in wrote (or, in a dry run, would write), in order. */
  actions: string[]
  runs: FleetRunView[]
  queued: FleetQueued[]
  /** Clusters left out of every run: not a member, or a group we may not use. */
  held: Array<{ cluster: string; detail: string }>
  notes: string[]
  /** Runs of ours that failed: the job fails with these until a retry tick (or a person) resolves them. */
  failures: string[]
}
