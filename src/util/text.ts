// Small text helpers shared by the planner's messages, the window descriptions and the report.

/** `1 pool`, `2 pools`, `1,250 pools` (en-US grouping, whatever the runner's locale). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`
}
