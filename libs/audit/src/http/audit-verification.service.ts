import { Injectable } from '@nestjs/common';
import { AuditLogRepository, type AuditMismatchRow } from './audit-log.repository';
import type {
  AuditChainVerificationResponse,
  AuditMismatchResponse,
  PlatformAuditVerificationResponse,
  TenantAuditVerificationResponse,
} from './dto/audit-verification.response';

/** Tenants verified per statement in a platform-wide run (each statement reads those tenants' whole chains). */
const TENANTS_PER_STATEMENT = 50;

const toMismatch = (row: AuditMismatchRow | null): AuditMismatchResponse | null =>
  row ? { id: row.id, seq: row.seq, problem: row.problem } : null;

/**
 * Checks the audit log's hash chains with the database's audit_log_verify(): each entry's hash
 * must be SHA-256(previous hash || its content), seqs must follow without gaps, and the chain's
 * head must match its last entry. It reports the first entry of a chain that does not.
 */
@Injectable()
export class AuditVerificationService {
  constructor(private readonly repository: AuditLogRepository) {}

  async verifyTenant(tenantId: string): Promise<TenantAuditVerificationResponse> {
    const checkedAt = new Date();
    const mismatch = await this.repository.verifyTenant(tenantId);
    return { intact: mismatch === null, checkedAt, firstMismatch: toMismatch(mismatch) };
  }

  /**
   * The platform chain, then every tenant of the registry in id order (tenants with no entries
   * too). Chains of tenants that were deleted from the registry are out of the app's sight (row-level
   * security); `npm run audit:verify`, run as the owner, covers those as well.
   */
  async verifyAll(): Promise<PlatformAuditVerificationResponse> {
    const checkedAt = new Date();
    const chains: AuditChainVerificationResponse[] = [];
    const platform = await this.repository.verifyPlatform();
    chains.push({ tenantId: null, intact: platform === null, firstMismatch: toMismatch(platform) });
    let after: string | null = null;
    for (;;) {
      const batch = await this.repository.verifyTenantsAfter(after, TENANTS_PER_STATEMENT);
      for (const chain of batch) {
        chains.push({
          tenantId: chain.tenantId,
          intact: chain.mismatch === null,
          firstMismatch: toMismatch(chain.mismatch),
        });
      }
      if (batch.length < TENANTS_PER_STATEMENT) break;
      after = batch[batch.length - 1].tenantId;
    }
    return { intact: chains.every((c) => c.intact), checkedAt, chains };
  }
}
