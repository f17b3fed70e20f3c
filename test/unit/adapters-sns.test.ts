import {
  CreatePlatformEndpointCommand,
  InternalErrorException,
  InvalidParameterException,
  OptedOutException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsSmsSender } from '../../shared/adapters/sms/sns-sms-sender';
import { RecordingPushSender } from '../../shared/adapters/sns/recording-push-sender';
import { SnsPushSender } from '../../shared/adapters/sns/push-sender';
import { SnsPushEndpoints } from '../../shared/adapters/sns/push-endpoints';
import { DeliveryError, OptedOutError, ValidationError } from '../../shared/domain/errors';

// SNS Publish to a phone number or a platform endpoint has no local stand-in (fauxqs 2 publishes to topics only),
// so these tests check the exact requests against a mocked client.
const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

beforeEach(() => sns.reset());
afterAll(() => sns.restore());

const metadata = { $metadata: {} };

describe('SnsSmsSender', () => {
  it('publishes a transactional SMS to the phone number, from the default origination number', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const sender = new SnsSmsSender(client, { originationNumber: '+18553917277' });

    expect(await sender.send({ to: '+14155550123', body: 'Reply RESET' })).toEqual({ messageId: 'm-1' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      PhoneNumber: '+14155550123',
      Message: 'Reply RESET',
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+18553917277' },
      },
    });
  });

  it('leaves the origination number to SNS when none is configured', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await new SnsSmsSender(client).send({ to: '+14155550123', body: 'x' });
    expect(Object.keys(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes ?? {})).toEqual([
      'AWS.SNS.SMS.SMSType',
    ]);
  });

  it('maps an opted-out destination to OptedOutError', async () => {
    sns.on(PublishCommand).rejects(new OptedOutException({ message: 'opted out', ...metadata }));
    await expect(new SnsSmsSender(client).send({ to: '+14155550123', body: 'x' })).rejects.toBeInstanceOf(
      OptedOutError,
    );
  });

  it.each([
    ['throttling', () => new ThrottledException({ message: 'slow down', ...metadata })],
    ['a service fault', () => new InternalErrorException({ message: 'oops', ...metadata })],
  ])('maps %s to a retryable DeliveryError', async (_case, error) => {
    sns.on(PublishCommand).rejects(error());
    const sent = new SnsSmsSender(client).send({ to: '+14155550123', body: 'x' });
    await expect(sent).rejects.toBeInstanceOf(DeliveryError);
    await expect(sent).rejects.toMatchObject({ retryable: true });
  });
});

describe('SnsPushSender', () => {
  it('publishes one JSON payload per platform to the endpoint ARN', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'p-1' });
    const target = 'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink/0b6b2f0e';
    const result = await new SnsPushSender(client).send({
      target,
      title: 'Account locked',
      body: 'Tap to unlock',
      data: { requestId: 'r-1' },
    });

    expect(result).toEqual({ messageId: 'p-1' });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ TargetArn: target, MessageStructure: 'json' });
    const message = JSON.parse(input?.Message ?? '') as Record<string, string>;
    expect(message.default).toBe('Tap to unlock');
    expect(JSON.parse(message.APNS ?? '')).toEqual({
      aps: { alert: { title: 'Account locked', body: 'Tap to unlock' }, sound: 'default' },
      requestId: 'r-1',
    });
    expect(message.APNS_SANDBOX).toBe(message.APNS);
    expect(JSON.parse(message.GCM ?? '')).toEqual({
      fcmV1Message: {
        message: { notification: { title: 'Account locked', body: 'Tap to unlock' }, data: { requestId: 'r-1' } },
      },
    });
  });

  it('maps a throttled publish to DeliveryError', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'slow down', ...metadata }));
    const target = 'arn:aws:sns:us-east-1:123456789012:endpoint/GCM/blink/0b6b2f0e';
    await expect(new SnsPushSender(client).send({ target, title: 't', body: 'b' })).rejects.toBeInstanceOf(
      DeliveryError,
    );
  });

  it('publishes to mobile push endpoints only: never a topic, a phone number or a raw token', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'p-2' });
    const targets = [
      'arn:aws:sns:us-east-1:123456789012:blink-inbound-sms',
      'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink',
      '+14155550123',
      'a'.repeat(64),
    ];
    for (const target of targets) {
      await expect(new SnsPushSender(client).send({ target, title: 't', body: 'b' })).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

// CreatePlatformEndpoint has no local stand-in either (nothing offline speaks SNS mobile push), hence the mock.
describe('SnsPushEndpoints', () => {
  const applications = {
    ios: 'arn:aws:sns:us-east-1:123456789012:app/APNS/blink',
    android: 'arn:aws:sns:us-east-1:123456789012:app/GCM/blink',
  };
  const endpoint = 'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/blink/2bd0b4a1-60d5-3c5e-9a3b-6a1d5c4f7e80';

  it("creates the endpoint from the token on the platform application of the device's platform", async () => {
    sns.on(CreatePlatformEndpointCommand).resolves({ EndpointArn: endpoint });
    const token = 'ab'.repeat(32);
    expect(await new SnsPushEndpoints(client, applications).endpointFor('ios', token)).toBe(endpoint);
    expect(sns.commandCalls(CreatePlatformEndpointCommand).map((call) => call.args[0].input)).toEqual([
      { PlatformApplicationArn: applications.ios, Token: token },
    ]);
    await new SnsPushEndpoints(client, applications).endpointFor('android', 'f'.repeat(150));
    expect(sns.commandCalls(CreatePlatformEndpointCommand)[1]?.args[0].input.PlatformApplicationArn).toBe(
      applications.android,
    );
  });

  it('makes no endpoint for a platform without a push application', async () => {
    expect(
      await new SnsPushEndpoints(client, { ios: applications.ios }).endpointFor('android', 'f'.repeat(150)),
    ).toBeUndefined();
    expect(sns.commandCalls(CreatePlatformEndpointCommand)).toHaveLength(0);
  });

  it('maps a throttled call to DeliveryError and passes a refusal on as it is', async () => {
    sns.on(CreatePlatformEndpointCommand).rejects(new ThrottledException({ message: 'slow down', ...metadata }));
    await expect(new SnsPushEndpoints(client, applications).endpointFor('ios', 'ab'.repeat(32))).rejects.toBeInstanceOf(
      DeliveryError,
    );
    sns
      .on(CreatePlatformEndpointCommand)
      .rejects(new InvalidParameterException({ message: 'Invalid token', ...metadata }));
    await expect(new SnsPushEndpoints(client, applications).endpointFor('ios', 'ab'.repeat(32))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });
});

describe('RecordingPushSender', () => {
  it('keeps each push with a message id, in order', async () => {
    const sender = new RecordingPushSender();
    const first = await sender.send({ target: 'device-1', title: 'One', body: 'first' });
    await sender.send({ target: 'device-2', title: 'Two', body: 'second', data: { a: 'b' } });

    expect(sender.list()).toEqual([
      { target: 'device-1', title: 'One', body: 'first', messageId: first.messageId, at: expect.any(Date) },
      expect.objectContaining({ target: 'device-2', data: { a: 'b' } }),
    ]);
    sender.clear();
    expect(sender.list()).toEqual([]);
  });
});
