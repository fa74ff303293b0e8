import { Injectable, Logger } from '@nestjs/common';
import type { RecordCategory } from '@prisma/client';
import { AppConfig, maskAddress, NotificationTransport } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import type { ConsentNotifyData } from '@itinera/queues';
import { consentMessage } from './consent-message';

/** The grant status each kind of message is true for: a message about a state that has passed is not sent. */
const STATUS_OF_KIND: Record<ConsentNotifyData['kind'], string> = {
  granted: 'ACTIVE',
  revoked: 'REVOKED',
  expired: 'EXPIRED',
};

interface GrantState {
  id: string;
  repository_id: string;
  status: string;
  scopes: RecordCategory[];
  purpose: string;
  period_start: Date;
  period_end: Date;
  email: string | null;
  already_sent: boolean;
}

/** How one run of 'consent-notify' ended. */
export type ConsentNotifyOutcome =
  { result: 'sent'; providerMessageId: string } | { result: 'skipped'; reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Emails the specialist of a grant that it was given, revoked or has expired, through the platform's
 * NotificationTransport. The message is composed from the grant's current state and sent outside
 * any transaction; the send is then recorded as an audit entry ('consent-grant.notified', the kind
 * and the provider's message id), which is also what makes a rerun skip it. A message whose state
 * has passed (a 'granted' for a grant revoked since) is skipped. A failed send throws, so Bull
 * retries with backoff.
 */
@Injectable()
export class ConsentNotifyService {
  private readonly logger = new Logger(ConsentNotifyService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly transport: NotificationTransport,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async notify(data: ConsentNotifyData): Promise<ConsentNotifyOutcome> {
    const skip = (reason: string): ConsentNotifyOutcome => {
      this.logger.log({ grantId: data.grantId, kind: data.kind, reason }, 'specialist not notified');
      return { result: 'skipped', reason };
    };
    if (!UUID.test(data.grantId ?? '') || !(data.kind in STATUS_OF_KIND)) return skip('malformed job data');
    const grant = await this.prisma.tenantTransaction(
      async (tx) =>
        (
          await tx.$queryRaw<GrantState[]>`
            SELECT g.id, g.repository_id, g.status::text AS status, g.scopes::text[] AS scopes, g.purpose,
                   g.period_start, g.period_end, u.email,
                   EXISTS (SELECT 1 FROM audit_log a
                            WHERE a.tenant_id = g.tenant_id AND a.resource_type = 'consent-grant'
                              AND a.resource_id = g.id::text AND a.action = 'consent-grant.notified'
                              AND a.metadata ->> 'kind' = ${data.kind}) AS already_sent
              FROM consent_grants g
              LEFT JOIN users u ON u.id = g.specialist_user_id
             WHERE g.id = ${data.grantId}::uuid`
        )[0],
      { tenantId: data.tenantId },
    );
    if (!grant) return skip('no such grant');
    if (grant.status !== STATUS_OF_KIND[data.kind]) return skip(`grant is ${grant.status}`);
    if (grant.already_sent) return skip('already sent');
    if (!grant.email) return skip('specialist has no email');

    const message = consentMessage(
      data.kind,
      {
        grantId: grant.id,
        repositoryId: grant.repository_id,
        scopes: grant.scopes,
        purpose: grant.purpose,
        periodStart: grant.period_start,
        periodEnd: grant.period_end,
      },
      this.config.get('PUBLIC_BASE_URL', { infer: true }),
    );
    const receipt = await this.transport.send({ channel: 'EMAIL', to: grant.email, ...message });
    await this.prisma.tenantTransaction(
      (tx) =>
        this.audit.record(tx, {
          action: 'consent-grant.notified',
          resourceType: 'consent-grant',
          resourceId: grant.id,
          metadata: { kind: data.kind, providerMessageId: receipt.providerMessageId.slice(0, 200) },
        }),
      { tenantId: data.tenantId },
    );
    this.logger.log(
      {
        grantId: grant.id,
        kind: data.kind,
        to: maskAddress(grant.email),
        providerMessageId: receipt.providerMessageId,
      },
      'specialist notified',
    );
    return { result: 'sent', providerMessageId: receipt.providerMessageId };
  }
}
