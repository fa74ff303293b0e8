import { Injectable } from '@nestjs/common';
import type { ApiKey } from '@prisma/client';
import { AppError, TimeIdCursor, toPage, type Page, type PageQueryDto, type Principal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { PrincipalCache } from '../authentication/principal-cache';
import { newApiKey } from '../credentials/api-key-format';
import { sha256 } from '@itinera/platform';
import { notFound } from '../identity.errors';
import type { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './api-key.dto';

const toResponse = (k: ApiKey): ApiKeyResponse => ({
  id: k.id,
  name: k.name,
  prefix: `itk_${k.prefix}`,
  scopes: k.scopes,
  createdBy: k.createdBy,
  expiresAt: k.expiresAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
  createdAt: k.createdAt,
});

/** The active tenant's API keys: created (shown once), listed, revoked; all tenant-scoped and audited. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly cache: PrincipalCache,
  ) {}

  async create(actor: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    if (dto.expiresAt && dto.expiresAt <= new Date()) {
      throw new AppError('VALIDATION_FAILED', 400, 'Bad Request', {
        detail: 'expiresAt is in the past.',
        errors: [{ field: 'expiresAt', message: 'must be in the future' }],
      });
    }
    const { key, prefix, secret } = newApiKey();
    return this.prisma.tenantTransaction(async (tx) => {
      const row = await tx.apiKey.create({
        data: {
          tenantId: actor.tenantId!,
          name: dto.name,
          prefix,
          keyHash: new Uint8Array(sha256(secret)),
          scopes: dto.scopes,
          createdBy: actor.kind === 'user' ? actor.userId : null,
          expiresAt: dto.expiresAt ?? null,
        },
      });
      const response = toResponse(row);
      await this.audit.record(tx, {
        action: 'api_key.created',
        resourceType: 'api_key',
        resourceId: row.id,
        after: response,
      });
      return { ...response, key };
    });
  }

  async list(query: PageQueryDto): Promise<Page<ApiKeyResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.scoped.apiKey.findMany({
      where: TimeIdCursor.after(after, 'desc'),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, toResponse);
  }

  async get(id: string): Promise<ApiKeyResponse> {
    const key = await this.prisma.scoped.apiKey.findUnique({ where: { id } });
    if (!key) throw notFound('API key');
    return toResponse(key);
  }

  /** Revokes a key (idempotent); it stops working at once here and within the cache TTL elsewhere. */
  async revoke(id: string): Promise<ApiKeyResponse> {
    const revoked = await this.prisma.tenantTransaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`;
      if (!current) throw notFound('API key');
      const before = await tx.apiKey.findUniqueOrThrow({ where: { id } });
      if (before.revokedAt) return before;
      const after = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      await this.audit.record(tx, {
        action: 'api_key.revoked',
        resourceType: 'api_key',
        resourceId: id,
        before: toResponse(before),
        after: toResponse(after),
      });
      return after;
    });
    this.cache.evictApiKey(id);
    return toResponse(revoked);
  }
}
