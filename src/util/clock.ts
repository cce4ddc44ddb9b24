import { readFileSync } from 'node:fs'

/**
 * The run's clock. Production uses the system time. Tests run the bundle as the runner
 * does and cannot reach inside it, so one documented test seam exists:
 * AKS_UPGRADE_PILOT_TEST_NOW = an ISO instant (time then flows from it), or `@<file>`
 * holding an ISO instant that is re-read on every call (a test advances it while the
 * action waits, e.g. to close the window between two clusters). The config reads it.
 */
export function createClock(fake: string | undefined): () => Date {
  if (!fake) return () => new Date()
  if (fake.startsWith('@')) {
    const file = fake.slice(1)
    return () => {
      const t = Date.parse(readFileSync(file, 'utf8').trim())
      if (Number.isNaN(t)) throw new Error(`AKS_UPGRADE_PILOT_TEST_NOW file ${file} does not hold an ISO instant`)
      return new Date(t)
    }
  }
  const t0 = Date.parse(fake)
  if (Number.isNaN(t0)) throw new Error(`AKS_UPGRADE_PILOT_TEST_NOW '${fake}' is not an ISO instant`)
  const real0 = Date.now()
  return () => new Date(t0 + (Date.now() - real0))
}

/** setTimeout as a promise that rejects with an AbortError when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise(resolve => setTimeout(resolve, ms))
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'))
      return
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
