/**
 * Polls `probe` until it returns a value other than undefined, or fails once `timeoutMs` has passed. Tests wait for
 * conditions with this instead of sleeping for a fixed time.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; description: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline)
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
