// Table cells and short texts shared by the sections and the run comment.
import { clip, escapeCell, escapeText } from './escape.js'
import { formatInstant, formatRelative } from './format.js'
import { shortTarget } from '../plan/versions.js'
import { plural } from '../util/text.js'
import type { RenderContext } from './context.js'
import { holdLabel } from './labels.js'
import type { Row } from './rows.js'

/**
 * Remembers a pure text built from two strings. A fleet repeats the same cells thousands of
 * times (one version change on every pool, one resource group per cluster's rows): build
 * each once and share it, instead of a new string per row. Bounded, as escape's cache.
 */
class TextMemo {
  private readonly byFirst = new Map<string, Map<string, string>>()
  private entries = 0
  private readonly make: (a: string, b: string) => string

  constructor(make: (a: string, b: string) => string) {
    this.make = make
  }

  get(a: string, b: string): string {
    let inner = this.byFirst.get(a)
    const hit = inner?.get(b)
    if (hit !== undefined) return hit
    if (this.entries >= 10_000) {
      this.byFirst.clear()
      this.entries = 0
      inner = undefined
    }
    if (!inner) {
      inner = new Map()
      this.byFirst.set(a, inner)
    }
    const text = this.make(a, b)
    inner.set(b, text)
    this.entries++
    return text
  }
}

/** Cell texts of one rendering (kept for that rendering only, so nothing outlives it). */
export interface CellTexts {
  clusterNames: TextMemo
  withRing: TextMemo
  imageChanges: TextMemo
  versionChanges: TextMemo
  statusLabels: TextMemo
  osCells: TextMemo
  imageVersions: TextMemo
  kubernetesVersions: TextMemo
  cellPairs: TextMemo
  rowOf: TextMemo
}

// The key of a missing current version: no version string is a lone NUL.
export const NO_VERSION = '\u0000'
const knownVersion = (v: string): string | null => (v === NO_VERSION ? null : v)

export function newCellTexts(): CellTexts {
  return {
    clusterNames: new TextMemo((rg, cluster) => `${escapeCell(rg)}/**${escapeCell(cluster)}**`),
    withRing: new TextMemo((cell, ring) => `${cell} · ring ${ring}`),
    imageChanges: new TextMemo(
      (from, to) => `node image ${escapeText(knownVersion(from) ?? '?')} → ${escapeText(shortTarget(knownVersion(from), to))}`
    ),
    versionChanges: new TextMemo((from, to) => `Kubernetes ${escapeText(knownVersion(from) ?? '?')} → ${escapeText(to)}`),
    statusLabels: new TextMemo((icon, label) => `${icon} ${escapeCell(label.toLowerCase())}`),
    osCells: new TextMemo((os, sku) => escapeCell(sku && sku !== os ? `${os} (${sku})` : os)),
    imageVersions: new TextMemo(
      (current, target) => `${escapeCell(knownVersion(current) ?? '?')} → ${escapeCell(shortTarget(knownVersion(current), target))}`
    ),
    kubernetesVersions: new TextMemo((current, target) => `${escapeCell(knownVersion(current) ?? '?')} → ${escapeCell(target)}`),
    cellPairs: new TextMemo((a, b) => flatString([a, ' | ', b])),
    rowOf: new TextMemo(cells => flatString(['| ', cells, ' |']))
  }
}

/** One flat string from parts: a template literal would keep a tree of its pieces alive with each row. */
export function flatString(parts: string[]): string {
  return parts.join('')
}

/** A sentence from Azure or the plan, clipped to the level of detail, escaped for running text. */
export function escapedText(ctx: RenderContext, s: string): string {
  return escapeText(clip(s, ctx.detail.textLimit))
}

/** The same, escaped for a table cell. */
export function escapedCell(ctx: RenderContext, s: string): string {
  return escapeCell(clip(s, ctx.detail.textLimit))
}

export function clusterCell(ctx: RenderContext, row: Row): string {
  const cell = ctx.texts.clusterNames.get(row.resourceGroup, row.cluster)
  return ctx.multiRing ? ctx.texts.withRing.get(cell, String(row.ring)) : cell
}

export function poolCell(row: Row): string {
  return row.pool === null ? '*control plane*' : escapeCell(row.pool)
}

function versionChange(texts: CellTexts, kind: 'node image' | 'Kubernetes', from: string | null | undefined, to: string): string {
  return (kind === 'node image' ? texts.imageChanges : texts.versionChanges).get(from ?? NO_VERSION, to)
}

/** The version change a row made or plans, e.g. `Kubernetes 1.35.5 → 1.35.6`. */
export function changeOf(texts: CellTexts, row: Row): string {
  const op = row.result?.operation
  if (op) return versionChange(texts, op.kind === 'node-image' ? 'node image' : 'Kubernetes', op.from, op.to)
  const e = row.entry
  if (!e) return '—'
  const k = e.kubernetesVersion
  const n = e.nodeImageVersion
  const imageChange = n?.target && n.target !== n.current ? n : null
  const versionDiff = k.target && k.target !== k.current ? k : null
  if (imageChange?.target && (e.action === 'node-image' || !versionDiff))
    return versionChange(texts, 'node image', imageChange.current, imageChange.target)
  if (versionDiff?.target) return versionChange(texts, 'Kubernetes', versionDiff.current, versionDiff.target)
  return '—'
}

/** An instant in the report's time zone, or a dash. */
export function instantText(ctx: RenderContext, iso: string | undefined): string {
  return iso ? escapeText(formatInstant(iso, ctx.report.timezone)) : '—'
}

export function nextWindowText(ctx: RenderContext, iso: string): string {
  const rel = formatRelative(iso, ctx.report.startedAt)
  return `${escapeText(formatInstant(iso, ctx.report.timezone))}${rel ? ` (${rel})` : ''}`
}

export function statusCell(ctx: RenderContext, row: Row): string {
  switch (row.status) {
    case 'failed':
      return row.result?.error ? `❌ failed (${escapeCell(row.result.error.code)})` : '❌ failed'
    case 'in-progress':
      return '🔄 in progress'
    case 'upgraded':
      return '✅ upgraded'
    case 'would-upgrade':
      return '🧪 would upgrade'
    case 'pending':
      return ctx.texts.statusLabels.get('⏳', holdLabel(row))
    case 'held':
      return ctx.texts.statusLabels.get('✋', holdLabel(row))
    case 'up-to-date':
      return ctx.target === 'issue' ? '✔️' : '✔️ up to date'
  }
}

/** How many rows (pools and control planes), e.g. `3 pools and control planes`. */
export function poolCount(n: number): string {
  return plural(n, 'pool or control plane', 'pools and control planes')
}
