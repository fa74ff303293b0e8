import { Injectable } from '@nestjs/common';
import type { Tx } from '@itinera/prisma';
import { entryAad, RecordCipher } from '../records/record-cipher';
import type { DecryptedEntry, EntryCategory } from './entry-content';

/**
 * The live entries of a record, decrypted, for readers that need the content (the FHIR export, the
 * analysers). Callers obtain `tx` from PatientRecordAccess.read, so the consent check and the
 * access-log entry come first.
 */
@Injectable()
export class PatientEntryReader {
  constructor(private readonly cipher: RecordCipher) {}

  async readLive(tx: Tx, repositoryId: string, categories: readonly EntryCategory[]): Promise<DecryptedEntry[]> {
    if (categories.length === 0) return [];
    const rows = await tx.patientEntry.findMany({
      where: { repositoryId, category: { in: [...categories] }, deletedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, category: true, version: true, data: true, createdAt: true, updatedAt: true },
    });
    return rows.map((row) => ({
      id: row.id,
      category: row.category as EntryCategory,
      version: row.version,
      content: this.cipher.open(row.data, entryAad(row.id, row.version)),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    }));
  }
}
