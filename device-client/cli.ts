import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clientFromState, deviceStateSchema, enroll, DeviceApiError, type UnlockMethod } from './client.js';

/*
 * The reference device client from the command line:
 *   npm run device -- enroll '<blink://enroll?...>' [--unlock none|pin|biometric] [--state FILE]
 *   npm run device -- status [--state FILE]
 * The state file holds the device's private key; it is written owner-only under .local/devices/ by default.
 */

const DEFAULT_STATE = path.resolve(__dirname, '..', '.local', 'devices', 'device.json');
const USAGE = `Usage:
  npm run device -- enroll '<blink://enroll?v=1&api=...&code=...>' [--unlock none|pin|biometric] [--state FILE]
  npm run device -- status [--state FILE]`;

interface Arguments {
  command: string | undefined;
  positional: string[];
  unlock: UnlockMethod;
  state: string;
}

function parseArguments(argv: string[]): Arguments {
  const result: Arguments = { command: undefined, positional: [], unlock: 'biometric', state: DEFAULT_STATE };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (argument === '--unlock') {
      const value = argv[++index];
      if (value !== 'none' && value !== 'pin' && value !== 'biometric') throw new UsageError('--unlock must be none, pin or biometric');
      result.unlock = value;
    } else if (argument === '--state') {
      const value = argv[++index];
      if (!value) throw new UsageError('--state needs a file name');
      result.state = path.resolve(value);
    } else if (argument.startsWith('--')) {
      throw new UsageError(`Unknown option ${argument}`);
    } else if (result.command === undefined) {
      result.command = argument;
    } else {
      result.positional.push(argument);
    }
  }
  return result;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const args = parseArguments(argv);
  if (args.command === 'enroll') {
    const [uri] = args.positional;
    if (!uri || args.positional.length > 1) throw new UsageError('enroll needs exactly one blink://enroll URI (quote it)');
    const { state } = await enroll(uri, { unlockMethod: args.unlock });
    await mkdir(path.dirname(args.state), { recursive: true, mode: 0o700 });
    await writeFile(args.state, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    console.log(`Enrolled ${state.account.displayName} (${state.account.samAccountName}) as device ${state.deviceId}.`);
    console.log(`State (with the private key): ${args.state}`);
    return;
  }
  if (args.command === 'status') {
    if (args.positional.length > 0) throw new UsageError('status takes no arguments');
    let text: string;
    try {
      text = await readFile(args.state, 'utf8');
    } catch {
      throw new UsageError(`No device state at ${args.state}; enroll first`);
    }
    const state = deviceStateSchema.parse(JSON.parse(text));
    console.log(JSON.stringify(await clientFromState(state).status(), null, 2));
    return;
  }
  throw new UsageError(args.command ? `Unknown command ${args.command}` : 'No command given');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof DeviceApiError) console.error(`The API refused: ${error.status} ${error.code}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
