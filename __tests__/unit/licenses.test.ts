import { describe, expect, it } from 'vitest'
import { bundledPackageDirs, licenseProblem, parseLicenses, renderLicenses } from '../../scripts/lib/licenses.ts'

describe('licenseProblem', () => {
  it.each([
    ['MIT', undefined],
    ['Apache-2.0', undefined],
    ['BSD-3-Clause', undefined],
    ['ISC', undefined],
    ['(MIT OR Apache-2.0)', undefined],
    ['MIT OR GPL-3.0-only', undefined],
    ['MIT AND ISC', undefined],
    ['Apache-2.0 WITH LLVM-exception', undefined],
    ['', 'declares no licence'],
    ['GPL-3.0-only', 'GPL-3.0-only is copyleft'],
    ['AGPL-3.0-or-later', 'AGPL-3.0-or-later is copyleft'],
    ['LGPL-2.1+', 'LGPL-2.1+ is copyleft'],
    ['SSPL-1.0', 'SSPL-1.0 is copyleft'],
    ['MPL-2.0', 'MPL-2.0 is copyleft'],
    ['MIT AND GPL-2.0-only', 'GPL-2.0-only is copyleft'],
    ['(GPL-2.0-only OR LGPL-3.0-only)', 'GPL-2.0-only is copyleft; LGPL-3.0-only is copyleft'],
    ['UNLICENSED', 'UNLICENSED is not on the list of permitted licences'],
    ['SEE LICENSE IN LICENSE.md', "'SEE LICENSE IN LICENSE.md' is not an SPDX expression"],
    ['(MIT', "unbalanced parentheses in '(MIT'"]
  ])('%j', (expression, problem) => {
    expect(licenseProblem(expression)).toBe(problem)
  })
})

describe('dist/licenses.txt', () => {
  it('lists each package once, sorted, with its licence and text, and reads back', () => {
    const text = renderLicenses([
      { name: 'yaml', version: '2.9.1', license: 'ISC', text: 'Copyright Eemeli Aro' },
      { name: '@azure/identity', version: '4.14.1', license: 'MIT', text: 'Copyright (c) Microsoft Corporation.' },
      { name: 'yaml', version: '2.9.1', license: 'ISC', text: 'Copyright Eemeli Aro' },
      { name: 'proxy-agent-negotiate', version: '1.1.0', license: 'MIT', text: '' }
    ])
    expect(parseLicenses(text)).toEqual([
      { id: '@azure/identity@4.14.1', license: 'MIT' },
      { id: 'proxy-agent-negotiate@1.1.0', license: 'MIT' },
      { id: 'yaml@2.9.1', license: 'ISC' }
    ])
    expect(text).toContain('Package: yaml@2.9.1\nLicense: ISC\n\nCopyright Eemeli Aro\n')
    expect(text).toContain('(The package ships no licence file; its package.json declares: MIT.)')
  })
})

describe('bundledPackageDirs', () => {
  it("finds each package emitted into a chunk, through ncc's loaders and concatenated modules", () => {
    const loader = '/repo/node_modules/@vercel/ncc/dist/ncc/loaders/shebang-loader.js'
    const stats = {
      modules: [
        {
          identifier: `${loader}!/repo/build/index.js|0`,
          chunks: [792],
          modules: [
            { identifier: `${loader}!/repo/build/main.js`, chunks: [] },
            { identifier: `${loader}!/repo/node_modules/@azure/identity/dist/esm/index.js`, chunks: [] },
            { identifier: `${loader}!/repo/node_modules/@actions/github/node_modules/@actions/http-client/lib/index.js`, chunks: [] }
          ]
        },
        // Nested modules are listed again at the top level without chunks: not counted twice.
        { identifier: `${loader}!/repo/node_modules/@azure/identity/dist/esm/index.js`, chunks: [] },
        { identifier: 'json|/repo/node_modules/@azure/arm-containerservice/package.json', chunks: [792] },
        { identifier: `${loader}!/repo/node_modules/semver/index.js`, chunks: [792] },
        // In the module list but emitted nowhere (tree-shaken): not bundled.
        { identifier: `${loader}!/repo/node_modules/unused/index.js`, chunks: [] }
      ]
    }
    expect(bundledPackageDirs(stats)).toEqual([
      '/repo/node_modules/@actions/github/node_modules/@actions/http-client',
      '/repo/node_modules/@azure/arm-containerservice',
      '/repo/node_modules/@azure/identity',
      '/repo/node_modules/semver'
    ])
  })
})
