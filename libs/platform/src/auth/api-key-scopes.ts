/**
 * The scopes an API key can carry. Routes accept keys with `@ApiKeyScopes(...)`; a domain that
 * adds machine access adds its scope here, with one line saying what it opens.
 */
export const API_KEY_SCOPES = [
  /** Read the tenant's data through routes that accept keys. */
  'read',
  /** Change the tenant's data through routes that accept keys. */
  'write',
  /** Send work sessions and tool metrics in batches (metrics ingestion). */
  'metrics:ingest',
  /** Read, export and verify the tenant's audit log (a SIEM or an archiver). */
  'audit:read',
] as const;

export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
