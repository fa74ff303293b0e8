import type { Job } from 'bull';
import { RequestContext } from '@itinera/platform';
import { inJobContext } from './job-context';

describe('inJobContext', () => {
  it("runs the handler in the job's tenant, with its request id and a system actor", async () => {
    const job = { id: '42', name: 'scan', queue: { name: '{attachments}' }, data: { tenantId: 't1', requestId: 'r1' } };
    const seen = await inJobContext(job as unknown as Job, async () => ({
      tenantId: RequestContext.get('tenantId'),
      requestId: RequestContext.get('requestId'),
      actor: RequestContext.get('actor'),
    }));
    expect(seen).toEqual({ tenantId: 't1', requestId: 'r1', actor: { type: 'SYSTEM', id: 'job:{attachments}:scan' } });
  });
});
