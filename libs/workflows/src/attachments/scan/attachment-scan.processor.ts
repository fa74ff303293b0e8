import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { ATTACHMENTS_QUEUE, inJobContext, type AttachmentScanData } from '@itinera/queues';
import { AttachmentScanService, type ScanOutcome } from './attachment-scan.service';

/** Scans uploaded attachments (worker only); the upload's transaction put the job in the outbox. */
@Processor(ATTACHMENTS_QUEUE)
export class AttachmentScanProcessor {
  constructor(private readonly scans: AttachmentScanService) {}

  /** Retries with backoff (clamd may be briefly away); the last failed attempt marks the attachment FAILED. */
  @Process('attachment-scan')
  scan(job: Job<AttachmentScanData>): Promise<{ outcome: ScanOutcome }> {
    return inJobContext(job, async () => {
      try {
        return { outcome: await this.scans.scan(job.data.attachmentId) };
      } catch (error) {
        if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        return { outcome: await this.scans.markFailed(job.data.attachmentId, reason) };
      }
    });
  }
}
