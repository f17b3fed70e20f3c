/** Stops the Samba DC by its PID (through the release function the global setup left), unless another run uses it. */
export default async function globalTeardown(): Promise<void> {
  const release = (globalThis as { releaseBlinkSambaDc?: () => Promise<void> }).releaseBlinkSambaDc;
  if (release) await release();
}
