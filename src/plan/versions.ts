// Node image versions. Linux and Windows images are versioned differently
// (AKS-API-NOTES §7), so an image is only ever compared with images of its own family.
import { DAY_MS } from '../util/duration.js'
import { Memo } from '../util/memo.js'

export interface NodeImage {
  raw: string
  /** Everything before the version, e.g. `AKSUbuntu-2204gen2containerd`, `AKSWindows-2022-containerd`. */
  family: string
  os: 'linux' | 'windows'
  /** Build date, `YYYY-MM-DD`: the bake time counts from it. */
  date: string
  /** Comparable only with keys of the same family. */
  key: number[]
}

// `AKSUbuntu-2204gen2containerd-202607.09.0`, `AKSAzureLinux-V3gen2-202607.09.0`: <yyyymm>.<dd>.<n>
const LINUX = /^(AKS[A-Za-z0-9]+[-:].+?)[-:](\d{4})(\d{2})\.(\d{2})\.(\d+)$/
// Before 2021 Linux images were dated `yyyy.mm.dd`: `AKSUbuntu-1604-2020.10.28`.
const LINUX_OLD = /^(AKS[A-Za-z0-9]+[-:].+?)[-:](\d{4})\.(\d{2})\.(\d{2})$/
// `AKSWindows-2022-containerd-20348.5386.260715`: <build>.<revision>.<yymmdd>
const WINDOWS = /^(AKSWindows[-:].+?)[-:](\d{5})\.(\d+)\.(\d{2})(\d{2})(\d{2})$/

function isoDate(year: number, month: number, day: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day))
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined
  return d.toISOString().slice(0, 10)
}

/** The family keeps the API's spelling except that `:` separators (old placeholders) become `-`. */
function familyOf(prefix: string): string {
  return prefix.replaceAll(':', '-')
}

/** Parsed once per text (the result is frozen): a fleet's pools share a few images, asked for again and again. */
export function parseNodeImage(v: string): NodeImage | undefined {
  const raw = v.trim()
  return parsedImages.get(raw, () => freezeImage(parseImage(raw)))
}

const parsedImages = new Memo<NodeImage | undefined>()

function freezeImage(image: NodeImage | undefined): NodeImage | undefined {
  if (image) Object.freeze(image.key)
  return image && Object.freeze(image)
}

function parseImage(raw: string): NodeImage | undefined {
  const win = WINDOWS.exec(raw)
  if (win) {
    const [, prefix = '', build = '', rev = '', yy = '', mm = '', dd = ''] = win
    const date = isoDate(2000 + Number(yy), Number(mm), Number(dd))
    if (!date) return undefined
    return { raw, family: familyOf(prefix), os: 'windows', date, key: [Number(yy + mm + dd), Number(build), Number(rev)] }
  }
  if (/^AKSWindows/i.test(raw)) return undefined
  const linux = LINUX.exec(raw)
  if (linux) {
    const [, prefix = '', yyyy = '', mm = '', dd = '', n = ''] = linux
    const date = isoDate(Number(yyyy), Number(mm), Number(dd))
    if (!date) return undefined
    return { raw, family: familyOf(prefix), os: 'linux', date, key: [Number(yyyy + mm + dd), Number(n)] }
  }
  const old = LINUX_OLD.exec(raw)
  if (old) {
    const [, prefix = '', yyyy = '', mm = '', dd = ''] = old
    const date = isoDate(Number(yyyy), Number(mm), Number(dd))
    if (!date) return undefined
    return { raw, family: familyOf(prefix), os: 'linux', date, key: [Number(yyyy + mm + dd), 0] }
  }
  return undefined
}

function sameFamily(a: NodeImage, b: NodeImage): boolean {
  return a.family === b.family
}

/** Negative when `a` is older. Throws for different families: their numbers mean different things. */
export function compareNodeImages(a: NodeImage, b: NodeImage): number {
  if (!sameFamily(a, b)) {
    throw new Error(`Node images of different families cannot be compared: ${a.raw} and ${b.raw}`)
  }
  const n = Math.max(a.key.length, b.key.length)
  for (let i = 0; i < n; i++) {
    const d = (a.key[i] ?? 0) - (b.key[i] ?? 0)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

/** The instant an image becomes old enough for a bake time of `minAgeDays` (its date at 00:00 UTC plus the days). */
export function imageEligibleAt(image: NodeImage, minAgeDays: number): Date {
  return new Date(Date.parse(`${image.date}T00:00:00Z`) + minAgeDays * DAY_MS)
}

/** `AKSUbuntu-2204gen2containerd-202607.09.0` -> `202607.09.0`, for short "from → to" messages. */
export function imageVersionPart(image: NodeImage): string {
  return image.raw.slice(image.family.length + 1)
}

/**
 * A target node image as "from → to" texts show it: images of one family share a long prefix
 * (`AKSUbuntu-2204gen2containerd-`), so only the target's version part is shown; across
 * families, or for a string that is no node image, the whole target.
 */
export function shortTarget(current: string | null | undefined, target: string): string {
  const from = current ? parseNodeImage(current) : undefined
  const to = parseNodeImage(target)
  if (!from || !to) return target
  return sameFamily(from, to) ? imageVersionPart(to) : to.raw
}
