import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  type TestTenant,
} from '../support/identity-fixtures';
import { counterMismatches, createWorkflow, type CreatedWorkflow } from '../support/workflow-fixtures';

interface Summary {
  id: string;
  status: string;
  creatorId: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}
interface PageOf<T> {
  data: T[];
  page: { nextCursor: string | null; limit: number };
}

describe('reading workflows', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let other: TestTenant;
  let workflows: CreatedWorkflow[];

  beforeAll(async () => {
    app = await startApi();
    const admin = await createPlatformAdmin(app);
    [tenant, other] = await Promise.all([
      createTenant(app, admin, ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']),
      createTenant(app, admin, ['OWNER']),
    ]);
    workflows = [];
    // Sequential, so created_at orders them; two creators, metadata tags.
    for (let i = 0; i < 7; i++) {
      const creator = i % 2 ? tenant.users.MEMBER! : tenant.users.OWNER!;
      workflows.push(
        await createWorkflow(app, creator, { metadata: { batch: 'read', n: i, group: i < 3 ? 'a' : 'b' } }),
      );
    }
    await createWorkflow(app, other.users.OWNER!, { metadata: { batch: 'read', n: 99, group: 'a' } });
  });
  afterAll(() => app.close());

  const get = <T>(url: string, user = tenant.users.VIEWER!) =>
    app.inject({ method: 'GET', url, headers: bearer(user.accessToken) }).then((r) => ({
      status: r.statusCode,
      body: r.json<T>(),
    }));
  const ids = (page: PageOf<Summary>) => page.data.map((w) => w.id);
  const newestFirst = () => [...workflows].reverse().map((w) => w.id);

  it("lists the tenant's workflows newest first, in cursor pages that cover every one exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/workflows?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get<PageOf<Summary>>(query);
      expect(status).toBe(200);
      expect(body.data.length).toBeLessThanOrEqual(3);
      seen.push(...ids(body));
      cursor = body.page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst());
  });

  it('filters by status, creator, created range, metadata containment and recipient form data', async () => {
    const [first, second, third] = workflows;
    await asOwner(async (c) => {
      await c.query(`UPDATE workflow_sessions SET status = 'EXPIRED', finished_at = now() WHERE id = $1`, [first.id]);
      await c.query(
        `UPDATE recipients SET status = 'COMPLETED', completed_at = now(), form_data = '{"npi":"1234567893","fullName":"Ada"}'
          WHERE session_id = $1 AND order_index = 0`,
        [second.id],
      );
    });
    expect(ids((await get<PageOf<Summary>>('/workflows?status=EXPIRED')).body)).toEqual([first.id]);
    expect(ids((await get<PageOf<Summary>>('/workflows?status=ACTIVE')).body)).toEqual(
      newestFirst().filter((id) => id !== first.id),
    );
    const byMember = (await get<PageOf<Summary>>(`/workflows?creatorId=${tenant.users.MEMBER!.userId}`)).body;
    expect(ids(byMember)).toEqual(
      newestFirst().filter((id) => workflows.find((w) => w.id === id)!.creatorId === tenant.users.MEMBER!.userId),
    );
    expect(byMember.data).toHaveLength(3);

    const from = encodeURIComponent(second.createdAt as unknown as string);
    const to = encodeURIComponent(workflows[4].createdAt as unknown as string);
    expect(ids((await get<PageOf<Summary>>(`/workflows?createdFrom=${from}&createdTo=${to}`)).body)).toEqual([
      workflows[3].id,
      workflows[2].id,
      second.id,
    ]);

    const meta = encodeURIComponent(JSON.stringify({ group: 'a' }));
    expect(ids((await get<PageOf<Summary>>(`/workflows?metadata=${meta}`)).body)).toEqual([
      third.id,
      second.id,
      first.id,
    ]);
    const metaNone = encodeURIComponent(JSON.stringify({ group: 'a', n: 5 }));
    expect((await get<PageOf<Summary>>(`/workflows?metadata=${metaNone}`)).body.data).toEqual([]);

    const form = encodeURIComponent(JSON.stringify({ npi: '1234567893' }));
    expect(ids((await get<PageOf<Summary>>(`/workflows?recipientFormData=${form}`)).body)).toEqual([second.id]);
    const combined = `/workflows?recipientFormData=${form}&status=EXPIRED`;
    expect((await get<PageOf<Summary>>(combined)).body.data).toEqual([]);
  });

  it.each([
    ['metadata=not-json', 'metadata'],
    ['metadata=%5B1%5D', 'metadata'],
    ['metadata=null', 'metadata'],
    ['recipientFormData=%7B', 'recipientFormData'],
    ['recipientFormData=42', 'recipientFormData'],
    ['status=DONE', 'status'],
    ['creatorId=nope', 'creatorId'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=abc', 'cursor'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const response = await get<{ errors: { field: string }[] }>(`/workflows?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toContain(field);
  });

  it("never shows another tenant's workflows, in lists, filters or by id", async () => {
    const theirs = (await get<PageOf<Summary>>('/workflows', other.users.OWNER!)).body;
    expect(theirs.data).toHaveLength(1);
    expect(ids(theirs)).not.toEqual(expect.arrayContaining([workflows[0].id]));
    const meta = encodeURIComponent(JSON.stringify({ n: 99 }));
    expect((await get<PageOf<Summary>>(`/workflows?metadata=${meta}`)).body.data).toEqual([]);
    expect((await get(`/workflows/${theirs.data[0].id}`)).status).toBe(404);
    expect((await get(`/workflows/${workflows[0].id}`, other.users.OWNER!)).status).toBe(404);
    expect((await get(`/workflows/${workflows[0].id}/audit-events`, other.users.OWNER!)).status).toBe(404);

    // The list function (SECURITY DEFINER) answers for the caller's tenant only, and nothing without one.
    const counts = await asOwner(async (c) => {
      const count = async () =>
        (
          await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM workflow_session_page('ACTIVE', NULL, NULL, NULL, '{"batch":"read"}', NULL, NULL, NULL, 1000)`,
          )
        ).rows[0].n;
      await c.query('BEGIN');
      await c.query('SET LOCAL ROLE itinera_app');
      const none = await count();
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [other.id]);
      const theirs = await count();
      await c.query('ROLLBACK');
      return { none, theirs };
    });
    expect(counts).toEqual({ none: 0, theirs: 1 });
  });

  it('reads one workflow with recipients in order, notification fields, attachments and progress; 404 unknown, 400 malformed', async () => {
    const w = workflows[1];
    await asOwner((c) =>
      c.query(
        `INSERT INTO attachments (tenant_id, session_id, recipient_id, file_name, file_type, file_size, s3_key, s3_bucket, checksum)
         VALUES ($1, $2, $3, 'lab.pdf', 'application/pdf', 1234, $4, 'local', sha256('x'))`,
        [tenant.id, w.id, w.recipients[0].id, `${tenant.id}/${w.id}/${randomUUID()}`],
      ),
    );
    const { status, body } = await get<Record<string, unknown> & { recipients: Record<string, unknown>[] }>(
      `/workflows/${w.id}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: w.id,
      status: 'ACTIVE',
      progress: { total: 4, completed: 1, currentRecipientOrder: 1, percent: 25 },
      attachments: [
        {
          fileName: 'lab.pdf',
          fileType: 'application/pdf',
          fileSize: 1234,
          scanStatus: 'PENDING',
          downloadCount: 0,
          recipientId: w.recipients[0].id,
        },
      ],
    });
    expect(body.recipients.map((r) => r.orderIndex)).toEqual([0, 1, 2, 3]);
    expect(body.recipients[0]).toMatchObject({
      status: 'COMPLETED',
      formData: { npi: '1234567893', fullName: 'Ada' },
      emailSentAt: null,
      smsSentAt: null,
      reminderCount: 0,
      retryCount: 0,
      errorMessage: null,
    });
    for (const r of body.recipients) {
      expect(Object.keys(r)).not.toEqual(expect.arrayContaining(['token', 'tokenHash', 'tokenCiphertext', 'link']));
    }
    expect((await get(`/workflows/${randomUUID()}`)).status).toBe(404);
    const malformed = await get<{ errors: { field: string }[] }>('/workflows/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('id');
    expect(await counterMismatches()).toEqual([]);
  });

  it('lets API keys with the read scope read, and refuses keys without it', async () => {
    const reader = await createApiKey(app, tenant, ['read']);
    const list = await app.inject({ method: 'GET', url: '/workflows', headers: bearer(reader.key) });
    expect(list.statusCode).toBe(200);
    const writer = await createApiKey(app, tenant, ['write']);
    expect((await app.inject({ method: 'GET', url: '/workflows', headers: bearer(writer.key) })).statusCode).toBe(403);
  });
});

describe('workflow statistics', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await startApi();
    tenant = await createTenant(app, await createPlatformAdmin(app), ['OWNER']);
  });
  afterAll(() => app.close());

  it('counts by status, completion rate and medians that match the rows', async () => {
    const owner = tenant.users.OWNER!;
    const made: CreatedWorkflow[] = [];
    for (let i = 0; i < 8; i++) made.push(await createWorkflow(app, owner));
    const [c1, c2, c3, x1, e1, e2] = made;
    await asOwner(async (c) => {
      // Completed after 100, 200 and 600 seconds; their recipients completed at those times too.
      for (const [w, seconds] of [
        [c1, 100],
        [c2, 200],
        [c3, 600],
      ] as const) {
        await c.query(
          `UPDATE recipients r SET status = 'COMPLETED', completed_at = s.created_at + make_interval(secs => $2)
             FROM workflow_sessions s WHERE s.id = r.session_id AND r.session_id = $1`,
          [w.id, seconds],
        );
        await c.query(
          `UPDATE workflow_sessions SET status = 'COMPLETED', finished_at = created_at + make_interval(secs => $2) WHERE id = $1`,
          [w.id, seconds],
        );
      }
      await c.query(`UPDATE workflow_sessions SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [x1.id]);
      await c.query(
        `UPDATE workflow_sessions SET status = 'EXPIRED', finished_at = now() WHERE id = ANY ($1::uuid[])`,
        [[e1.id, e2.id]],
      );
      await c.query(
        `UPDATE recipients SET status = 'DECLINED', declined_at = now(), decline_reason = 'no' WHERE session_id = $1 AND order_index = 1`,
        [x1.id],
      );
    });

    const response = await app.inject({ method: 'GET', url: '/workflows/stats', headers: bearer(owner.accessToken) });
    expect(response.statusCode).toBe(200);
    const stats = response.json();
    expect(stats).toMatchObject({
      total: 8,
      byStatus: { ACTIVE: 2, COMPLETED: 3, CANCELLED: 1, EXPIRED: 2 },
      completionRate: 3 / 6,
      medianSecondsToComplete: 200,
    });
    // Per type, against the rows themselves.
    const expected = await asOwner(
      async (c) =>
        (
          await c.query<{ type: string; status: string; n: number }>(
            `SELECT recipient_type::text AS type, status::text AS status, count(*)::int AS n FROM recipients
              WHERE tenant_id = $1 GROUP BY 1, 2`,
            [tenant.id],
          )
        ).rows,
    );
    for (const t of stats.recipientTypes as {
      type: string;
      total: number;
      byStatus: Record<string, number>;
      medianSecondsToComplete: number | null;
    }[]) {
      const rows = expected.filter((e) => e.type === t.type);
      expect(t.total).toBe(rows.reduce((sum, e) => sum + e.n, 0));
      for (const [status, n] of Object.entries(t.byStatus)) {
        expect(n).toBe(rows.find((e) => e.status === status)?.n ?? 0);
      }
      expect(t.medianSecondsToComplete).toBe(200);
    }
    expect(stats.recipientTypes.map((t: { type: string }) => t.type)).toEqual([
      'PRESCRIBER',
      'PATIENT',
      'PHARMACY',
      'INSURANCE',
    ]);

    // A range that leaves the first three out.
    const from = encodeURIComponent(x1.createdAt as unknown as string);
    const ranged = (
      await app.inject({
        method: 'GET',
        url: `/workflows/stats?createdFrom=${from}`,
        headers: bearer(owner.accessToken),
      })
    ).json();
    expect(ranged).toMatchObject({
      total: 5,
      byStatus: { ACTIVE: 2, COMPLETED: 0, CANCELLED: 1, EXPIRED: 2 },
      completionRate: 0,
      medianSecondsToComplete: null,
    });
  });
});
