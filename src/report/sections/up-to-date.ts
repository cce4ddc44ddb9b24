// Up to date: clusters with nothing to do, as tables (job summary), a list of names (issue)
// or counts per ring.
import { poolCount } from '../cells.js'
import type { RenderContext } from '../context.js'
import { escapeText } from '../escape.js'
import type { NameList, SectionDraft } from '../fit.js'
import { plural } from '../../util/text.js'
import { byRing, clusterTables, clusterWarnings } from './clusters.js'
import { newRowCut, sectionHeading, summarySection } from './table.js'

export function upToDateSection(ctx: RenderContext): SectionDraft | null {
  const done = ctx.upToDateClusters
  if (done.length === 0) return null
  const heading = sectionHeading('✔️ Up to date', plural(done.length, 'cluster'))
  const mode = ctx.detail.upToDate
  if (mode === 'counts') {
    return summarySection(
      heading,
      byRing(done).map(([ring, list]) => {
        const pools = list.reduce((n, c) => n + c.rows.length, 0)
        return `- ${ctx.multiRing ? `Ring ${ring}: ` : ''}${plural(list.length, 'cluster')} (${poolCount(pools)})`
      })
    )
  }
  const lines = [heading, '', `<details><summary>${plural(done.length, 'cluster')} with nothing to do</summary>`, '']
  if (mode === 'tables') {
    // Not cut to its first tables when too long: the list that replaces it names them all.
    const meter = clusterTables(ctx, done, lines)
    lines.push('</details>', '')
    return { lines, meter }
  }
  // The list names clusters on one line per ring: a cut keeps the first names.
  const cut = newRowCut(done.length, ['', '</details>', ''], 'cluster')
  const list = nameList(ctx, lines.length)
  for (const r of list.rings) lines.push(`${r.lead}${list.names.slice(r.from, r.to).join(', ')}`)
  lines.push('', '</details>', '')
  return { lines, cut, names: list }
}

/** The names of the up-to-date clusters with their version, by ring; their lines start at `firstLine`. */
function nameList(ctx: RenderContext, firstLine: number): NameList {
  const names: string[] = []
  const rings: NameList['rings'] = []
  for (const [ring, list] of byRing(ctx.upToDateClusters)) {
    const from = names.length
    for (const c of list) {
      const cl = c.plan.cluster
      const v = cl.currentKubernetesVersion ?? cl.kubernetesVersion
      const warn = clusterWarnings(c.plan, c.rows).length > 0 ? ' ⚠️' : ''
      names.push(`${escapeText(cl.resourceGroup)}/${escapeText(cl.name)}${v ? ` ${escapeText(v)}` : ''}${warn}`)
    }
    rings.push({ lead: `- ${ctx.multiRing ? `**Ring ${ring}** (${list.length.toLocaleString('en-US')}): ` : ''}`, from, to: names.length })
  }
  return { firstLine, names, rings }
}
