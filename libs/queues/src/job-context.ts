import type { Job } from 'bull';
import { RequestContext } from '@itinera/platform';
import type { JobContext } from './queue-registry';

/**
 * Runs a job handler in the context its job carries: the tenant (so tenant-scoped database access
 * and row-level security see that tenant's rows only), the request id for log correlation, and a
 * SYSTEM actor naming the job for the audit log. Every processor of tenant data wraps its work in it:
 *
 *   @Process('scan') scan(job: Job<ScanData>) { return inJobContext(job, () => this.scanner.scan(job.data.attachmentId)); }
 */
export function inJobContext<T>(job: Job<JobContext>, work: () => Promise<T>): Promise<T> {
  return RequestContext.run(
    {
      requestId: job.data.requestId ?? `job:${job.id}`,
      tenantId: job.data.tenantId,
      actor: { type: 'SYSTEM', id: `job:${job.queue.name}:${job.name}` },
    },
    work,
  );
}
