// The chaos test (test/chaos/): minutes long, so outside the default `npm test`; `npm run test:chaos` runs it, and CI
// runs it after `npm test`. Same set-up as the integration tier: the two-DC Samba domain leased in the global setup.
import base from './jest.config.js';

const integration = base.projects.find((project) => project.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  reporters: base.reporters,
  projects: [
    {
      ...integration,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/chaos.ts'],
    },
  ],
};
