import { normaliseKeyword, parseSmsIntent } from '../../shared/domain/sms-keywords.js';

describe('parseSmsIntent', () => {
  it('reads RESET, UNLOCK and HELP regardless of case, spaces and trailing punctuation', () => {
    for (const body of ['RESET', 'reset', ' Reset ', 'Reset!', 'Re set.', 'reset?!', '"reset"']) {
      expect(parseSmsIntent(body)).toEqual({ kind: 'reset' });
    }
    expect(parseSmsIntent('unlock please')).toEqual({ kind: 'unknown' });
    expect(parseSmsIntent('Unlock.')).toEqual({ kind: 'unlock' });
    expect(parseSmsIntent('help')).toEqual({ kind: 'help' });
  });

  it('never treats opt-out or opt-in words as commands, whatever the aliases say', () => {
    const aliases = { reset: ['RESET', 'STOP'], unlock: ['END'], help: ['HELP'] };
    for (const body of ['STOP', 'stop.', 'Unsubscribe', 'opt-out', 'ARRET', 'quit', 'end', 'cancel']) {
      expect(parseSmsIntent(body, aliases)).toEqual({ kind: 'opt-out' });
    }
    expect(parseSmsIntent('start', aliases)).toEqual({ kind: 'opt-in' });
    expect(parseSmsIntent('UNSTOP', aliases)).toEqual({ kind: 'opt-in' });
  });

  it('honours configured aliases', () => {
    const aliases = { reset: ['RESET', 'NEW PASSWORD'], unlock: ['UNLOCK', 'OPEN'], help: ['HELP'] };
    expect(parseSmsIntent('new password', aliases)).toEqual({ kind: 'reset' });
    expect(parseSmsIntent('Open!', aliases)).toEqual({ kind: 'unlock' });
  });

  it('recognises a six-digit confirmation code and nothing longer or shorter', () => {
    expect(parseSmsIntent(' 012345 ')).toEqual({ kind: 'confirmation-code', code: '012345' });
    expect(parseSmsIntent('12345')).toEqual({ kind: 'unknown' });
    expect(parseSmsIntent('1234567')).toEqual({ kind: 'unknown' });
  });

  it('normalises full-width and mixed input', () => {
    expect(normaliseKeyword('ＲＥＳＥＴ')).toBe('RESET');
  });

  it.each([
    ['S\u200bTOP', 'opt-out'],
    ['\u200dSTOP\u200c', 'opt-out'],
    ['\ufeffstop', 'opt-out'],
    ['ST\u00adOP', 'opt-out'],
    ['\u202eSTOP\u202c', 'opt-out'],
    ['ＳＴＯＰ', 'opt-out'],
    ['S\u2060TART', 'opt-in'],
    ['RE\u200bSET', 'reset'],
    ['UN\u200bLOCK', 'unlock'],
    ['H\u200bELP', 'help'],
  ])('reads %j, with zero-width and format characters and compatibility forms, as %s', (body, kind) => {
    expect(parseSmsIntent(body).kind).toBe(kind);
  });

  it('reads codes and configured aliases through the same normalisation', () => {
    expect(parseSmsIntent('12\u200b34\u200d56')).toEqual({ kind: 'confirmation-code', code: '123456' });
    expect(parseSmsIntent('１２３４５６')).toEqual({ kind: 'confirmation-code', code: '123456' });
    const aliases = { reset: ['RESET', 'NEW\u200bPASSWORD'], unlock: ['UNLOCK'], help: ['HELP'] };
    expect(parseSmsIntent('new pass\u200bword', aliases)).toEqual({ kind: 'reset' });
  });
});
