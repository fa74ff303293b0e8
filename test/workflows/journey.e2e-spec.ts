import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { verifyWebhookSignature, type WebhookEventType } from '@itinera/integrations';
import { createTenant, createPlatformAdmin, bearer, type TestTenant } from '../support/identity-fixtures';
import { NotificationSink, codeIn, tokenIn } from '../support/notification-sink';
import { startApi, startWorker, waitFor } from '../support/test-apps';
import { createWorkflow } from '../support/workflow-fixtures';
import { WebhookReceiver } from '../integrations/webhook-receiver';
import { expectCountersMatchRows, linkRequests, progressOf, VALID_FORMS } from '../recipients/link-helpers';

/**
 * The whole route of the issue, through the API and the worker together: a four-recipient
 * PRESCRIBER, PATIENT (verifying by code), PHARMACY, INSURANCE workflow from creation to COMPLETED.
 * Each recipient's link is taken from the message the transport sent them (never from the create
 * response), every webhook is received by a real server and its signature verified, and a second,
 * failing endpoint is retried and then dead-lettered.
 */
const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_MAX_ATTEMPTS: '2',
  WEBHOOK_TIMEOUT_MS: '2000',
};

describe('a workflow from creation to COMPLETED', () => {
  const sink = new NotificationSink();
  let api: NestFastifyApplication;
  let worker: NestFastifyApplication;
  let receiver: WebhookReceiver;
  let tenant: TestTenant;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    [api, worker] = await Promise.all([
      startApi({ ...sink.env(), ...WEBHOOK_ENV }),
      startWorker({ ...sink.env(), ...WEBHOOK_ENV }),
    ]);
    tenant = await createTenant(api, await createPlatformAdmin(api), ['OWNER']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close()]);
    await receiver?.close();
    await sink.remove();
  });

  it('routes the document to four recipients in order, notified by the transport, with signed webhooks', async () => {
    const owner = bearer(tenant.users.OWNER!.accessToken);
    const subscribe = async (name: string, mode: 'ok' | 'fail') => {
      const r = await api.inject({
        method: 'POST',
        url: '/webhooks',
        headers: owner,
        payload: {
          url: receiver.url(name, mode),
          eventTypes: [
            'workflow.created',
            'workflow.completed',
            'recipient.viewed',
            'recipient.completed',
          ] satisfies WebhookEventType[],
        },
      });
      expect(r.statusCode).toBe(201);
      return r.json<{ id: string; secret: { secret: string } }>();
    };
    const good = await subscribe('journey', 'ok');
    const failing = await subscribe('journey-down', 'fail');

    const u = Date.now().toString(36);
    const contacts = {
      PRESCRIBER: `prescriber-${u}@example.test`,
      PATIENT: `patient-${u}@example.test`,
      PHARMACY: '+15555550142',
      INSURANCE: `payer-${u}@example.test`,
    } as const;
    const workflow = await createWorkflow(api, tenant.users.OWNER!, {
      recipients: [
        { type: 'PRESCRIBER', name: 'Dr. Ada Prescriber', email: contacts.PRESCRIBER },
        { type: 'PATIENT', name: 'Pat Patient', email: contacts.PATIENT, requiresVerification: true },
        { type: 'PHARMACY', name: 'Corner Pharmacy', phone: contacts.PHARMACY },
        { type: 'INSURANCE', name: 'Acme Health', email: contacts.INSURANCE },
      ],
    });
    const link = linkRequests(api);

    for (const [index, type] of (['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'] as const).entries()) {
      const address = contacts[type];
      // Nobody after the current recipient has been told anything yet.
      for (const later of (['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE'] as const).slice(index + 1)) {
        expect(await sink.to(contacts[later])).toEqual([]);
      }
      const [message] = await sink.waitFor(address, 1, (m) => tokenIn(m) !== undefined);
      const token = tokenIn(message)!;
      expect(token).toBe(/\/r\/([a-z2-7]{32})$/.exec(workflow.recipients[index].link)![1]);

      let grant: string | undefined;
      if (type === 'PATIENT') {
        const landing = await link.view(token);
        expect(landing.json()).toMatchObject({ verificationRequired: true });
        expect(landing.body).not.toContain(workflow.documentUrl);
        const asked = await api.inject({
          method: 'POST',
          url: `/r/${token}/verification`,
          payload: { channel: 'EMAIL' },
        });
        expect(asked.statusCode).toBeLessThan(300);
        const [codeMessage] = await sink.waitFor(address, 1, (m) => codeIn(m) !== undefined && !tokenIn(m));
        const confirmed = await api.inject({
          method: 'POST',
          url: `/r/${token}/verification/confirm`,
          payload: { code: codeIn(codeMessage) },
        });
        expect(confirmed.statusCode).toBeLessThan(300);
        grant = confirmed.json<{ verificationToken: string }>().verificationToken;
      }

      const view = await link.view(token, grant);
      expect(view.statusCode).toBe(200);
      expect(view.json()).toMatchObject({ workflow: { documentUrl: workflow.documentUrl, yourTurn: true } });
      const done = await link.complete(token, VALID_FORMS[type], grant);
      expect({ type, status: done.statusCode }).toEqual({ type, status: 200 });
      expectCountersMatchRows(await progressOf(workflow.id));
    }

    const final = await api.inject({ method: 'GET', url: `/workflows/${workflow.id}`, headers: owner });
    expect(final.json()).toMatchObject({
      status: 'COMPLETED',
      progress: { total: 4, completed: 4, currentRecipientOrder: 4 },
    });
    // The creator hears that it completed.
    await sink.waitFor(tenant.users.OWNER!.email, 1, (m) => /complete/i.test(`${m.subject ?? ''} ${m.text}`));

    // Every event reached the good endpoint, each signed with its secret.
    const expected = [
      'workflow.created',
      ...Array(4).fill('recipient.viewed'),
      ...Array(4).fill('recipient.completed'),
      'workflow.completed',
    ];
    const deliveries = await waitFor('every webhook delivered', () => {
      const got = receiver.requestsTo('journey');
      return got.length >= expected.length ? got : undefined;
    });
    for (const d of deliveries) {
      const ok = verifyWebhookSignature(
        good.secret.secret,
        String(d.headers['itinera-signature']),
        String(d.headers['itinera-timestamp']),
        d.body,
      );
      expect({ event: d.headers['itinera-event-type'], ok }).toEqual({
        event: d.headers['itinera-event-type'],
        ok: true,
      });
    }
    expect(deliveries.map((d) => JSON.parse(d.body).type).sort()).toEqual([...expected].sort());
    expect(deliveries.every((d) => JSON.parse(d.body).data.workflowId === workflow.id)).toBe(true);

    // The failing endpoint got each event twice (WEBHOOK_MAX_ATTEMPTS=2), then the deliveries are DEAD.
    const dead = await waitFor(
      'the failing endpoint dead-lettered',
      async () => {
        const r = await api.inject({
          method: 'GET',
          url: `/webhooks/${failing.id}/deliveries?status=DEAD&limit=50`,
          headers: owner,
        });
        const rows = r.json<{ data: { attempts: number }[] }>().data;
        return rows.length === expected.length ? rows : undefined;
      },
      30_000,
    );
    expect(dead.every((d) => d.attempts === 2)).toBe(true);
    expect(receiver.requestsTo('journey-down')).toHaveLength(expected.length * 2);
  }, 90_000);
});
