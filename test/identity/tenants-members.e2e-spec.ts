import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { startApi } from '../support/test-apps';
import {
  asOwner,
  createApiKey,
  createPlatformAdmin,
  createTenant,
  register,
  type TestUser,
} from '../support/identity-fixtures';
import { call, expectProblem, expectStatus, expectUnauthenticated, type Method } from './identity-http';

describe('tenants and their members', () => {
  let app: NestFastifyApplication;
  let admin: TestUser;

  beforeAll(async () => {
    app = await startApi();
    admin = await createPlatformAdmin(app);
  });
  afterAll(() => app.close());

  const domain = () => `acme-${randomBytes(4).toString('hex')}`;
  const asAdmin = (method: Method, url: string, body?: unknown) =>
    call(app, method, url, body, { token: admin.accessToken });
  const tenantAudit = async (tenantId: string) => {
    const { rows } = await asOwner((c) =>
      c.query('SELECT action, actor_id, resource_id, before, after FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [
        tenantId,
      ]),
    );
    return rows;
  };

  describe('the tenant registry (platform admins)', () => {
    it('creates, reads, updates and deactivates a tenant, auditing each change in its own chain', async () => {
      const slug = domain();
      const created = await asAdmin('POST', '/admin/tenants', {
        name: 'Acme Health',
        domain: slug.toUpperCase(),
        plan: 'PRO',
        metadata: { region: 'eu' },
      });
      const tenant = expectStatus(created, 201).json();
      expect(tenant).toMatchObject({
        id: expect.any(String),
        name: 'Acme Health',
        domain: slug,
        plan: 'PRO',
        active: true,
        metadata: { region: 'eu' },
        deactivatedAt: null,
      });
      expect(expectStatus(await asAdmin('GET', `/admin/tenants/${tenant.id}`), 200).json()).toEqual(tenant);

      const updated = await asAdmin('PATCH', `/admin/tenants/${tenant.id}`, {
        name: 'Acme Care',
        plan: 'ENTERPRISE',
        metadata: { region: 'us' },
      });
      expect(expectStatus(updated, 200).json()).toMatchObject({
        name: 'Acme Care',
        plan: 'ENTERPRISE',
        domain: slug,
        metadata: { region: 'us' },
      });
      const deactivated = await asAdmin('POST', `/admin/tenants/${tenant.id}/deactivate`);
      expect(expectStatus(deactivated, 200).json()).toMatchObject({ active: false, deactivatedAt: expect.any(String) });

      const audit = await tenantAudit(tenant.id);
      expect(audit.map((r) => r.action)).toEqual(['tenant.created', 'tenant.updated', 'tenant.deactivated']);
      expect(audit[1]).toMatchObject({ before: { name: 'Acme Health' }, after: { name: 'Acme Care' } });
      expect(audit.every((r) => r.actor_id === admin.userId)).toBe(true);
    });

    it('lists tenants newest first in cursor pages, and filters by plan and state', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await asAdmin('POST', '/admin/tenants', {
          name: `Listed ${i}`,
          domain: domain(),
          plan: 'ENTERPRISE',
        });
        ids.push(expectStatus(res, 201).json().id);
      }
      await asAdmin('POST', `/admin/tenants/${ids[0]}/deactivate`);

      const seen: { id: string; createdAt: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await asAdmin('GET', `/admin/tenants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        const { data, page } = expectStatus(res, 200).json();
        expect(data.length).toBeLessThanOrEqual(2);
        expect(page.limit).toBe(2);
        seen.push(...data);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
      expect(seen.map((t) => t.id)).toEqual(expect.arrayContaining(ids));
      const times = seen.map((t) => Date.parse(t.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      // Newest first: the last created of the three comes before the first.
      expect(seen.findIndex((t) => t.id === ids[2])).toBeLessThan(seen.findIndex((t) => t.id === ids[0]));

      const inactive = expectStatus(await asAdmin('GET', '/admin/tenants?plan=ENTERPRISE&active=false&limit=100'), 200);
      expect(inactive.json().data.map((t: { id: string }) => t.id)).toContain(ids[0]);
      expect(
        inactive.json().data.every((t: { active: boolean; plan: string }) => !t.active && t.plan === 'ENTERPRISE'),
      ).toBe(true);
      const active = expectStatus(await asAdmin('GET', '/admin/tenants?plan=ENTERPRISE&active=true&limit=100'), 200);
      expect(active.json().data.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([ids[1], ids[2]]));
      expect(active.json().data.map((t: { id: string }) => t.id)).not.toContain(ids[0]);

      expectProblem(await asAdmin('GET', '/admin/tenants?cursor=not-a-cursor'), 400, 'INVALID_CURSOR');
      expectProblem(await asAdmin('GET', '/admin/tenants?limit=0'), 400, 'VALIDATION_FAILED');
      expectProblem(await asAdmin('GET', '/admin/tenants?plan=GOLD'), 400, 'VALIDATION_FAILED');
    });

    it('refuses a taken domain with 409 and bad input with 400 naming the field', async () => {
      const taken = domain();
      expectStatus(await asAdmin('POST', '/admin/tenants', { name: 'First', domain: taken }), 201);
      expectProblem(await asAdmin('POST', '/admin/tenants', { name: 'Second', domain: taken }), 409, 'DOMAIN_TAKEN');
      expectProblem(await asAdmin('POST', '/admin/tenants', { name: 'Third', domain: taken.toUpperCase() }), 409);
      const other = expectStatus(
        await asAdmin('POST', '/admin/tenants', { name: 'Other', domain: domain() }),
        201,
      ).json();
      expectProblem(await asAdmin('PATCH', `/admin/tenants/${other.id}`, { domain: taken }), 409, 'DOMAIN_TAKEN');

      for (const [body, field] of [
        [{ name: 'x', domain: '-leading-hyphen' }, 'domain'],
        [{ name: 'x', domain: 'under_score' }, 'domain'],
        [{ name: 'x', domain: 'with space' }, 'domain'],
        [{ name: 'x', domain: 'a'.repeat(101) }, 'domain'],
        [{ name: 'x', domain: "x'; DROP TABLE tenants; --" }, 'domain'],
        [{ name: '', domain: domain() }, 'name'],
        [{ name: 'x', domain: domain(), plan: 'GOLD' }, 'plan'],
        [{ name: 'x', domain: domain(), metadata: ['not', 'an', 'object'] }, 'metadata'],
        [{ name: 'x', domain: domain(), metadata: { blob: 'x'.repeat(20_000) } }, 'metadata'],
        [{ name: 'x', domain: domain(), ownerEmail: 'nobody-registered@example.test' }, 'ownerEmail'],
        [{ name: 'x', domain: domain(), active: false }, 'active'],
      ] as const) {
        const problem = expectProblem(await asAdmin('POST', '/admin/tenants', body), 400);
        expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
      // null is not "absent": every field refuses it by name (it used to reach Prisma and answer 500).
      const nullPlan = await asAdmin('POST', '/admin/tenants', { name: 'x', domain: domain(), plan: null });
      expect(expectProblem(nullPlan, 400).errors).toEqual([expect.objectContaining({ field: 'plan' })]);
      for (const field of ['name', 'domain', 'plan', 'metadata', 'active']) {
        const problem = expectProblem(await asAdmin('PATCH', `/admin/tenants/${other.id}`, { [field]: null }), 400);
        expect(new Set(problem.errors.map((e: { field: string }) => e.field))).toEqual(new Set([field]));
      }
      // An update does not take an owner (that is POST /tenant/members): refused, not silently ignored.
      const withOwner = await asAdmin('PATCH', `/admin/tenants/${other.id}`, { ownerEmail: admin.email });
      expect(expectProblem(withOwner, 400).errors).toEqual([{ field: 'ownerEmail', message: 'is not allowed' }]);
      expect(expectStatus(await asAdmin('GET', `/admin/tenants/${other.id}`), 200).json()).toMatchObject({
        name: 'Other',
        active: true,
      });

      expectProblem(await asAdmin('GET', '/admin/tenants/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
      expectProblem(await asAdmin('GET', '/admin/tenants/not-a-uuid'), 400);
      expectProblem(await asAdmin('PATCH', '/admin/tenants/00000000-0000-4000-8000-000000000000', { name: 'y' }), 404);
      expectProblem(await asAdmin('POST', '/admin/tenants/00000000-0000-4000-8000-000000000000/deactivate'), 404);
    });

    it('is for platform admins only: 403 for tenant users, however powerful, and 401 without credentials', async () => {
      const tenant = await createTenant(app, admin, ['OWNER']);
      const owner = { token: tenant.users.OWNER!.accessToken };
      expectProblem(await call(app, 'GET', '/admin/tenants', undefined, owner), 403, 'FORBIDDEN');
      expectProblem(await call(app, 'GET', `/admin/tenants/${tenant.id}`, undefined, owner), 403, 'FORBIDDEN');
      expectProblem(
        await call(app, 'POST', '/admin/tenants', { name: 'x', domain: domain() }, owner),
        403,
        'FORBIDDEN',
      );
      expectProblem(await call(app, 'PATCH', `/admin/tenants/${tenant.id}`, { plan: 'ENTERPRISE' }, owner), 403);
      expectProblem(await call(app, 'POST', `/admin/tenants/${tenant.id}/deactivate`, undefined, owner), 403);
      const { key } = await createApiKey(app, tenant, ['read', 'write']);
      expectProblem(await call(app, 'GET', '/admin/tenants', undefined, { headers: { 'x-api-key': key } }), 403);
      expectUnauthenticated(await call(app, 'GET', '/admin/tenants'));
      expectUnauthenticated(await call(app, 'POST', `/admin/tenants/${tenant.id}/deactivate`));
      expect(expectStatus(await asAdmin('GET', `/admin/tenants/${tenant.id}`), 200).json().plan).toBe('BASIC');
    });
  });

  describe('members', () => {
    const members = (token: string, method: Method = 'GET', path = '', body?: unknown) =>
      call(app, method, `/tenant/members${path}`, body, { token });

    it('lets the OWNER add members and an ADMIN change roles, auditing each change', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN']);
      const owner = tenant.users.OWNER!.accessToken;
      const adminToken = tenant.users.ADMIN!.accessToken;
      const newcomer = await register(app);

      const added = await members(owner, 'POST', '', { email: newcomer.email.toUpperCase(), role: 'MEMBER' });
      expect(expectStatus(added, 201).json()).toMatchObject({
        userId: newcomer.userId,
        email: newcomer.email,
        role: 'MEMBER',
      });
      expectProblem(await members(owner, 'POST', '', { email: newcomer.email, role: 'VIEWER' }), 409, 'CONFLICT');
      const unknown = await members(owner, 'POST', '', { email: 'not-registered@example.test', role: 'MEMBER' });
      expect(expectProblem(unknown, 400).errors).toEqual([expect.objectContaining({ field: 'email' })]);
      expectProblem(
        await members(owner, 'POST', '', { email: newcomer.email, role: 'KING' }),
        400,
        'VALIDATION_FAILED',
      );

      const changed = await members(adminToken, 'PATCH', `/${newcomer.userId}`, { role: 'MANAGER' });
      expect(expectStatus(changed, 200).json()).toMatchObject({ userId: newcomer.userId, role: 'MANAGER' });

      const list = expectStatus(await members(adminToken), 200).json();
      expect(list.data.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
        [tenant.users.OWNER!.userId, 'OWNER'],
        [tenant.users.ADMIN!.userId, 'ADMIN'],
        [newcomer.userId, 'MANAGER'],
      ]);
      const firstPage = expectStatus(await members(adminToken, 'GET', '?limit=2'), 200).json();
      expect(firstPage.data).toHaveLength(2);
      const secondPage = await members(adminToken, 'GET', `?limit=2&cursor=${firstPage.page.nextCursor}`);
      expect(
        expectStatus(secondPage, 200)
          .json()
          .data.map((m: { userId: string }) => m.userId),
      ).toEqual([newcomer.userId]);

      const audit = (await tenantAudit(tenant.id)).filter((r) => r.action.startsWith('membership.'));
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'membership.created',
            resource_id: newcomer.userId,
            actor_id: tenant.users.OWNER!.userId,
            after: { userId: newcomer.userId, role: 'MEMBER' },
          }),
          expect.objectContaining({
            action: 'membership.role_changed',
            resource_id: newcomer.userId,
            actor_id: tenant.users.ADMIN!.userId,
            before: { role: 'MEMBER' },
            after: { role: 'MANAGER' },
          }),
        ]),
      );
    });

    it('lets only an OWNER grant, take away or remove OWNER (403 for an ADMIN)', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN', 'MEMBER']);
      const owner = tenant.users.OWNER!;
      const adminToken = tenant.users.ADMIN!.accessToken;
      const member = tenant.users.MEMBER!;
      const stranger = await register(app);

      expectProblem(
        await members(adminToken, 'POST', '', { email: stranger.email, role: 'OWNER' }),
        403,
        'OWNER_REQUIRED',
      );
      expectProblem(await members(adminToken, 'PATCH', `/${member.userId}`, { role: 'OWNER' }), 403, 'OWNER_REQUIRED');
      expectProblem(await members(adminToken, 'PATCH', `/${owner.userId}`, { role: 'ADMIN' }), 403, 'OWNER_REQUIRED');
      expectProblem(await members(adminToken, 'DELETE', `/${owner.userId}`), 403, 'OWNER_REQUIRED');

      expectStatus(await members(owner.accessToken, 'PATCH', `/${member.userId}`, { role: 'OWNER' }), 200);
      // The new OWNER's existing token carries the new role at once.
      expectStatus(await members(member.accessToken), 200);
      expectStatus(await members(member.accessToken, 'PATCH', `/${owner.userId}`, { role: 'ADMIN' }), 200);
      // The former OWNER is an ADMIN now, and the role is read afresh: no more say over OWNERs.
      expect(
        expectStatus(await call(app, 'GET', '/auth/me', undefined, { token: owner.accessToken }), 200).json()
          .activeRole,
      ).toBe('ADMIN');
      expectProblem(
        await members(owner.accessToken, 'PATCH', `/${member.userId}`, { role: 'ADMIN' }),
        403,
        'OWNER_REQUIRED',
      );
      expect((await tenantAudit(tenant.id)).filter((r) => r.action === 'membership.role_changed')).toHaveLength(2);
    });

    it('keeps the last OWNER: demoting or removing them answers 409', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN']);
      const owner = tenant.users.OWNER!;
      expectProblem(
        await members(owner.accessToken, 'PATCH', `/${owner.userId}`, { role: 'ADMIN' }),
        409,
        'OWNER_REQUIRED',
      );
      expectProblem(await members(owner.accessToken, 'DELETE', `/${owner.userId}`), 409, 'OWNER_REQUIRED');
      const list = expectStatus(await members(owner.accessToken), 200).json();
      expect(list.data.find((m: { userId: string }) => m.userId === owner.userId).role).toBe('OWNER');
    });

    it('keeps one OWNER when two OWNERs demote each other at the same time', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'ADMIN']);
      const [first, second] = [tenant.users.OWNER!, tenant.users.ADMIN!];
      expectStatus(await members(first.accessToken, 'PATCH', `/${second.userId}`, { role: 'OWNER' }), 200);
      const answers = await Promise.all([
        members(first.accessToken, 'PATCH', `/${second.userId}`, { role: 'ADMIN' }),
        members(second.accessToken, 'PATCH', `/${first.userId}`, { role: 'ADMIN' }),
      ]);
      // They deadlock on each other's rows; the retried loser then finds itself the last OWNER (409),
      // or, had it been authenticated after the winner committed, is no OWNER any more (403).
      const [won, lost] = answers.map((a) => a.statusCode).sort();
      expect([won, [403, 409].includes(lost)]).toEqual([200, true]);
      const { rows } = await asOwner((c) =>
        c.query("SELECT count(*)::int AS owners FROM memberships WHERE tenant_id = $1 AND role = 'OWNER'", [tenant.id]),
      );
      expect(rows[0].owners).toBe(1);
    });

    it('refuses VIEWERs and MEMBERs every member route with 403', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'MEMBER', 'VIEWER']);
      const target = tenant.users.MEMBER!.userId;
      const someone = await register(app);
      for (const role of ['VIEWER', 'MEMBER'] as const) {
        const token = tenant.users[role]!.accessToken;
        expectProblem(await members(token), 403, 'FORBIDDEN');
        expectProblem(await members(token, 'POST', '', { email: someone.email, role: 'VIEWER' }), 403, 'FORBIDDEN');
        expectProblem(await members(token, 'PATCH', `/${target}`, { role: 'VIEWER' }), 403, 'FORBIDDEN');
        expectProblem(await members(token, 'DELETE', `/${target}`), 403, 'FORBIDDEN');
      }
      const denied = await asOwner((c) =>
        c.query("SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'access.denied'", [
          tenant.id,
        ]),
      );
      expect(denied.rows[0].n).toBeGreaterThanOrEqual(8);
    });

    it('answers 404 for members and keys of another tenant, and changes nothing there', async () => {
      const mine = await createTenant(app, admin, ['OWNER']);
      const theirs = await createTenant(app, admin, ['OWNER', 'MEMBER']);
      const owner = mine.users.OWNER!.accessToken;
      const victim = theirs.users.MEMBER!.userId;
      expectProblem(await members(owner, 'PATCH', `/${victim}`, { role: 'ADMIN' }), 404, 'NOT_FOUND');
      expectProblem(await members(owner, 'DELETE', `/${victim}`), 404, 'NOT_FOUND');
      const theirKey = await createApiKey(app, theirs);
      expectProblem(await call(app, 'GET', `/api-keys/${theirKey.id}`, undefined, { token: owner }), 404, 'NOT_FOUND');
      expectProblem(
        await call(app, 'DELETE', `/api-keys/${theirKey.id}`, undefined, { token: owner }),
        404,
        'NOT_FOUND',
      );
      const { rows } = await asOwner((c) =>
        c.query('SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2', [theirs.id, victim]),
      );
      expect(rows).toEqual([{ role: 'MEMBER' }]);
      const key = await asOwner((c) => c.query('SELECT revoked_at FROM api_keys WHERE id = $1', [theirKey.id]));
      expect(key.rows[0].revoked_at).toBeNull();
    });

    it('ends a removed member’s access to the tenant at once', async () => {
      const tenant = await createTenant(app, admin, ['OWNER', 'MEMBER']);
      const member = tenant.users.MEMBER!;
      expectStatus(await call(app, 'GET', '/tenant', undefined, { token: member.accessToken }), 200);
      expectStatus(await members(tenant.users.OWNER!.accessToken, 'DELETE', `/${member.userId}`), 204);
      expectUnauthenticated(await call(app, 'GET', '/tenant', undefined, { token: member.accessToken }));
      expectProblem(await members(tenant.users.OWNER!.accessToken, 'DELETE', `/${member.userId}`), 404);
      const audit = await tenantAudit(tenant.id);
      expect(audit).toContainEqual(
        expect.objectContaining({
          action: 'membership.deleted',
          resource_id: member.userId,
          before: { role: 'MEMBER' },
        }),
      );
    });
  });
});
