import { describe, expect, it } from 'vitest'
import { compareNodeImages, imageEligibleAt, imageVersionPart, parseNodeImage, type NodeImage } from '../../src/plan/versions.ts'

function img(v: string): NodeImage {
  const parsed = parseNodeImage(v)
  if (!parsed) throw new Error(`fixture ${v} does not parse`)
  return parsed
}

describe('parseNodeImage', () => {
  // Real values from AKS-API-NOTES §7.
  it.each([
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 'AKSUbuntu-2204gen2containerd', 'linux', '2026-07-09'],
    ['AKSUbuntu-2204gen2containerd-202607.02.0', 'AKSUbuntu-2204gen2containerd', 'linux', '2026-07-02'],
    ['AKSUbuntu-2204gen2containerd-202606.19.0', 'AKSUbuntu-2204gen2containerd', 'linux', '2026-06-19'],
    ['AKSUbuntu-2204gen2containerd-202508.20.0', 'AKSUbuntu-2204gen2containerd', 'linux', '2025-08-20'],
    ['AKSUbuntu-2404gen2containerd-202607.09.0', 'AKSUbuntu-2404gen2containerd', 'linux', '2026-07-09'],
    ['AKSAzureLinux-V2gen2-202512.06.0', 'AKSAzureLinux-V2gen2', 'linux', '2025-12-06'],
    ['AKSAzureLinux-V3gen2-202607.09.0', 'AKSAzureLinux-V3gen2', 'linux', '2026-07-09'],
    ['AKSWindows-2022-containerd-20348.5386.260715', 'AKSWindows-2022-containerd', 'windows', '2026-07-15'],
    ['AKSWindows-2022-containerd-20348.5256.260610', 'AKSWindows-2022-containerd', 'windows', '2026-06-10'],
    ['AKSWindows-2019-containerd-17763.8389.260210', 'AKSWindows-2019-containerd', 'windows', '2026-02-10'],
    ['AKSWindows-2025-gen2-26100.33158.260715', 'AKSWindows-2025-gen2', 'windows', '2026-07-15'],
    ['AKSUbuntu-1604-2020.10.28', 'AKSUbuntu-1604', 'linux', '2020-10-28'],
    ['AKSUbuntu:1604:2020.03.11', 'AKSUbuntu-1604', 'linux', '2020-03-11']
  ])('%s -> family %s, %s, built %s', (raw, family, os, date) => {
    const parsed = parseNodeImage(raw)
    expect(parsed).toMatchObject({ raw, family, os, date })
  })

  it.each([
    'latest',
    '',
    '202607.09.0',
    'AKSUbuntu-2204gen2containerd-202613.09.0', // month 13
    'AKSUbuntu-2204gen2containerd-202602.30.0', // 30 February
    'AKSWindows-2022-containerd-20348.5386', // no date part
    'AKSWindows-2022-containerd-20348.5386.261340'
  ])('rejects %j', raw => {
    expect(parseNodeImage(raw)).toBeUndefined()
  })

  it('keeps the version part for short messages', () => {
    expect(imageVersionPart(img('AKSUbuntu-2204gen2containerd-202607.09.0'))).toBe('202607.09.0')
    expect(imageVersionPart(img('AKSWindows-2022-containerd-20348.5386.260715'))).toBe('20348.5386.260715')
  })
})

describe('compareNodeImages', () => {
  it.each([
    ['AKSUbuntu-2204gen2containerd-202607.02.0', 'AKSUbuntu-2204gen2containerd-202607.09.0', -1],
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 'AKSUbuntu-2204gen2containerd-202606.19.0', 1],
    ['AKSUbuntu-2204gen2containerd-202508.20.0', 'AKSUbuntu-2204gen2containerd-202606.19.0', -1],
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 'AKSUbuntu-2204gen2containerd-202607.09.0', 0],
    ['AKSAzureLinux-V2gen2-202508.20.0', 'AKSAzureLinux-V2gen2-202512.06.0', -1],
    ['AKSWindows-2022-containerd-20348.5256.260610', 'AKSWindows-2022-containerd-20348.5386.260715', -1],
    ['AKSWindows-2022-containerd-20348.5386.260715', 'AKSWindows-2022-containerd-20348.5256.260610', 1]
  ])('%s vs %s = %d', (a, b, expected) => {
    expect(compareNodeImages(img(a), img(b))).toBe(expected)
  })

  it.each([
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 'AKSWindows-2022-containerd-20348.5386.260715'],
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 'AKSUbuntu-2404gen2containerd-202607.09.0'],
    ['AKSAzureLinux-V2gen2-202512.06.0', 'AKSAzureLinux-V3gen2-202607.09.0'],
    ['AKSWindows-2019-containerd-17763.8389.260210', 'AKSWindows-2022-containerd-20348.5256.260610']
  ])('never compares %s with %s', (a, b) => {
    expect(() => compareNodeImages(img(a), img(b))).toThrow(/different families/)
  })
})

describe('imageEligibleAt', () => {
  it.each([
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 7, '2026-07-16T00:00:00.000Z'],
    ['AKSUbuntu-2204gen2containerd-202607.09.0', 0, '2026-07-09T00:00:00.000Z'],
    ['AKSWindows-2022-containerd-20348.5386.260715', 3, '2026-07-18T00:00:00.000Z'],
    ['AKSAzureLinux-V3gen2-202607.09.0', 30, '2026-08-08T00:00:00.000Z']
  ])('%s with %d days -> %s', (raw, daysOld, expected) => {
    expect(imageEligibleAt(img(raw), daysOld).toISOString()).toBe(expected)
  })
})
