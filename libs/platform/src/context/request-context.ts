import type { ClsStore } from 'nestjs-cls';

/**
 * What the platform keeps in async context for the current request or job (nestjs-cls):
 * read it with `ClsService<RequestContext>`. Identity and tenancy add their members here.
 */
export interface RequestContext extends ClsStore {
  /** The request id (x-request-id) or, in a job, the id of the request that caused it. */
  requestId?: string;
}
