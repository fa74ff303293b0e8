import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sha256 } from '@itinera/platform';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
} from '../support/identity-fixtures';
import { createWorkflow, defaultRecipients, tokenOf, workflowBody } from '../support/workflow-fixtures';

interface Problem {
  status: number;
  errors?: { field: string; message: string }[];
}

describe('POST /workflows', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi({
      PUBLIC_BASE_URL: 'https://sign.example.test/',
      WORKFLOW_MAX_RECIPIENTS: '5',
      WORKFLOW_METADATA_MAX_BYTES: '200',
      WORKFLOW_TTL_HOURS: '48',
    });
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']);
  });
  afterAll(() => app.close());

  const post = (payload: unknown, headers: Record<string, string> = bearer(tenant.users.MEMBER!.accessToken)) =>
    app.inject({ method: 'POST', url: '/workflows', payload: payload as object, headers });
  const sessionCount = () =>
    asOwner(async (c) => Number((await c.query('SELECT count(*) FROM workflow_sessions')).rows[0].count));

  it('creates an ACTIVE session whose recipients are in order, returns each link once and stores only hashes', async () => {
    const before = Date.now();
    const created = await createWorkflow(app, tenant.users.MEMBER!);
    expect(created.status).toBe('ACTIVE');
    expect(created.creatorType).toBe('USER');
    expect(created.creatorId).toBe(tenant.users.MEMBER!.userId);
    expect(created.progress).toEqual({ total: 4, completed: 0, currentRecipientOrder: 0, percent: 0 });
    // default expiry: now + WORKFLOW_TTL_HOURS
    const ttl = new Date(created.expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(48 * 3_600_000 - 60_000);
    expect(ttl).toBeLessThan(48 * 3_600_000 + 60_000);
    expect(created.recipients.map((r) => [r.orderIndex, r.type, r.status, r.requiresVerification])).toEqual([
      [0, 'PRESCRIBER', 'PENDING', false],
      [1, 'PATIENT', 'PENDING', false],
      [2, 'PHARMACY', 'PENDING', false],
      [3, 'INSURANCE', 'PENDING', false],
    ]);
    for (const r of created.recipients) expect(r.link).toMatch(/^https:\/\/sign\.example\.test\/r\/[a-z2-7]{32}$/);
    expect(new Set(created.recipients.map((r) => r.link)).size).toBe(4);

    const rows = await asOwner(
      async (c) =>
        (
          await c.query<{
            id: string;
            token_hash: Buffer;
            token_ciphertext: string;
            total_recipients: number;
            completed_recipients: number;
            current_recipient_order: number;
          }>(
            `SELECT r.id, r.token_hash, r.token_ciphertext, s.total_recipients, s.completed_recipients,
                    s.current_recipient_order
               FROM recipients r JOIN workflow_sessions s ON s.id = r.session_id
              WHERE r.session_id = $1 ORDER BY r.order_index`,
            [created.id],
          )
        ).rows,
    );
    expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const token = tokenOf(created.recipients[i].link);
      expect(row.id).toBe(created.recipients[i].id);
      expect(row.token_hash.equals(sha256(token))).toBe(true);
      expect(row.token_ciphertext).not.toContain(token);
      expect([row.total_recipients, row.completed_recipients, row.current_recipient_order]).toEqual([4, 0, 0]);
    });
    // No token anywhere in the database in clear.
    const leaked = await asOwner(
      async (c) =>
        (
          await c.query(
            `SELECT 1 FROM audit_log WHERE resource_id = $1 AND (after::text LIKE '%' || $2 || '%')
             UNION ALL SELECT 1 FROM outbox_messages WHERE payload::text LIKE '%' || $2 || '%'`,
            [created.id, tokenOf(created.recipients[0].link)],
          )
        ).rowCount,
    );
    expect(leaked).toBe(0);

    const read = await app.inject({
      method: 'GET',
      url: `/workflows/${created.id}`,
      headers: bearer(tenant.users.VIEWER!.accessToken),
    });
    expect(read.statusCode).toBe(200);
    for (const r of created.recipients) expect(read.body).not.toContain(tokenOf(r.link));
    expect(read.json().recipients[0]).not.toHaveProperty('link');
  });

  it('records the audit entry, and the first recipient notification in the outbox, in the same transaction', async () => {
    const created = await createWorkflow(app, tenant.users.MEMBER!);
    const { audit, outbox } = await asOwner(async (c) => ({
      audit: (
        await c.query(
          `SELECT action, actor_type, actor_id, after FROM audit_log WHERE resource_type = 'workflow' AND resource_id = $1`,
          [created.id],
        )
      ).rows,
      outbox: (
        await c.query(
          `SELECT queue, job_name, payload FROM outbox_messages WHERE payload->>'recipientId' = ANY ($1::text[])`,
          [created.recipients.map((r) => r.id)],
        )
      ).rows,
    }));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'workflow.created',
      actor_type: 'USER',
      actor_id: tenant.users.MEMBER!.userId,
    });
    expect(JSON.stringify(audit[0].after)).not.toContain('@example.test');
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      queue: '{notifications}',
      job_name: 'recipient-notify',
      payload: { tenantId: tenant.id, recipientId: created.recipients[0].id, kind: 'link' },
    });
  });

  it('stores emails lower-case, defaults verification to true for PATIENT only, and keeps a CUSTOM schema', async () => {
    const schema = {
      type: 'object',
      required: ['answer'],
      properties: { answer: { type: 'string', format: 'email' } },
    };
    const created = await createWorkflow(app, tenant.users.MEMBER!, {
      recipients: [
        { type: 'PATIENT', name: 'P', email: 'Mixed.Case@Example.TEST' },
        { type: 'CUSTOM', name: 'C', phone: '+447700900123', formSchema: schema },
        { type: 'PRESCRIBER', name: 'D', email: 'd@example.test', requiresVerification: true },
      ],
    });
    expect(created.recipients.map((r) => [r.email, r.requiresVerification])).toEqual([
      ['mixed.case@example.test', true],
      [null, false],
      ['d@example.test', true],
    ]);
    expect(created.recipients[1].formSchema).toEqual(schema);
  });

  it('accepts an API key with the write scope and records it as the creator; refuses read-only keys and viewers', async () => {
    const writer = await createApiKey(app, tenant, ['write']);
    const created = await createWorkflow(app, { key: writer.key });
    expect(created).toMatchObject({ creatorType: 'API_KEY', creatorId: writer.id });
    const reader = await createApiKey(app, tenant, ['read']);
    expect((await post(workflowBody(), bearer(reader.key))).statusCode).toBe(403);
    expect((await post(workflowBody(), bearer(tenant.users.VIEWER!.accessToken))).statusCode).toBe(403);
    expect((await post(workflowBody(), {})).statusCode).toBe(401);
  });

  it('answers a repeat with the same Idempotency-Key and body with the first answer (links included), and 422 for another body', async () => {
    const body = workflowBody();
    const headers = { ...bearer(tenant.users.MEMBER!.accessToken), 'idempotency-key': `create-${Date.now()}` };
    const before = await sessionCount();
    const first = await post(body, headers);
    const second = await post(body, headers);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(await sessionCount()).toBe(before + 1);
    const other = await post(workflowBody(), headers);
    expect(other.statusCode).toBe(422);
    expect(await sessionCount()).toBe(before + 1);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['a malformed URL', { documentUrl: 'not a url' }, 'documentUrl'],
    ['an http URL', { documentUrl: 'http://docs.example.test/a.pdf' }, 'documentUrl'],
    ['a 501-character URL', { documentUrl: `https://docs.example.test/${'a'.repeat(475)}` }, 'documentUrl'],
    ['no recipients', { recipients: [] }, 'recipients'],
    [
      'more recipients than WORKFLOW_MAX_RECIPIENTS',
      { recipients: [...defaultRecipients(), ...defaultRecipients()] },
      'recipients',
    ],
    [
      'an unknown recipient type',
      { recipients: [{ type: 'DOCTOR', name: 'x', email: 'x@example.test' }] },
      'recipients[0].type',
    ],
    [
      'a CUSTOM recipient without a schema',
      { recipients: [{ type: 'CUSTOM', name: 'x', email: 'x@example.test' }] },
      'recipients[0].formSchema',
    ],
    [
      'a schema on a non-CUSTOM recipient',
      { recipients: [{ type: 'PATIENT', name: 'x', email: 'x@example.test', formSchema: { type: 'object' } }] },
      'recipients[0].formSchema',
    ],
    [
      'a schema ajv cannot compile',
      {
        recipients: [
          { type: 'PRESCRIBER', name: 'x', email: 'x@example.test' },
          {
            type: 'CUSTOM',
            name: 'x',
            email: 'x@example.test',
            formSchema: { type: 'object', properties: { a: { type: 'strin' } } },
          },
        ],
      },
      'recipients[1].formSchema',
    ],
    [
      'a schema over 16 KiB',
      {
        recipients: [
          { type: 'CUSTOM', name: 'x', email: 'x@example.test', formSchema: { description: 'x'.repeat(17_000) } },
        ],
      },
      'recipients[0].formSchema',
    ],
    ['a recipient without contact', { recipients: [{ type: 'PATIENT', name: 'x' }] }, 'recipients[0].email'],
    ['a bad email', { recipients: [{ type: 'PATIENT', name: 'x', email: 'nope' }] }, 'recipients[0].email'],
    [
      'a phone not in E.164',
      { recipients: [{ type: 'PATIENT', name: 'x', phone: '555-1234' }] },
      'recipients[0].phone',
    ],
    [
      'a recipient without a name',
      { recipients: [{ type: 'PATIENT', email: 'x@example.test' }] },
      'recipients[0].name',
    ],
    ['metadata over WORKFLOW_METADATA_MAX_BYTES', { metadata: { note: 'x'.repeat(300) } }, 'metadata'],
    ['metadata that is not an object', { metadata: ['a'] }, 'metadata'],
    ['expiresAt in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'expiresAt'],
    ['expiresAt that is not a date', { expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an unknown field', { colour: 'blue' }, 'colour'],
  ];

  it.each(invalid)('refuses %s with 400 naming the field, and creates nothing', async (_what, overrides, field) => {
    const before = await sessionCount();
    const response = await post(workflowBody(overrides));
    expect(response.statusCode).toBe(400);
    const problem = response.json<Problem>();
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    expect(await sessionCount()).toBe(before);
  });

  it('accepts exactly WORKFLOW_MAX_RECIPIENTS recipients and a 500-character URL', async () => {
    const recipients = [...defaultRecipients(), { type: 'PATIENT', name: 'Fifth', email: 'fifth@example.test' }];
    const documentUrl = `https://docs.example.test/${'a'.repeat(474)}`;
    expect(documentUrl).toHaveLength(500);
    const created = await createWorkflow(app, tenant.users.MEMBER!, { recipients, documentUrl });
    expect(created.progress.total).toBe(5);
  });
});
