import type { OutgoingNotification } from '@itinera/platform';
import type { MessageKind } from './notification-messages.repository';

/** What a message's text is made from, read when it is sent (never stored with the message). */
export interface CompositionInput {
  kind: MessageKind;
  channel: 'EMAIL' | 'SMS';
  to: string;
  sessionId: string;
  sessionStatus: string;
  expiresAt: Date;
  recipientName?: string | null;
  /** The recipient's link (`link`, `reminder`). */
  link?: string;
  /** The one-time code (`verification-code`). */
  code?: string;
  codeExpiresAt?: Date;
}

const CREATOR_NOTICES: Record<string, string> = {
  declined: 'was declined by a recipient and has stopped',
  completed: 'was completed by every recipient',
  expired: 'expired before every recipient completed it',
  cancelled: 'was cancelled',
};

/** The text of a message. Links and codes are secrets: the result is sent, never logged or stored. */
export function composeNotification(input: CompositionInput): OutgoingNotification {
  const { channel, to } = input;
  const greeting = input.recipientName ? `Hello ${input.recipientName},` : 'Hello,';
  const until = input.expiresAt.toISOString();
  switch (input.kind) {
    case 'link':
    case 'reminder': {
      const reminder = input.kind === 'reminder';
      const subject = reminder ? 'Reminder: a document is waiting for you' : 'A document is waiting for you';
      if (channel === 'SMS') {
        return {
          channel,
          to,
          text: `${reminder ? 'Reminder: a' : 'A'} document is waiting for you: ${input.link} (personal link, valid until ${until})`,
        };
      }
      return {
        channel,
        to,
        subject,
        text: [
          greeting,
          '',
          `${reminder ? 'This is a reminder that a' : 'A'} document is waiting for you to review and complete.`,
          `Open it with your personal link: ${input.link}`,
          '',
          `The link works until ${until}. Do not forward it: anyone with it can act for you.`,
        ].join('\n'),
        html: `<p>${escapeHtml(greeting)}</p><p>${reminder ? 'This is a reminder that a' : 'A'} document is waiting for you to review and complete.</p><p><a href="${escapeHtml(input.link ?? '')}">Open the document</a></p><p>The link works until ${until}. Do not forward it: anyone with it can act for you.</p>`,
      };
    }
    case 'verification-code': {
      const minutes = input.codeExpiresAt
        ? Math.max(1, Math.round((input.codeExpiresAt.getTime() - Date.now()) / 60_000))
        : undefined;
      const text = `Your verification code is ${input.code}.${minutes ? ` It expires in ${minutes} minutes.` : ''} Never share it.`;
      return channel === 'SMS' ? { channel, to, text } : { channel, to, subject: 'Your verification code', text };
    }
    default: {
      const notice = CREATOR_NOTICES[input.kind] ?? `changed (${input.kind})`;
      return {
        channel,
        to,
        subject: `Workflow ${input.sessionId}: ${input.sessionStatus}`,
        text: `Workflow ${input.sessionId} ${notice}. Its status is now ${input.sessionStatus}.`,
      };
    }
  }
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
