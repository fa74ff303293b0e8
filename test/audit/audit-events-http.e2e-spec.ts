import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Readable } from 'node:stream';
import { AuditEventsService, AuditHttpModule } from '@itinera/audit';
import { createApiApp } from '../../apps/api/src/api-app';
import { testEnvironment } from '../support/test-apps';
import {
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  login,
  register,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import { insertEntries, insertTenant, tamper, withClient, type TestAuditEntry } from './audit-entries';

/**
 * The audit log over HTTP: tenant administrators page, filter, export and verify their own
 * tenant's log; platform administrators verify every chain. Entries are written as the app writes
 * them (app role, tenant set), with chosen times, next to those identity itself records.
 */

type Res = Awaited<ReturnType<NestFastifyApplication['inject']>>;

/** The API app with the audit routes (AuditHttpModule is imported again if apps/api already has it: Nest dedupes). */
async function startAuditApi(): Promise<NestFastifyApplication> {
  const app = await createApiApp(testEnvironment({ RATE_LIMIT_MAX: '100000' }), { extraModules: [AuditHttpModule] });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

function expectProblem(res: Res, status: number, code?: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:itinera:problem:/) });
  if (code) expect(body.code).toBe(code);
  expect(body.requestId).toBe(res.headers['x-request-id']);
  return body;
}

/** The tenant's entry ids in the list's order (newest first), read as the owner. */
async function idsInOrder(tenantId: string, where = 'true', values: unknown[] = []): Promise<string[]> {
  const { rows } = await withClient(process.env.DIRECT_DATABASE_URL!, (c) =>
    c.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND (${where}) ORDER BY occurred_at DESC, id DESC`, [
      tenantId,
      ...values,
    ]),
  );
  return rows.map((r) => r.id);
}

const ndjson = (body: string) =>
  body
    .split('\n')
    .filter((line, i, lines) => line !== '' || i !== lines.length - 1)
    .map((line) => JSON.parse(line));

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

describe('audit log over HTTP', () => {
  let app: NestFastifyApplication;
  let platformAdmin: TestUser;
  let tenantA: TestTenant;
  let tenantB: TestTenant;
  let adminA: Record<string, string>;
  let idsA: string[];
  /** Microsecond times one apart, so the from/to bounds can be tested to the microsecond. */
  const at = (second: number, micros = 0) =>
    `2026-11-20T10:00:${String(second).padStart(2, '0')}.${String(micros).padStart(6, '0')}Z`;

  const get = (url: string, headers: Record<string, string> = adminA) => app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    app = await startAuditApi();
    platformAdmin = await createPlatformAdmin(app);
    tenantA = await createTenant(app, platformAdmin, ['OWNER', 'ADMIN', 'MEMBER']);
    tenantB = await createTenant(app, platformAdmin, ['OWNER']);
    adminA = bearer(tenantA.users.ADMIN!.accessToken);

    const entries: TestAuditEntry[] = [
      {
        actor_type: 'USER',
        actor_id: 'u-1',
        action: 'thing.created',
        resource_type: 'thing',
        resource_id: 'th-1',
        after: { name: 'first', tags: ['a', 'b'] },
        metadata: { reason: 'import' },
        ip: '203.0.113.7',
        user_agent: 'curl/8.5',
        request_id: 'req-1',
        occurred_at: at(1, 123456),
      },
      {
        actor_type: 'API_KEY',
        actor_id: 'k-1',
        action: 'thing.updated',
        resource_type: 'thing',
        resource_id: 'th-1',
        before: { name: 'first' },
        after: { name: 'second' },
        ip: '2001:db8::1',
        occurred_at: at(2),
      },
      // Two entries at the very same microsecond: the id breaks the tie.
      {
        actor_type: 'USER',
        actor_id: 'u-2',
        action: 'thing.viewed',
        resource_type: 'thing',
        resource_id: 'th-2',
        occurred_at: at(3),
      },
      {
        actor_type: 'USER',
        actor_id: 'u-2',
        action: 'thing.viewed',
        resource_type: 'thing',
        resource_id: 'th-3',
        occurred_at: at(3),
      },
      {
        actor_type: 'SYSTEM',
        action: 'thing.expired',
        resource_type: 'thing',
        resource_id: 'th-2',
        occurred_at: at(3, 1),
      },
    ];
    for (let i = 0; i < 20; i++) {
      entries.push({
        actor_type: i % 2 ? 'USER' : 'API_KEY',
        actor_id: i % 2 ? 'u-1' : 'k-1',
        action: i % 3 ? 'thing.updated' : 'thing.viewed',
        resource_type: 'thing',
        resource_id: `th-${10 + (i % 4)}`,
        occurred_at: at(10 + i, i * 7),
      });
    }
    idsA = await insertEntries(tenantA.id, entries);
    await insertEntries(tenantB.id, [
      { action: 'thing.created', resource_type: 'thing', resource_id: 'b-1', occurred_at: at(5) },
    ]);
  });
  afterAll(() => app?.close());

  describe('GET /audit-events', () => {
    it("serves API keys with the audit:read scope (the key's tenant only), refuses others", async () => {
      const reader = await createApiKey(app, tenantA, ['audit:read']);
      const plain = await createApiKey(app, tenantA, ['read']);
      const asReader = await app.inject({
        method: 'GET',
        url: '/audit-events?limit=100',
        headers: { 'x-api-key': reader.key },
      });
      expect(asReader.statusCode).toBe(200);
      const tenants = new Set(asReader.json().data.map((e: { tenantId: string }) => e.tenantId));
      expect([...tenants]).toEqual([tenantA.id]);
      const asPlain = await app.inject({ method: 'GET', url: '/audit-events', headers: { 'x-api-key': plain.key } });
      expect(asPlain.statusCode).toBe(403);
    });

    it('pages through the whole log newest first, every entry exactly once, ties broken by id', async () => {
      const expected = await idsInOrder(tenantA.id);
      expect(expected.length).toBeGreaterThan(idsA.length); // identity's own entries are there too
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/audit-events?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const body = res.json();
        expect(body.page.limit).toBe(7);
        expect(body.data.length).toBeLessThanOrEqual(7);
        seen.push(...body.data.map((e: { id: string }) => e.id));
        cursor = body.page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expected);
    });

    it('gives every column: seq as a string, the IP as text, the time to the microsecond, the hash in hex', async () => {
      const res = await get('/audit-events?resourceId=th-1');
      const [updated, created] = res.json().data;
      const { rows } = await withClient(process.env.DIRECT_DATABASE_URL!, (c) =>
        c.query(`SELECT seq::text AS seq, encode(hash, 'hex') AS hash FROM audit_log WHERE id = $1`, [idsA[0]]),
      );
      expect(created).toEqual({
        id: idsA[0],
        tenantId: tenantA.id,
        seq: rows[0].seq,
        actorType: 'USER',
        actorId: 'u-1',
        action: 'thing.created',
        resourceType: 'thing',
        resourceId: 'th-1',
        before: null,
        after: { name: 'first', tags: ['a', 'b'] },
        metadata: { reason: 'import' },
        ip: '203.0.113.7',
        userAgent: 'curl/8.5',
        requestId: 'req-1',
        occurredAt: '2026-11-20T10:00:01.123456Z',
        hash: rows[0].hash,
      });
      expect(created.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(updated).toMatchObject({ id: idsA[1], ip: '2001:db8::1', before: { name: 'first' }, occurredAt: at(2) });
    });

    it.each([
      ['actorType=API_KEY', "actor_type = 'API_KEY'"],
      ['actorId=u-2', "actor_id = 'u-2'"],
      ['action=thing.viewed', "action = 'thing.viewed'"],
      ['resourceType=thing&resourceId=th-2', "resource_type = 'thing' AND resource_id = 'th-2'"],
      [
        'actorType=USER&actorId=u-1&action=thing.updated',
        "actor_type = 'USER' AND actor_id = 'u-1' AND action = 'thing.updated'",
      ],
      [`from=${at(3)}&to=${at(3, 1)}`, `occurred_at BETWEEN '${at(3)}' AND '${at(3, 1)}'`],
      [`from=${at(3, 1)}`, `occurred_at >= '${at(3, 1)}'`],
      [`to=${encodeURIComponent('2026-11-20T11:00:03+01:00')}`, `occurred_at <= '${at(3)}'`],
      [`from=2026-11-20&to=2026-11-20`, `occurred_at = '2026-11-20T00:00:00Z'`],
      ['actorId=nobody', 'false'],
    ])('filters by %s', async (query, where) => {
      const res = await get(`/audit-events?limit=100&${query}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((e: { id: string }) => e.id)).toEqual(await idsInOrder(tenantA.id, where));
    });

    it('keeps both time bounds inclusive to the microsecond', async () => {
      const ids = async (query: string) =>
        (await get(`/audit-events?${query}`)).json().data.map((e: { id: string }) => e.id);
      expect(await ids(`from=${at(1, 123456)}&to=${at(1, 123456)}`)).toEqual([idsA[0]]);
      expect(await ids(`from=${at(1, 123457)}&to=${at(1, 999999)}`)).toEqual([]);
      expect(await ids(`from=${at(1, 0)}&to=${at(1, 123455)}`)).toEqual([]);
    });

    it("shows a tenant nothing of another tenant's log", async () => {
      const res = await get('/audit-events?limit=100', bearer(tenantB.users.OWNER!.accessToken));
      expect(res.statusCode).toBe(200);
      const data = res.json().data as { id: string; tenantId: string }[];
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((e) => e.tenantId === tenantB.id)).toBe(true);
      expect(data.filter((e) => idsA.includes(e.id))).toEqual([]);
      expect(data.map((e) => e.id)).toEqual(await idsInOrder(tenantB.id));
    });

    it.each([
      ['from later than to', `from=${at(3, 1)}&to=${at(3)}`, 'to'],
      ['a time without an offset', 'from=2026-11-20T10:00:00', 'from'],
      ['an impossible date', 'to=2026-02-30', 'to'],
      ['an unknown actor type', 'actorType=ROBOT', 'actorType'],
      ['an empty filter', 'action=', 'action'],
      ['a NUL byte', 'resourceId=a%00b', 'resourceId'],
      ['an overlong id', `actorId=${'x'.repeat(101)}`, 'actorId'],
      ['a repeated filter', 'action=a&action=b', 'action'],
      ['an unknown field', 'tenantId=00000000-0000-4000-8000-000000000000', 'tenantId'],
      ['a page too large', 'limit=101', 'limit'],
    ])('answers %s with 400 naming the field', async (_label, query, field) => {
      const body = expectProblem(await get(`/audit-events?${query}`), 400, 'VALIDATION_FAILED');
      expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it.each([
      ['garbage', '!!!'],
      [
        'another list’s cursor',
        Buffer.from(JSON.stringify(['2026-11-20T10:00:01.123Z', '00000000-0000-4000-8000-000000000000'])).toString(
          'base64url',
        ),
      ],
      ['a forged id', Buffer.from(JSON.stringify([at(1), "x' OR 1=1"])).toString('base64url')],
    ])('answers a cursor it did not issue (%s) with 400', async (_label, cursor) => {
      const res = await get(`/audit-events?cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode).toBe(400);
      expectProblem(res, 400);
    });

    it('is for tenant administrators: 401 without credentials, 403 for a member and for a platform admin without a tenant', async () => {
      expectProblem(await get('/audit-events', {}), 401);
      expectProblem(await get('/audit-events', bearer(tenantA.users.MEMBER!.accessToken)), 403);
      expectProblem(await get('/audit-events', bearer(platformAdmin.accessToken)), 403);
      expect((await get('/audit-events', bearer(tenantA.users.OWNER!.accessToken))).statusCode).toBe(200);
    });
  });

  describe('GET /audit-events/export', () => {
    it('streams the same entries as the list, as NDJSON, newest first', async () => {
      const res = await get('/audit-events/export');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="audit-events.ndjson"');
      expect(res.body.endsWith('\n')).toBe(true);
      const exported = ndjson(res.body);
      const listed = (await get('/audit-events?limit=100')).json().data;
      expect(exported).toEqual(listed);
    });

    it('applies the filters', async () => {
      const res = await get(`/audit-events/export?actorType=USER&from=${at(3)}&to=${at(20)}`);
      expect(ndjson(res.body).map((e) => e.id)).toEqual(
        await idsInOrder(tenantA.id, `actor_type = 'USER' AND occurred_at BETWEEN '${at(3)}' AND '${at(20)}'`),
      );
      const none = await get('/audit-events/export?actorId=nobody');
      expect(none.statusCode).toBe(200);
      expect(none.body).toBe('');
    });

    it('exports a log larger than one batch, every entry once, in order', async () => {
      const tenantId = await insertTenant('bulk');
      const batch = (offset: number) =>
        Array.from({ length: 500 }, (_, i) => ({
          action: 'bulk.done',
          resource_id: String(offset + i),
          // Many entries share a time, so batch boundaries fall inside runs of equal times.
          occurred_at: at(Math.floor((offset + i) / 100) % 60, (offset + i) % 3),
        }));
      for (let offset = 0; offset < 2_300; offset += 500) await insertEntries(tenantId, batch(offset));
      const owner = await signInOwnerOf(tenantId);
      const res = await get('/audit-events/export', bearer(owner));
      const ids = ndjson(res.body).map((e) => e.id);
      expect(ids.length).toBeGreaterThanOrEqual(2_500); // and the owner's sign-in, if identity records it there
      expect(ids).toEqual(await idsInOrder(tenantId));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('reads in batches as the client consumes, holding the entries committed when it started', async () => {
      const service = app.get(AuditEventsService);
      const before = await idsInOrder(tenantA.id, "resource_type = 'thing'");
      const stream = await service.export(tenantA.id, { resourceType: 'thing' }, 4);
      // Written after the export started, with a time that would sort it into the middle.
      await insertEntries(tenantA.id, [{ action: 'thing.late', resource_type: 'thing', occurred_at: at(15) }]);
      const exported = ndjson(await readAll(stream)).map((e) => e.id);
      expect(exported).toEqual(before);
      expect(before.length % 4).not.toBe(0);
      // A count that is an exact multiple of the batch size ends cleanly too.
      const exact = await service.export(tenantA.id, { resourceType: 'thing', actorId: 'u-2' }, 1);
      expect(ndjson(await readAll(exact))).toHaveLength(2);
    });

    it('answers bad input with a problem, not a stream', async () => {
      const body = expectProblem(await get(`/audit-events/export?from=${at(5)}&to=${at(4)}`), 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field: 'to', message: 'must not be earlier than from' }]);
      const bad = await get('/audit-events/export?limit=10');
      expectProblem(bad, 400, 'VALIDATION_FAILED');
      expect(bad.headers['content-disposition']).toBeUndefined();
      expectProblem(await get('/audit-events/export', bearer(tenantA.users.MEMBER!.accessToken)), 403);
      expectProblem(await get('/audit-events/export', {}), 401);
    });

    it('answers a database failure before the first byte with a problem (503), not a broken download', async () => {
      const lost = new Error('Connection terminated unexpectedly');
      const spy = jest.spyOn(AuditEventsService.prototype, 'export').mockRejectedValueOnce(lost);
      try {
        const res = await get('/audit-events/export');
        expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
        expect(res.headers['content-disposition']).toBeUndefined();
      } finally {
        spy.mockRestore();
      }
    });

    it("never exports another tenant's entries", async () => {
      const res = await get('/audit-events/export', bearer(tenantB.users.OWNER!.accessToken));
      const exported = ndjson(res.body);
      expect(exported.length).toBeGreaterThan(0);
      expect(exported.every((e) => e.tenantId === tenantB.id)).toBe(true);
    });
  });

  describe('verification', () => {
    let emptyTenant: string;
    beforeAll(async () => {
      emptyTenant = await insertTenant('empty');
    });

    it('tells a tenant admin their chain is intact; members may not ask', async () => {
      const res = await get('/audit-events/verify');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({ intact: true, checkedAt: expect.any(String), firstMismatch: null });
      expect(Date.now() - Date.parse(body.checkedAt)).toBeLessThan(60_000);
      expectProblem(await get('/audit-events/verify', bearer(tenantA.users.MEMBER!.accessToken)), 403);
    });

    it('verifies every chain for a platform admin, tenants without entries included; tenant owners may not', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/audit/verify',
        headers: bearer(platformAdmin.accessToken),
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.intact).toBe(true);
      expect(body.chains[0]).toEqual({ tenantId: null, intact: true, firstMismatch: null });
      const tenants = body.chains.map((c: { tenantId: string }) => c.tenantId);
      expect(tenants).toEqual(expect.arrayContaining([tenantA.id, tenantB.id, emptyTenant]));
      const { rows } = await withClient(process.env.DIRECT_DATABASE_URL!, (c) =>
        c.query('SELECT count(*)::int AS n FROM tenants'),
      );
      expect(body.chains).toHaveLength(rows[0].n + 1);
      expectProblem(
        await app.inject({
          method: 'POST',
          url: '/admin/audit/verify',
          headers: bearer(tenantA.users.OWNER!.accessToken),
        }),
        403,
      );
    });

    it('names the first changed entry, to the tenant and to the platform admin', async () => {
      await tamper(`UPDATE audit_log SET after = '{"name":"forged"}' WHERE id = $1`, [idsA[1]]);
      const { rows } = await withClient(process.env.DIRECT_DATABASE_URL!, (c) =>
        c.query('SELECT seq::text AS seq FROM audit_log WHERE id = $1', [idsA[1]]),
      );
      const mismatch = { id: idsA[1], seq: rows[0].seq, problem: 'content does not match its hash' };

      const tenantView = (await get('/audit-events/verify')).json();
      expect(tenantView).toMatchObject({ intact: false, firstMismatch: mismatch });
      expect((await get('/audit-events/verify', bearer(tenantB.users.OWNER!.accessToken))).json().intact).toBe(true);

      const platformView = (
        await app.inject({ method: 'POST', url: '/admin/audit/verify', headers: bearer(platformAdmin.accessToken) })
      ).json();
      expect(platformView.intact).toBe(false);
      expect(platformView.chains.filter((c: { intact: boolean }) => !c.intact)).toEqual([
        { tenantId: tenantA.id, intact: false, firstMismatch: mismatch },
      ]);
    });
  });

  it('documents the routes in OpenAPI, the export as application/x-ndjson', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs-json' })).json();
    const list = doc.paths['/audit-events'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['action', 'actorId', 'actorType', 'cursor', 'from', 'limit', 'resourceId', 'resourceType', 'to'].sort(),
    );
    const exportOp = doc.paths['/audit-events/export'].get;
    expect(Object.keys(exportOp.responses['200'].content)).toEqual(['application/x-ndjson']);
    expect(exportOp.responses['400'].content).toHaveProperty(['application/problem+json']);
    expect(doc.paths['/audit-events/verify'].get.responses['200']).toBeDefined();
    expect(doc.paths['/admin/audit/verify'].post.responses['200']).toBeDefined();
    expect(doc.components.schemas.AuditEventResponse.properties.hash).toBeDefined();
  });

  /** Access token of a new OWNER of the tenant `tenantId` inserted straight into the registry. */
  async function signInOwnerOf(tenantId: string): Promise<string> {
    const user = await register(app);
    await withClient(process.env.DIRECT_DATABASE_URL!, (c) =>
      c.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'OWNER')`, [tenantId, user.userId]),
    );
    return (await login(app, user.email, user.password, tenantId)).accessToken;
  }
});
