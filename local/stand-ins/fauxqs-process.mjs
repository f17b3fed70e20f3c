// Runs fauxqs (ES modules only, which jest's CommonJS runtime cannot load) in its own Node process, listening on
// 127.0.0.1 only (fauxqs's own startFauxqs always binds 0.0.0.0). Prints {"port":N} once listening; exits when the
// parent closes stdin or sends SIGTERM, so a crashed parent leaves no stray server behind.
import { buildApp } from 'fauxqs';

const requestedPort = Number(process.argv[2] ?? '0');
const app = buildApp({ logger: false });
await app.listen({ port: requestedPort, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
