// Levels of detail, and the order sections give way in. The issue starts detailed and steps
// down until it fits; the job summary starts richer and only gives way for huge fleets.
import type { DetailStep } from './fit.js'

export interface DetailLevels {
  failures: 'full' | 'compact'
  readFailures: 'table' | 'counts'
  inProgress: 'table' | 'counts'
  done: 'table' | 'counts'
  pending: 'table' | 'counts'
  held: 'table' | 'counts'
  /** Pre-flight predictions, assumptions and checks not run. */
  preflight: 'table' | 'counts'
  clusters: 'tables' | 'rings'
  upToDate: 'tables' | 'list' | 'counts'
  /** Longest Azure message or sentence shown, in characters. */
  textLimit: number
}

export const SUMMARY_DETAIL: DetailLevels = {
  failures: 'full',
  readFailures: 'table',
  inProgress: 'table',
  done: 'table',
  pending: 'table',
  held: 'table',
  preflight: 'table',
  clusters: 'tables',
  upToDate: 'tables',
  textLimit: 4000
}

export const ISSUE_DETAIL: DetailLevels = { ...SUMMARY_DETAIL, upToDate: 'list', textLimit: 1500 }

/** Levels every section reads besides its own: a step that changes one may change any section. */
export const SHARED_LEVELS: ReadonlyArray<keyof DetailLevels> = ['textLimit']

// Each way a section can give way, defined once; the two targets order them differently.
const DETAIL_STEPS = {
  upToDateList: { change: { upToDate: 'list' }, dropped: 'the tables of up-to-date clusters' },
  upToDate: { change: { upToDate: 'counts' }, dropped: 'the list of up-to-date clusters', partial: 'part of the list of up-to-date clusters' },
  held: { change: { held: 'counts' }, dropped: 'the Held table', partial: 'part of the Held table' },
  preflight: {
    change: { preflight: 'counts' },
    dropped: 'the pre-flight tables (counts per check remain)',
    partial: 'part of the pre-flight predictions'
  },
  clusters: {
    change: { clusters: 'rings' },
    dropped: 'the per-cluster tables (a summary per ring remains)',
    partial: 'part of the per-cluster tables (a summary per ring remains)'
  },
  pending: { change: { pending: 'counts' }, dropped: 'the Pending tables (counts per reason remain)', partial: 'part of the Pending tables' },
  done: { change: { done: 'counts' }, dropped: 'the list of upgrades', partial: 'part of the list of upgrades' },
  inProgress: { change: { inProgress: 'counts' }, dropped: 'the In progress table', partial: 'part of the In progress table' },
  readFailures: { change: { readFailures: 'counts' }, dropped: 'the Could not read table', partial: 'part of the Could not read table' },
  textLimit: { change: { textLimit: 300 }, dropped: 'the end of long Azure messages' },
  failures: { change: { failures: 'compact' }, dropped: 'the advice for each failure' }
} satisfies Record<string, DetailStep<DetailLevels>>

export const ISSUE_STEPS: Array<DetailStep<DetailLevels>> = [
  DETAIL_STEPS.upToDate,
  DETAIL_STEPS.held,
  DETAIL_STEPS.clusters,
  DETAIL_STEPS.preflight,
  DETAIL_STEPS.pending,
  DETAIL_STEPS.done,
  DETAIL_STEPS.inProgress,
  DETAIL_STEPS.readFailures,
  DETAIL_STEPS.textLimit,
  DETAIL_STEPS.failures
]

// The summary is the place the issue sends readers to, so it only gives way for fleets far
// beyond what an issue holds: least useful first, and never the advice on failures.
// upToDateList has no `partial`: the list still names every cluster, which beats the first
// of their tables.
export const SUMMARY_STEPS: Array<DetailStep<DetailLevels>> = [
  DETAIL_STEPS.upToDateList,
  DETAIL_STEPS.upToDate,
  DETAIL_STEPS.clusters,
  DETAIL_STEPS.held,
  DETAIL_STEPS.preflight,
  DETAIL_STEPS.pending,
  DETAIL_STEPS.done,
  DETAIL_STEPS.inProgress,
  DETAIL_STEPS.readFailures
]
