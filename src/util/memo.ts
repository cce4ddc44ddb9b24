// A bounded memo for pure parsers: the same few texts (versions, image names) are parsed
// tens of thousands of times when a large fleet is planned. What is kept must be immutable
// (frozen), so that handing out one instance is the same as parsing again.

/** Entries kept at most; past that the memo starts again (a fleet has far fewer distinct texts). */
const LIMIT = 10_000

export class Memo<T> {
  private readonly kept = new Map<string, { value: T }>()

  get(key: string, compute: () => T): T {
    const hit = this.kept.get(key)
    if (hit) return hit.value
    const value = compute()
    if (this.kept.size >= LIMIT) this.kept.clear()
    this.kept.set(key, { value })
    return value
  }
}
