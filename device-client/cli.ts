import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AnswerTimeoutError,
  clientFromState,
  deviceStateSchema,
  enroll,
  DeviceApiError,
  type AppAnswer,
  type DeviceState,
  type UnlockMethod,
} from './client.js';

/*
 * The reference device client from the command line:
 *   npm run device -- enroll '<blink://enroll?...>' [--unlock none|pin|biometric] [--state FILE]
 *   npm run device -- status [--state FILE]
 *   npm run device -- reset|unlock [--timeout SECONDS] [--state FILE]
 * The state file holds the device's private key; it is written owner-only under .local/devices/ by default.
 */

const DEFAULT_STATE = path.resolve(__dirname, '..', '.local', 'devices', 'device.json');
const USAGE = `Usage:
  npm run device -- enroll '<blink://enroll?v=1&api=...&code=...>' [--unlock none|pin|biometric] [--state FILE]
  npm run device -- status [--state FILE]
  npm run device -- reset [--timeout SECONDS] [--state FILE]    new password, decrypted on this device
  npm run device -- unlock [--timeout SECONDS] [--state FILE]   unlock the Windows account`;

interface Arguments {
  command: string | undefined;
  positional: string[];
  unlock: UnlockMethod;
  state: string;
  timeoutSeconds: number;
}

function parseArguments(argv: string[]): Arguments {
  const result: Arguments = {
    command: undefined,
    positional: [],
    unlock: 'biometric',
    state: DEFAULT_STATE,
    timeoutSeconds: 60,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (argument === '--unlock') {
      const value = argv[++index];
      if (value !== 'none' && value !== 'pin' && value !== 'biometric')
        throw new UsageError('--unlock must be none, pin or biometric');
      result.unlock = value;
    } else if (argument === '--state') {
      const value = argv[++index];
      if (!value) throw new UsageError('--state needs a file name');
      result.state = path.resolve(value);
    } else if (argument === '--timeout') {
      const value = Number(argv[++index]);
      if (!Number.isInteger(value) || value < 1 || value > 900)
        throw new UsageError('--timeout must be a whole number of seconds (1-900)');
      result.timeoutSeconds = value;
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

async function readState(file: string): Promise<DeviceState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`No device state at ${file}; enroll first`);
  }
  return deviceStateSchema.parse(JSON.parse(text));
}

/** What the app would show. The password is printed here and nowhere else (it is the point of the command). */
function describeAnswer(answer: AppAnswer, state: DeviceState): { text: string; ok: boolean } {
  const account = `${state.account.displayName} (${state.account.samAccountName})`;
  switch (answer.state) {
    case 'password-ready':
      return {
        ok: true,
        text: `New Windows password for ${account}:\n\n  ${answer.password}\n\nSign in with it now; Windows may ask you to choose your own.`,
      };
    case 'unlocked':
      return { ok: true, text: `The Windows account of ${account} is unlocked.` };
    case 'not-locked':
      return { ok: true, text: `The Windows account of ${account} is not locked.` };
    case 'failed':
      return { ok: false, text: answer.message };
    case 'gone':
      return { ok: false, text: 'The answer is gone: it was fetched already or it expired. Ask again.' };
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArguments(argv);
  if (args.command === 'enroll') {
    const [uri] = args.positional;
    if (!uri || args.positional.length > 1)
      throw new UsageError('enroll needs exactly one blink://enroll URI (quote it)');
    const { state } = await enroll(uri, { unlockMethod: args.unlock });
    await mkdir(path.dirname(args.state), { recursive: true, mode: 0o700 });
    await writeFile(args.state, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    console.log(`Enrolled ${state.account.displayName} (${state.account.samAccountName}) as device ${state.deviceId}.`);
    console.log(`State (with the private key): ${args.state}`);
    return;
  }
  if (args.command === 'status') {
    if (args.positional.length > 0) throw new UsageError('status takes no arguments');
    const state = await readState(args.state);
    console.log(JSON.stringify(await clientFromState(state).status(), null, 2));
    return;
  }
  if (args.command === 'reset' || args.command === 'unlock') {
    if (args.positional.length > 0) throw new UsageError(`${args.command} takes no arguments`);
    const state = await readState(args.state);
    const client = clientFromState(state);
    const requestId = await client.request(args.command);
    console.log(`Request ${requestId} sent; waiting for the answer…`);
    const answer = await client.awaitAnswer(requestId, { timeoutMs: args.timeoutSeconds * 1000 });
    const { text, ok } = describeAnswer(answer, state);
    console.log(text);
    if (!ok) process.exitCode = 1;
    return;
  }
  throw new UsageError(args.command ? `Unknown command ${args.command}` : 'No command given');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof DeviceApiError)
    console.error(`The API refused: ${error.status} ${error.code}: ${error.message}`);
  else if (error instanceof AnswerTimeoutError) console.error(`${error.message} Try again later.`);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
