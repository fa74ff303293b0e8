import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import { WebhookPublisher } from '@itinera/integrations';
import { StorageService } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { ATTACHMENT_SCANNER, type AttachmentScanner } from './attachment-scanner';

export type ScanOutcome = 'CLEAN' | 'INFECTED' | 'FAILED' | 'skipped';

/**
 * The `attachment-scan` job's work: scan one PENDING attachment's stored content and record CLEAN
 * or INFECTED (scan_detail = the signature) with its audit entry and `attachment.scanned` webhook in
 * one transaction; an INFECTED object is deleted from storage after the commit. Runs in the job's
 * tenant scope. Idempotent: an attachment no longer PENDING is skipped (an INFECTED one only has its
 * deletion repeated, in case the first run died between the commit and the delete).
 */
@Injectable()
export class AttachmentScanService {
  private readonly logger = new Logger(AttachmentScanService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly storage: StorageService,
    private readonly audit: AuditService,
    private readonly webhooks: WebhookPublisher,
    @Inject(ATTACHMENT_SCANNER) private readonly scanner: AttachmentScanner,
  ) {}

  async scan(attachmentId: string): Promise<ScanOutcome> {
    const attachment = await this.prisma.scoped.attachment.findUnique({
      where: { id: attachmentId },
      select: { id: true, sessionId: true, recipientId: true, storageKey: true, scanStatus: true, purgedAt: true },
    });
    if (!attachment) return 'skipped';
    if (attachment.scanStatus === 'INFECTED') {
      await this.storage.delete(attachment.storageKey);
      return 'skipped';
    }
    if (attachment.scanStatus !== 'PENDING' || attachment.purgedAt) return 'skipped';

    // Outside any transaction: a scan reads the whole object and may take a while (clamd).
    const verdict = await this.scanner.scan(await this.storage.get(attachment.storageKey));
    const scanStatus = verdict.infected ? 'INFECTED' : 'CLEAN';
    const recorded = await this.record(attachment, scanStatus, verdict.infected ? verdict.signature : null);
    if (!recorded) return 'skipped';
    if (verdict.infected) {
      await this.storage.delete(attachment.storageKey);
      this.logger.warn({ attachmentId, signature: verdict.signature }, 'infected attachment deleted');
    } else {
      this.logger.log({ attachmentId }, 'attachment scanned clean');
    }
    return scanStatus;
  }

  /**
   * After the job's last attempt failed (clamd unreachable, the object unreadable): FAILED, with the
   * reason, so the attachment stops waiting; it is never downloadable. Idempotent like `scan`.
   */
  async markFailed(attachmentId: string, reason: string): Promise<ScanOutcome> {
    const attachment = await this.prisma.scoped.attachment.findUnique({
      where: { id: attachmentId },
      select: { id: true, sessionId: true, recipientId: true },
    });
    if (!attachment) return 'skipped';
    const recorded = await this.record(attachment, 'FAILED', `scan failed: ${reason}`.slice(0, 500));
    if (recorded) this.logger.error({ attachmentId, reason }, 'attachment scan failed after every attempt');
    return recorded ? 'FAILED' : 'skipped';
  }

  /** PENDING → `scanStatus` with its audit entry and webhook, in one transaction; false when no longer PENDING. */
  private record(
    attachment: { id: string; sessionId: string; recipientId: string | null },
    scanStatus: 'CLEAN' | 'INFECTED' | 'FAILED',
    scanDetail: string | null,
  ): Promise<boolean> {
    const attachmentId = attachment.id;
    return this.prisma.tenantTransaction(async (tx) => {
      const { count } = await tx.attachment.updateMany({
        where: { id: attachmentId, scanStatus: 'PENDING' },
        data: { scanStatus, scanDetail, scannedAt: new Date() },
      });
      if (count === 0) return false;
      await this.audit.record(tx, {
        action: 'attachment.scanned',
        resourceType: 'workflow',
        resourceId: attachment.sessionId,
        metadata: {
          attachmentId,
          scanStatus,
          scanner: this.scanner.name,
          ...(scanStatus === 'INFECTED' && scanDetail ? { signature: scanDetail } : {}),
        },
      });
      await this.webhooks.publish(tx, {
        type: 'attachment.scanned',
        data: {
          workflowId: attachment.sessionId,
          attachmentId,
          ...(attachment.recipientId ? { recipientId: attachment.recipientId } : {}),
          scanStatus,
        },
      });
      return true;
    });
  }
}
