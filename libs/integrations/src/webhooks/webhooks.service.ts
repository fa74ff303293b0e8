import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError, AppConfig, KeyRing, TimeIdCursor, toPage, type Page } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { OutboxService, WEBHOOKS_QUEUE } from '@itinera/queues';
import { IntegrationsErrorCode, notFound, webhookUrlRefused } from '../integrations.errors';
import type { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook.dto';
import type { ListWebhookDeliveriesQuery } from './dto/list-deliveries.query';
import {
  toDeliveryResponse,
  toSecretResponse,
  toWebhookResponse,
  type CreatedWebhookResponse,
  type CreatedWebhookSecretResponse,
  type WebhookDeliveryResponse,
  type WebhookResponse,
} from './dto/webhook.response';
import { webhookUrlProblem } from './outbound/target-address';
import { newWebhookSecret, webhookSecretPrefix } from './webhook-signature';
import type { PageQueryDto } from '@itinera/platform';

const RESOURCE = 'webhook';
const withSecrets = { secrets: { orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }] } };
/** Attempts shown with a delivery in lists; the delivery's own route shows them all. */
const ATTEMPTS_IN_LIST = 20;

/** The tenant's webhook subscriptions, their signing secrets and deliveries; every change audited. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
  ) {}

  async create(tenantId: string, dto: CreateWebhookDto): Promise<CreatedWebhookResponse> {
    this.checkUrl(dto.url);
    return this.prisma.tenantTransaction(async (tx) => {
      const subscription = await tx.webhookSubscription.create({
        data: { tenantId, url: dto.url, eventTypes: dto.eventTypes, description: dto.description ?? null },
      });
      const secret = await this.addSecret(tx, tenantId, subscription.id);
      const response = toWebhookResponse({ ...subscription, secrets: [secret.row] });
      await this.audit.record(tx, {
        action: 'webhook.created',
        resourceType: RESOURCE,
        resourceId: subscription.id,
        after: response,
      });
      return { ...response, secret: { ...toSecretResponse(secret.row), secret: secret.secret } };
    });
  }

  async list(query: PageQueryDto): Promise<Page<WebhookResponse>> {
    const rows = await this.prisma.scoped.webhookSubscription.findMany({
      where: TimeIdCursor.after(TimeIdCursor.decode(query.cursor), 'desc'),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      include: withSecrets,
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, toWebhookResponse);
  }

  async get(id: string): Promise<WebhookResponse> {
    const row = await this.prisma.scoped.webhookSubscription.findUnique({ where: { id }, include: withSecrets });
    if (!row) throw notFound('webhook');
    return toWebhookResponse(row);
  }

  async update(id: string, dto: UpdateWebhookDto): Promise<WebhookResponse> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    return this.prisma.tenantTransaction(async (tx) => {
      const before = await this.lock(tx, id);
      const reenable = dto.active === true && !before.active;
      const after = await tx.webhookSubscription.update({
        where: { id },
        data: {
          ...(dto.url !== undefined ? { url: dto.url } : {}),
          ...(dto.eventTypes !== undefined ? { eventTypes: dto.eventTypes } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(dto.active === false && before.active
            ? { active: false, disabledAt: new Date(), disabledReason: 'paused by a tenant administrator' }
            : {}),
          ...(reenable ? { active: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null } : {}),
        },
        include: withSecrets,
      });
      const response = toWebhookResponse(after);
      await this.audit.record(tx, {
        action: reenable ? 'webhook.enabled' : 'webhook.updated',
        resourceType: RESOURCE,
        resourceId: id,
        before: toWebhookResponse(before),
        after: response,
      });
      return response;
    });
  }

  async remove(id: string): Promise<void> {
    await this.prisma.tenantTransaction(async (tx) => {
      const before = await this.lock(tx, id);
      await tx.webhookSubscription.delete({ where: { id } });
      await this.audit.record(tx, {
        action: 'webhook.deleted',
        resourceType: RESOURCE,
        resourceId: id,
        before: toWebhookResponse(before),
      });
    });
  }

  async createSecret(tenantId: string, id: string): Promise<CreatedWebhookSecretResponse> {
    return this.prisma.tenantTransaction(async (tx) => {
      await this.lock(tx, id);
      const { row, secret } = await this.addSecret(tx, tenantId, id);
      const response = toSecretResponse(row);
      await this.audit.record(tx, {
        action: 'webhook.secret_created',
        resourceType: RESOURCE,
        resourceId: id,
        after: response,
        metadata: { secretId: row.id },
      });
      return { ...response, secret };
    });
  }

  /** Revokes a secret (idempotent); the last active secret cannot be revoked (409). */
  async revokeSecret(id: string, secretId: string): Promise<WebhookResponse> {
    return this.prisma.tenantTransaction(async (tx) => {
      const subscription = await this.lock(tx, id);
      const secret = subscription.secrets.find((s) => s.id === secretId);
      if (!secret) throw notFound('webhook secret');
      if (secret.revokedAt) return toWebhookResponse(subscription);
      if (subscription.secrets.filter((s) => !s.revokedAt).length <= 1) {
        throw new AppError(IntegrationsErrorCode.LastWebhookSecret, 409, 'Conflict', {
          detail: 'This is the last active signing secret of the webhook; create another one before revoking it.',
        });
      }
      const revoked = await tx.webhookSecret.update({ where: { id: secretId }, data: { revokedAt: new Date() } });
      await this.audit.record(tx, {
        action: 'webhook.secret_revoked',
        resourceType: RESOURCE,
        resourceId: id,
        before: toSecretResponse(secret),
        after: toSecretResponse(revoked),
        metadata: { secretId },
      });
      return toWebhookResponse(await tx.webhookSubscription.findUniqueOrThrow({ where: { id }, include: withSecrets }));
    });
  }

  async listDeliveries(id: string, query: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryResponse>> {
    const subscription = await this.prisma.scoped.webhookSubscription.findUnique({
      where: { id },
      select: { id: true },
    });
    if (!subscription) throw notFound('webhook');
    const rows = await this.prisma.scoped.webhookDelivery.findMany({
      where: {
        subscriptionId: id,
        ...(query.status ? { status: query.status } : {}),
        ...TimeIdCursor.after(TimeIdCursor.decode(query.cursor), 'desc'),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      include: { attemptLog: { orderBy: { attempt: 'asc' }, take: ATTEMPTS_IN_LIST } },
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, toDeliveryResponse);
  }

  async getDelivery(deliveryId: string): Promise<WebhookDeliveryResponse> {
    const row = await this.prisma.scoped.webhookDelivery.findUnique({
      where: { id: deliveryId },
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
    });
    if (!row) throw notFound('webhook delivery');
    return toDeliveryResponse(row);
  }

  /** A DEAD or SUCCEEDED delivery goes back to PENDING with a new job (same event id, new attempts). */
  async redeliver(deliveryId: string): Promise<WebhookDeliveryResponse> {
    await this.prisma.tenantTransaction(async (tx) => {
      const [row] = await tx.$queryRawUnsafe<
        { id: string; status: string; tenant_id: string; subscription_id: string }[]
      >(
        `SELECT id, status, tenant_id, subscription_id FROM webhook_deliveries WHERE id = $1::uuid FOR UPDATE`,
        deliveryId,
      );
      if (!row) throw notFound('webhook delivery');
      if (row.status === 'PENDING') {
        throw new AppError(IntegrationsErrorCode.DeliveryNotFinished, 409, 'Conflict', {
          detail: 'The delivery is still PENDING; only DEAD or SUCCEEDED deliveries can be redelivered.',
        });
      }
      await tx.webhookDelivery.update({ where: { id: deliveryId }, data: { status: 'PENDING', deliveredAt: null } });
      await this.outbox.enqueue(tx, {
        queue: WEBHOOKS_QUEUE,
        job: 'webhook-delivery',
        data: { tenantId: row.tenant_id, deliveryId },
        attempts: this.config.get('WEBHOOK_MAX_ATTEMPTS', { infer: true }),
      });
      await this.audit.record(tx, {
        action: 'webhook.redelivered',
        resourceType: RESOURCE,
        resourceId: row.subscription_id,
        before: { status: row.status },
        after: { status: 'PENDING' },
        metadata: { deliveryId },
      });
    });
    return this.getDelivery(deliveryId);
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.config.get('WEBHOOK_ALLOW_PRIVATE_TARGETS', { infer: true }));
    if (problem) throw webhookUrlRefused(problem);
  }

  /** The subscription with its secrets, row-locked for a change; 404 when it does not exist. */
  private async lock(tx: Tx, id: string) {
    const [locked] = await tx.$queryRawUnsafe<{ id: string }[]>(
      'SELECT id FROM webhook_subscriptions WHERE id = $1::uuid FOR UPDATE',
      id,
    );
    if (!locked) throw notFound('webhook');
    return tx.webhookSubscription.findUniqueOrThrow({ where: { id }, include: withSecrets });
  }

  private async addSecret(tx: Tx, tenantId: string, subscriptionId: string) {
    const id = randomUUID();
    const secret = newWebhookSecret();
    const row = await tx.webhookSecret.create({
      data: {
        id,
        tenantId,
        subscriptionId,
        // The secret id is the AAD: a ciphertext copied to another secret row does not decrypt.
        secretEncrypted: this.keyRing.encrypt(secret, id),
        prefix: webhookSecretPrefix(secret),
      },
    });
    return { row, secret };
  }
}
