import { describe, expect, it } from 'vitest'
import type { KubernetesMinorVersion, VersionUpgrade } from '../../src/model.ts'
import {
  locationVersions,
  offeredControlPlaneVersions,
  offeredNextMinorVersions,
  parseK8s,
  supportPlanBlock,
  supportWarning,
  type K8sVersion
} from '../../src/plan/kubernetes.ts'

function v(raw: string): K8sVersion {
  const parsed = parseK8s(raw)
  if (!parsed) throw new Error(`fixture ${raw} does not parse`)
  return parsed
}

function minor(version: string, patches: Record<string, string[]>, extra: Partial<KubernetesMinorVersion> = {}): KubernetesMinorVersion {
  return { version, isPreview: false, isDefault: false, supportPlan: ['KubernetesOfficial'], patchVersions: patches, ...extra }
}

// eastus after the 2026-07-17 release: 1.33 only under LTS, 1.37 in preview.
const EASTUS: KubernetesMinorVersion[] = [
  minor('1.33', { '1.33.12': ['1.33.13', '1.34.9'], '1.33.13': ['1.34.9'] }, { supportPlan: ['AKSLongTermSupport'] }),
  minor(
    '1.34',
    { '1.34.8': ['1.34.9', '1.35.5', '1.35.6'], '1.34.9': ['1.35.5', '1.35.6'] },
    { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] }
  ),
  minor('1.35', { '1.35.5': ['1.35.6', '1.36.2'], '1.35.6': ['1.36.2'] }, { isDefault: true }),
  minor('1.36', { '1.36.2': ['1.37.0'] }),
  minor('1.37', { '1.37.0': [] }, { isPreview: true })
]

describe('parseK8s', () => {
  it.each([
    ['1.35.6', [1, 35, 6]],
    ['1.33.13', [1, 33, 13]],
    ['1.35', [1, 35, 0]],
    ['v1.36.2', [1, 36, 2]],
    ['1.30.100-akslts', [1, 30, 100]]
  ])('%s', (raw, [major, minorN, patch]) => {
    expect(parseK8s(raw)).toMatchObject({ major, minor: minorN, patch })
  })

  it.each(['', 'latest', 'AKSUbuntu-2204gen2containerd-202607.09.0', '1'])('rejects %j', raw => {
    expect(parseK8s(raw)).toBeUndefined()
  })
})

describe('offeredControlPlaneVersions', () => {
  const list = (cp: VersionUpgrade[] | undefined, current: string): string[] =>
    offeredControlPlaneVersions({ controlPlaneUpgrades: cp }, EASTUS, v(current)).map(o => `${o.version.raw}${o.isPreview ? ' (preview)' : ''}`)

  it.each<[string, VersionUpgrade[] | undefined, string, string[]]>([
    // The profile is authoritative: the location's 1.35.6 is not offered to this cluster.
    ['profile without the newest patch', [{ kubernetesVersion: '1.36.2', isPreview: false }], '1.35.5', ['1.36.2']],
    ['profile offered nothing', [], '1.35.5', []],
    // Two minors ahead is never offered, even if the profile lists it.
    [
      'profile listing two minors ahead',
      [
        { kubernetesVersion: '1.35.6', isPreview: false },
        { kubernetesVersion: '1.36.2', isPreview: false }
      ],
      '1.34.9',
      ['1.35.6']
    ],
    // The location marks 1.37 preview even when the profile does not.
    ['location marks the minor preview', [{ kubernetesVersion: '1.37.0', isPreview: false }], '1.36.2', ['1.37.0 (preview)']],
    ['profile marks preview', [{ kubernetesVersion: '1.36.3', isPreview: true }], '1.36.2', ['1.36.3 (preview)']],
    // Without a profile the location list stands in.
    ['no profile: location patches', undefined, '1.35.5', ['1.35.6', '1.36.2']],
    ['no profile: LTS minor', undefined, '1.33.12', ['1.33.13', '1.34.8', '1.34.9']],
    ['no profile: newest', undefined, '1.36.2', ['1.37.0 (preview)']]
  ])('%s', (_name, cp, current, expected) => {
    expect(list(cp, current)).toEqual(expected)
  })
})

describe('supportWarning', () => {
  it.each<[string, string, string, RegExp | undefined]>([
    ['1.36.2', 'KubernetesOfficial', 'newest', undefined],
    ['1.35.6', 'KubernetesOfficial', 'N-1', undefined],
    ['1.34.9', 'KubernetesOfficial', 'N-2', /Kubernetes 1\.34 is about to leave support/],
    ['1.33.13', 'KubernetesOfficial', 'N-3', /Kubernetes 1\.33 is out of support.*platform support only/],
    ['1.32.9', 'KubernetesOfficial', 'N-4', /Kubernetes 1\.32 is out of support/],
    ['1.33.13', 'AKSLongTermSupport', 'LTS minor', undefined],
    ['1.32.9', 'AKSLongTermSupport', 'LTS minor no longer listed', /Kubernetes 1\.32 is out of support.*long-term support/]
  ])('%s on %s (%s)', (current, plan, _label, expected) => {
    const w = supportWarning(v(current), plan, EASTUS, 'eastus')
    if (expected) expect(w).toMatch(expected)
    else expect(w).toBeUndefined()
  })

  it('says nothing without location data', () => {
    expect(supportWarning(v('1.30.14'), 'KubernetesOfficial', [], 'eastus')).toBeUndefined()
  })
})

describe('supportPlanBlock', () => {
  it.each<[string, string, RegExp | undefined]>([
    ['AKSLongTermSupport', '1.34.9', undefined],
    ['AKSLongTermSupport', '1.35.6', /1\.35 is not offered under long-term support in eastus/],
    ['AKSLongTermSupport', '1.38.0', /1\.38 is not listed/],
    ['KubernetesOfficial', '1.33.13', /1\.33 is offered only under long-term support/],
    ['KubernetesOfficial', '1.36.2', undefined]
  ])('%s into %s', (plan, target, expected) => {
    const block = supportPlanBlock(plan, EASTUS, v(target), 'eastus')
    if (expected) expect(block).toMatch(expected)
    else expect(block).toBeUndefined()
  })
})

describe('locationVersions', () => {
  const only = [minor('1.35', { '1.35.6': [] })]
  it.each<[string, Record<string, KubernetesMinorVersion[]>, string, number]>([
    ['exact key', { eastus: EASTUS }, 'eastus', EASTUS.length],
    ['display name', { eastus: EASTUS }, 'East US', EASTUS.length],
    ['camel case', { eastus: EASTUS }, 'EastUS', EASTUS.length],
    ['stored with spaces', { 'West Europe': only }, 'westeurope', 1],
    ['exact key wins', { westeurope: only, WestEurope: EASTUS }, 'WestEurope', EASTUS.length],
    ['another location', { eastus: EASTUS }, 'eastus2', 0],
    ['nothing read', {}, 'eastus', 0]
  ])('%s', (_name, byLocation, location, count) => {
    expect(locationVersions(byLocation, location)).toHaveLength(count)
  })
})

describe('offeredNextMinorVersions', () => {
  const list = (upgrades: VersionUpgrade[], location: KubernetesMinorVersion[], current: string): string[] =>
    offeredNextMinorVersions(upgrades, location, v(current)).map(o => `${o.version.raw}${o.isPreview ? ' (preview)' : ''}`)

  it.each<[string, VersionUpgrade[], KubernetesMinorVersion[], string, string[]]>([
    ['location patches of the next minor only', [], EASTUS, '1.34.9', ['1.35.5', '1.35.6']],
    ['never two minors', [], EASTUS, '1.33.13', ['1.34.8', '1.34.9']],
    // The pool's profile is authoritative when it lists the next minor.
    [
      'pool profile',
      [
        { kubernetesVersion: '1.35.5', isPreview: false },
        { kubernetesVersion: '1.36.2', isPreview: false }
      ],
      EASTUS,
      '1.34.9',
      ['1.35.5']
    ],
    ['pool profile without the next minor', [{ kubernetesVersion: '1.34.9', isPreview: false }], EASTUS, '1.34.8', ['1.35.5', '1.35.6']],
    ['preview by location', [], EASTUS, '1.36.2', ['1.37.0 (preview)']],
    [
      'preview by profile',
      [
        { kubernetesVersion: '1.36.3', isPreview: false },
        { kubernetesVersion: '1.37.0', isPreview: true }
      ],
      [],
      '1.36.2',
      ['1.37.0 (preview)']
    ],
    ['nothing known', [], [], '1.34.9', []]
  ])('%s', (_name, upgrades, location, current, expected) => {
    expect(list(upgrades, location, current)).toEqual(expected)
  })
})
