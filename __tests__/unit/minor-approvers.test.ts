// The `minor-approvers` input: who may tick approval boxes, read and checked before any
// network call like every other input.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { readConfig } from '../../src/config/inputs.ts'
import { InputError } from '../../src/util/errors.ts'

const REQUIRED = {
  'client-id': '11111111-2222-3333-4444-555555555555',
  'tenant-id': '66666666-7777-8888-9999-000000000000',
  'subscription-id': '0b1f6471-1bf0-4dda-aec3-111122223333',
  'github-token': 'ghs_test'
}
const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean }>
}

function approvers(value: string, minorApproval = 'issue') {
  const all: Record<string, string> = { ...REQUIRED, 'minor-approval': minorApproval, 'minor-approvers': value }
  return readConfig(name => all[name] ?? '').report.minorApprovers
}

describe('minor-approvers', () => {
  it('is an optional input, empty by default (anyone with write approves)', () => {
    expect(action.inputs['minor-approvers']).toMatchObject({ required: false, default: '' })
    expect(approvers('')).toEqual({ logins: [], teams: [] })
    expect(approvers('', 'none')).toEqual({ logins: [], teams: [] })
  })

  it.each<[string, string, { logins: string[]; teams: string[] }]>([
    ['one login', 'alice', { logins: ['alice'], teams: [] }],
    [
      'logins and teams, commas and newlines, @ dropped, lower-cased, once each',
      'alice, @Bob\nocto-org/SRE\n@octo-org/platform-leads, ALICE',
      {
        logins: ['alice', 'bob'],
        teams: ['octo-org/sre', 'octo-org/platform-leads']
      }
    ],
    ['a team slug with dots and underscores', 'octo-org/team_a.b', { logins: [], teams: ['octo-org/team_a.b'] }]
  ])('reads %s', (_name, value, expected) => {
    expect(approvers(value)).toEqual(expected)
  })

  it.each<[string, string, RegExp]>([
    ['a bot', 'renovate[bot]', /^Invalid minor-approvers 'renovate\[bot\]': 'renovate\[bot\]' is an app; only people approve upgrades/],
    [
      'a space inside a login',
      'alice smith',
      /^Invalid minor-approvers 'alice smith': 'alice smith' is neither a login nor an 'org\/team' slug; expected GitHub logins or 'org\/team' slugs/
    ],
    ['too many slashes', 'octo-org/sre/leads', /'octo-org\/sre\/leads' is neither a login nor an 'org\/team' slug/],
    ['an empty team', 'octo-org/', /'octo-org\/' is neither/],
    ['a login with an underscore', 'alice_b', /'alice_b' is neither/],
    ['an over-long login', 'a'.repeat(40), /is neither a login/],
    ['markup', '<img src=x>', /'<img src=x>' is neither/]
  ])('refuses %s before any network call, naming the input, the value and what is allowed', (_name, value, message) => {
    expect(() => approvers(value)).toThrow(InputError)
    expect(() => approvers(value)).toThrow(message)
  })

  it('refuses approvers without approval boxes: it would restrict nothing while looking like it does', () => {
    expect(() => approvers('alice', 'none')).toThrow(
      "Invalid minor-approvers 'alice': it names who may tick approval boxes, and there are none without 'minor-approval: issue'. Set that, or leave minor-approvers empty."
    )
  })
})
