// Loaded by jest before every test file (jest.config.js setupFiles). Handlers under test publish no CloudWatch
// metrics (there is no EMF consumer, and Powertools would warn on every invocation); a test about metrics turns
// them on for itself and restores this afterwards.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
