export interface OutboundPush {
  /** Platform endpoint of the device: an SNS endpoint ARN made by PushEndpoints at registration. */
  target: string;
  title: string;
  body: string;
  data?: Record<string, string>;
}

export interface PushSender {
  send(push: OutboundPush): Promise<{ messageId: string }>;
}
