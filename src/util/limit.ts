// A small concurrency limiter: at most `max` tasks run at once, the rest wait in order.
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>

export function createLimiter(max: number): Limiter {
  let active = 0
  const queue: Array<() => void> = []
  const next = (): void => {
    if (active >= max) return
    const run = queue.shift()
    if (run) {
      active++
      run()
    }
  }
  return async <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        task()
          .then(resolve, reject)
          .finally(() => {
            active--
            next()
          })
      })
      next()
    })
}

/** One limiter per key (e.g. per subscription), created on first use. */
export function keyedLimiter(max: number): (key: string) => Limiter {
  const limiters = new Map<string, Limiter>()
  return (key: string): Limiter => {
    const k = key.toLowerCase()
    let limiter = limiters.get(k)
    if (!limiter) {
      limiter = createLimiter(max)
      limiters.set(k, limiter)
    }
    return limiter
  }
}
