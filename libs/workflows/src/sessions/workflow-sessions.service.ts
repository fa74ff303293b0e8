import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { AppConfig, KeyRing, newLinkToken, validationFailed, type FieldError, type Principal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { NOTIFICATIONS_QUEUE, OutboxService } from '@itinera/queues';
import { WebhookPublisher } from '@itinera/integrations';
import type { CreateWorkflowDto, CancelWorkflowDto, LegalHoldDto } from './dto/create-workflow.dto';
import {
  toRecipientResponse,
  toWorkflowResponse,
  toWorkflowSummary,
  type CreatedWorkflowResponse,
  type WorkflowResponse,
} from './dto/workflow.response';
import { formSchemaProblem } from './form-schema.check';
import { creatorOf, WorkflowAccess } from './workflow-access.service';
import { WorkflowLifecycle } from './workflow-lifecycle.service';
import { workflowNotFound } from './workflow.errors';

const RECIPIENT_ORDER = { orderIndex: 'asc' } as const;
const ATTACHMENT_ORDER = [{ uploadedAt: 'desc' }, { id: 'desc' }] as const;
const ATTACHMENT_SELECT = {
  id: true,
  fileName: true,
  fileType: true,
  fileSize: true,
  scanStatus: true,
  downloadCount: true,
  recipientId: true,
  uploadedAt: true,
} as const;

/** Create, read, cancel and legal hold of workflow sessions (the HTTP use cases). */
@Injectable()
export class WorkflowSessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly keyRing: KeyRing,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly webhooks: WebhookPublisher,
    private readonly lifecycle: WorkflowLifecycle,
    private readonly access: WorkflowAccess,
  ) {}

  /**
   * One transaction: the session, its recipients (each with a fresh link token, of which only the
   * hash and a ciphertext bound to the recipient id are stored), the audit entry, the
   * `workflow.created` webhook and the first recipient's notification through the outbox. The
   * links are in this response only.
   */
  async create(principal: Principal, dto: CreateWorkflowDto): Promise<CreatedWorkflowResponse> {
    this.checkCreate(dto);
    const tenantId = principal.tenantId!;
    const sessionId = randomUUID();
    const expiresAt =
      dto.expiresAt ?? new Date(Date.now() + this.config.get('WORKFLOW_TTL_HOURS', { infer: true }) * 3_600_000);
    const baseUrl = this.config.get('PUBLIC_BASE_URL', { infer: true }).replace(/\/+$/, '');
    const links = new Map<string, string>();
    const recipients: Prisma.RecipientCreateManyInput[] = dto.recipients.map((r, orderIndex) => {
      const id = randomUUID();
      const { token, hash } = newLinkToken();
      links.set(id, `${baseUrl}/r/${token}`);
      return {
        id,
        tenantId,
        sessionId,
        orderIndex,
        tokenHash: new Uint8Array(hash),
        tokenCiphertext: this.keyRing.encrypt(token, id),
        recipientType: r.type,
        name: r.name,
        email: r.email?.toLowerCase() ?? null,
        phone: r.phone ?? null,
        formSchema: r.type === 'CUSTOM' ? (r.formSchema as Prisma.InputJsonObject) : Prisma.DbNull,
        requiresVerification: r.requiresVerification ?? r.type === 'PATIENT',
      };
    });

    return this.prisma.tenantTransaction(async (tx) => {
      await tx.workflowSession.create({
        data: {
          id: sessionId,
          tenantId,
          documentUrl: dto.documentUrl,
          ...creatorOf(principal),
          metadata: (dto.metadata ?? {}) as Prisma.InputJsonObject,
          totalRecipients: recipients.length,
          expiresAt,
        },
      });
      // One statement, so the progress trigger runs once for the session.
      await tx.recipient.createMany({ data: recipients });
      const session = await tx.workflowSession.findUniqueOrThrow({
        where: { id: sessionId },
        include: { recipients: { orderBy: RECIPIENT_ORDER } },
      });
      const summary = toWorkflowSummary(session);
      await this.audit.record(tx, {
        action: 'workflow.created',
        resourceType: 'workflow',
        resourceId: sessionId,
        after: {
          ...summary,
          recipients: session.recipients.map((r) => ({
            id: r.id,
            orderIndex: r.orderIndex,
            type: r.recipientType,
            requiresVerification: r.requiresVerification,
          })),
        },
      });
      await this.webhooks.publish(tx, {
        type: 'workflow.created',
        data: { workflowId: sessionId, status: session.status },
      });
      await this.outbox.enqueue(tx, {
        queue: NOTIFICATIONS_QUEUE,
        job: 'recipient-notify',
        data: { tenantId, recipientId: session.recipients[0].id, kind: 'link' },
      });
      return {
        ...summary,
        recipients: session.recipients.map((r) => ({ ...toRecipientResponse(r), link: links.get(r.id)! })),
        attachments: [],
      };
    });
  }

  /** One session with its recipients (never their tokens), attachments and progress. */
  async get(id: string): Promise<WorkflowResponse> {
    const session = await this.prisma.tenantTransaction(async (tx) => {
      const found = await tx.workflowSession.findUnique({
        where: { id },
        include: {
          recipients: { orderBy: RECIPIENT_ORDER },
          attachments: { orderBy: [...ATTACHMENT_ORDER], select: ATTACHMENT_SELECT },
        },
      });
      return found;
    });
    if (!session) throw workflowNotFound();
    return toWorkflowResponse(session, session.recipients, session.attachments);
  }

  /** ACTIVE → CANCELLED by its creator or a tenant admin; 409 in any other state. */
  async cancel(principal: Principal, id: string, dto: CancelWorkflowDto): Promise<WorkflowResponse> {
    const session = await this.access.assertCanManage(principal, id);
    const self = creatorOf(principal);
    const byCreator = self.creatorType === session.creatorType && self.creatorId === session.creatorId;
    await this.prisma.tenantTransaction(async (tx) => {
      const locked = await this.lifecycle.lockSession(tx, id);
      if (!locked) throw workflowNotFound();
      const reason = dto.reason ?? null;
      await this.lifecycle.cancelActive(tx, id, reason);
      await this.audit.record(tx, {
        action: 'workflow.cancelled',
        resourceType: 'workflow',
        resourceId: id,
        before: { status: locked.status },
        after: { status: 'CANCELLED', cancelReason: reason },
        metadata: { cause: 'cancelled' },
      });
      await this.webhooks.publish(tx, { type: 'workflow.cancelled', data: { workflowId: id, status: 'CANCELLED' } });
      // The creator is told when someone else (a tenant admin) stopped their workflow.
      if (!byCreator) {
        await this.outbox.enqueue(tx, {
          queue: NOTIFICATIONS_QUEUE,
          job: 'creator-notify',
          data: { tenantId: session.tenantId, sessionId: id, kind: 'cancelled' },
        });
      }
    });
    return this.get(id);
  }

  /** Puts a session on legal hold (retention never purges it) or releases it; tenant admins only. */
  async setLegalHold(id: string, dto: LegalHoldDto): Promise<WorkflowResponse> {
    await this.prisma.tenantTransaction(async (tx) => {
      const [before] = await tx.$queryRawUnsafe<{ legal_hold: boolean }[]>(
        'SELECT legal_hold FROM workflow_sessions WHERE id = $1::uuid FOR UPDATE',
        id,
      );
      if (!before) throw workflowNotFound();
      await tx.$executeRawUnsafe('UPDATE workflow_sessions SET legal_hold = $2 WHERE id = $1::uuid', id, dto.legalHold);
      await this.audit.record(tx, {
        action: dto.legalHold ? 'workflow.legal_hold_set' : 'workflow.legal_hold_released',
        resourceType: 'workflow',
        resourceId: id,
        before: { legalHold: before.legal_hold },
        after: { legalHold: dto.legalHold },
        metadata: { reason: dto.reason },
      });
    });
    return this.get(id);
  }

  /** What class-validator cannot check: configured limits and rules across fields. */
  private checkCreate(dto: CreateWorkflowDto): void {
    const errors: FieldError[] = [];
    const maxRecipients = this.config.get('WORKFLOW_MAX_RECIPIENTS', { infer: true });
    if (dto.recipients.length > maxRecipients) {
      errors.push({ field: 'recipients', message: `must contain at most ${maxRecipients} recipients` });
    }
    dto.recipients.forEach((r, i) => {
      if (!r.email && !r.phone) errors.push({ field: `recipients[${i}].email`, message: 'email or phone is required' });
      if (r.type === 'CUSTOM') {
        if (!r.formSchema) {
          errors.push({ field: `recipients[${i}].formSchema`, message: 'is required for a CUSTOM recipient' });
        } else {
          const problem = formSchemaProblem(r.formSchema);
          if (problem) errors.push({ field: `recipients[${i}].formSchema`, message: problem });
        }
      } else if (r.formSchema !== undefined) {
        errors.push({ field: `recipients[${i}].formSchema`, message: 'is only allowed for CUSTOM recipients' });
      }
    });
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now()) {
      errors.push({ field: 'expiresAt', message: 'must be in the future' });
    }
    if (dto.metadata) {
      const max = this.config.get('WORKFLOW_METADATA_MAX_BYTES', { infer: true });
      const size = Buffer.byteLength(JSON.stringify(dto.metadata));
      if (size > max)
        errors.push({ field: 'metadata', message: `must be at most ${max} bytes serialized (is ${size})` });
    }
    if (errors.length) throw validationFailed(errors);
  }
}
