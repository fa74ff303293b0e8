import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RecipientType } from '@prisma/client';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
// The library does not export its form validator; the test checks the seed's forms with the very same one.
// eslint-disable-next-line no-restricted-imports
import { RecipientFormValidator } from '../../libs/recipients/src/forms/recipient-form.validator';
import { demoLinkToken } from '../../prisma/seeds/workflows';
import { startApi } from '../support/test-apps';
import { withClient } from '../support/test-databases';

const ROOT = path.join(__dirname, '..', '..');
const KEYS = ['active-new', 'active-midway', 'completed', 'cancelled', 'declined', 'expired'];

function seed() {
  return spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'db', 'seed'], {
    cwd: ROOT,
    env: process.env,
    encoding: 'utf8',
  });
}

const owner = <T>(work: Parameters<typeof withClient<T>>[1]) => withClient(process.env.DIRECT_DATABASE_URL!, work);

interface SessionState {
  domain: string;
  key: string;
  status: string;
  cancel_reason: string | null;
  finished: boolean;
  total: number;
  completed: number;
  current: number;
  recipients: string[];
  counted_total: number;
  counted_completed: number;
  counted_current: number;
  audit: string[];
}

/** Every demo session with its recipients' statuses, its counters, the counts from the rows, and its audit actions. */
function sessions(): Promise<SessionState[]> {
  return owner(async (client) => {
    const { rows } = await client.query<SessionState>(
      `SELECT t.domain, s.metadata->>'key' AS key, s.status, s.cancel_reason, s.finished_at IS NOT NULL AS finished,
              s.total_recipients AS total, s.completed_recipients AS completed, s.current_recipient_order AS current,
              (SELECT array_agg(r.status::text ORDER BY r.order_index) FROM recipients r WHERE r.session_id = s.id) AS recipients,
              (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id) AS counted_total,
              (SELECT count(*)::int FROM recipients r WHERE r.session_id = s.id AND r.status = 'COMPLETED') AS counted_completed,
              (SELECT coalesce(min(r.order_index) FILTER (WHERE r.status <> 'COMPLETED'), count(*))::int
                 FROM recipients r WHERE r.session_id = s.id) AS counted_current,
              (SELECT array_agg(a.action ORDER BY a.seq) FROM audit_log a
                WHERE a.tenant_id = s.tenant_id AND a.resource_type = 'workflow' AND a.resource_id = s.id::text) AS audit
         FROM workflow_sessions s JOIN tenants t ON t.id = s.tenant_id
        ORDER BY t.domain, s.created_at`,
    );
    return rows;
  });
}

describe('npm run db:seed: demo workflows', () => {
  let app: NestFastifyApplication;
  let output: string;
  let afterFirst: SessionState[];

  beforeAll(async () => {
    const run = seed();
    expect(run.status).toBe(0);
    output = run.stdout;
    afterFirst = await sessions();
    app = await startApi();
  }, 120_000);
  afterAll(() => app?.close());

  it('creates, for each demo tenant, a four-recipient workflow in every state, with counters equal to the rows', () => {
    const domains = [...new Set(afterFirst.map((s) => s.domain))].sort();
    expect(domains).toEqual(['acme-clinic', 'globex-health', 'initech-care']);
    for (const domain of domains) {
      const own = Object.fromEntries(afterFirst.filter((s) => s.domain === domain).map((s) => [s.key, s]));
      expect(Object.keys(own).sort()).toEqual([...KEYS].sort());
      expect(own['active-new']).toMatchObject({ status: 'ACTIVE', finished: false, completed: 0, current: 0 });
      expect(own['active-new'].recipients).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING']);
      expect(own['active-midway']).toMatchObject({ status: 'ACTIVE', completed: 2, current: 2 });
      expect(own['active-midway'].recipients.slice(0, 2)).toEqual(['COMPLETED', 'COMPLETED']);
      expect(own.completed).toMatchObject({ status: 'COMPLETED', finished: true, completed: 4, current: 4 });
      expect(own.cancelled).toMatchObject({ status: 'CANCELLED', finished: true, cancel_reason: expect.any(String) });
      expect(own.declined).toMatchObject({ status: 'CANCELLED', finished: true });
      expect(own.declined.recipients).toContain('DECLINED');
      expect(own.declined.cancel_reason).toMatch(/^declined by recipient 1: /);
      expect(own.expired).toMatchObject({ status: 'EXPIRED', finished: true });
      expect(own.expired.recipients.filter((r) => ['PENDING', 'ACCESSED', 'IN_PROGRESS'].includes(r))).toEqual([]);
      for (const s of Object.values(own)) {
        expect([s.total, s.completed, s.current]).toEqual([s.counted_total, s.counted_completed, s.counted_current]);
        expect(s.total).toBe(4);
        expect(s.audit[0]).toBe('workflow.created');
      }
      expect(own.completed.audit).toEqual(['workflow.created', 'workflow.completed']);
      expect(own.expired.audit).toEqual(['workflow.created', 'workflow.expired']);
    }
  });

  it('routes PRESCRIBER, PATIENT, PHARMACY, INSURANCE, and every completed form passes its validation', async () => {
    const rows = await owner(async (client) => {
      const result = await client.query<{ recipient_type: RecipientType; order_index: number; form_data: object }>(
        `SELECT recipient_type, order_index, form_data FROM recipients WHERE status = 'COMPLETED'`,
      );
      const types = await client.query<{ route: string }>(
        `SELECT DISTINCT string_agg(recipient_type::text, ',' ORDER BY order_index) AS route FROM recipients GROUP BY session_id`,
      );
      return { completed: result.rows, routes: types.rows.map((r) => r.route) };
    });
    expect(rows.routes).toEqual(['PRESCRIBER,PATIENT,PHARMACY,INSURANCE']);
    expect(new Set(rows.completed.map((r) => r.recipient_type))).toEqual(
      new Set(['PRESCRIBER', 'PATIENT', 'PHARMACY', 'INSURANCE']),
    );
    const validator = new RecipientFormValidator();
    for (const r of rows.completed) {
      expect(
        await validator.errorsOf({
          type: r.recipient_type,
          formData: r.form_data as Record<string, unknown>,
          draft: false,
        }),
      ).toEqual([]);
    }
  });

  it('prints working links of the ACTIVE workflows; links of finished ones are dead', async () => {
    const links = [...output.matchAll(/\/r\/([a-z2-7]{32})/g)].map((m) => m[1]);
    expect(links).toHaveLength(6); // two ACTIVE workflows in each of three tenants
    for (const token of links) {
      const view = await app.inject({ method: 'GET', url: `/r/${token}` });
      expect(view.statusCode).toBe(200);
      expect(view.json()).toMatchObject({
        verificationRequired: false,
        workflow: { status: 'ACTIVE', yourTurn: true, total: 4 },
      });
    }
    // The midway link is the pharmacy's (2 of 4 done); the new one the prescriber's.
    const types = await Promise.all(
      links.map(async (token) => (await app.inject({ method: 'GET', url: `/r/${token}` })).json().recipient.type),
    );
    expect(new Set(types)).toEqual(new Set(['PRESCRIBER', 'PHARMACY']));
    const expiredTokenHash = await owner(async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM recipients r JOIN workflow_sessions s ON s.id = r.session_id
          WHERE s.status <> 'ACTIVE' AND s.status <> 'COMPLETED' AND r.token_hash = ANY (
            SELECT sha256(convert_to(t, 'UTF8')) FROM unnest($1::text[]) t)`,
        [links],
      );
      return rows[0].n;
    });
    expect(expiredTokenHash).toBe(0);
    // The same derivation gives the links of the other workflows: finished ones answer the dead-link
    // 404, a COMPLETED one stays viewable read-only.
    for (const [key, orderIndex] of [
      ['expired', 1],
      ['cancelled', 1],
      ['declined', 2],
    ] as const) {
      const dead = await app.inject({ method: 'GET', url: `/r/${demoLinkToken('acme-clinic', key, orderIndex)}` });
      expect(dead.statusCode).toBe(404);
    }
    const done = await app.inject({ method: 'GET', url: `/r/${demoLinkToken('acme-clinic', 'completed', 0)}` });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ workflow: { status: 'COMPLETED', yourTurn: false } });
  });

  it('is idempotent: seeding again changes nothing and prints the same links', async () => {
    const again = seed();
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('workflows: 0 created');
    const linksOf = (text: string) => [...text.matchAll(/\/r\/([a-z2-7]{32})/g)].map((m) => m[1]);
    expect(linksOf(again.stdout)).toEqual(linksOf(output));
    // The first run's views marked the links ACCESSED; apart from that, nothing moved.
    const afterSecond = await sessions();
    const strip = (list: SessionState[]) =>
      list.map((s) => ({
        ...s,
        recipients: s.recipients.map((r) => (r === 'ACCESSED' ? 'PENDING' : r)),
        audit: s.audit.filter((a) => a !== 'recipient.viewed'),
      }));
    expect(strip(afterSecond)).toEqual(strip(afterFirst));
    const chains = await owner(async (client) => {
      const { rows } = await client.query<{ problems: number }>(
        `SELECT count(*)::int AS problems FROM tenants t, LATERAL audit_log_verify(t.id)`,
      );
      return rows[0].problems;
    });
    expect(chains).toBe(0);
  });
});
