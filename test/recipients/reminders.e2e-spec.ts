import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { NOTIFICATIONS_QUEUE } from '@itinera/queues';
import { NotificationsSchedules, RecipientRemindersService } from '@itinera/recipients';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { asOwner, bearer, createPlatformAdmin, createTenant, type TestTenant } from '../support/identity-fixtures';
import { createWorkflow, tokenOf, type CreatedWorkflow, type RecipientInput } from '../support/workflow-fixtures';
import { linkIn, NotificationSink } from '../support/notification-sink';

const BASE_URL = 'https://sign.example.test';
const unique = () => randomBytes(4).toString('hex');
const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

const route = (): RecipientInput[] => [
  { type: 'PRESCRIBER', name: 'Dr. Ada Prescriber', email: `ada-${unique()}@example.test`, phone: phone() },
  { type: 'PHARMACY', name: 'Corner Pharmacy', email: `pharmacy-${unique()}@example.test` },
];

/** Reminders: first after 1 hour, then every 2 hours, at most 2. */
const REMINDERS = { REMINDER_AFTER_HOURS: '1', REMINDER_EVERY_HOURS: '2', REMINDER_MAX: '2' };

const state = (recipientId: string) =>
  asOwner(
    async (c) =>
      (
        await c.query<{ reminder_count: number; last_reminded_at: Date | null; reminders: number }>(
          `SELECT r.reminder_count, r.last_reminded_at,
                  (SELECT count(*)::int FROM notification_messages m
                    WHERE m.recipient_id = r.id AND m.kind = 'reminder') AS reminders
             FROM recipients r WHERE r.id = $1`,
          [recipientId],
        )
      ).rows[0],
  );

/** Moves the recipient's link issue (and last reminder) `minutes` into the past. */
const age = (recipientIds: string[], minutes: number, column = 'token_issued_at') =>
  asOwner((c) =>
    c.query(`UPDATE recipients SET ${column} = now() - make_interval(mins => $2) WHERE id = ANY($1::uuid[])`, [
      recipientIds,
      minutes,
    ]),
  );

describe('recipient reminders', () => {
  const sink = new NotificationSink();
  let api: NestFastifyApplication;
  let workers: NestFastifyApplication[];
  let tenant: TestTenant;
  let otherTenant: TestTenant;

  beforeAll(async () => {
    const env = { ...sink.env(), ...REMINDERS, PUBLIC_BASE_URL: BASE_URL, OUTBOX_POLL_INTERVAL_MS: '100' };
    api = await startApi(env);
    workers = await Promise.all([startWorker(env), startWorker(env)]);
    const admin = await createPlatformAdmin(api);
    [tenant, otherTenant] = await Promise.all([
      createTenant(api, admin, ['OWNER', 'MEMBER']),
      createTenant(api, admin, ['OWNER', 'MEMBER']),
    ]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await api.close();
    await sink.remove();
  });

  /** Both workers sweep at the same time. */
  const sweepTwice = () => Promise.all(workers.map((w) => w.get(RecipientRemindersService).sweep()));

  it('registers the sweep once, every five minutes (REMINDER_EVERY_HOURS is longer), however many workers start', async () => {
    await Promise.all(workers.map((w) => w.get(NotificationsSchedules).registered));
    const queue = workers[0].get<Queue>(getQueueToken(NOTIFICATIONS_QUEUE));
    const repeatable = (await queue.getRepeatableJobs()).filter((j) => j.name === 'recipient-reminders');
    expect(repeatable.map((j) => Number(j.every))).toEqual([5 * 60_000]);
  });

  it('reminds the current recipient after REMINDER_AFTER_HOURS, then every REMINDER_EVERY_HOURS, up to REMINDER_MAX', async () => {
    const recipients = route();
    const w = await createWorkflow(api, tenant.users.MEMBER!, { recipients });
    const [current, next] = w.recipients.map((r) => r.id);
    await sink.waitFor(recipients[0].email!);

    // Not yet due.
    await sweepTwice();
    expect(await state(current)).toMatchObject({ reminder_count: 0, reminders: 0 });

    // An hour after the link: one reminder, by email and SMS, even with two workers sweeping at once.
    await age([current, next], 61);
    await sweepTwice();
    expect(await state(current)).toMatchObject({ reminder_count: 1, reminders: 2 });
    const [mail] = await sink.waitFor(recipients[0].email!, 1, (m) => m.subject?.startsWith('Reminder') ?? false);
    const [sms] = await sink.waitFor(recipients[0].phone!, 1, (m) => m.text.startsWith('Reminder'));
    expect(linkIn(mail)).toBe(w.recipients[0].link);
    expect(linkIn(sms)).toBe(w.recipients[0].link);
    expect((await api.inject({ method: 'GET', url: `/r/${tokenOf(linkIn(mail)!)}` })).statusCode).toBe(200);
    // Whose turn it is not is never reminded.
    expect(await state(next)).toMatchObject({ reminder_count: 0, reminders: 0 });

    // Right after, and one hour after the reminder (the interval is two): nothing.
    await sweepTwice();
    await age([current], 60, 'last_reminded_at');
    await sweepTwice();
    expect(await state(current)).toMatchObject({ reminder_count: 1, reminders: 2 });

    // Two hours after it: the second and last.
    await age([current], 121, 'last_reminded_at');
    await sweepTwice();
    expect(await state(current)).toMatchObject({ reminder_count: 2, reminders: 4 });
    await age([current], 240, 'last_reminded_at');
    await sweepTwice();
    expect(await state(current)).toMatchObject({ reminder_count: 2, reminders: 4 });

    await waitFor(
      'the link and two reminders by email',
      async () => (await sink.to(recipients[0].email!)).length === 3,
    );
    expect((await sink.to(recipients[0].email!)).map((m) => m.subject)).toEqual([
      'A document is waiting for you',
      'Reminder: a document is waiting for you',
      'Reminder: a document is waiting for you',
    ]);
  });

  it('does not remind recipients of cancelled or expired workflows, nor finished recipients', async () => {
    const cancelled = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
    const cancel = await api.inject({
      method: 'POST',
      url: `/workflows/${cancelled.id}/cancel`,
      headers: bearer(tenant.users.MEMBER!.accessToken),
      payload: {},
    });
    expect(cancel.statusCode).toBe(200);
    const expired = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
    await asOwner((c) =>
      c.query("UPDATE workflow_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [expired.id]),
    );
    const declined = await createWorkflow(api, tenant.users.MEMBER!, { recipients: route() });
    await api.inject({
      method: 'POST',
      url: `/r/${tokenOf(declined.recipients[0].link)}/decline`,
      payload: { reason: 'no' },
    });
    const ids = [cancelled, expired, declined].map((w) => w.recipients[0].id);
    await age(ids, 600);
    await sweepTwice();
    for (const id of ids) expect(await state(id)).toMatchObject({ reminder_count: 0, reminders: 0 });
  });

  it('reminds each due recipient of every tenant exactly once when several sweeps race', async () => {
    const created: CreatedWorkflow[] = [];
    for (let i = 0; i < 12; i++) {
      const owner = i % 2 ? tenant : otherTenant;
      created.push(await createWorkflow(api, owner.users.MEMBER!, { recipients: route() }));
    }
    const ids = created.map((w) => w.recipients[0].id);
    await age(ids, 90);
    const outcomes = await Promise.all([...workers, ...workers].map((w) => w.get(RecipientRemindersService).sweep()));
    expect(outcomes.reduce((sum, o) => sum + o.recipients, 0)).toBeGreaterThanOrEqual(12);
    for (const id of ids) expect(await state(id)).toMatchObject({ reminder_count: 1, reminders: 2 });
  });
});
