import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

/**
 * Where `npm start` leaves its admin URL and bearer token for `npm run admin` (which reads it when LOCAL_ADMIN_TOKEN
 * is not set): an owner-only file (0600) in an owner-only folder (0700) under .local/, removed on a clean shutdown.
 * The pid tells a file left by a crashed runtime from the running one's.
 */
export const DEFAULT_ADMIN_FILE = path.resolve(__dirname, '..', '.local', 'admin', 'local-admin.json');

const adminFileSchema = z.object({ url: z.url(), token: z.string().min(16), pid: z.number().int().positive() });
export type LocalAdminFile = z.output<typeof adminFileSchema>;

/** Writes the file atomically (a fresh 0600 file renamed over the old one), after making its folder owner-only. */
export async function writeAdminFile(file: string, contents: LocalAdminFile): Promise<void> {
  const folder = path.dirname(file);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const folderStat = await lstat(folder);
  if (!folderStat.isDirectory()) throw new Error(`${folder} is not a folder; the admin file is not written there.`);
  await chmod(folder, 0o700);
  const temporary = path.join(folder, `.${path.basename(file)}.${randomBytes(6).toString('hex')}`);
  await writeFile(temporary, JSON.stringify(contents) + '\n', { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
}

/** Removes the file if it is still this process's (a later `npm start` may have replaced it). */
export async function removeAdminFile(file: string, pid = process.pid): Promise<void> {
  const current = await readAdminFile(file).catch(() => undefined);
  if (current?.pid === pid) await rm(file, { force: true });
}

/**
 * The running runtime's URL and token, or undefined when there is no file or its runtime is gone. Refuses a file others
 * could read or write (its token would be known to them).
 */
export async function readAdminFile(file: string): Promise<LocalAdminFile | undefined> {
  let text: string;
  try {
    const fileStat = await stat(file);
    if ((fileStat.mode & 0o077) !== 0) {
      throw new Error(
        `${file} is readable by others (mode ${(fileStat.mode & 0o777).toString(8)}); delete it and restart npm start.`,
      );
    }
    if (typeof process.getuid === 'function' && fileStat.uid !== process.getuid())
      throw new Error(`${file} belongs to another user; not using it.`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = adminFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a Blink admin file; delete it and restart npm start.`);
  return isRunning(parsed.data.pid) ? parsed.data : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
