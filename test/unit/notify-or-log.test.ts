import { notifyOrLog } from '../../shared/use-cases/messaging/index.js';

describe('notifyOrLog', () => {
  it('swallows a failed notice and logs which one, with the error name and never its message', async () => {
    const errors: unknown[][] = [];
    const logger = { error: (...args: unknown[]) => void errors.push(args) };
    const failure = new Error('smtp said: password=hunter2');
    failure.name = 'MessageRejected';

    await expect(
      notifyOrLog(logger, 'device-revoked-email', 'user-1', () => Promise.reject(failure)),
    ).resolves.toBeUndefined();

    expect(errors).toEqual([
      ['notice could not be sent', { notice: 'device-revoked-email', userGuid: 'user-1', error: 'MessageRejected' }],
    ]);
    expect(JSON.stringify(errors)).not.toContain('hunter2');
  });

  it('sends the notice and logs nothing when it goes out', async () => {
    const errors: unknown[] = [];
    let sent = 0;
    await notifyOrLog(
      { error: (...args: unknown[]) => void errors.push(args) },
      'device-bound-email',
      'user-2',
      async () => {
        sent += 1;
      },
    );
    expect(sent).toBe(1);
    expect(errors).toEqual([]);
  });
});
