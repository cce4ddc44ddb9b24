// Deprecated Kubernetes APIs (pure): the ones the API server still serves requests for
// (`apiserver_requested_deprecated_apis`), and which of them a minor upgrade removes.
import type { DeprecatedApi } from './types.js'

const METRIC = 'apiserver_requested_deprecated_apis'

function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
  }
  return labels
}

/** The metric's series with a value above zero, from the Prometheus text of `/metrics`. */
export function parseDeprecatedApiMetric(text: string): DeprecatedApi[] {
  const out: DeprecatedApi[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${METRIC}{`)) continue
    const close = line.lastIndexOf('}')
    if (close < 0) continue
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(/\s+/)[0]
    )
    if (!(value > 0)) continue
    const l = labelsOf(line.slice(METRIC.length + 1, close))
    out.push({
      group: l.group ?? '',
      version: l.version ?? '',
      resource: l.resource ?? '',
      subresource: l.subresource ?? '',
      removedRelease: l.removed_release ?? ''
    })
  }
  return out
}

function minorNumber(minor: string): number | undefined {
  const m = /^(\d+)\.(\d+)/.exec(minor.trim())
  return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined
}

/** The APIs removed in the target minor or earlier: an upgrade to it stops on them. */
export function removedBy(apis: readonly DeprecatedApi[], targetMinor: string): DeprecatedApi[] {
  const target = minorNumber(targetMinor)
  if (target === undefined) return []
  return apis.filter(a => {
    const removed = minorNumber(a.removedRelease)
    return removed !== undefined && removed <= target
  })
}

/** `policy/v1beta1 podsecuritypolicies` (core group APIs have no group). */
export function apiName(api: Pick<DeprecatedApi, 'group' | 'version' | 'resource' | 'subresource'>): string {
  const gv = api.group ? `${api.group}/${api.version}` : api.version
  return `${gv} ${api.resource}${api.subresource ? `/${api.subresource}` : ''}`
}

/** One API of the "Usage details" of AKS's UpgradeBlockedOnDeprecatedAPIUsage error. */
export interface DeprecatedUsage {
  /** As AKS writes it: `<group>.<resource>.<version>[.<verb>]`, e.g. `flowcontrol.apiserver.k8s.io.flowschemas.v1beta2.list`. */
  api: string
  /** `2025-03-11 07:00:00 +0000 UTC` as written. */
  lastSeen: string
  removedIn: string
}

/**
 * The APIs listed in the error's "Usage details" (one `* usage has been detected on API …,
 * and was recently seen at: …, which will be removed in x.y` line each). Empty when the
 * message has none.
 */
export function parseUsageDetails(message: string): DeprecatedUsage[] {
  const out: DeprecatedUsage[] = []
  const item = /usage has been detected on API (\S+?),? and was recently seen at:? (.+?),? which will be removed in (\d+\.\d+)/g
  for (const m of message.matchAll(item)) out.push({ api: m[1] ?? '', lastSeen: (m[2] ?? '').trim(), removedIn: m[3] ?? '' })
  return out
}
