import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { ATTACHMENTS_QUEUE, inJobContext, type AttachmentScanData } from '@itinera/queues';
import { AttachmentScanService, type ScanOutcome } from './attachment-scan.service';

/** Scans uploaded attachments (worker only); the upload's transaction put the job in the outbox. */
@Processor(ATTACHMENTS_QUEUE)
export class AttachmentScanProcessor {
  constructor(private readonly scans: AttachmentScanService) {}

  @Process('attachment-scan')
  scan(job: Job<AttachmentScanData>): Promise<{ outcome: ScanOutcome }> {
    return inJobContext(job, async () => ({ outcome: await this.scans.scan(job.data.attachmentId) }));
  }
}
