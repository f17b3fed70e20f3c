import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readAdminFile, removeAdminFile, writeAdminFile } from '../../local/admin-file.js';

describe('local admin file', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'blink-admin-file-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  const contents = { url: 'http://127.0.0.1:4567', token: 'a-token-of-enough-length', pid: process.pid };

  it('is written owner-only in an owner-only folder, and read back', async () => {
    const file = path.join(folder, 'admin', 'local-admin.json');
    await writeAdminFile(file, contents);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readAdminFile(file)).toEqual(contents);
  });

  it('refuses a file others can read', async () => {
    const file = path.join(folder, 'local-admin.json');
    await writeAdminFile(file, contents);
    await chmod(file, 0o644);
    await expect(readAdminFile(file)).rejects.toThrow(/readable by others \(mode 644\)/);
  });

  it('ignores a file left by a runtime that is gone, and removes only its own', async () => {
    const file = path.join(folder, 'local-admin.json');
    await writeAdminFile(file, { ...contents, pid: 2 ** 22 + 12345 });
    expect(await readAdminFile(file)).toBeUndefined();
    await writeAdminFile(file, contents);
    await removeAdminFile(file, process.pid + 1);
    expect(await readAdminFile(file)).toEqual(contents);
    await removeAdminFile(file);
    expect(await readAdminFile(file)).toBeUndefined();
  });
});
