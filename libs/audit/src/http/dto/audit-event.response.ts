import { ApiProperty } from '@nestjs/swagger';
import { AuditActorType } from '@prisma/client';

/** One audit_log row as the reader selects it (AUDIT_EVENT_COLUMNS): text for seq, ip, time and hash. */
export interface AuditEventRow {
  id: string;
  tenant_id: string | null;
  seq: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  before: unknown;
  after: unknown;
  metadata: unknown;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  occurred_at: string;
  hash: string;
}

/** One entry of the audit log, with every column. */
export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  /** The tenant the entry belongs to (null for the platform chain). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenantId!: string | null;

  /** Position in its chain, from 1 without gaps; a decimal string, since it is a 64-bit integer. */
  @ApiProperty({ example: '42' })
  seq!: string;

  /** The kind of actor. */
  @ApiProperty({ enum: AuditActorType, enumName: 'AuditActorType' })
  actorType!: AuditActorType;

  /** The actor: a user id, an API key id, a recipient id; null for the system or an anonymous caller. */
  @ApiProperty({ type: String, nullable: true })
  actorId!: string | null;

  /** What happened, `<resource>.<verb>`: `api_key.created`. */
  @ApiProperty({ example: 'api_key.created' })
  action!: string;

  @ApiProperty({ type: String, nullable: true, example: 'api_key' })
  resourceType!: string | null;

  @ApiProperty({ type: String, nullable: true })
  resourceId!: string | null;

  /** The resource before the change (changes only). */
  @ApiProperty({ nullable: true, description: 'The resource before the change (changes only); any JSON value.' })
  before!: unknown;

  /** The resource after the change (changes only). */
  @ApiProperty({ nullable: true, description: 'The resource after the change (changes only); any JSON value.' })
  after!: unknown;

  /** Context that is not a change: a failure reason, the email a failed sign-in named. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  metadata!: Record<string, unknown> | null;

  /** The client's IP address. */
  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;

  /** The request that made the change (also in that request's logs). */
  @ApiProperty({ type: String, nullable: true })
  requestId!: string | null;

  /** When it happened: UTC, to the microsecond. */
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-27T11:27:25.123456Z' })
  occurredAt!: string;

  /** SHA-256 (hex) of the previous entry's hash and this entry's content: the chain link. */
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })
  hash!: string;
}

export function toAuditEventResponse(row: AuditEventRow): AuditEventResponse {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    seq: row.seq,
    actorType: row.actor_type as AuditActorType,
    actorId: row.actor_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    before: row.before,
    after: row.after,
    metadata: row.metadata as Record<string, unknown> | null,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    occurredAt: row.occurred_at,
    hash: row.hash,
  };
}
