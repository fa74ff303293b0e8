import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AuditService } from '@itinera/audit';
import {
  StorageObjectNotFoundError,
  StorageService,
  TimeIdCursor,
  toPage,
  type Page,
  type PageQueryDto,
} from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { workflowNotFound } from '../sessions/workflow.errors';
import { attachmentNotFound, attachmentPurged, integrityFailed, notClean } from './attachments.errors';
import { toAttachmentResponse, type AttachmentResponse } from './dto/attachment.response';

/** A download ready to send: the row (as counted) and its verified content. */
export interface AttachmentDownload {
  attachment: AttachmentResponse;
  /** Absent for a HEAD request: headers only. */
  content?: Readable;
}

/**
 * Reading attachments: the session's list (newest first, idx_attachment_session_uploaded), one
 * attachment, and downloads. A download is only of CLEAN, unpurged content whose SHA-256 still
 * matches the row: the object is read once to hash it, then opened again to stream; the count,
 * `last_download` and the `attachment.downloaded` audit entry are written in one transaction first.
 * Runs in the tenant of the request context (the principal's, or the link's once resolved).
 */
@Injectable()
export class AttachmentsService {
  private readonly logger = new Logger(AttachmentsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly storage: StorageService,
    private readonly audit: AuditService,
  ) {}

  async list(sessionId: string, query: PageQueryDto): Promise<Page<AttachmentResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.tenantTransaction(async (tx) => {
      const session = await tx.workflowSession.findUnique({ where: { id: sessionId }, select: { id: true } });
      if (!session) throw workflowNotFound();
      return tx.attachment.findMany({
        where: {
          sessionId,
          ...(after
            ? {
                OR: [{ uploadedAt: { lt: after.createdAt } }, { uploadedAt: after.createdAt, id: { lt: after.id } }],
              }
            : {}),
        },
        orderBy: [{ uploadedAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
    });
    return toPage(
      rows,
      query.limit,
      (row) => TimeIdCursor.cursorOf({ createdAt: row.uploadedAt, id: row.id }),
      toAttachmentResponse,
    );
  }

  async get(sessionId: string, attachmentId: string): Promise<AttachmentResponse> {
    const row = await this.prisma.scoped.attachment.findFirst({ where: { id: attachmentId, sessionId } });
    if (!row) throw attachmentNotFound();
    return toAttachmentResponse(row);
  }

  /**
   * What a download would send, without the content and without counting it (HEAD): the same
   * refusals as `download` for missing, purged and unclean attachments.
   */
  async describeContent(sessionId: string, attachmentId: string): Promise<AttachmentResponse> {
    return toAttachmentResponse(await this.downloadable(sessionId, attachmentId));
  }

  /** `recipientId` names the downloading recipient in the audit entry (link route). */
  async download(sessionId: string, attachmentId: string, recipientId?: string): Promise<AttachmentDownload> {
    const row = await this.downloadable(sessionId, attachmentId);

    const actual = await sha256Of(await this.open(row.storageKey, attachmentId));
    if (!actual.equals(Buffer.from(row.checksum))) {
      this.logger.error(
        {
          attachmentId,
          sessionId,
          expected: Buffer.from(row.checksum).toString('hex'),
          actual: actual.toString('hex'),
        },
        'attachment integrity check failed: stored content does not match its checksum',
      );
      throw integrityFailed();
    }
    const content = await this.open(row.storageKey, attachmentId);
    try {
      const counted = await this.prisma.tenantTransaction(async (tx) => {
        const { count } = await tx.attachment.updateMany({
          where: { id: attachmentId, scanStatus: 'CLEAN', purgedAt: null },
          data: { downloadCount: { increment: 1 }, lastDownload: new Date() },
        });
        // Purged (retention) between the checks above and now.
        if (count === 0) throw attachmentPurged();
        await this.audit.record(tx, {
          action: 'attachment.downloaded',
          resourceType: 'workflow',
          resourceId: sessionId,
          metadata: { attachmentId, ...(recipientId ? { recipientId } : {}) },
        });
        return tx.attachment.findUniqueOrThrow({ where: { id: attachmentId } });
      });
      return { attachment: toAttachmentResponse(counted), content };
    } catch (error) {
      content.destroy();
      throw error;
    }
  }

  private async downloadable(sessionId: string, attachmentId: string) {
    const row = await this.prisma.scoped.attachment.findFirst({ where: { id: attachmentId, sessionId } });
    if (!row) throw attachmentNotFound();
    if (row.purgedAt) throw attachmentPurged();
    if (row.scanStatus !== 'CLEAN') throw notClean(row.scanStatus);
    return row;
  }

  /** The stored object; a CLEAN row without its object is an integrity failure, not a 404. */
  private async open(key: string, attachmentId: string): Promise<Readable> {
    try {
      return await this.storage.get(key);
    } catch (error) {
      if (error instanceof StorageObjectNotFoundError) {
        this.logger.error({ attachmentId }, 'attachment integrity check failed: stored content is missing');
        throw integrityFailed();
      }
      throw error;
    }
  }
}

async function sha256Of(content: Readable): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of content) hash.update(chunk as Buffer);
  return hash.digest();
}
