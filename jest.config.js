/**
 * Jest with swc (fast, no type-check: `tsc --noEmit` does that) and middy 7's ESM packages transformed.
 * Four projects: `unit` (pure domain), `infra` (CDK template assertions), `integration` (the local stack
 * end to end: its globalSetup starts `npm start` once on a random port) and `browser` (the web console in
 * Debian's Chromium through playwright-core, against its own local stack). Run one with `--selectProjects`.
 * `npm test` runs two test files at a time: integration and browser tests share the one stack, each in its
 * own account, so two of them in flight only overlap their waits.
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: { '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  testTimeout: 120000,
};

module.exports = {
  testTimeout: 120000,
  // Every stack a test starts is stopped in its afterAll or the global teardown, but a client socket left
  // open by a test (an SDK keep-alive agent, say) must not keep the run alive once every result is in.
  forceExit: true,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    { ...shared, displayName: 'infra', roots: ['<rootDir>/test/infra'] },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'browser',
      roots: ['<rootDir>/test/browser'],
      globalSetup: '<rootDir>/test/browser/global-setup.ts',
      globalTeardown: '<rootDir>/test/browser/global-teardown.ts',
    },
  ],
};
