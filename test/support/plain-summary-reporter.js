// Prints the run's totals as one plain line ("N passed, N failed"), which CI reads whatever the test runner.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suitesFailed = results.numFailedTestSuites > 0 || results.numRuntimeErrorTestSuites > 0;
    const failed = results.numFailedTests + (suitesFailed && results.numFailedTests === 0 ? 1 : 0);
    process.stdout.write(
      `\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
module.exports = PlainSummaryReporter;
