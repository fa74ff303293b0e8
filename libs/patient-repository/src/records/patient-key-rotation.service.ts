import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import { RequestContext } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { entryAad, personalInfoAad, RecordCipher } from './record-cipher';

/** Rows re-encrypted per table per transaction. */
export const DEFAULT_REENCRYPT_BATCH_SIZE = 500;

/** How many values one tenant (or the whole run) moved to the newest key, per table. */
export interface ReencryptionCounts {
  repositories: number;
  entries: number;
  entryVersions: number;
}

export interface ReencryptionResult extends ReencryptionCounts {
  keyId: string;
  tenants: { tenantId: string; counts: ReencryptionCounts }[];
}

/** One table's stale ciphertexts and how each row's associated data is built. */
interface StaleTable {
  name: keyof ReencryptionCounts;
  select: string;
  update: string;
  aad: (row: StaleRow) => string;
}

interface StaleRow {
  id: string;
  data: string;
  entry_id?: string;
  version?: number;
}

const TABLES: StaleTable[] = [
  {
    name: 'repositories',
    select: `SELECT id, personal_info AS data FROM patient_repositories
              WHERE key_id IS NOT NULL AND key_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    update: `UPDATE patient_repositories t SET personal_info = v.data, key_id = $3
               FROM unnest($1::uuid[], $2::text[]) AS v(id, data) WHERE t.id = v.id`,
    aad: (row) => personalInfoAad(row.id),
  },
  {
    name: 'entries',
    select: `SELECT id, data, version FROM patient_entries
              WHERE key_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    update: `UPDATE patient_entries t SET data = v.data, key_id = $3
               FROM unnest($1::uuid[], $2::text[]) AS v(id, data) WHERE t.id = v.id`,
    aad: (row) => entryAad(row.id, row.version!),
  },
  {
    name: 'entryVersions',
    select: `SELECT id, data, entry_id, version FROM patient_entry_versions
              WHERE key_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    update: `UPDATE patient_entry_versions t SET data = v.data, key_id = $3
               FROM unnest($1::uuid[], $2::text[]) AS v(id, data) WHERE t.id = v.id`,
    aad: (row) => entryAad(row.entry_id!, row.version!),
  },
];

const TABLE_NAMES: Record<keyof ReencryptionCounts, string> = {
  repositories: 'patient_repositories',
  entries: 'patient_entries',
  entryVersions: 'patient_entry_versions',
};

/**
 * Moves every personal information and entry ciphertext that is not under the key ring's newest
 * key to it (after a new key is appended to ENCRYPTION_KEYS). The tenants with stale values come
 * from a SECURITY DEFINER lookup; each tenant's work runs in its own scope, in bounded batches, each
 * batch one transaction that locks its rows with FOR UPDATE SKIP LOCKED (rows being changed right
 * now are left to the next run; the change seals them under the newest key anyway) and rewrites
 * them with one set-based UPDATE. Content and associated data are unchanged, so reads return the
 * same values, and updated_at stays as it was (nothing the patient wrote changed). A second run
 * finds nothing to do. One audit entry per tenant gives the counts.
 */
@Injectable()
export class PatientKeyRotation {
  private readonly logger = new Logger(PatientKeyRotation.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly cipher: RecordCipher,
    private readonly audit: AuditService,
  ) {}

  async run(options: { batchSize?: number } = {}): Promise<ReencryptionResult> {
    const batchSize = options.batchSize ?? DEFAULT_REENCRYPT_BATCH_SIZE;
    const keyId = this.cipher.currentKeyId;
    const tenants = await this.prisma.$queryRaw<{ tenant_id: string }[]>`
      SELECT tenant_id FROM patient_tenants_with_due_work('reencrypt', now(), ${keyId}) ORDER BY tenant_id`;
    const result: ReencryptionResult = { keyId, repositories: 0, entries: 0, entryVersions: 0, tenants: [] };
    const context = { requestId: RequestContext.get('requestId'), actor: RequestContext.get('actor') };
    for (const { tenant_id: tenantId } of tenants) {
      const counts = await RequestContext.run({ ...context, tenantId }, () => this.reencryptTenant(keyId, batchSize));
      result.tenants.push({ tenantId, counts });
      for (const name of Object.keys(counts) as (keyof ReencryptionCounts)[]) result[name] += counts[name];
    }
    this.logger.log(
      {
        keyId,
        tenants: tenants.length,
        repositories: result.repositories,
        entries: result.entries,
        entryVersions: result.entryVersions,
      },
      'patient records re-encrypted',
    );
    return result;
  }

  private async reencryptTenant(keyId: string, batchSize: number): Promise<ReencryptionCounts> {
    const counts: ReencryptionCounts = { repositories: 0, entries: 0, entryVersions: 0 };
    for (const table of TABLES) {
      for (;;) {
        const moved = await this.prisma.tenantTransaction((tx) => this.reencryptBatch(tx, table, keyId, batchSize), {
          timeoutMs: 60_000,
        });
        counts[table.name] += moved;
        // Fewer than a full batch: nothing left, or the rest is locked by a change in flight.
        if (moved < batchSize) break;
      }
    }
    if (counts.repositories + counts.entries + counts.entryVersions > 0) {
      await this.prisma.tenantTransaction((tx) =>
        this.audit.record(tx, {
          action: 'patient-records.reencrypted',
          resourceType: 'tenant',
          resourceId: RequestContext.get('tenantId'),
          metadata: { keyId, ...counts },
        }),
      );
    }
    return counts;
  }

  private async reencryptBatch(tx: Tx, table: StaleTable, keyId: string, batchSize: number): Promise<number> {
    const rows = await tx.$queryRawUnsafe<StaleRow[]>(table.select, keyId, batchSize);
    if (rows.length === 0) return 0;
    const data = rows.map((row) => {
      try {
        return this.cipher.reseal(row.data, table.aad(row)).ciphertext;
      } catch {
        // The table and the row id only: never anything of the value.
        throw new Error(
          `${TABLE_NAMES[table.name]} row ${row.id} cannot be decrypted with ENCRYPTION_KEYS (is its key still in the ring?)`,
        );
      }
    });
    await tx.$executeRawUnsafe(
      table.update,
      rows.map((row) => row.id),
      data,
      keyId,
    );
    return rows.length;
  }
}
