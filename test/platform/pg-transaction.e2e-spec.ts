import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pgTransaction, PrismaService } from '@itinera/prisma';
import { startApi } from '../support/test-apps';
import { asOwner } from '../support/identity-fixtures';

/**
 * pgTransaction: a tenant-scoped transaction of prepared statements on PrismaService's pool. Its
 * pool has one connection here, so every call below reuses the same connection and its prepared
 * statements, including after errors and rollbacks.
 */
describe('tenant-scoped transactions of prepared statements (pgTransaction)', () => {
  let app: NestFastifyApplication;
  let prisma: PrismaService;
  const tenants: string[] = [];
  const keyName = `pg-tx ${Date.now()}`;

  beforeAll(async () => {
    app = await startApi({ DATABASE_POOL_SIZE: '1' });
    prisma = app.get(PrismaService);
    await asOwner(async (db) => {
      for (const name of ['alpha', 'beta']) {
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO tenants (name, domain) VALUES ($1::text, $1::text || '-' || substr(md5(random()::text), 1, 8)) RETURNING id`,
          [name],
        );
        tenants.push(rows[0].id);
      }
    });
  });
  afterAll(() => app.close());

  const insertKey = (name: string) => ({
    text: `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes)
           VALUES (app_current_tenant(), $1, substr(translate(md5(random()::text), '0189', 'abcd'), 1, 12), '\\x00', '{read}')
           RETURNING id`,
    values: [name],
  });
  const keysNamed = async (name: string) =>
    asOwner(
      async (db) =>
        (await db.query<{ tenant_id: string }>('SELECT tenant_id FROM api_keys WHERE name = $1', [name])).rows,
    );

  it("commits its statements (deferred ones too) in the scope's tenant, and sees that tenant's rows only", async () => {
    const [alpha, beta] = tenants;
    const name = `${keyName} commit`;
    const seen = await pgTransaction(
      prisma,
      async (tx) => {
        tx.defer(insertKey(name));
        const [first, second] = await tx.batch([
          insertKey(name),
          { text: 'SELECT count(*)::int AS n FROM api_keys WHERE name = $1', values: [name] },
        ]);
        expect(first).toHaveLength(1);
        return second[0].n;
      },
      { tenantId: alpha },
    );
    expect(seen).toBe(2);
    expect(await keysNamed(name)).toEqual([{ tenant_id: alpha }, { tenant_id: alpha }]);
    const fromBeta = await pgTransaction(
      prisma,
      (tx) => tx.query('SELECT count(*)::int AS n FROM api_keys WHERE name = $1', [name]),
      { tenantId: beta },
    );
    expect(fromBeta).toEqual([{ n: 0 }]);
  });

  it('commits with the last statement when asked to (one round trip), and refuses a statement after it', async () => {
    const name = `${keyName} last`;
    await pgTransaction(
      prisma,
      async (tx) => {
        await tx.query(insertKey(name).text, insertKey(name).values, { commit: true });
        await expect(tx.query('SELECT 1')).rejects.toThrow(/after the commit/);
      },
      { tenantId: tenants[0] },
    );
    expect(await keysNamed(name)).toHaveLength(1);
  });

  it('rolls back everything when the work throws, and when a deferred statement fails; the connection keeps working', async () => {
    const name = `${keyName} rollback`;
    await expect(
      pgTransaction(
        prisma,
        async (tx) => {
          await tx.query(insertKey(name).text, insertKey(name).values);
          throw new Error('the work failed');
        },
        { tenantId: tenants[0] },
      ),
    ).rejects.toThrow('the work failed');
    await expect(
      pgTransaction(
        prisma,
        async (tx) => {
          await tx.query(insertKey(name).text, insertKey(name).values);
          tx.defer({ text: 'SELECT $1::int', values: ['not a number'] });
        },
        { tenantId: tenants[0] },
      ),
    ).rejects.toMatchObject({ code: '22P02' });
    await expect(
      pgTransaction(prisma, (tx) => tx.query('SELEC nonsense'), { tenantId: tenants[0] }),
    ).rejects.toMatchObject({ code: '42601' });
    expect(await keysNamed(name)).toEqual([]);
    // Same connection (pool of one): no transaction left open, no scope left behind.
    const { rows } = await prisma.query<{ tenant: string | null; open: boolean }>(
      "SELECT current_setting('app.tenant_id', true) AS tenant, now() <> statement_timestamp() AS open",
    );
    expect(rows[0]).toEqual({ tenant: '', open: false });
    expect(await pgTransaction(prisma, (tx) => tx.query('SELECT $1::int AS n', [7]), { tenantId: tenants[0] })).toEqual(
      [{ n: 7 }],
    );
  });

  it('refuses a write into another tenant (row-level security) and needs a scope', async () => {
    const name = `${keyName} rls`;
    await expect(
      pgTransaction(
        prisma,
        (tx) =>
          tx.query(
            `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes) VALUES ($1, $2, 'abcdabcdabcd', '\\x00', '{read}')`,
            [tenants[1], name],
          ),
        { tenantId: tenants[0] },
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(pgTransaction(prisma, (tx) => tx.query('SELECT 1'))).rejects.toThrow(/no tenant/);
  });

  it("offers services that take Prisma's tx the raw-statement calls, in the same transaction", async () => {
    const name = `${keyName} raw`;
    const count = await pgTransaction(
      prisma,
      async (tx) => {
        const inserted = await tx.raw.$executeRawUnsafe(insertKey(name).text, ...insertKey(name).values);
        expect(inserted).toBe(1);
        const rows = await tx.raw.$queryRawUnsafe<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM api_keys WHERE name = $1',
          name,
        );
        return rows[0].n;
      },
      { tenantId: tenants[0] },
    );
    expect(count).toBe(1);
  });
});
