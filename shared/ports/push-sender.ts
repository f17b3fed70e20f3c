export interface OutboundPush {
  /** Platform endpoint of the device: an SNS endpoint ARN made by PushEndpoints at registration. */
  target: string;
  title: string;
  body: string;
  data?: Record<string, string>;
}

/** The words of a push, as the messages of each use case write them. */
export type PushText = Pick<OutboundPush, 'title' | 'body'>;

export interface PushSender {
  send(push: OutboundPush): Promise<{ messageId: string }>;
}
