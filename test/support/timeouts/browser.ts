// jest reads testTimeout only from the root config, not from a project: each slow tier sets its own here.
// A browser test clicks a whole flow in Chromium (page loads, polling, a worker round trip).
jest.setTimeout(90_000);
