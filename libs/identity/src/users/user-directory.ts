import { Injectable } from '@nestjs/common';
import type { User } from '@prisma/client';
import type { TenantRole } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import type { MembershipResponse, UserResponse } from '../auth/auth.dto';

interface MembershipRow {
  tenant_id: string;
  tenant_name: string;
  tenant_domain: string;
  tenant_active: boolean;
  role: TenantRole;
}

/** Users and their tenants across tenants (through the migration's auth_user_memberships). */
@Injectable()
export class UserDirectory {
  constructor(private readonly prisma: PrismaService) {}

  async memberships(userId: string): Promise<MembershipResponse[]> {
    const rows = await this.prisma.$queryRaw<MembershipRow[]>`SELECT * FROM auth_user_memberships(${userId}::uuid)`;
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      tenantName: r.tenant_name,
      tenantDomain: r.tenant_domain,
      tenantActive: r.tenant_active,
      role: r.role,
    }));
  }

  /** The tenant a sign-in acts in: the one asked for, else the default, else the first active one. */
  async tenantFor(user: User, requested?: string): Promise<MembershipResponse | undefined | null> {
    const active = (await this.memberships(user.id)).filter((m) => m.tenantActive);
    if (requested) return active.find((m) => m.tenantId === requested) ?? null;
    return active.find((m) => m.tenantId === user.defaultTenantId) ?? active[0];
  }
}

export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    status: user.status,
    isPlatformAdmin: user.isPlatformAdmin,
    mfaEnabled: user.mfaEnabledAt !== null,
    createdAt: user.createdAt,
  };
}
