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
   * The live entries for several analysers' reads in one prepared statement (the worker's batch of
   * analyses, in the PgTransaction of PatientRecordAccess.readEach; with `commit` the transaction
   * commits in the same round trip): each read's live entries of its categories, oldest first;
   * `undefined` reads (refused) read nothing. Decrypted per read after the statement,
   * so an entry that cannot be decrypted fails its own reads only (their error, in their place).
   */
  async readLiveMany(
    tx: PgTransaction,
    reads: ({ repositoryId: string; categories: readonly EntryCategory[] } | undefined)[],
    options: { commit?: boolean } = {},
  ): Promise<({ ok: true; value: DecryptedEntry[] } | { ok: false; error: unknown })[]> {
    const wanted = reads.flatMap((read, n) =>
      read && read.categories.length > 0 ? [{ n, repository_id: read.repositoryId, categories: read.categories }] : [],
    );
    const byRead = new Map<number, EntryRow[]>();
    if (wanted.length > 0) {
      const rows = await tx.query<EntryRow & { n: number }>(
        `SELECT r.n, e.id, e.category, e.version, e.data, e.created_at AS "createdAt", e.updated_at AS "updatedAt"
           FROM jsonb_to_recordset($1::jsonb) AS r(n int, repository_id uuid, categories text[])
           JOIN patient_entries e
             ON e.repository_id = r.repository_id AND e.category = ANY(r.categories::"RecordCategory"[])
            AND e.deleted_at IS NULL
          WHERE e.repository_id = ANY($2::uuid[])
          ORDER BY r.n, e.created_at, e.id`,
        // The records again as an array: the planner then finds their entries by index, whatever it guesses of the recordset.
        [JSON.stringify(wanted), [...new Set(wanted.map((w) => w.repository_id))]],
        options,
      );
      for (const row of rows) {
        let list = byRead.get(row.n);
        if (!list) byRead.set(row.n, (list = []));
        list.push(row);
      }
    }
    // With nothing to read (every read refused) the transaction commits as its unit of work ends.
    return reads.map((_, n) => {
      try {
        return { ok: true, value: (byRead.get(n) ?? []).map((row) => this.decrypt(row)) };
      } catch (error) {
        return { ok: false, error };
      }
    });
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
