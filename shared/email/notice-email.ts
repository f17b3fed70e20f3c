import type { OutboundEmail } from '../ports/email-sender.js';
import { escapeHtml } from './html.js';

/** A plain notice email (no link, no secret): the paragraphs as text and as escaped HTML. */
export function noticeEmail(to: string, subject: string, paragraphs: string[]): OutboundEmail {
  return {
    to,
    subject,
    text: paragraphs.join('\n\n') + '\n',
    html: `<!doctype html><html><body>${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('')}</body></html>`,
  };
}
