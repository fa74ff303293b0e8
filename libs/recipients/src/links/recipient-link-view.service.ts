import { Injectable } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import { WebhookPublisher } from '@itinera/integrations';
import { PrismaService } from '@itinera/prisma';
import { RecipientFormValidator } from '../forms/recipient-form.validator';
import { maskEmail, maskPhone } from './contact-mask';
import type { LinkViewResponse, VerificationChannelView } from './dto/recipient-link.response';
import { RecipientLinkResolver, type ResolvedLink } from './recipient-link.resolver';

/**
 * GET /r/:token. A read of one round trip (the resolver) for every view but a recipient's first:
 * that one marks PENDING → ACCESSED with its audit entry and webhook, as a conditional UPDATE, so
 * concurrent first views record it once. A recipient that must verify and has not sent a live
 * grant gets the landing page only, and is not marked.
 */
@Injectable()
export class RecipientLinkViewService {
  constructor(
    private readonly resolver: RecipientLinkResolver,
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly webhooks: WebhookPublisher,
    private readonly forms: RecipientFormValidator,
  ) {}

  async view(token: string, verificationGrant?: string): Promise<LinkViewResponse> {
    const link = await this.resolver.resolve(token, verificationGrant);
    if (!link.verified) return landing(link);
    if (link.status === 'PENDING' && link.session.status === 'ACTIVE') {
      const accessedAt = await this.markAccessed(link);
      if (accessedAt) {
        link.status = 'ACCESSED';
        link.accessedAt = accessedAt;
      }
    }
    const { session } = link;
    return {
      verificationRequired: false,
      recipient: {
        id: link.recipientId,
        type: link.type,
        name: link.name,
        status: link.status,
        orderIndex: link.orderIndex,
        formSchema: this.forms.schemaOf(link.type, link.formSchema) as Record<string, unknown>,
        formData: link.formData,
        accessedAt: link.accessedAt,
        completedAt: link.completedAt,
      },
      workflow: {
        id: link.sessionId,
        status: session.status,
        documentUrl: session.documentUrl,
        expiresAt: session.expiresAt,
        currentRecipientOrder: session.currentRecipientOrder,
        yourTurn: isTurnOf(link),
        total: session.total,
        completed: session.completed,
      },
      attachments: link.attachments,
    };
  }

  /** The first view: PENDING → ACCESSED; returns when, or null when another request was first. */
  private async markAccessed(link: ResolvedLink): Promise<Date | null> {
    return this.prisma.tenantTransaction(async (tx) => {
      const [row] = await tx.$queryRawUnsafe<{ accessed_at: Date }[]>(
        `UPDATE recipients SET status = 'ACCESSED', accessed_at = now()
          WHERE id = $1::uuid AND status = 'PENDING' RETURNING accessed_at`,
        link.recipientId,
      );
      if (!row) return null;
      await this.audit.record(tx, {
        action: 'recipient.viewed',
        resourceType: 'workflow',
        resourceId: link.sessionId,
        before: { status: 'PENDING' },
        after: { status: 'ACCESSED' },
        metadata: { recipientId: link.recipientId, orderIndex: link.orderIndex },
      });
      await this.webhooks.publish(tx, {
        type: 'recipient.viewed',
        data: {
          workflowId: link.sessionId,
          recipientId: link.recipientId,
          orderIndex: link.orderIndex,
          status: 'ACCESSED',
        },
      });
      return row.accessed_at;
    });
  }
}

/** The recipient may act now: the session is ACTIVE, it is their position, and they are not finished. */
export function isTurnOf(link: ResolvedLink): boolean {
  return (
    link.session.status === 'ACTIVE' &&
    link.orderIndex === link.session.currentRecipientOrder &&
    link.status !== 'COMPLETED' &&
    link.status !== 'DECLINED'
  );
}

/** Where a code can be sent, masked. */
export function verificationChannelsOf(link: ResolvedLink): VerificationChannelView[] {
  const channels: VerificationChannelView[] = [];
  if (link.email) channels.push({ channel: 'EMAIL', destination: maskEmail(link.email) });
  if (link.phone) channels.push({ channel: 'SMS', destination: maskPhone(link.phone) });
  return channels;
}

function landing(link: ResolvedLink): LinkViewResponse {
  return {
    verificationRequired: true,
    verificationChannels: verificationChannelsOf(link),
    recipient: { type: link.type },
  };
}
