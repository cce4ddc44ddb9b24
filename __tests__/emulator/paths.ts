// ARM paths as the route parsers read them: decoded segments, and the same lower-cased (ARM
// compares names case-insensitively).
export function pathSegments(path: string): { seg: string[]; low: string[] } {
  const seg = path
    .split('/')
    .filter(s => s !== '')
    .map(s => decodeURIComponent(s))
  return { seg, low: seg.map(s => s.toLowerCase()) }
}
