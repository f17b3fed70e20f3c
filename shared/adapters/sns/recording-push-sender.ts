import { randomUUID } from 'node:crypto';
import type { OutboundPush, PushSender } from '../../ports/push-sender.js';

export interface RecordedPush extends OutboundPush {
  messageId: string;
  at: Date;
}

/** Push for the local runtime: nothing leaves the machine; pushes are kept in memory for the demo UI and tests. */
export class RecordingPushSender implements PushSender {
  private readonly pushes: RecordedPush[] = [];

  async send(push: OutboundPush): Promise<{ messageId: string }> {
    const messageId = randomUUID();
    this.pushes.push({ ...push, ...(push.data ? { data: { ...push.data } } : {}), messageId, at: new Date() });
    return { messageId };
  }

  /** Pushes sent so far, oldest first. */
  list(): RecordedPush[] {
    return this.pushes.map((push) => ({ ...push }));
  }

  clear(): void {
    this.pushes.length = 0;
  }
}
