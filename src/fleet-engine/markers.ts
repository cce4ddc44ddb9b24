// The dashboard remembers which runs this Action stopped because the window closed (Fleet
// keeps no reason for a stop): a hidden marker per run, read back by the next run, so only
// those resume by themselves and a run someone else stopped waits for a writer's retry tick.

const MARKER = /<!--\s*aup:window-stopped:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\s*-->/g

export function windowStoppedMarker(runName: string): string {
  return `<!-- aup:window-stopped:${runName} -->`
}

/** Run names the previous report marked as stopped for the window. */
export function parseWindowStopped(body: string): Set<string> {
  return new Set([...body.matchAll(MARKER)].map(m => m[1] ?? '').filter(n => n !== ''))
}
