// A pool's node image: upgraded when the upgrade profile offers a newer image of the same
// family, after the previous ring runs exactly that image (and soaked it), and once the
// image is old enough (node-image-min-age-days).
import type { PoolSnapshot } from '../model.js'
import { due, fmtDate, held, settled, type ClusterFacts, type Context, type Decision } from './decision.js'
import { soakHold, unsettledHold } from './holds.js'
import { plural } from '../util/text.js'
import { compareNodeImages, imageEligibleAt, imageVersionPart, parseNodeImage, shortTarget, type NodeImage } from './versions.js'

/** The pool's node image and the newest one offered to it, as strings and, when readable, parsed. */
interface Images {
  cur: string
  latest: string
  curImg: NodeImage | undefined
  latestImg: NodeImage | undefined
  /** The target as messages show it. */
  short: string
}

export function decidePoolImage(pool: PoolSnapshot, f: ClusterFacts, ctx: Context, warnings: string[], clusterWarnings: string[]): Decision {
  const cur = pool.nodeImageVersion
  const latest = pool.latestNodeImageVersion
  if (!latest) {
    return held('no-image-info', "The pool's upgrade profile reports no latest node image, so no node image upgrade is planned.", null)
  }
  if (!cur) return held('no-image-info', 'The pool reports no node image version, so no node image upgrade is planned.', latest)
  if (cur === latest) return settled(`Node image ${cur} is the newest available.`)
  const curImg = parseNodeImage(cur)
  const latestImg = parseNodeImage(latest)
  if (curImg && latestImg) {
    if (curImg.family !== latestImg.family) {
      return held(
        'no-image-info',
        `The newest node image ${latest} is of another family than ${cur}; images of different families are never compared, so none is planned.`,
        latest
      )
    }
    if (compareNodeImages(latestImg, curImg) <= 0) return settled(`Node image ${cur} is the newest available.`)
  }
  // Strings the parser cannot read still follow the basic rule (an image that differs from
  // the latest one is upgraded), unless a rule below must date or compare them.
  const short = shortTarget(cur, latest)

  if (!ctx.selected.has('node-image')) {
    return held('not-selected', `Node image ${cur} → ${short} is available; add \`node-image\` to the \`upgrade\` input to take it.`, latest)
  }

  const images: Images = { cur, latest, curImg, latestImg, short }
  const hold = ringImageHold(images, f, ctx, warnings, clusterWarnings) ?? bakeTimeHold(images, ctx)
  if (hold) return hold
  const unread = [curImg ? undefined : cur, latestImg ? undefined : latest].filter((x): x is string => x !== undefined)
  if (unread.length > 0) {
    warnings.push(
      `Node image ${unread.join(' and ')} could not be read as a version; the upgrade is planned because the pool's image differs from the latest its upgrade profile offers.`
    )
  }
  return due('node-image', `Node image ${cur} → ${short}.`, latest)
}

/** Rings: the previous ring must run exactly the image the upgrade installs, for ring-soak-days. */
function ringImageHold(images: Images, f: ClusterFacts, ctx: Context, warnings: string[], clusterWarnings: string[]): Decision | undefined {
  const { curImg, latestImg, latest, short } = images
  if (!latestImg) {
    const prev = f.ring > 0 ? ctx.index.previousRing(f.ring) : undefined
    if (prev === undefined) return undefined
    return held(
      'no-image-info',
      `Held: node image ${latest} cannot be read as a version, so it cannot be checked against the images ring ${prev} runs; no node image upgrade is planned.`,
      latest
    )
  }
  // The upgrade installs `latest`, so the gate is that image's family.
  const family = latestImg.family
  const gate = ctx.index.imageGate(f.ring, family)
  if (gate.kind === 'open' && gate.fallback) {
    const w = `No ${family} pool in a ring before ring ${f.ring}: these node images are promoted as in ring 0.`
    warnings.push(w)
    if (!clusterWarnings.includes(w)) clusterWarnings.push(w)
  }
  const unsettled = unsettledHold(gate, `node image ${short}`)
  if (unsettled) return held(unsettled.reason, unsettled.message, latest)
  if (gate.kind !== 'upstream') return undefined
  const up = gate.version
  if (curImg && compareNodeImages(up, curImg) <= 0) {
    return held(
      'ring-waiting',
      `Held: ring ${gate.ring} runs no newer ${family} image than this pool (the oldest there is ${imageVersionPart(up)}); ${short} waits until ring ${gate.ring} runs it.`,
      latest
    )
  }
  if (compareNodeImages(up, latestImg) < 0) {
    // The node image upgrade always installs latestNodeImageVersion (AKS-API-NOTES §5.3),
    // so starting it now would give this ring a newer image than the previous ring ran.
    return held(
      'ring-waiting',
      `Held: ring ${gate.ring} runs ${imageVersionPart(up)}, but a node image upgrade installs the newest image ${short}, which ring ${gate.ring} does not run yet.`,
      latest
    )
  }
  if (compareNodeImages(up, latestImg) === 0) {
    const soak = soakHold(gate, ctx.options.ringSoakDays, ctx.now, `node image ${short}`)
    if (soak) return held(soak.reason, soak.message, latest)
  }
  return undefined
}

/** Bake time (node-image-min-age-days): the image's build date must be old enough, so it must be read. */
function bakeTimeHold(images: Images, ctx: Context): Decision | undefined {
  const { latest, latestImg } = images
  const minAge = ctx.options.nodeImageMinAgeDays
  if (minAge > 0) {
    if (!latestImg) {
      return held(
        'no-image-info',
        `Held: node image ${latest} cannot be read as a version, so its build date for node-image-min-age-days (${minAge}) is unknown; no node image upgrade is planned.`,
        latest
      )
    }
    const eligible = imageEligibleAt(latestImg, minAge)
    if (ctx.now.getTime() < eligible.getTime()) {
      return held(
        'node-image-too-new',
        `Held: node image ${latest} was built on ${latestImg.date}, less than ${plural(minAge, 'day')} ago; it becomes eligible on ${fmtDate(eligible)}.`,
        latest
      )
    }
  }
  return undefined
}
