import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntryChange } from '@prisma/client';
import {
  decodeCursor,
  RequestContext,
  TimeIdCursor,
  toPage,
  type CursorValues,
  type Page,
  type PageQueryDto,
} from '@itinera/platform';
import type { Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { PatientRecordAccess } from '../access/patient-record-access.service';
import type { AccessActor } from '../access/record-access.types';
import { entryAad, RecordCipher } from '../records/record-cipher';
import type { EntryCategory } from './entry-content';
import type { EntryCategoryDefinition } from './entry-categories';
import { entryNotFound, versionConflict } from './entry.errors';

/** An entry as the API answers it. */
export interface EntryView {
  id: string;
  repositoryId: string;
  category: EntryCategory;
  version: number;
  content: unknown;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface EntryVersionView {
  version: number;
  change: EntryChange;
  changedBy: string;
  changedAt: Date;
  content: unknown;
}

interface EntryRow {
  id: string;
  repositoryId: string;
  category: string;
  version: number;
  data: string;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface LockedEntryRow {
  id: string;
  version: number;
  data: string;
  deleted_at: Date | null;
}

const isVersionCursor = (v: CursorValues): v is [number] =>
  v.length === 1 && typeof v[0] === 'number' && Number.isSafeInteger(v[0]) && v[0] >= 0;

/**
 * Clinical entries of every category, one implementation: writes go through PatientRecordAccess.write
 * (the record's verified patient only) and reads through PatientRecordAccess.read (the consent check
 * and the access-log entry come first). Content is stored only as ciphertext bound to the entry and
 * its version, in the entry row and in a version row written in the same transaction; each change
 * is audited with ids, category and version, never content.
 */
@Injectable()
export class PatientEntriesService {
  constructor(
    private readonly access: PatientRecordAccess,
    private readonly cipher: RecordCipher,
    private readonly audit: AuditService,
  ) {}

  create(
    actor: AccessActor,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    body: object,
  ): Promise<EntryView> {
    const content = definition.toContent(body);
    return this.access.write(actor, repositoryId, async (tx) => {
      // The id is chosen here because the ciphertext is bound to it.
      const id = randomUUID();
      const sealed = this.cipher.seal(content, entryAad(id, 1));
      const row = await tx.patientEntry.create({
        data: {
          id,
          tenantId: this.tenantId(),
          repositoryId,
          category: definition.category,
          version: 1,
          data: sealed.ciphertext,
          keyId: sealed.keyId,
          createdBy: actor.id,
          updatedBy: actor.id,
        },
      });
      await this.recordVersion(tx, id, 1, 'CREATED', sealed, actor.id);
      await this.auditChange(tx, 'created', row.id, definition.category, repositoryId, 1);
      return this.view(row, content);
    });
  }

  async list(
    actor: AccessActor,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    query: PageQueryDto,
  ): Promise<Page<EntryView>> {
    const position = TimeIdCursor.decode(query.cursor);
    return this.access.read(actor, { repositoryId, action: 'LIST', categories: [definition.category] }, async (tx) => {
      const rows = await tx.patientEntry.findMany({
        where: {
          repositoryId,
          category: definition.category,
          deletedAt: null,
          ...TimeIdCursor.after(position, 'desc'),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      return toPage(rows, query.limit, TimeIdCursor.cursorOf, (row) => this.view(row));
    });
  }

  async get(
    actor: AccessActor,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    entryId: string,
  ): Promise<EntryView> {
    const request = { repositoryId, action: 'READ' as const, categories: [definition.category], resourceId: entryId };
    // Not found is answered after the read commits, so the access log keeps the attempt.
    const view = await this.access.read(actor, request, async (tx) => {
      const row = await tx.patientEntry.findFirst({
        where: { id: entryId, repositoryId, category: definition.category, deletedAt: null },
      });
      return row ? this.view(row) : null;
    });
    if (!view) throw entryNotFound(definition.noun);
    return view;
  }

  update(
    actor: AccessActor,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    entryId: string,
    body: object,
    expectedVersion: number | undefined,
  ): Promise<EntryView> {
    const content = definition.toContent(body);
    return this.access.write(actor, repositoryId, async (tx) => {
      const current = await this.lockLiveEntry(tx, repositoryId, definition, entryId, expectedVersion);
      const version = current.version + 1;
      const sealed = this.cipher.seal(content, entryAad(entryId, version));
      const row = await tx.patientEntry.update({
        where: { id: entryId },
        data: { version, data: sealed.ciphertext, keyId: sealed.keyId, updatedBy: actor.id, updatedAt: new Date() },
      });
      await this.recordVersion(tx, entryId, version, 'UPDATED', sealed, actor.id);
      await this.auditChange(tx, 'updated', entryId, definition.category, repositoryId, version, current.version);
      return this.view(row, content);
    });
  }

  /** Soft deletion: the entry leaves lists and reads, and its history gains a DELETED version. */
  remove(
    actor: AccessActor,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    entryId: string,
    expectedVersion: number | undefined,
  ): Promise<void> {
    return this.access.write(actor, repositoryId, async (tx) => {
      const current = await this.lockLiveEntry(tx, repositoryId, definition, entryId, expectedVersion);
      const version = current.version + 1;
      // The last content stays readable in the history, re-sealed for its new version.
      const content = this.cipher.open(current.data, entryAad(entryId, current.version));
      const sealed = this.cipher.seal(content, entryAad(entryId, version));
      const now = new Date();
      await tx.patientEntry.update({
        where: { id: entryId },
        data: {
          version,
          data: sealed.ciphertext,
          keyId: sealed.keyId,
          updatedBy: actor.id,
          updatedAt: now,
          deletedAt: now,
        },
      });
      await this.recordVersion(tx, entryId, version, 'DELETED', sealed, actor.id);
      await this.auditChange(tx, 'deleted', entryId, definition.category, repositoryId, version, current.version);
    });
  }

  /** Every version of an entry, oldest first (a deleted entry's too: its history is the record of it). */
  async history(
    actor: AccessActor,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    entryId: string,
    query: PageQueryDto,
  ): Promise<Page<EntryVersionView>> {
    const after = query.cursor ? decodeCursor(query.cursor, isVersionCursor)[0] : 0;
    const request = {
      repositoryId,
      action: 'HISTORY' as const,
      categories: [definition.category],
      resourceId: entryId,
    };
    const page = await this.access.read(actor, request, async (tx) => {
      const entry = await tx.patientEntry.findFirst({
        where: { id: entryId, repositoryId, category: definition.category },
        select: { id: true },
      });
      if (!entry) return null;
      const rows = await tx.patientEntryVersion.findMany({
        where: { entryId, version: { gt: after } },
        orderBy: { version: 'asc' },
        take: query.limit + 1,
      });
      return toPage(
        rows,
        query.limit,
        (row) => [row.version],
        (row) => ({
          version: row.version,
          change: row.change,
          changedBy: row.changedBy,
          changedAt: row.changedAt,
          content: this.cipher.open(row.data, entryAad(entryId, row.version)),
        }),
      );
    });
    if (!page) throw entryNotFound(definition.noun);
    return page;
  }

  /**
   * The entry's row, locked until the change commits, so concurrent changes run one after the
   * other and each sees the version the previous one wrote (versions strictly increase, none lost).
   */
  private async lockLiveEntry(
    tx: Tx,
    repositoryId: string,
    definition: EntryCategoryDefinition,
    entryId: string,
    expectedVersion: number | undefined,
  ): Promise<LockedEntryRow> {
    const [row] = await tx.$queryRaw<LockedEntryRow[]>`
      SELECT id, version, data, deleted_at FROM patient_entries
       WHERE id = ${entryId}::uuid AND repository_id = ${repositoryId}::uuid
         AND category = ${definition.category}::"RecordCategory"
       FOR UPDATE`;
    if (!row || row.deleted_at) throw entryNotFound(definition.noun);
    if (expectedVersion !== undefined && expectedVersion !== row.version) throw versionConflict(row.version);
    return row;
  }

  private async recordVersion(
    tx: Tx,
    entryId: string,
    version: number,
    change: EntryChange,
    sealed: { ciphertext: string; keyId: string },
    userId: string,
  ): Promise<void> {
    await tx.patientEntryVersion.create({
      data: {
        tenantId: this.tenantId(),
        entryId,
        version,
        change,
        data: sealed.ciphertext,
        keyId: sealed.keyId,
        changedBy: userId,
      },
    });
  }

  private auditChange(
    tx: Tx,
    verb: 'created' | 'updated' | 'deleted',
    entryId: string,
    category: EntryCategory,
    repositoryId: string,
    version: number,
    previousVersion?: number,
  ): Promise<void> {
    return this.audit.record(tx, {
      action: `patient-entry.${verb}`,
      resourceType: 'patient-entry',
      resourceId: entryId,
      ...(previousVersion === undefined ? {} : { before: { version: previousVersion } }),
      after: { repositoryId, category, version, ...(verb === 'deleted' ? { deleted: true } : {}) },
    });
  }

  private view(row: EntryRow, content?: unknown): EntryView {
    return {
      id: row.id,
      repositoryId: row.repositoryId,
      category: row.category as EntryCategory,
      version: row.version,
      content: content ?? this.cipher.open(row.data, entryAad(row.id, row.version)),
      createdBy: row.createdBy,
      updatedBy: row.updatedBy,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  private tenantId(): string {
    const tenantId = RequestContext.get('tenantId');
    if (!tenantId) throw new Error('An entry is written inside a tenant request');
    return tenantId;
  }
}
