// Minor upgrades can wait for a person: the report issue carries one task-list checkbox per
// cluster and target minor, and the next run reads the ticked ones back. The hidden key is
// what counts; the visible text must still name the same cluster and minor, so a box whose
// text was edited to approve something else approves nothing.
import type { PlanEntry } from '../model.js'
import { escapeText } from './escape.js'

/** Same shape as the planner's. `approvedBy` is unknown from an issue body (GitHub does not say who ticked). */
export interface Approval {
  clusterId: string
  minor: string
  approvedBy?: string
}

/** `1.36` from `1.36.2`, `v1.36` or `1.36`; null when the text is no version. */
export function minorOf(version: string | null | undefined): string | null {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec((version ?? '').trim())
  return m ? `${m[1]}.${m[2]}` : null
}

// ARM ids hold no `<`, `>`, whitespace, `%` or `:`, but the key must survive any id:
// those characters could end the comment or the key early (and `@`/`#` stay out of the raw
// body altogether).
function encodeId(id: string): string {
  return id.replace(/[%<>:\s`@#]/g, ch => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

function decodeId(s: string): string | null {
  try {
    return decodeURIComponent(s)
  } catch {
    return null
  }
}

function clusterNameOf(clusterId: string): string | null {
  return /\/managedClusters\/([^/]+)\/?$/i.exec(clusterId)?.[1] ?? null
}

/** Order of two minors (`1.36` vs `1.35`): negative, 0 or positive; null when either is no minor. */
export function compareMinors(a: string, b: string): number | null {
  const pa = minorOf(a)?.split('.').map(Number)
  const pb = minorOf(b)?.split('.').map(Number)
  if (!pa || !pb) return null
  return (pa[0] ?? 0) - (pb[0] ?? 0) || (pa[1] ?? 0) - (pb[1] ?? 0)
}

function approvalKey(clusterId: string, minor: string): string {
  return `<!-- approve:${encodeId(clusterId)}:${minor} -->`
}

function shownName(cluster: string, resourceGroup: string): string {
  return resourceGroup ? `**${escapeText(cluster)}** (${escapeText(resourceGroup)})` : `**${escapeText(cluster)}**`
}

/**
 * The checkbox line for a due minor upgrade awaiting approval; its text carries cluster and
 * target version and a hidden key. `checked` renders an approval that is already given (an
 * approved upgrade still waiting for its window keeps its tick across re-renders).
 */
export function approvalCheckbox(entry: PlanEntry, checked = false): string {
  const target = entry.kubernetesVersion.target
  const minor = minorOf(target)
  const name = shownName(entry.cluster, entry.resourceGroup)
  if (!target || !minor) {
    return `- Minor upgrade of ${name} needs approval, but no target version is known.`
  }
  const current = entry.kubernetesVersion.current
  const from = current ? ` from ${escapeText(current)}` : ''
  const box = checked ? '[x]' : '[ ]'
  return `- ${box} Approve the minor upgrade of ${name}${from} to Kubernetes **${escapeText(target)}** ${approvalKey(entry.clusterId, minor)}`
}

/** A ticked approval kept in the issue until its minor upgrade has happened. */
export interface ApprovedBox {
  clusterId: string
  /** `1.36` */
  minor: string
  /** Shown name; derived from the id when the cluster is not in the plan. */
  cluster: string
  resourceGroup: string
  current?: string | null
  /** Shown instead of the minor when it is a version of that minor (`1.36.2`). */
  target?: string | null
  approvedBy?: string
  /** Why it has not started, e.g. `outside the maintenance window`. */
  waiting?: string
}

/** Cluster and resource group names from an ARM id, for an approval whose cluster this run did not read. */
export function namesFromId(clusterId: string): { cluster: string; resourceGroup: string } {
  return {
    cluster: clusterNameOf(clusterId) ?? clusterId,
    resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(clusterId)?.[1] ?? ''
  }
}

/**
 * The ticked box of an approval already given, saying who gave it and that it waits: the
 * same hidden key and visible text parseApprovals reads back, so the approval survives the
 * rewrite of the issue body whatever held the upgrade in this run.
 */
export function approvedCheckbox(box: ApprovedBox): string {
  const minor = minorOf(box.minor) ?? box.minor
  const shown = box.target && minorOf(box.target) === minor ? box.target : minor
  const from = box.current ? ` from ${escapeText(box.current)}` : ''
  const by = box.approvedBy?.trim() ? `approved by ${escapeText(box.approvedBy.trim())}` : 'approved'
  const waiting = box.waiting ? ` (${escapeText(box.waiting)})` : ''
  return `- [x] Approve the minor upgrade of ${shownName(box.cluster, box.resourceGroup)}${from} to Kubernetes **${escapeText(shown)}** — ${by}, waiting to start${waiting} ${approvalKey(box.clusterId, minor)}`
}

const CHECKBOX_LINE =
  /^[ \t]*(?:>[ \t]*)*[-*+][ \t]+\[([ xX])\][ \t]+(.*?)[ \t]*<!--[ \t]*approve:([^\s:]+):(\d+\.\d+)[ \t]*-->[ \t]*$/

function unescapeMarkdown(s: string): string {
  return s.replace(/\u200D/g, '').replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/**
 * Ticked approvals found in an issue body: only boxes written by approvalCheckbox, matched by
 * their hidden key, and only while the visible text still shows the same minor (and cluster).
 * Lines inside fenced code blocks are ignored: quoting a box is not ticking it.
 */
export function parseApprovals(body: string): Approval[] {
  const found = new Map<string, Approval>()
  let fence: string | null = null
  for (const line of body.split(/\r\n|\r|\n/)) {
    const fenceMatch = /^[ \t]{0,3}(`{3,}|~{3,})/.exec(line)
    if (fenceMatch?.[1]) {
      const marker = fenceMatch[1]
      if (fence === null) fence = marker
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null
      continue
    }
    if (fence !== null) continue
    const m = CHECKBOX_LINE.exec(line)
    if (!m) continue
    const [, tick, visible = '', encodedId = '', minor = ''] = m
    if (tick !== 'x' && tick !== 'X') continue
    const clusterId = decodeId(encodedId)
    if (!clusterId) continue
    const shown = /to Kubernetes \*\*(.+?)\*\*/.exec(visible)?.[1]
    if (shown === undefined || minorOf(unescapeMarkdown(shown)) !== minor) continue
    const expectedName = clusterNameOf(clusterId)
    const shownName = /of \*\*(.+?)\*\*/.exec(visible)?.[1]
    if (expectedName !== null && (shownName === undefined || unescapeMarkdown(shownName).toLowerCase() !== expectedName.toLowerCase())) continue
    found.set(`${clusterId.toLowerCase()}|${minor}`, { clusterId, minor })
  }
  return [...found.values()]
}
