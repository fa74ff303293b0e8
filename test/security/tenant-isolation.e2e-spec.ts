import { startApi, startWorker, waitFor } from '../support/test-apps';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysesSettled, seedPatientDomain, seedWorkflowDomain, settled } from './tenant-domain-data';
import { FakeOpenAiServer } from '../support/fake-openai-server';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { API_KEY_SCOPES, TENANT_ROLES } from '@itinera/platform';
import {
  bearer,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  login,
  TEST_PASSWORD,
  type TestTenant,
  type TestUser,
} from '../support/identity-fixtures';
import {
  exampleBody,
  exampleValue,
  fillPath,
  idProperties,
  isIdLike,
  isPlatformAdminPath,
  isPublic,
  isRouteMiss,
  jsonBodySchema,
  loadOpenApi,
  operationsOf,
  paramsIn,
  problemOf,
  SeededRandom,
  testSeed,
  withQuery,
  type OpenApiDocument,
  type Operation,
  type Parameter,
} from './openapi-walk';

/**
 * Randomised tenant isolation. Several tenants, each with a user per role, API keys, sessions and
 * rows in every tenant-owned table; then, walking the running app's OpenAPI document, tenant A's
 * users and keys name tenant B's ids in paths, bodies and query strings. The answer must be the
 * one an id that exists nowhere gets (404 once the caller may use the route; the same 403 for
 * every id when its role may not), so existence does not leak; no answer may carry an id of B that
 * A did not send; and B's rows, read as the owner before and after, must not change. Below the
 * app, the app role's own SQL sees and writes nothing of a tenant it has not set.
 *
 * The walk is random (tenant pairs, ids, callers, the order of callers) from a seed printed at the
 * start; SECURITY_TEST_SEED=<seed> replays a run.
 */

const seed = testSeed();
const random = new SeededRandom(seed);

const TENANT_COUNT = 4;
const PLANS = ['BASIC', 'PRO', 'ENTERPRISE'] as const;
/** How many of tenant A's users and keys name each id of B in each operation (its OWNER and others at random). */
const CALLERS_PER_ID = 3;
/** The walks try every id kind in every operation: thousands of requests. */
const WALK_TIMEOUT_MS = 600_000;

/**
 * Tables with a tenant_id column that are not tenant-owned, so carry no row-level security; each
 * with the reason. Every other table with tenant_id must have RLS enabled and forced.
 */
const PLATFORM_TABLES_WITH_TENANT_ID: Record<string, string> = {
  auth_sessions:
    "a user's sign-in session: users span tenants, and tenant_id is only the tenant active in the session; read by user id (the session owner), never by tenant",
  outbox_messages:
    "platform infrastructure: the worker's relay reads every tenant's messages; tenant_id is routing data handed to the job",
};

/** Kinds of ids a tenant has; each is tried in every id position of every operation. */
const ID_KINDS = [
  'tenant',
  'member user',
  'membership',
  'api key',
  'session',
  'audit event',
  'workflow',
  'recipient',
  'attachment',
  'webhook',
  'webhook secret',
  'webhook delivery',
  'patient repository',
  'patient entry',
  'consent grant',
  'identity challenge',
  'analysis',
] as const;
type IdKind = (typeof ID_KINDS)[number];

interface Caller {
  name: string;
  headers: Record<string, string>;
}

interface World {
  name: string;
  tenant: TestTenant;
  /** Every user of the tenant (one per role) and every live API key, with X-API-Key or Bearer. */
  callers: Caller[];
  ids: Record<IdKind, string[]>;
  /** Ids of other tenants this tenant has named in a request; echoing those back leaks nothing. */
  sent: Set<string>;
}

interface Answer {
  status: number;
  code?: string;
  body: string;
}

describe(`tenant isolation (seed ${seed})`, () => {
  let app: NestFastifyApplication;
  let receiver: Server;
  let provider: FakeOpenAiServer;
  let doc: OpenApiDocument;
  let operations: Operation[];
  let owner: Client;
  let appRole: Client;
  let worlds: World[];
  /** Tables with tenant_id, row-level security enabled and forced: what the checks below walk. */
  let tenantTables: string[];

  const q = (name: string) => owner.escapeIdentifier(name);

  beforeAll(async () => {
    console.info(`tenant isolation: seed ${seed} (replay with SECURITY_TEST_SEED=${seed})`);
    // Webhooks of every tenant go to one local receiver (loopback, hence allowed by config here).
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    provider = await FakeOpenAiServer.start();
    const domainConfig = {
      MODEL_PROVIDER_BASE_URL: provider.baseUrl,
      MODEL_PROVIDER_API_KEY: provider.apiKey,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      NOTIFY_TRANSPORT: 'file',
      NOTIFY_FILE_PATH: join(mkdtempSync(join(tmpdir(), 'itinera-isolation-')), 'notifications.ndjson'),
    };
    // Hundreds of requests from one IP: the global per-IP limit is not what this test is about.
    app = await startApi({ RATE_LIMIT_MAX: '1000000', LINK_RATE_LIMIT_MAX: '1000000', ...domainConfig });
    // The worker runs while the tenants are made (deliveries, notifications, scans), then stops, so
    // that nothing changes a tenant's rows in the background while another tenant acts.
    const worker = await startWorker(domainConfig);
    doc = await loadOpenApi(app);
    operations = operationsOf(doc);
    owner = new Client({ connectionString: process.env.DIRECT_DATABASE_URL });
    appRole = new Client({ connectionString: process.env.DATABASE_URL });
    await Promise.all([owner.connect(), appRole.connect()]);

    const admin = await createPlatformAdmin(app);
    // Made in parallel (password hashing dominates); random choices only afterwards, in order, so
    // that a seed replays the same walk.
    const tenants = await Promise.all(
      Array.from({ length: TENANT_COUNT }, (_, i) =>
        createTenant(app, admin, [...TENANT_ROLES], PLANS[i % PLANS.length]),
      ),
    );
    worlds = [];
    for (const [i, tenant] of tenants.entries()) {
      const keys = [await createApiKey(app, tenant, [...API_KEY_SCOPES]), await createApiKey(app, tenant, ['read'])];
      // A revoked key is a row (and an id) of the tenant too.
      const revoked = await createApiKey(app, tenant, ['write']);
      await expectStatus(
        app.inject({
          method: 'DELETE',
          url: `/api-keys/${revoked.id}`,
          headers: bearer(tenant.users.OWNER!.accessToken),
        }),
        200,
      );
      // A second session for one user, and a rotated refresh token for another.
      const users = Object.values(tenant.users) as TestUser[];
      const again = random.pick(users);
      await login(app, again.email, TEST_PASSWORD, tenant.id);
      await expectStatus(
        app.inject({
          method: 'POST',
          url: '/auth/refresh',
          payload: { refreshToken: random.pick(users).refreshToken },
        }),
        200,
      );
      const callers: Caller[] = [
        ...users.map((u) => ({ name: `${u.role}`, headers: bearer(u.accessToken) })),
        ...keys.map((k, n): Caller => {
          const viaHeader = random.next() < 0.5;
          return {
            name: `API key ${n + 1} (${viaHeader ? 'X-API-Key' : 'Bearer'})`,
            headers: viaHeader ? { 'x-api-key': k.key } : bearer(k.key),
          };
        }),
      ];
      await seedWorkflowDomain(app, tenant, webhookUrl);
      await seedPatientDomain(app, tenant);
      worlds.push({ name: `tenant ${i + 1}`, tenant, callers, ids: {} as World['ids'], sent: new Set() });
    }
    try {
      await waitFor(
        'the worker to settle',
        async () =>
          (await settled(
            owner,
            tenants.map((t) => t.id),
          )) &&
          analysesSettled(
            owner,
            tenants.map((t) => t.id),
          ),
        60_000,
      );
    } finally {
      await worker.close();
    }
    for (const w of worlds) w.ids = await idsOf(w.tenant.id);

    const { rows } = await owner.query<{ relname: string; rls: boolean; forced: boolean }>(`
      SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      ORDER BY c.relname`);
    tenantTables = rows.filter((r) => r.forced).map((r) => r.relname);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([owner?.end(), appRole?.end()]);
    await app?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await provider?.close();
  });

  async function expectStatus(response: Promise<{ statusCode: number; body: string }>, status: number) {
    const r = await response;
    if (r.statusCode !== status) throw new Error(`expected ${status}, got ${r.statusCode}: ${r.body}`);
  }

  /** A tenant's ids of every kind, read as the owner. */
  async function idsOf(tenantId: string): Promise<Record<IdKind, string[]>> {
    const column = async (sql: string) => (await owner.query<{ id: string }>(sql, [tenantId])).rows.map((r) => r.id);
    return {
      tenant: [tenantId],
      'member user': await column('SELECT user_id AS id FROM memberships WHERE tenant_id = $1'),
      membership: await column('SELECT id FROM memberships WHERE tenant_id = $1'),
      'api key': await column('SELECT id FROM api_keys WHERE tenant_id = $1'),
      session: await column(
        'SELECT s.id FROM auth_sessions s JOIN memberships m ON m.user_id = s.user_id WHERE m.tenant_id = $1',
      ),
      'audit event': await column('SELECT id FROM audit_log WHERE tenant_id = $1'),
      workflow: await column('SELECT id FROM workflow_sessions WHERE tenant_id = $1'),
      recipient: await column('SELECT id FROM recipients WHERE tenant_id = $1'),
      attachment: await column('SELECT id FROM attachments WHERE tenant_id = $1'),
      webhook: await column('SELECT id FROM webhook_subscriptions WHERE tenant_id = $1'),
      'webhook secret': await column('SELECT id FROM webhook_secrets WHERE tenant_id = $1'),
      'webhook delivery': await column('SELECT id FROM webhook_deliveries WHERE tenant_id = $1'),
      'patient repository': await column('SELECT id FROM patient_repositories WHERE tenant_id = $1'),
      'patient entry': await column('SELECT id FROM patient_entries WHERE tenant_id = $1'),
      'consent grant': await column('SELECT id FROM consent_grants WHERE tenant_id = $1'),
      'identity challenge': await column('SELECT id FROM identity_challenges WHERE tenant_id = $1'),
      analysis: await column('SELECT id FROM patient_analyses WHERE tenant_id = $1'),
    };
  }

  /**
   * Everything of tenant `tenantId`, as the owner sees it: its rows in every tenant-owned table,
   * its registry row and audit chain head, its members' accounts, sessions and refresh tokens.
   * `last_used_at` is left out: the tenant's own earlier requests write it in the background
   * (API keys, throttled, after the answer), which may land while another tenant is acting.
   */
  async function snapshot(tenantId: string): Promise<Record<string, string>> {
    // One statement with a digest per part, since the walks take a snapshot before and after
    // every id they try.
    const members = 'SELECT user_id FROM memberships WHERE tenant_id = $1';
    const digestOf = (label: string, from: string, row = 'to_jsonb(t)') =>
      `SELECT ${owner.escapeLiteral(label)} AS label,
              coalesce(md5(string_agg(${row}::text, E'\\n' ORDER BY ${row}::text)), '') AS digest FROM ${from}`;
    const parts = [
      ...tenantTables.map((table) =>
        digestOf(table, `${q(table)} t WHERE t.tenant_id = $1`, "(to_jsonb(t) - 'last_used_at')"),
      ),
      digestOf('tenant', 'tenants t WHERE t.id = $1'),
      digestOf('chain head', 'audit_chain_heads t WHERE t.chain_key = $1'),
      digestOf('users', `users t WHERE t.id IN (${members})`),
      digestOf('sessions', `auth_sessions t WHERE t.user_id IN (${members})`, "(to_jsonb(t) - 'last_used_at')"),
      digestOf(
        'refresh tokens',
        `refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE s.user_id IN (${members})`,
      ),
    ];
    const { rows } = await owner.query<{ label: string; digest: string }>(parts.join('\nUNION ALL\n'), [tenantId]);
    return Object.fromEntries(rows.map((r) => [r.label, r.digest]));
  }

  /** The parts of a snapshot that differ from `before` (empty when nothing of the tenant changed). */
  async function changedSince(tenantId: string, before: Record<string, string>): Promise<string[]> {
    const after = await snapshot(tenantId);
    return Object.keys(after).filter((label) => after[label] !== before[label]);
  }

  /** Two different tenants, at random: A acts, B's ids are named. */
  function pickPair(): [World, World] {
    const [a, b] = random.shuffle(worlds);
    return [a, b];
  }

  async function call(o: Operation, url: string, caller: Caller, body?: unknown): Promise<Answer> {
    const response = await app.inject({
      method: o.method.toUpperCase() as 'GET',
      url,
      headers: caller.headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, code: problemOf(response.body).code, body: response.body };
  }

  /**
   * Who of tenant `a` makes the calls for one operation and id: its OWNER, who may call every
   * tenant route (so the lookup is reached), and CALLERS_PER_ID - 1 other users or keys at random.
   */
  function someCallers(a: World): Caller[] {
    const ownerCaller = a.callers.find((c) => c.name === 'OWNER')!;
    const others = a.callers.filter((c) => c !== ownerCaller);
    return random.shuffle([ownerCaller, ...random.shuffle(others).slice(0, CALLERS_PER_ID - 1)]);
  }

  /** Ids of other tenants in `text` that `a` never sent. */
  function leaked(a: World, text: string): string[] {
    return worlds
      .filter((w) => w !== a)
      .flatMap((w) => ID_KINDS.flatMap((kind) => w.ids[kind]))
      .filter((id) => text.includes(id) && !a.sent.has(id));
  }

  const bodyOf = (o: Operation, override?: (name: string) => unknown) => exampleBody(doc, o, override);
  /** Values for the operation's required query parameters that are not ids. */
  const requiredQuery = (o: Operation): Record<string, string> =>
    Object.fromEntries(
      paramsIn(o, 'query')
        .filter((p) => p.required && !isIdLike(p.name, p.schema))
        .map((p) => [p.name, plausible(p)]),
    );
  /** The fields a 400 names. */
  const fieldErrors = (body: string): string[] => {
    const errors = (problemOf(body) as { errors?: { field?: string }[] }).errors;
    return Array.isArray(errors) ? errors.map((e) => String(e.field)) : ['(no field errors)'];
  };
  const plausible = (p: Parameter | undefined) => String(exampleValue(doc, p?.schema ?? { type: 'string' }));

  describe('in the database', () => {
    it('forces row-level security on every table with a tenant_id column, except the platform tables listed', async () => {
      const { rows } = await owner.query<{ relname: string; rls: boolean; forced: boolean }>(`
        SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
        ORDER BY c.relname`);
      const unprotected = rows
        .filter((r) => !(r.relname in PLATFORM_TABLES_WITH_TENANT_ID) && !(r.rls && r.forced))
        .map((r) => `${r.relname} (rls ${r.rls}, forced ${r.forced})`);
      expect(unprotected).toEqual([]);
      expect(tenantTables).toEqual(expect.arrayContaining(['memberships', 'api_keys', 'audit_log']));
    });

    it('has rows of every tenant in every tenant-owned table (or this test proves nothing about that table)', async () => {
      const missing: string[] = [];
      for (const table of tenantTables) {
        const { rows } = await owner.query<{ tenant_id: string }>(
          `SELECT DISTINCT tenant_id FROM ${q(table)} WHERE tenant_id = ANY($1::uuid[])`,
          [worlds.map((w) => w.tenant.id)],
        );
        for (const w of worlds) {
          if (!rows.some((r) => r.tenant_id === w.tenant.id)) missing.push(`${table}: no row of ${w.name}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('connects the app as a role that is no superuser, cannot bypass RLS and owns no table', async () => {
      const { rows } = await appRole.query<{ rolsuper: boolean; rolbypassrls: boolean; owned: string }>(`
        SELECT r.rolsuper, r.rolbypassrls,
               (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p'))::text AS owned
        FROM pg_roles r WHERE r.rolname = current_user`);
      expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: '0' }]);
    });

    it('shows the app role no rows of any tenant-owned table while no tenant (or an unknown one) is set', async () => {
      for (const table of tenantTables) {
        const { rows } = await appRole.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${q(table)}`);
        expect({ table, rows: rows[0].n }).toEqual({ table, rows: '0' });
        await appRole.query('BEGIN');
        try {
          await appRole.query("SELECT set_config('app.tenant_id', $1, true)", [randomUUID()]);
          const unknown = await appRole.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${q(table)}`);
          expect({ table, unknownTenant: unknown.rows[0].n }).toEqual({ table, unknownTenant: '0' });
        } finally {
          await appRole.query('ROLLBACK');
        }
      }
    });

    it("shows the app role exactly tenant A's rows while tenant A is set", async () => {
      for (const table of tenantTables) {
        for (const w of worlds) {
          const { rows: truth } = await owner.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM ${q(table)} WHERE tenant_id = $1`,
            [w.tenant.id],
          );
          await appRole.query('BEGIN');
          try {
            await appRole.query("SELECT set_config('app.tenant_id', $1, true)", [w.tenant.id]);
            const { rows } = await appRole.query<{ n: string; other: string }>(
              `SELECT count(*)::text AS n, count(*) FILTER (WHERE tenant_id IS DISTINCT FROM $1)::text AS other FROM ${q(table)}`,
              [w.tenant.id],
            );
            expect({ table, tenant: w.name, ...rows[0] }).toEqual({ table, tenant: w.name, n: truth[0].n, other: '0' });
          } finally {
            await appRole.query('ROLLBACK');
          }
        }
      }
    });

    /** Runs `sql` as the app role with `tenantId` set (or none), always rolled back; the error code or the row count. */
    async function asApp(tenantId: string | null, sql: string, params: unknown[]): Promise<string> {
      await appRole.query('BEGIN');
      try {
        if (tenantId) await appRole.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        const result = await appRole.query(sql, params);
        return `${result.rowCount} rows`;
      } catch (error) {
        return `error ${(error as { code?: string }).code}`;
      } finally {
        await appRole.query('ROLLBACK');
      }
    }

    it("refuses the app role's INSERT of a row for tenant B while tenant A (or no tenant) is set", async () => {
      for (const table of tenantTables) {
        const [a, b] = pickPair();
        const { rows } = await owner.query<{ row: Record<string, unknown> }>(
          `SELECT to_jsonb(t) AS row FROM ${q(table)} t WHERE t.tenant_id = $1 LIMIT 1`,
          [b.tenant.id],
        );
        // A copy of one of B's rows under a new id: only the policy stands in its way.
        const copy = { ...rows[0].row, ...('id' in rows[0].row ? { id: randomUUID() } : {}) };
        const insert = `INSERT INTO ${q(table)} SELECT * FROM jsonb_populate_record(NULL::${q(table)}, $1::jsonb)`;
        expect({ table, as: a.name, outcome: await asApp(a.tenant.id, insert, [copy]) }).toEqual({
          table,
          as: a.name,
          outcome: 'error 42501',
        });
        expect({ table, as: 'no tenant', outcome: await asApp(null, insert, [copy]) }).toEqual({
          table,
          as: 'no tenant',
          outcome: 'error 42501',
        });
      }
    });

    it("lets the app role neither change nor delete tenant B's rows, nor move its own rows to B, while A is set", async () => {
      for (const table of tenantTables) {
        const [a, b] = pickPair();
        const touch = `UPDATE ${q(table)} SET tenant_id = tenant_id WHERE tenant_id = $1`;
        const remove = `DELETE FROM ${q(table)} WHERE tenant_id = $1`;
        const move = `UPDATE ${q(table)} SET tenant_id = $1 WHERE tenant_id = $2`;
        // No privilege (42501) or no visible row: both leave B's rows alone.
        for (const [what, sql] of [
          ['update', touch],
          ['delete', remove],
        ]) {
          const outcome = await asApp(a.tenant.id, sql, [b.tenant.id]);
          expect({ table, what, harmless: ['0 rows', 'error 42501'].includes(outcome), outcome }).toEqual({
            table,
            what,
            harmless: true,
            outcome,
          });
        }
        expect({ table, move: await asApp(a.tenant.id, move, [b.tenant.id, a.tenant.id]) }).toEqual({
          table,
          move: 'error 42501',
        });
      }
    });

    it('refuses UPDATE, DELETE and TRUNCATE of the audit log to the app role (even for its own tenant) and to the owner', async () => {
      const w = random.pick(worlds);
      const id = random.pick(w.ids['audit event']);
      const before = await owner.query('SELECT to_jsonb(e)::text AS row FROM audit_log e WHERE id = $1', [id]);
      for (const sql of [
        "UPDATE audit_log SET action = 'tampered' WHERE id = $1",
        'DELETE FROM audit_log WHERE id = $1',
      ]) {
        expect({ sql, app: await asApp(w.tenant.id, sql, [id]) }).toEqual({ sql, app: 'error 42501' });
        await owner.query('BEGIN');
        try {
          await expect(owner.query(sql, [id])).rejects.toMatchObject({
            code: '42501',
            message: expect.stringContaining('append-only'),
          });
        } finally {
          await owner.query('ROLLBACK');
        }
      }
      expect(await asApp(w.tenant.id, 'TRUNCATE audit_log', [])).toBe('error 42501');
      await owner.query('BEGIN');
      try {
        await expect(owner.query('TRUNCATE audit_log')).rejects.toMatchObject({ code: '42501' });
      } finally {
        await owner.query('ROLLBACK');
      }
      const after = await owner.query('SELECT to_jsonb(e)::text AS row FROM audit_log e WHERE id = $1', [id]);
      expect(after.rows).toEqual(before.rows);
    });
  });

  describe('through the API', () => {
    it(
      'answers 404 to tenant A naming tenant B’s ids in a path, as it does for ids that exist nowhere, and changes nothing of B',
      async () => {
        const withIdPaths = operations.filter(
          (o) =>
            !isPublic(o) && !isPlatformAdminPath(o.path) && paramsIn(o, 'path').some((p) => isIdLike(p.name, p.schema)),
        );
        expect(withIdPaths.length).toBeGreaterThan(0);
        const failures: string[] = [];
        let calls = 0;
        for (const o of withIdPaths) {
          const pathParams = paramsIn(o, 'path');
          const param = (name: string) => pathParams.find((p) => p.name === name);
          let reached = 0;
          for (const kind of ID_KINDS) {
            const [a, b] = pickPair();
            const foreign = random.pick(b.ids[kind]);
            a.sent.add(foreign);
            const before = await snapshot(b.tenant.id);
            for (const caller of someCallers(a)) {
              const body = bodyOf(o);
              const unknownUrl = fillPath(o.path, (n) =>
                isIdLike(n, param(n)?.schema) ? randomUUID() : plausible(param(n)),
              );
              const foreignUrl = fillPath(o.path, (n) =>
                isIdLike(n, param(n)?.schema) ? foreign : plausible(param(n)),
              );
              const query = requiredQuery(o);
              const unknown = await call(o, withQuery(unknownUrl, query), caller, body);
              const answer = await call(o, withQuery(foreignUrl, query), caller, body);
              calls += 2;
              const where = `${o.label} as ${a.name}'s ${caller.name} with ${b.name}'s ${kind} ${foreign}`;
              if (answer.status >= 500) failures.push(`${where}: ${answer.status} ${answer.body}`);
              else if (unknown.status === 404 && isRouteMiss(unknown.body))
                failures.push(`${where}: the filled path ${unknownUrl} matches no route`);
              else if (unknown.status === 400)
                failures.push(`${where}: the walk built an invalid request: ${unknown.body}`);
              else if (unknown.status !== 404 && unknown.status !== 403)
                failures.push(`${where}: an id that exists nowhere answered ${unknown.status} ${unknown.body}`);
              else if (answer.status !== unknown.status || answer.code !== unknown.code)
                failures.push(
                  `${where}: answered ${answer.status} ${answer.code} where an unknown id answers ${unknown.status} ${unknown.code}: ${answer.body}`,
                );
              if (unknown.status === 404) reached++;
              const leaks = leaked(a, answer.body);
              if (leaks.length) failures.push(`${where}: the answer carries other tenants' ids ${leaks.join(', ')}`);
            }
            const changed = await changedSince(b.tenant.id, before);
            if (changed.length)
              failures.push(`${o.label} with ${b.name}'s ${kind}: B's rows changed in ${changed.join(', ')}`);
          }
          // Someone in a tenant (its OWNER at least) may call every non-admin route, so a 404 for an
          // unknown id must have been seen; otherwise the walk never got past authorisation.
          if (!reached) failures.push(`${o.label}: no user or key of any tenant got past authorisation`);
        }
        expect({ seed, calls, failures }).toEqual({ seed, calls, failures: [] });
      },
      WALK_TIMEOUT_MS,
    );

    it(
      'gives tenant B’s ids in bodies and query strings the answer an unknown id gets, and changes nothing of B',
      async () => {
        const withIdInputs = operations.filter(
          (o) =>
            !isPublic(o) &&
            !isPlatformAdminPath(o.path) &&
            !/\{[^}]+\}/.test(o.path) &&
            (idProperties(doc, jsonBodySchema(doc, o)).length > 0 ||
              paramsIn(o, 'query').some((p) => isIdLike(p.name, p.schema))),
        );
        const failures: string[] = [];
        for (const o of withIdInputs) {
          const bodyIds = idProperties(doc, jsonBodySchema(doc, o));
          const queryIds = paramsIn(o, 'query').filter((p) => isIdLike(p.name, p.schema));
          for (const kind of ID_KINDS) {
            const [a, b] = pickPair();
            const foreign = random.pick(b.ids[kind]);
            a.sent.add(foreign);
            const before = await snapshot(b.tenant.id);
            for (const caller of someCallers(a)) {
              const unknownId = randomUUID();
              const request = (id: string) => ({
                url: withQuery(o.path, {
                  ...requiredQuery(o),
                  ...Object.fromEntries(queryIds.map((p) => [p.name, id])),
                }),
                body: bodyOf(o, (name) => (bodyIds.includes(name) ? id : undefined)),
              });
              const u = request(unknownId);
              const f = request(foreign);
              const unknown = await call(o, u.url, caller, u.body);
              const answer = await call(o, f.url, caller, f.body);
              const idNames = [...bodyIds, ...queryIds.map((p) => p.name)];
              const where = `${o.label} as ${a.name}'s ${caller.name} with ${b.name}'s ${kind} ${foreign} in ${idNames.join(', ')}`;
              const invalid = fieldErrors(unknown.body).filter((field) => !idNames.includes(field));
              if (answer.status >= 500) failures.push(`${where}: ${answer.status} ${answer.body}`);
              else if (unknown.status === 400 && invalid.length)
                failures.push(`${where}: the walk built an invalid request (${invalid.join(', ')}): ${unknown.body}`);
              else if (answer.status !== unknown.status || answer.code !== unknown.code)
                failures.push(
                  `${where}: answered ${answer.status} ${answer.code} where an unknown id answers ${unknown.status} ${unknown.code}: ${answer.body}`,
                );
              const leaks = leaked(a, answer.body);
              if (leaks.length) failures.push(`${where}: the answer carries other tenants' ids ${leaks.join(', ')}`);
            }
            const changed = await changedSince(b.tenant.id, before);
            if (changed.length)
              failures.push(`${o.label} with ${b.name}'s ${kind}: B's rows changed in ${changed.join(', ')}`);
          }
        }
        expect({ seed, failures }).toEqual({ seed, failures: [] });
      },
      WALK_TIMEOUT_MS,
    );

    // Asking for a tenant is not reading one of its resources: a user naming a tenant they do not
    // belong to is told it is unavailable (403 TENANT_UNAVAILABLE), exactly as for a tenant id that
    // does not exist, so the answer says nothing about B either.
    it('answers 403 TENANT_UNAVAILABLE to switching to, or signing in to, tenant B, as for a tenant that does not exist', async () => {
      const [a, b] = pickPair();
      const user = random.pick(Object.values(a.tenant.users) as TestUser[]);
      for (const tenantId of [b.tenant.id, randomUUID()]) {
        const switched = await app.inject({
          method: 'POST',
          url: '/auth/switch-tenant',
          payload: { tenantId },
          headers: bearer(user.accessToken),
        });
        expect({ tenantId, status: switched.statusCode, code: switched.json().code }).toEqual({
          tenantId,
          status: 403,
          code: 'TENANT_UNAVAILABLE',
        });
        const signedIn = await app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: user.email, password: TEST_PASSWORD, tenantId },
        });
        expect({ tenantId, status: signedIn.statusCode, code: signedIn.json().code }).toEqual({
          tenantId,
          status: 403,
          code: 'TENANT_UNAVAILABLE',
        });
      }
    });

    it('never shows a tenant’s users or keys another tenant’s ids in any list or read they may call', async () => {
      const reads = operations.filter(
        (o) => o.method === 'get' && !isPublic(o) && !isPlatformAdminPath(o.path) && !o.path.includes('{'),
      );
      expect(reads.length).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const a of worlds) {
        for (const o of reads) {
          for (const caller of a.callers) {
            const answer = await call(o, withQuery(o.path, { limit: '100' }), caller);
            const where = `${o.label} as ${a.name}'s ${caller.name}`;
            if (answer.status >= 500) failures.push(`${where}: ${answer.status} ${answer.body}`);
            const leaks = leaked(a, answer.body);
            if (leaks.length) failures.push(`${where}: carries other tenants' ids ${leaks.join(', ')}`);
          }
        }
      }
      expect({ seed, failures }).toEqual({ seed, failures: [] });
    });

    // Platform administrators see every tenant, so cross-tenant ids mean nothing there; what
    // matters is that no tenant user or key gets in.
    it('refuses every platform-admin operation to every tenant user and API key with 403', async () => {
      const adminOps = operations.filter((o) => !isPublic(o) && isPlatformAdminPath(o.path));
      expect(adminOps.length).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const o of adminOps) {
        const [a, b] = pickPair();
        for (const caller of a.callers) {
          const url = fillPath(o.path, () => random.pick([b.tenant.id, a.tenant.id, randomUUID()]));
          const answer = await call(o, url, caller, bodyOf(o));
          if (answer.status !== 403)
            failures.push(`${o.label} (${url}) as ${a.name}'s ${caller.name}: ${answer.status} ${answer.body}`);
        }
      }
      expect({ seed, failures }).toEqual({ seed, failures: [] });
    });
  });
});
