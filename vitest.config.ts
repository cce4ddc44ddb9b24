import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Integration tests spawn dist/index.js against the emulator; give them room
    // but never rely on timing for correctness (clocks and delays are injected).
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
