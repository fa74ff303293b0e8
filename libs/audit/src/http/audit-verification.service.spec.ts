import { AuditVerificationService } from './audit-verification.service';
import type { AuditChainRow, AuditLogRepository } from './audit-log.repository';

const tenantId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A registry of `count` tenants (ids in order); tenant `broken` has a changed entry. */
function fakeRepository(count: number, broken?: number) {
  const afters: (string | null)[] = [];
  const repository = {
    verifyPlatform: jest.fn(async () => null),
    verifyTenantsAfter: jest.fn(async (after: string | null, limit: number): Promise<AuditChainRow[]> => {
      afters.push(after);
      const ids = Array.from({ length: count }, (_, i) => tenantId(i + 1)).filter((id) => after === null || id > after);
      return ids.slice(0, limit).map((id) => ({
        tenantId: id,
        mismatch:
          id === tenantId(broken ?? -1) ? { id: 'e1', seq: '7', problem: 'content does not match its hash' } : null,
      }));
    }),
  };
  return { afters, service: new AuditVerificationService(repository as unknown as AuditLogRepository) };
}

describe('AuditVerificationService.verifyAll', () => {
  it('walks the whole registry in batches, the platform chain first, tenants in id order', async () => {
    const { service, afters } = fakeRepository(120);
    const report = await service.verifyAll();
    expect(report.intact).toBe(true);
    expect(report.chains).toHaveLength(121);
    expect(report.chains[0]).toEqual({ tenantId: null, intact: true, firstMismatch: null });
    expect(report.chains.slice(1).map((c) => c.tenantId)).toEqual(
      Array.from({ length: 120 }, (_, i) => tenantId(i + 1)),
    );
    expect(afters).toEqual([null, tenantId(50), tenantId(100)]);
  });

  it('stops after a full last batch with one more (empty) read', async () => {
    const { service, afters } = fakeRepository(100);
    expect((await service.verifyAll()).chains).toHaveLength(101);
    expect(afters).toEqual([null, tenantId(50), tenantId(100)]);
  });

  it('reports a broken chain and the whole run as not intact', async () => {
    const { service } = fakeRepository(60, 55);
    const report = await service.verifyAll();
    expect(report.intact).toBe(false);
    expect(report.chains.filter((c) => !c.intact)).toEqual([
      {
        tenantId: tenantId(55),
        intact: false,
        firstMismatch: { id: 'e1', seq: '7', problem: 'content does not match its hash' },
      },
    ]);
  });
});
