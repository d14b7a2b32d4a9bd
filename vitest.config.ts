import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Servers bind real ports; keep files in separate processes.
    pool: 'forks',
    execArgv: ['--expose-gc'],
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]],
    typecheck: {
      enabled: true,
      include: ['src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
