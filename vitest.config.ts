import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'explorer/**/*.test.ts', 'ops/**/*.test.ts'],
    // Real workers, sockets and LMDB environments: keep files isolated and give them room.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
