import { Injectable, Logger } from '@nestjs/common';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { AuditService } from '@itinera/audit';
import { IdempotencyService, type IdempotentResult } from '@itinera/integrations';
import { AppConfig, AppError, StorageService } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { ATTACHMENTS_QUEUE, OutboxService } from '@itinera/queues';
import { workflowNotFound } from '../sessions/workflow.errors';
import {
  fileMissing,
  fileTooLarge,
  malformedMultipart,
  multipartProblem,
  notMultipart,
  sessionClosed,
  typeNotAllowed,
  uploaderNotCurrent,
} from './attachments.errors';
import { ContentInspector, normalizeMediaType, sanitizeFileName } from './content-inspector';
import { toAttachmentResponse, type AttachmentResponse } from './dto/attachment.response';

/** Who uploads into which session; the same upload path serves the creator and the recipient link. */
export interface UploadTarget {
  tenantId: string;
  sessionId: string;
  /** The user or API key uploading (creator or tenant admin); absent on the link route. */
  uploadedById?: string;
  /** The recipient uploading through their link: allowed only while it is their turn. */
  recipient?: {
    id: string;
    /** SHA-256 of the link's token: a resend or reassignment that replaced it meanwhile refuses the upload. */
    tokenHash: Buffer;
  };
}

/** A file received into storage, not yet recorded. */
interface ReceivedFile {
  attachmentId: string;
  key: string;
  fileName: string;
  fileType: string;
  size: number;
  checksum: Buffer;
}

interface SessionState {
  status: string;
  live: boolean;
  current_recipient_order: number;
}

interface RecipientState {
  order_index: number;
  status: string;
  token_hash: Buffer;
}

/** Recipient statuses that may still act. */
const UNFINISHED = new Set(['PENDING', 'ACCESSED', 'IN_PROGRESS']);

/**
 * Uploads: the multipart file streams through a ContentInspector (SHA-256, size, type check) into
 * storage under `<tenantId>/<sessionId>/<attachmentId>`; then one tenant transaction re-checks the
 * session (and the recipient's turn) under a share lock, inserts the PENDING row, audits
 * `attachment.uploaded` and puts the scan job in the outbox. Any failure after the first byte was
 * stored deletes the object, so a refused upload leaves nothing in storage or the database.
 */
@Injectable()
export class AttachmentUploadService {
  private readonly logger = new Logger(AttachmentUploadService.name);
  private readonly allowedTypes: string[];
  private readonly maxBytes: number;

  constructor(
    private readonly prisma: PrismaService,
    private readonly storage: StorageService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly idempotency: IdempotencyService,
    config: AppConfig,
  ) {
    this.allowedTypes = config
      .get('ATTACHMENT_ALLOWED_TYPES', { infer: true })
      .split(',')
      .map((t) => normalizeMediaType(t))
      .filter(Boolean);
    this.maxBytes = config.get('ATTACHMENT_MAX_BYTES', { infer: true });
  }

  /**
   * The whole upload. With an Idempotency-Key, a repeat with the same file (by checksum), name, type
   * and session returns the first answer and keeps nothing of the repeat; the same key with another
   * file is 422. The key is claimed only once the file is received, since its checksum identifies it.
   */
  async upload(
    request: FastifyRequest,
    target: UploadTarget,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<AttachmentResponse>> {
    const file = await this.receive(request, target);
    try {
      const result = await this.idempotency.run(
        {
          tenantId: target.tenantId,
          ownerId: target.recipient?.id ?? target.uploadedById ?? target.sessionId,
          operation: target.recipient ? 'POST /r/:token/attachments' : 'POST /workflows/:id/attachments',
          key: idempotencyKey,
          request: {
            sessionId: target.sessionId,
            fileName: file.fileName,
            fileType: file.fileType,
            size: file.size,
            checksum: file.checksum.toString('hex'),
          },
        },
        async () => ({ status: 201, body: await this.record(file, target) }),
      );
      // A replay answers with the first upload's attachment; this copy of the bytes is not needed.
      if (result.replayed) await this.discardStored(file.key);
      return result;
    } catch (error) {
      await this.discardStored(file.key);
      throw error;
    }
  }

  /** Streams the multipart file into storage through the inspector; nothing is left stored when it fails. */
  private async receive(request: FastifyRequest, target: UploadTarget): Promise<ReceivedFile> {
    if (!request.isMultipart()) throw notMultipart();
    // Refuse before reading the body when the session cannot take it anyway.
    await this.prisma.tenantTransaction((tx) => this.assertOpen(tx, target, false), { tenantId: target.tenantId });

    let part: MultipartFile | undefined;
    try {
      part = await request.file();
    } catch (error) {
      throw multipartProblem(error);
    }
    if (!part) throw fileMissing();
    // A body that ended inside the part before this code got to it (the request arrived whole while
    // the session was checked): the parser has destroyed the file stream already, and a pipe from it
    // would wait forever.
    if (part.file.destroyed) throw malformedMultipart('the body ends inside the file part');
    const fileName = sanitizeFileName(part.filename);
    const fileType = normalizeMediaType(part.mimetype);
    if (!this.allowedTypes.includes(fileType)) {
      await discard(part);
      throw typeNotAllowed(fileName, fileType, this.allowedTypes);
    }

    const attachmentId = randomUUID();
    const key = `${target.tenantId}/${target.sessionId}/${attachmentId}`;
    try {
      const inspector = new ContentInspector(fileName, fileType, this.maxBytes);
      // Busboy stops at the size limit and ends the stream with `truncated`; fail at once instead.
      part.file.once('limit', () => inspector.destroy(fileTooLarge(this.maxBytes)));
      // The body ending inside the part, or the client going away, is the client's fault (400).
      let bodyFailure: Error | undefined;
      part.file.once('error', (error: Error) => (bodyFailure ??= error));
      request.raw.once('aborted', () => (bodyFailure ??= new Error('the client closed the connection')));
      try {
        await settleBoth(pipeline(part.file, inspector), this.storage.put(key, inspector, { contentType: fileType }));
      } catch (error) {
        if (!(error instanceof AppError) && bodyFailure) throw malformedMultipart(bodyFailure.message);
        throw error;
      }
      if (part.file.truncated) throw fileTooLarge(this.maxBytes);
      return { attachmentId, key, fileName, fileType, size: inspector.size, checksum: inspector.checksum };
    } catch (error) {
      await this.discardStored(key);
      throw error;
    }
  }

  /** The row, its audit entry and the scan job, in one transaction that re-checks the session under a lock. */
  private async record(file: ReceivedFile, target: UploadTarget): Promise<AttachmentResponse> {
    const row = await this.prisma.tenantTransaction(
      async (tx) => {
        await this.assertOpen(tx, target, true);
        const created = await tx.attachment.create({
          data: {
            id: file.attachmentId,
            tenantId: target.tenantId,
            sessionId: target.sessionId,
            recipientId: target.recipient?.id ?? null,
            uploadedById: target.uploadedById ?? null,
            fileName: file.fileName,
            fileType: file.fileType,
            fileSize: BigInt(file.size),
            storageKey: file.key,
            storageBucket: this.storage.bucket,
            checksum: new Uint8Array(file.checksum),
          },
        });
        await this.audit.record(tx, {
          action: 'attachment.uploaded',
          resourceType: 'workflow',
          resourceId: target.sessionId,
          after: summaryOf(toAttachmentResponse(created)),
          metadata: {
            attachmentId: file.attachmentId,
            ...(target.recipient ? { recipientId: target.recipient.id } : {}),
          },
        });
        await this.outbox.enqueue(tx, {
          queue: ATTACHMENTS_QUEUE,
          job: 'attachment-scan',
          data: { tenantId: target.tenantId, attachmentId: file.attachmentId },
        });
        return created;
      },
      { tenantId: target.tenantId },
    );
    return toAttachmentResponse(row);
  }

  private async discardStored(key: string): Promise<void> {
    await this.storage.delete(key).catch((e: unknown) => {
      this.logger.error({ err: e, key }, 'could not delete the object of a refused upload');
    });
  }

  /**
   * The session takes uploads: ACTIVE and unexpired; for a recipient, also their turn with the same
   * token. `lock` takes a share lock on the session (completions lock it FOR UPDATE first, so the
   * turn cannot move until this transaction ends).
   */
  private async assertOpen(tx: Tx, target: UploadTarget, lock: boolean): Promise<void> {
    const [session] = await tx.$queryRawUnsafe<SessionState[]>(
      `SELECT status::text AS status, expires_at > now() AS live, current_recipient_order
         FROM workflow_sessions WHERE id = $1::uuid${lock ? ' FOR SHARE' : ''}`,
      target.sessionId,
    );
    if (!session) throw workflowNotFound();
    if (session.status !== 'ACTIVE' || !session.live) throw sessionClosed(session.status, !session.live);
    if (!target.recipient) return;
    const [recipient] = await tx.$queryRawUnsafe<RecipientState[]>(
      `SELECT order_index, status::text AS status, token_hash FROM recipients WHERE id = $1::uuid AND session_id = $2::uuid`,
      target.recipient.id,
      target.sessionId,
    );
    if (
      !recipient ||
      !Buffer.from(recipient.token_hash).equals(target.recipient.tokenHash) ||
      !UNFINISHED.has(recipient.status) ||
      recipient.order_index !== session.current_recipient_order
    ) {
      throw uploaderNotCurrent();
    }
  }
}

/** What the audit entry keeps of an attachment (no storage location). */
function summaryOf(a: AttachmentResponse) {
  return { id: a.id, fileName: a.fileName, fileType: a.fileType, fileSize: a.fileSize, checksum: a.checksum };
}

/**
 * Waits for both sides of the copy; when either failed, throws the most telling error: a problem
 * raised by the inspector (type, size) rather than the premature close it caused on the other side.
 */
async function settleBoth(...copies: Promise<unknown>[]): Promise<void> {
  const reasons = (await Promise.allSettled(copies))
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as unknown);
  if (reasons.length) throw reasons.find((r) => r instanceof AppError) ?? reasons[0];
}

/** Reads a refused file to its end (bounded by the size limit) so the rest of the body is consumed. */
async function discard(part: MultipartFile): Promise<void> {
  part.file.resume();
  await new Promise<void>((resolve) => {
    part.file.once('end', resolve);
    part.file.once('close', resolve);
    part.file.once('error', () => resolve());
  });
}
