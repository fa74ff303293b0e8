import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditService } from '@itinera/audit';
import { RequestContext } from '@itinera/platform';
import { pgTransaction, PrismaService } from '@itinera/prisma';
import { createApiApp } from '../../apps/api/src/api-app';
import { testEnvironment } from '../support/test-apps';
import { insertTenant, runAuditVerify, withClient } from './audit-entries';

/**
 * AuditService.statementFor: several entries as one statement that a caller sends itself (in a
 * PgTransaction, with its COMMIT), written exactly as `record` writes them one by one, chained in order.
 */
describe('audit entries as one statement', () => {
  let api: NestFastifyApplication;

  beforeAll(async () => {
    api = await createApiApp(testEnvironment());
    await api.init();
  });
  afterAll(() => api.close());

  it('writes the entries in order, with the context, chained and sealed like single entries', async () => {
    const tenantId = await insertTenant('statement');
    const audit = api.get(AuditService);
    const prisma = api.get(PrismaService);
    const context = {
      tenantId,
      requestId: 'req-statement-1',
      actor: { type: 'USER' as const, id: 'user-1' },
      ip: '198.51.100.4',
      userAgent: 'jest',
    };
    await RequestContext.run(context, () =>
      pgTransaction(prisma, async (tx) => {
        const statement = audit.statementFor([
          { action: 'thing.created', resourceType: 'thing', resourceId: 't1', after: { name: 'one' } },
          {
            action: 'thing.updated',
            resourceType: 'thing',
            resourceId: 't1',
            before: { name: 'one' },
            after: { name: 'two' },
          },
          { action: 'thing.flagged', resourceType: 'thing', resourceId: 't1', metadata: { reason: 'test' } },
        ]);
        await tx.query(statement.text, statement.values, { commit: true });
      }),
    );
    await RequestContext.run(context, () =>
      prisma.tenantTransaction((tx) =>
        audit.record(tx, { action: 'thing.deleted', resourceType: 'thing', resourceId: 't1', before: { name: 'two' } }),
      ),
    );

    const rows = await withClient(process.env.DIRECT_DATABASE_URL!, async (client) => {
      const { rows } = await client.query(
        `SELECT seq, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata,
                host(ip) AS ip, user_agent, request_id
           FROM audit_log WHERE tenant_id = $1 ORDER BY seq`,
        [tenantId],
      );
      return rows;
    });
    const common = {
      actor_type: 'USER',
      actor_id: 'user-1',
      resource_type: 'thing',
      resource_id: 't1',
      ip: '198.51.100.4',
      user_agent: 'jest',
      request_id: 'req-statement-1',
    };
    expect(rows).toEqual([
      { ...common, seq: '1', action: 'thing.created', before: null, after: { name: 'one' }, metadata: null },
      { ...common, seq: '2', action: 'thing.updated', before: { name: 'one' }, after: { name: 'two' }, metadata: null },
      { ...common, seq: '3', action: 'thing.flagged', before: null, after: null, metadata: { reason: 'test' } },
      { ...common, seq: '4', action: 'thing.deleted', before: { name: 'two' }, after: null, metadata: null },
    ]);
    const verified = await runAuditVerify(['--tenant', tenantId]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/intact \(4 entries\)/);
  });
});
