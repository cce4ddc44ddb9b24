// A cancelled run (the runner sends SIGINT, then SIGTERM a few seconds later, then kills the
// process) still reports: on the first signal nothing new starts, waits stop (the operations go
// on in Azure), and the report is written. These helpers carry that signal through the phases.

/** The run was cancelled: thrown out of a phase that cannot finish in time. */
export class CancelledError extends Error {
  constructor(signal: string) {
    super(`The run was cancelled (${signal}): nothing new was started; operations already started go on in Azure and the next run reports them.`)
    this.name = 'CancelledError'
  }
}

/** `task`, or a CancelledError as soon as `signal` fires (the task itself runs on unheeded). */
export async function unlessCancelled<T>(task: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason
  let onAbort: (() => void) | undefined
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([task, cancelled])
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}
