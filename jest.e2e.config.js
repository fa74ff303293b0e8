// @ts-check
/**
 * End-to-end tests: `test/**\/*.e2e-spec.ts` against real PostgreSQL and Redis. The global setup
 * migrates a template database once; each test file clones its own database from it and uses
 * its own Redis key prefix (test/support/worker-environment.ts). Run through `npm test` or
 * `npm run test:e2e`, which find or start the servers first (scripts/test.js).
 */
/** @type {import('jest').Config} */
module.exports = {
  displayName: 'e2e',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  testRegex: '\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        // Full programs, not isolated files, because the Swagger plugin needs the type checker to
        // produce the same OpenAPI metadata as `nest build`; types themselves are checked by tsc.
        diagnostics: false,
        astTransformers: { before: ['<rootDir>/test/support/swagger-plugin-transformer.js'] },
      },
    ],
  },
  moduleNameMapper: { '^@itinera/([^/]+)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/worker-environment.ts'],
  testTimeout: 60_000,
  // Two cores: more workers only contend for them (and each holds its own database).
  maxWorkers: 2,
};
