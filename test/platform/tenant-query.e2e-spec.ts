import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PrismaService } from '@itinera/prisma';
import { RequestContext } from '@itinera/platform';
import { startApi } from '../support/test-apps';
import { asOwner } from '../support/identity-fixtures';

/**
 * prisma.tenantQuery: the scope and the statement in one round trip as prepared statements. Its
 * pool has one connection here, so every call below reuses the same connection and its
 * prepared statements, including after errors.
 */
describe('tenant-scoped statements in one round trip (tenantQuery)', () => {
  let app: NestFastifyApplication;
  let prisma: PrismaService;
  const tenants: { id: string; keyId: string }[] = [];

  beforeAll(async () => {
    app = await startApi({ DATABASE_POOL_SIZE: '1' });
    prisma = app.get(PrismaService);
    await asOwner(async (db) => {
      for (const name of ['alpha', 'beta']) {
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO tenants (name, domain) VALUES ($1::text, $1::text || '-' || substr(md5(random()::text), 1, 8)) RETURNING id`,
          [name],
        );
        const key = await db.query<{ id: string }>(
          `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes)
           VALUES ($1, $2, substr(translate(md5(random()::text), '0189', 'abcd'), 1, 12), '\\x00', '{read}') RETURNING id`,
          [rows[0].id, `O'Reilly's key ${name}`],
        );
        tenants.push({ id: rows[0].id, keyId: key.rows[0].id });
      }
    });
  });
  afterAll(() => app.close());

  const read = (id: string) =>
    prisma.tenantQuery<{ id: string; name: string }>('SELECT id, name FROM api_keys WHERE id = $1', [id]);

  it("sees the scope's rows only, with values bound (quotes and all)", async () => {
    const [alpha, beta] = tenants;
    await RequestContext.run({ tenantId: alpha.id }, async () => {
      expect(await read(alpha.keyId)).toEqual([{ id: alpha.keyId, name: "O'Reilly's key alpha" }]);
      expect(await read(beta.keyId)).toEqual([]);
      const byName = await prisma.tenantQuery('SELECT id FROM api_keys WHERE name = $1', ["O'Reilly's key alpha"]);
      expect(byName).toHaveLength(1);
    });
    expect(await prisma.tenantQuery('SELECT count(*)::int AS n FROM api_keys', [], { tenantId: beta.id })).toEqual([
      { n: 1 },
    ]);
  });

  it('leaves nothing behind on the connection: the scope ends with the statement', async () => {
    await prisma.tenantQuery('SELECT 1', [], { tenantId: tenants[0].id });
    const { rows } = await prisma.query<{ tenant: string | null; visible: number }>(
      "SELECT current_setting('app.tenant_id', true) AS tenant, (SELECT count(*)::int FROM api_keys) AS visible",
    );
    expect(rows[0]).toEqual({ tenant: '', visible: 0 });
  });

  it('refuses a write into another tenant, and keeps working after errors of every kind', async () => {
    const [alpha, beta] = tenants;
    await expect(
      prisma.tenantQuery('UPDATE api_keys SET tenant_id = $1 WHERE id = $2', [beta.id, alpha.keyId], {
        tenantId: alpha.id,
      }),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(prisma.tenantQuery('SELEC nonsense', [], { tenantId: alpha.id })).rejects.toMatchObject({
      code: '42601',
    });
    await expect(prisma.tenantQuery('SELECT $1::int', ['not a number'], { tenantId: alpha.id })).rejects.toMatchObject({
      code: '22P02',
    });
    await RequestContext.run({ tenantId: alpha.id }, async () => {
      expect(await read(alpha.keyId)).toHaveLength(1);
    });
  });

  it('needs a scope', async () => {
    await expect(prisma.tenantQuery('SELECT 1')).rejects.toThrow(/no tenant/);
  });
});
