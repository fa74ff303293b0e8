// @ts-check
/** Unit tests: `*.spec.ts` beside the code, no I/O, transpiled only (types are checked by `npm run typecheck`). */
/** @type {import('jest').Config} */
module.exports = {
  displayName: 'unit',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testRegex: '\\.spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
  moduleNameMapper: { '^@itinera/([^/]+)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
};
