// A tiny stand-in for dist/index.js, run by emulator.test.ts through runAction: it checks that
// the runner environment plus the emulator work with the real toolkit and SDKs in a child
// process (OIDC via @actions/core, MSAL via @azure/identity, ARM, Octokit, file commands).
import * as core from '@actions/core'
import * as github from '@actions/github'
import { ContainerServiceClient } from '@azure/arm-containerservice'
import { ClientAssertionCredential } from '@azure/identity'

async function main(): Promise<void> {
  const authority = core.getInput('authority-host', { required: true })
  const credential = new ClientAssertionCredential(
    core.getInput('tenant-id', { required: true }),
    core.getInput('client-id', { required: true }),
    () => core.getIDToken('api://AzureADTokenExchange'),
    { authorityHost: authority, disableInstanceDiscovery: true }
  )
  const client = new ContainerServiceClient(credential, core.getInput('subscription-id', { required: true }), {
    endpoint: core.getInput('arm-endpoint', { required: true })
  })
  const names: string[] = []
  for await (const cluster of client.managedClusters.list()) names.push(cluster.name ?? '?')
  core.setOutput('clusters', names.join(','))

  const octokit = github.getOctokit(core.getInput('github-token', { required: true }))
  const { owner, repo } = github.context.repo
  for (const title of ['first', 'second', 'third']) {
    await octokit.rest.issues.create({ owner, repo, title: `probe ${title}`, body: `body ${title}`, labels: ['aks-upgrade-pilot', 'probe'] })
  }
  const found = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, labels: 'aks-upgrade-pilot,probe', per_page: 2 })
  core.setOutput('issues', found.map(i => i.number).join(','))
  core.setOutput('report', 'line one\nline two')
  core.saveState('probe', 'saved')
  await core.summary
    .addHeading('Probe')
    .addRaw(`workflow=${process.env.GITHUB_WORKFLOW ?? ''}`)
    .write()
}

main().catch((error: unknown) => {
  core.setFailed(error instanceof Error ? error.message : String(error))
})
