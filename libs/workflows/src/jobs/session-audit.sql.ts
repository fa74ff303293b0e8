import { RequestContext } from '@itinera/platform';
import type { Tx } from '@itinera/prisma';

/**
 * One audit row per session in one statement (INSERT … SELECT over the ids), with the columns of
 * libs/audit's INSERT_SQL; the audit trigger chains and seals each row as it would a single insert.
 * The actor is the job's (SYSTEM) from the context; `before`/`after`/`metadata` are the same for
 * every session of the batch, and the resource is `workflow` / the session id.
 */
export async function insertSessionAuditRows(
  tx: Tx,
  sessionIds: string[],
  entry: { action: string; before?: unknown; after?: unknown; metadata?: Record<string, unknown> },
): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const actor = RequestContext.get('actor') ?? { type: 'SYSTEM' as const };
  return tx.$executeRawUnsafe(
    `INSERT INTO audit_log
       (tenant_id, actor_type, actor_id, action, resource_type, resource_id, before, after, metadata, ip, user_agent, request_id)
     SELECT app_current_tenant(), $2::"AuditActorType", $3, $4, 'workflow', id::text, $5::jsonb, $6::jsonb, $7::jsonb,
            NULL, NULL, $8
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)
      ORDER BY n`,
    sessionIds,
    actor.type,
    actor.id ?? null,
    entry.action,
    json(entry.before),
    json(entry.after),
    json(entry.metadata),
    RequestContext.get('requestId') ?? null,
  );
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
