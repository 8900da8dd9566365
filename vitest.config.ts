import { defineConfig } from 'vitest/config'
import SummaryReporter from './vitest.summary.ts'

// Unit tests sit next to the code and need no service; integration tests live in each
// package's test/ folder and run against the real stack that `npm test` brings up first.
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'image/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Browsers and operators answer in seconds on two busy cores, not in one.
          expect: { poll: { timeout: 15_000, interval: 100 } },
        },
      },
    ],
  },
})
