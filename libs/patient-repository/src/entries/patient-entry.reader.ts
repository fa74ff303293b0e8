import { Injectable } from '@nestjs/common';
import { TimeIdCursor, type TimeIdPosition } from '@itinera/platform';
import type { PgTransaction, Tx } from '@itinera/prisma';
import { entryAad, RecordCipher } from '../records/record-cipher';
import type { DecryptedEntry, EntryCategory } from './entry-content';

interface EntryRow {
  id: string;
  category: string;
  version: number;
  data: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The live entries of a record, decrypted, for readers that need the content (the FHIR export, the
 * analysers). Callers obtain `tx` from PatientRecordAccess.read, so the consent check and the
 * access-log entry come first.
 */
@Injectable()
export class PatientEntryReader {
  constructor(private readonly cipher: RecordCipher) {}

  /**
   * One page of the live entries of `categories`, oldest first by (createdAt, id) after `position`:
   * a keyset, so pages stay stable however large the record (the FHIR export pages with it).
   * Fetch `limit + 1` to learn whether another page follows.
   */
  async readPage(
    tx: Tx,
    repositoryId: string,
    categories: readonly EntryCategory[],
    position: TimeIdPosition | undefined,
    take: number,
  ): Promise<DecryptedEntry[]> {
    if (categories.length === 0) return [];
    const rows = await tx.patientEntry.findMany({
      where: {
        repositoryId,
        category: { in: [...categories] },
        deletedAt: null,
        ...TimeIdCursor.after(position, 'asc'),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true, category: true, version: true, data: true, createdAt: true, updatedAt: true },
    });
    return rows.map((row) => this.decrypt(row));
  }

  /**
   * Every live entry of `categories`, oldest first, for an analyser: one prepared statement in the
   * PgTransaction of PatientRecordAccess.readPg; with `commit` the transaction commits in the same
   * round trip (the read is the last statement of the unit of work).
   */
  async readLive(
    tx: PgTransaction,
    repositoryId: string,
    categories: readonly EntryCategory[],
    options: { commit?: boolean } = {},
  ): Promise<DecryptedEntry[]> {
    if (categories.length === 0) return [];
    const rows = await tx.query<EntryRow>(
      `SELECT id, category, version, data, created_at AS "createdAt", updated_at AS "updatedAt"
         FROM patient_entries
        WHERE repository_id = $1::uuid AND category = ANY($2::"RecordCategory"[]) AND deleted_at IS NULL
        ORDER BY created_at, id`,
      [repositoryId, categories],
      options,
    );
    return rows.map((row) => this.decrypt(row));
  }

  private decrypt(row: EntryRow): DecryptedEntry {
    return {
      id: row.id,
      category: row.category as EntryCategory,
      version: row.version,
      content: this.cipher.open(row.data, entryAad(row.id, row.version)),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }
}
