// The hidden marker that identifies one dashboard issue among the repository's issues.

const REPORT_MARKER_PREFIX = '<!-- aks-upgrade-pilot:report-id='

/** Hidden marker that identifies one dashboard: `<!-- aks-upgrade-pilot:report-id=<encoded id> -->`. */
export function reportMarker(reportId: string): string {
  return `${REPORT_MARKER_PREFIX}${encodeURIComponent(reportId)} -->`
}

export function hasReportMarker(body: string, reportId: string): boolean {
  return body.includes(reportMarker(reportId))
}
