import { defineConfig } from 'vitest/config';

// The soak run (test/nightly) takes ten minutes; it runs only with NETWATCH_NIGHTLY=1 (`npm run test:nightly`).
const nightly = process.env.NETWATCH_NIGHTLY === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: nightly ? ['**/node_modules/**'] : ['**/node_modules/**', 'test/nightly/**'],
    // Integration tests start real servers and child processes; two cores are shared.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
