import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Vite warns about every inlined file below whose source map names sources the package does not
  // ship; errors still show.
  logLevel: 'error',
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Integration tests spawn dist/index.js against the emulator; give them room
    // but never rely on timing for correctness (clocks and delays are injected).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    server: {
      deps: {
        // GitHub's workflow parser imports its JSON schemas without `with { type: 'json' }`,
        // which Node refuses; through Vite's transform they load.
        inline: [/@actions\/(languageservice|workflow-parser)/]
      }
    }
  }
})
