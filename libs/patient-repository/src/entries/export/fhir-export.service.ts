import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig, encodeCursor, TimeIdCursor, validationFailed } from '@itinera/platform';
import type { Tx } from '@itinera/prisma';
import { PatientRecordAccess } from '../../access/patient-record-access.service';
import { RECORD_CATEGORIES, type AccessActor } from '../../access/record-access.types';
import { personalInfoAad, RecordCipher } from '../../records/record-cipher';
import type { EntryCategory } from '../entry-content';
import { PatientEntryReader } from '../patient-entry.reader';
import type { ExportRecordQuery } from './dto/export-record.query';
import type { FhirBundleEntry, FhirBundleResponse } from './dto/fhir-bundle.response';
import { entryResource, patientResource, type FhirResource, type StoredPersonalInfo } from './fhir-resources';

/**
 * The record as FHIR R4 Bundles, one page at a time. Each page is a read like any other: through
 * PatientRecordAccess (action EXPORT, logged and audited), so a specialist exports what their live
 * grant covers (everything covered when no categories are named; a named one not covered is 403).
 * Entries page by the keyset (createdAt, id), oldest first; the Patient comes on the first page only.
 */
@Injectable()
export class FhirExportService {
  constructor(
    private readonly access: PatientRecordAccess,
    private readonly reader: PatientEntryReader,
    private readonly cipher: RecordCipher,
    private readonly config: AppConfig,
  ) {}

  async export(actor: AccessActor, repositoryId: string, query: ExportRecordQuery): Promise<FhirBundleResponse> {
    const maxPage = this.config.get('PATIENT_EXPORT_PAGE_SIZE', { infer: true });
    if (query.limit !== undefined && query.limit > maxPage) {
      throw validationFailed([{ field: 'limit', message: `must not be greater than ${maxPage}` }]);
    }
    const limit = query.limit ?? maxPage;
    const position = TimeIdCursor.decode(query.cursor);
    const request = {
      repositoryId,
      action: 'EXPORT' as const,
      categories: query.categories ?? RECORD_CATEGORIES,
      partial: query.categories === undefined,
    };
    return this.access.read(actor, request, async (tx, access) => {
      const entryCategories = access.categories.filter((c): c is EntryCategory => c !== 'PERSONAL_INFO');
      const entries = await this.reader.readPage(tx, repositoryId, entryCategories, position, limit + 1);
      const page = entries.slice(0, limit);
      const next = entries.length > limit ? TimeIdCursor.cursorOf(page[page.length - 1]) : undefined;
      const patient =
        !position && access.categories.includes('PERSONAL_INFO') ? await this.patient(tx, repositoryId) : undefined;
      const paged = position !== undefined || next !== undefined;
      const bundleEntry = (resource: FhirResource, mode: 'match' | 'include'): FhirBundleEntry => ({
        fullUrl: `urn:uuid:${resource.id}`,
        resource,
        ...(paged ? { search: { mode } } : {}),
      });
      const link = (relation: 'self' | 'next', cursor?: string) => ({
        relation,
        url: this.pageUrl(repositoryId, query, cursor),
      });
      return {
        resourceType: 'Bundle',
        id: randomUUID(),
        type: paged ? 'searchset' : 'collection',
        timestamp: new Date().toISOString(),
        ...(paged ? { link: [link('self', query.cursor), ...(next ? [link('next', encodeCursor(next))] : [])] } : {}),
        entry: [
          ...(patient ? [bundleEntry(patient, 'include')] : []),
          ...page.map((entry) => bundleEntry(entryResource(repositoryId, entry), 'match')),
        ],
      };
    });
  }

  private async patient(tx: Tx, repositoryId: string): Promise<FhirResource | undefined> {
    const repository = await tx.patientRepository.findUnique({
      where: { id: repositoryId },
      select: { personalInfo: true },
    });
    if (!repository?.personalInfo) return undefined;
    const info = this.cipher.open<StoredPersonalInfo>(repository.personalInfo, personalInfoAad(repositoryId));
    return patientResource(repositoryId, info);
  }

  private pageUrl(repositoryId: string, query: ExportRecordQuery, cursor?: string): string {
    const params = new URLSearchParams();
    if (query.categories) params.set('categories', query.categories.join(','));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (cursor) params.set('cursor', cursor);
    const search = params.toString();
    return `/patient-repositories/${repositoryId}/export${search ? `?${search}` : ''}`;
  }
}
