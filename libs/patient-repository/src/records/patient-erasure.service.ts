import { Injectable } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import { PrismaService } from '@itinera/prisma';
import { recordNotFound } from '../patient-repository.errors';

/** What an erasure removed, by table (counts only). */
export interface ErasureCounts {
  entries: number;
  challenges: number;
  grants: number;
  analyses: number;
}

/**
 * A tenant admin erases a repository for good, in one transaction: its entries (their versions
 * cascade), identity challenges, consent grants and analyses (their findings cascade) are deleted,
 * and the row becomes a tombstone without personal information, identity hash or key id (the
 * table's CHECK requires exactly that shape for ERASED). The PHI access log, the audit log and the
 * analysis runs and costs keep their rows, which carry ids only. The identity hash and the
 * patient's slot are free again, so the same person may be registered anew.
 */
@Injectable()
export class PatientErasureService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  async erase(erasedBy: string, repositoryId: string): Promise<ErasureCounts> {
    return this.prisma.tenantTransaction(async (tx) => {
      // FOR UPDATE waits for reads in flight (the consent check holds FOR SHARE) and makes any
      // later one find the tombstone.
      const [repository] = await tx.$queryRaw<{ status: string; patient_user_id: string }[]>`
        SELECT status, patient_user_id FROM patient_repositories WHERE id = ${repositoryId}::uuid FOR UPDATE`;
      if (!repository || repository.status === 'ERASED') throw recordNotFound();
      const counts: ErasureCounts = {
        entries: await tx.$executeRaw`DELETE FROM patient_entries WHERE repository_id = ${repositoryId}::uuid`,
        challenges: await tx.$executeRaw`DELETE FROM identity_challenges WHERE repository_id = ${repositoryId}::uuid`,
        grants: await tx.$executeRaw`DELETE FROM consent_grants WHERE repository_id = ${repositoryId}::uuid`,
        analyses: await tx.$executeRaw`DELETE FROM patient_analyses WHERE repository_id = ${repositoryId}::uuid`,
      };
      await tx.$executeRaw`
        UPDATE patient_repositories
           SET status = 'ERASED', personal_info = NULL, identity_hash = NULL, key_id = NULL,
               erased_at = now(), erased_by = ${erasedBy}::uuid, updated_at = now()
         WHERE id = ${repositoryId}::uuid`;
      await this.audit.record(tx, {
        action: 'patient-repository.erased',
        resourceType: 'patient-repository',
        resourceId: repositoryId,
        before: { status: repository.status, patientUserId: repository.patient_user_id },
        after: { status: 'ERASED' },
        metadata: { deleted: counts },
      });
      return counts;
    });
  }
}
