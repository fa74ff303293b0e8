import { Injectable } from '@nestjs/common';
import type { RecipientStatus, RecipientType, ScanStatus, WorkflowStatus } from '@prisma/client';
import { LINK_TOKEN_PATTERN, RequestContext, sha256 } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { linkNotFound } from './recipient-link.errors';

/** The header a verified recipient sends its verification grant in. */
export const LINK_VERIFICATION_HEADER = 'x-link-verification';

/** Longest token or grant string hashed: a huge path segment costs the same as a real token. */
const MAX_HASHED_LENGTH = 128;

export interface LinkAttachment {
  id: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  scanStatus: ScanStatus;
  uploadedAt: string;
}

/** Everything a link route needs, from one round trip (the recipient_link_lookup function). */
export interface ResolvedLink {
  recipientId: string;
  /** SHA-256 of the token: actions re-check it under the row lock (a resend may have replaced it). */
  tokenHash: Buffer;
  tenantId: string;
  sessionId: string;
  orderIndex: number;
  status: RecipientStatus;
  type: RecipientType;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** The CUSTOM recipient's JSON Schema (null for the built-in types). */
  formSchema: unknown;
  formData: Record<string, unknown>;
  requiresVerification: boolean;
  accessedAt: Date | null;
  completedAt: Date | null;
  /** The request carried a live verification grant of this recipient. */
  grantValid: boolean;
  /** May see health data: verification not required, or a live grant was sent. */
  verified: boolean;
  session: {
    status: WorkflowStatus;
    documentUrl: string;
    expiresAt: Date;
    currentRecipientOrder: number;
    total: number;
    completed: number;
  };
  attachments: LinkAttachment[];
  /**
   * The link still leads somewhere: the session is ACTIVE and unexpired, or COMPLETED (read-only),
   * and not purged. `resolve` only ever returns live links.
   */
  live: boolean;
}

interface LookupRow {
  recipient_id: string;
  tenant_id: string;
  session_id: string;
  order_index: number;
  recipient_status: RecipientStatus;
  recipient_type: RecipientType;
  name: string | null;
  email: string | null;
  phone: string | null;
  form_schema: unknown;
  form_data: Record<string, unknown>;
  requires_verification: boolean;
  accessed_at: Date | null;
  completed_at: Date | null;
  grant_valid: boolean;
  session_status: WorkflowStatus;
  document_url: string;
  expires_at: Date;
  current_recipient_order: number;
  total_recipients: number;
  completed_recipients: number;
  attachments: Array<Omit<LinkAttachment, 'fileSize'> & { fileSize: number | string }>;
  live: boolean;
}

/** The statement, prepared once per connection (named). */
const LOOKUP = { name: 'recipient_link_lookup', text: 'SELECT * FROM recipient_link_lookup($1, $2)' };

/**
 * Turns a link token into its recipient and session: one prepared statement through the SECURITY
 * DEFINER lookup (no tenant is known before it), the token compared by its SHA-256 only. Every
 * token that leads nowhere gets the same 404 after the same work: a malformed token is hashed
 * (capped in length) and looked up like any other. On success the request context gets the
 * recipient's tenant and the link as actor, for the audit log and tenant-scoped transactions.
 */
@Injectable()
export class RecipientLinkResolver {
  constructor(private readonly prisma: PrismaService) {}

  async resolve(token: string, verificationGrant?: string): Promise<ResolvedLink> {
    const link = await this.lookup(token, verificationGrant);
    if (!link?.live) throw linkNotFound();
    return link;
  }

  /**
   * The link's recipient even when the link is dead (`live` false), or null when the token is
   * unknown or malformed; for replaying an idempotent action that killed its own link (a decline).
   * Anything else must use `resolve`.
   */
  async lookup(token: string, verificationGrant?: string): Promise<ResolvedLink | null> {
    const candidate = typeof token === 'string' ? token.slice(0, MAX_HASHED_LENGTH) : '';
    const grant = typeof verificationGrant === 'string' && verificationGrant ? verificationGrant : undefined;
    const tokenHash = sha256(candidate);
    const { rows } = await this.prisma.query<LookupRow>({
      ...LOOKUP,
      values: [tokenHash, grant ? sha256(grant.slice(0, MAX_HASHED_LENGTH)) : null],
    });
    const row = rows[0];
    if (!row || !LINK_TOKEN_PATTERN.test(candidate) || candidate !== token) return null;
    RequestContext.set('tenantId', row.tenant_id);
    RequestContext.set('actor', { type: 'RECIPIENT_LINK', id: row.recipient_id });
    return toResolvedLink(row, tokenHash);
  }
}

function toResolvedLink(row: LookupRow, tokenHash: Buffer): ResolvedLink {
  return {
    recipientId: row.recipient_id,
    tokenHash,
    tenantId: row.tenant_id,
    sessionId: row.session_id,
    orderIndex: row.order_index,
    status: row.recipient_status,
    type: row.recipient_type,
    name: row.name,
    email: row.email,
    phone: row.phone,
    formSchema: row.form_schema,
    formData: row.form_data ?? {},
    requiresVerification: row.requires_verification,
    accessedAt: row.accessed_at,
    completedAt: row.completed_at,
    grantValid: row.grant_valid,
    verified: !row.requires_verification || row.grant_valid,
    session: {
      status: row.session_status,
      documentUrl: row.document_url,
      expiresAt: row.expires_at,
      currentRecipientOrder: row.current_recipient_order,
      total: row.total_recipients,
      completed: row.completed_recipients,
    },
    attachments: row.attachments.map((a) => ({ ...a, fileSize: Number(a.fileSize) })),
    live: row.live,
  };
}
