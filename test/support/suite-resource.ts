/**
 * Something the enclosing file or describe block shares: started before its tests, stopped after them. The returned
 * object reads the started one's properties in tests and later hooks, and says so when read too early.
 */
export function startedForSuite<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (started: T) => Promise<void>,
): Readonly<T> {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started !== undefined) await stop(started);
  });
  return new Proxy({} as T, {
    get: (_target, property) => {
      if (started === undefined) throw new Error(`${what} is not started yet: use it in a test or a later hook`);
      return Reflect.get(started, property);
    },
  });
}
