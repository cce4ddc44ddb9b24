// The scheduler's view of shared budgets (quota, subnet addresses): an operation starts only
// when its surge fits beside the operations already running; otherwise it waits for one of
// them to end. AKS checks each operation alone, so without this two pools that each fit
// would start side by side and the second would fail halfway with QuotaExceeded.
import type { Budget, Claim } from './types.js'

/** What an operation holds while it runs. */
export interface Lease {
  /** The operation ended (its surge nodes are gone): give the budget back. */
  release(): void
  /** The operation goes on beyond this run's wait: its share stays taken for the rest of the run. */
  keep(): void
}

export type Acquired = { lease: Lease } | { held: { check: Budget['check']; detail: string } }

interface Holder {
  claims: Claim[]
  /** Whether the operation is being waited on, so its share comes back in this run. */
  ending: boolean
}

const NO_LEASE: Lease = { release: () => undefined, keep: () => undefined }

export class CapacityLedger {
  private readonly budgets = new Map<string, Budget>()
  private readonly holders = new Set<Holder>()
  private waiters: Array<() => void> = []

  constructor(budgets: readonly Budget[]) {
    for (const b of budgets) this.budgets.set(b.key, b)
  }

  private used(budget: string): number {
    let n = 0
    for (const h of this.holders) for (const c of h.claims) if (c.budget === budget) n += c.amount
    return n
  }

  private changed(): void {
    const waiting = this.waiters
    this.waiters = []
    for (const wake of waiting) wake()
  }

  /**
   * Takes the claims when they fit beside the running operations; waits while operations that
   * will end in this run hold what is missing; reports a hold when waiting cannot help.
   * A claim larger than the whole budget (pre-flight predicts it fails and holds it, unless
   * `preflight-failures: warn` lets it start) takes all of it, so nothing starts beside it.
   */
  async acquire(claims: readonly Claim[], waiting?: (detail: string) => void): Promise<Acquired> {
    const known = claims
      .filter(c => c.amount > 0 && this.budgets.has(c.budget))
      .map(c => ({ budget: c.budget, amount: Math.min(c.amount, this.budgets.get(c.budget)?.free ?? 0) }))
    for (;;) {
      const short = known.find(c => this.used(c.budget) + c.amount > this.free(c.budget))
      if (!short) return { lease: this.take(known) }
      const budget = this.budgets.get(short.budget) as Budget
      // Waiting helps only when what the ending operations give back is enough.
      if (this.free(short.budget) - this.kept(short.budget) < short.amount) {
        const left = Math.max(0, this.free(short.budget) - this.used(short.budget))
        return {
          held: {
            check: budget.check,
            detail: `needs ${short.amount} ${budget.unit} of ${budget.label}, ${left} left while operations started earlier in this run still run (${budget.free} were free); the next run continues`
          }
        }
      }
      waiting?.(`waits for ${short.amount} ${budget.unit} of ${budget.label} until an operation running beside it ends`)
      waiting = undefined
      await new Promise<void>(resolve => this.waiters.push(resolve))
    }
  }

  private free(budget: string): number {
    return this.budgets.get(budget)?.free ?? 0
  }

  /** What operations that go on after this run hold of a budget: it does not come back. */
  private kept(budget: string): number {
    let n = 0
    for (const h of this.holders) if (!h.ending) for (const c of h.claims) if (c.budget === budget) n += c.amount
    return n
  }

  private take(claims: Claim[]): Lease {
    if (claims.length === 0) return NO_LEASE
    const holder: Holder = { claims, ending: true }
    this.holders.add(holder)
    return {
      release: () => {
        if (this.holders.delete(holder)) this.changed()
      },
      keep: () => {
        holder.ending = false
        this.changed()
      }
    }
  }
}
