import { Injectable } from '@nestjs/common';
import { Prisma, type Tenant } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { AppError, TimeIdCursor, toPage, type Page } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { PrincipalCache } from '../authentication/principal-cache';
import { IdentityErrorCode, notFound } from '../identity.errors';
import type { CreateTenantDto, ListTenantsQuery, TenantResponse, UpdateTenantDto } from './tenant.dto';

const METADATA_MAX_BYTES = 16_384;

export function toTenantResponse(t: Tenant): TenantResponse {
  return {
    id: t.id,
    name: t.name,
    domain: t.domain,
    plan: t.plan,
    active: t.active,
    metadata: t.metadata as Record<string, unknown>,
    deactivatedAt: t.deactivatedAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** The tenant registry, for platform administrators. Each change is audited in the tenant's own chain. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly cache: PrincipalCache,
  ) {}

  async create(dto: CreateTenantDto): Promise<TenantResponse> {
    assertMetadataSize(dto.metadata);
    const id = randomUUID();
    const owner = dto.ownerEmail
      ? await this.prisma.user.findUnique({ where: { email: dto.ownerEmail }, select: { id: true } })
      : undefined;
    if (dto.ownerEmail && !owner) {
      throw new AppError('VALIDATION_FAILED', 400, 'Bad Request', {
        detail: 'No registered user has this email.',
        errors: [{ field: 'ownerEmail', message: 'is not the email of a registered user' }],
      });
    }
    return this.prisma.tenantTransaction(
      async (tx) => {
        const tenant = await tx.tenant
          .create({
            data: {
              id,
              name: dto.name,
              domain: dto.domain,
              plan: dto.plan,
              metadata: (dto.metadata ?? {}) as Prisma.InputJsonValue,
            },
          })
          .catch(domainTaken);
        if (owner) await tx.membership.create({ data: { tenantId: id, userId: owner.id, role: 'OWNER' } });
        await this.audit.record(tx, {
          tenantId: id,
          action: 'tenant.created',
          resourceType: 'tenant',
          resourceId: id,
          after: { ...toTenantResponse(tenant), ownerUserId: owner?.id ?? null },
        });
        return toTenantResponse(tenant);
      },
      { tenantId: id },
    );
  }

  async list(query: ListTenantsQuery): Promise<Page<TenantResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.tenant.findMany({
      where: {
        plan: query.plan,
        active: query.active,
        ...TimeIdCursor.after(after, 'desc'),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, toTenantResponse);
  }

  async get(id: string): Promise<TenantResponse> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id } });
    if (!tenant) throw notFound('tenant');
    return toTenantResponse(tenant);
  }

  async update(id: string, dto: UpdateTenantDto): Promise<TenantResponse> {
    assertMetadataSize(dto.metadata);
    const updated = await this.prisma.tenantTransaction(
      async (tx) => {
        const [before] = await tx.$queryRaw<Tenant[]>`SELECT id FROM tenants WHERE id = ${id}::uuid FOR UPDATE`;
        if (!before) throw notFound('tenant');
        const current = await tx.tenant.findUniqueOrThrow({ where: { id } });
        const deactivating = dto.active === false && current.active;
        const tenant = await tx.tenant
          .update({
            where: { id },
            data: {
              name: dto.name,
              domain: dto.domain,
              plan: dto.plan,
              metadata: dto.metadata as Prisma.InputJsonValue | undefined,
              ...(dto.active === undefined
                ? {}
                : { active: dto.active, deactivatedAt: dto.active ? null : (current.deactivatedAt ?? new Date()) }),
            },
          })
          .catch(domainTaken);
        const action = deactivating
          ? 'tenant.deactivated'
          : dto.active === true && !current.active
            ? 'tenant.reactivated'
            : 'tenant.updated';
        await this.audit.record(tx, {
          tenantId: id,
          action,
          resourceType: 'tenant',
          resourceId: id,
          before: toTenantResponse(current),
          after: toTenantResponse(tenant),
        });
        return tenant;
      },
      { tenantId: id },
    );
    if (!updated.active) this.cache.evictTenant(id);
    return toTenantResponse(updated);
  }
}

function assertMetadataSize(metadata: Record<string, unknown> | undefined): void {
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) {
    throw new AppError('VALIDATION_FAILED', 400, 'Bad Request', {
      detail: `metadata is larger than ${METADATA_MAX_BYTES} bytes.`,
      errors: [{ field: 'metadata', message: `must be at most ${METADATA_MAX_BYTES} bytes of JSON` }],
    });
  }
}

function domainTaken(error: unknown): never {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    throw new AppError(IdentityErrorCode.DomainTaken, 409, 'Conflict', { detail: 'Another tenant has this domain.' });
  }
  throw error;
}
