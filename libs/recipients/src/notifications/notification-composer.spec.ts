import { composeNotification, type CompositionInput } from './notification-composer';

const base: CompositionInput = {
  kind: 'link',
  channel: 'EMAIL',
  to: 'ann@example.com',
  sessionId: '7f1d6c1e-5a8b-4f0e-9a57-3c1c1d2e4f50',
  sessionStatus: 'ACTIVE',
  expiresAt: new Date('2030-01-02T03:04:05.000Z'),
  recipientName: 'Ann <Admin>',
  link: 'https://sign.example.test/r/abcdefghijklmnopqrstuvwxyz234567',
};

describe('composeNotification', () => {
  it('puts the link in an email (text and escaped HTML) with the expiry', () => {
    const message = composeNotification(base);
    expect(message).toMatchObject({
      channel: 'EMAIL',
      to: 'ann@example.com',
      subject: 'A document is waiting for you',
    });
    expect(message.text).toContain(base.link);
    expect(message.text).toContain('2030-01-02T03:04:05.000Z');
    expect(message.html).toContain(`href="${base.link}"`);
    expect(message.html).toContain('Ann &lt;Admin&gt;');
  });

  it('keeps an SMS to one short line without subject; a reminder says so', () => {
    const message = composeNotification({ ...base, kind: 'reminder', channel: 'SMS', to: '+15551234567' });
    expect(message.subject).toBeUndefined();
    expect(message.text.startsWith('Reminder: a document is waiting for you:')).toBe(true);
    expect(message.text).toContain(base.link);
    expect(message.text.length).toBeLessThan(160);
    expect(composeNotification({ ...base, kind: 'reminder' }).subject).toBe('Reminder: a document is waiting for you');
  });

  it('sends a verification code with its remaining minutes, and no link', () => {
    const message = composeNotification({
      ...base,
      kind: 'verification-code',
      link: undefined,
      code: '042917',
      codeExpiresAt: new Date(Date.now() + 10 * 60_000),
    });
    expect(message.subject).toBe('Your verification code');
    expect(message.text).toBe('Your verification code is 042917. It expires in 10 minutes. Never share it.');
  });

  it('tells the creator the workflow id and its state, without recipient data', () => {
    const message = composeNotification({ ...base, kind: 'declined', sessionStatus: 'CANCELLED', link: undefined });
    expect(message.subject).toBe(`Workflow ${base.sessionId}: CANCELLED`);
    expect(message.text).toBe(
      `Workflow ${base.sessionId} was declined by a recipient and has stopped. Its status is now CANCELLED.`,
    );
    expect(message.text).not.toContain('Ann');
  });
});
