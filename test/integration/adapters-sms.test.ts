import {
  DescribeOptedOutNumbersCommand,
  SendTextMessageCommand,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { startSmsVoice } from '../../local/stand-ins/sms-voice';
import { EndUserMessagingSmsSender } from '../../shared/adapters/sms/end-user-messaging-sms-sender';
import { createSmsVoiceClient } from '../../shared/composition/aws-clients';
import { createSmsSender } from '../../shared/composition/sms';
import { parseEnv } from '../../shared/config/env';
import { DeliveryError, OptedOutError } from '../../shared/domain/errors';
import { useLocalService } from '../support/local-service';

const sms = useLocalService(startSmsVoice, createSmsVoiceClient);

beforeEach(() => sms.standIn.clear());

const ORIGIN = '+18553917277';

describe('EndUserMessagingSmsSender', () => {
  it('sends a transactional SMS from the default origination identity', async () => {
    const sender = new EndUserMessagingSmsSender(sms.client, {
      originationIdentity: ORIGIN,
      configurationSetName: 'blink-sms',
    });
    const { messageId } = await sender.send({ to: '+14155550123', body: 'Reply RESET to reset your password.' });

    expect(sms.standIn.listMessages()).toEqual([
      expect.objectContaining({
        messageId,
        to: '+14155550123',
        from: ORIGIN,
        body: 'Reply RESET to reset your password.',
        messageType: 'TRANSACTIONAL',
        configurationSetName: 'blink-sms',
        at: expect.any(Date),
      }),
    ]);
  });

  it('uses the origination identity a message names', async () => {
    const sender = new EndUserMessagingSmsSender(sms.client, { originationIdentity: ORIGIN });
    await sender.send({ to: '+14155550123', body: 'hello', from: '+18005550199' });
    expect(sms.standIn.listMessages()[0]).toMatchObject({ from: '+18005550199' });
    expect(sms.standIn.listMessages()[0]?.configurationSetName).toBeUndefined();
  });

  it('throws OptedOutError for an opted-out destination and sends nothing', async () => {
    sms.standIn.optOut('+14155550124');
    const sender = new EndUserMessagingSmsSender(sms.client, { originationIdentity: ORIGIN });
    await expect(sender.send({ to: '+14155550124', body: 'Your new password is Xy7-…' })).rejects.toBeInstanceOf(
      OptedOutError,
    );
    expect(sms.standIn.listMessages()).toEqual([]);
  });

  it('with an opt-out list configured, checks it first and does not even try to send to an opted-out number', async () => {
    sms.standIn.optOut('+14155550127');
    const sender = new EndUserMessagingSmsSender(sms.client, {
      originationIdentity: ORIGIN,
      optOutListName: 'Default',
    });
    await expect(sender.send({ to: '+14155550127', body: 'x' })).rejects.toBeInstanceOf(OptedOutError);
    expect(sms.standIn.listCalls()).toEqual(['DescribeOptedOutNumbers']);

    await sender.send({ to: '+14155550123', body: 'allowed' });
    expect(sms.standIn.listCalls()).toEqual(['DescribeOptedOutNumbers', 'DescribeOptedOutNumbers', 'SendTextMessage']);
    expect(sms.standIn.listMessages().map((message) => message.to)).toEqual(['+14155550123']);
  });

  it('as every composition builds it (createSmsSender from the parsed env), checks SMS_OPT_OUT_LIST before each send', async () => {
    const env = parseEnv(['sms'], {
      SMS_ORIGINATION_IDENTITIES: `${ORIGIN},+14437477277`,
      SMS_INBOUND_NUMBERS: ORIGIN,
      SMS_CONFIGURATION_SET: 'blink-sms',
    });
    expect(env.SMS_OPT_OUT_LIST).toBe('Default');
    const sender = createSmsSender(sms.client, env);
    sms.standIn.optOut('+14155550127');
    await expect(sender.send({ to: '+14155550127', body: 'x' })).rejects.toBeInstanceOf(OptedOutError);
    await sender.send({ to: '+14155550123', body: 'allowed' });
    expect(sms.standIn.listCalls()).toEqual(['DescribeOptedOutNumbers', 'DescribeOptedOutNumbers', 'SendTextMessage']);
    expect(sms.standIn.listMessages()).toEqual([
      expect.objectContaining({ to: '+14155550123', from: ORIGIN, configurationSetName: 'blink-sms' }),
    ]);
    // A list that does not exist is an error, never a silent send.
    const misnamed = createSmsSender(
      sms.client,
      parseEnv(['sms'], { SMS_ORIGINATION_IDENTITIES: ORIGIN, SMS_INBOUND_NUMBERS: ORIGIN, SMS_OPT_OUT_LIST: 'Nope' }),
    );
    await expect(misnamed.send({ to: '+14155550123', body: 'x' })).rejects.toThrow();
    expect(sms.standIn.listMessages()).toHaveLength(1);
  });

  it('throws a retryable DeliveryError when the service throttles or fails', async () => {
    const sender = new EndUserMessagingSmsSender(sms.client, { originationIdentity: ORIGIN });
    // The composition's sms.client retries 3 times: fail every attempt.
    sms.standIn.failNext({ type: 'ThrottlingException', status: 400 }, 3);
    const throttled = sender.send({ to: '+14155550123', body: 'hello' });
    await expect(throttled).rejects.toBeInstanceOf(DeliveryError);
    await expect(throttled).rejects.toMatchObject({ retryable: true });

    sms.standIn.failNext({ type: 'InternalServerException', status: 500 }, 3);
    await expect(sender.send({ to: '+14155550123', body: 'hello' })).rejects.toBeInstanceOf(DeliveryError);
    expect(sms.standIn.listMessages()).toEqual([]);
  });
});

describe('SMS stand-in', () => {
  it('answers invalid input with an AWS ValidationException the SDK understands', async () => {
    const error = await sms.client
      .send(
        new SendTextMessageCommand({ DestinationPhoneNumber: '0123', OriginationIdentity: ORIGIN, MessageBody: 'x' }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationException);
    expect(error).toMatchObject({
      Reason: 'FIELD_VALIDATION_FAILED',
      Fields: [expect.objectContaining({ Name: 'DestinationPhoneNumber' })],
    });

    const missing = await sms.client
      .send(new SendTextMessageCommand({ DestinationPhoneNumber: undefined, MessageBody: 'x' }))
      .catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ name: 'ValidationException', Reason: 'MISSING_PARAMETER' });
    expect(sms.standIn.listMessages()).toEqual([]);
  });

  it('refuses unsigned requests and unknown operations like the service', async () => {
    const unsigned = await fetch(sms.standIn.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'PinpointSMSVoiceV2.SendTextMessage', 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ DestinationPhoneNumber: '+14155550123', MessageBody: 'x' }),
    });
    expect(unsigned.status).toBe(403);
    const unknown = await fetch(sms.standIn.endpoint, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 test', 'x-amz-target': 'PinpointSMSVoiceV2.DeletePool' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(sms.standIn.listMessages()).toEqual([]);
  });

  it('lists opted-out numbers', async () => {
    sms.standIn.optOut('+14155550125');
    sms.standIn.optOut('+14155550126');
    const all = await sms.client.send(new DescribeOptedOutNumbersCommand({ OptOutListName: 'Default' }));
    expect(all.OptedOutNumbers?.map((entry) => entry.OptedOutNumber)).toEqual(['+14155550125', '+14155550126']);
    expect(all.OptedOutNumbers?.[0]?.OptedOutTimestamp).toBeInstanceOf(Date);

    const one = await sms.client.send(
      new DescribeOptedOutNumbersCommand({
        OptOutListName: 'Default',
        OptedOutNumbers: ['+14155550126', '+14155550199'],
      }),
    );
    expect(one.OptedOutNumbers?.map((entry) => entry.OptedOutNumber)).toEqual(['+14155550126']);
  });
});
