/**
 * Captures what the process writes to stdout and stderr (Powertools logs are JSON lines there), so tests can assert
 * on log content — above all, that no secret ever appears in it.
 */
export interface LogCapture {
  text(): string;
  lines(): Array<Record<string, unknown>>;
  restore(): void;
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const recorder = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = recorder as typeof process.stdout.write;
  process.stderr.write = recorder as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

/**
 * Captures the logs of each test of the enclosing describe block (or file): a fresh capture before each test, restored
 * after it. The returned capture reads the current test's.
 */
export function captureLogsOfEachTest(): LogCapture {
  let current: LogCapture | undefined;
  beforeEach(() => {
    current = captureLogs();
  });
  afterEach(() => current?.restore());
  const capture = (): LogCapture => {
    if (!current) throw new Error('logs are captured inside tests only');
    return current;
  };
  return { text: () => capture().text(), lines: () => capture().lines(), restore: () => capture().restore() };
}
