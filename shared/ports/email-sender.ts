export interface OutboundEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface EmailSender {
  send(email: OutboundEmail): Promise<{ messageId: string }>;
}
