import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { AppError, TimeIdCursor, toPage, type Page, type TenantRole, type UserPrincipal } from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { PrincipalCache } from '../authentication/principal-cache';
import { IdentityErrorCode, notFound } from '../identity.errors';
import type { AddMemberDto, MemberResponse } from './tenant.dto';
import type { PageQueryDto } from '@itinera/platform';

type MembershipWithUser = Prisma.MembershipGetPayload<{ include: { user: true } }>;

const toMember = (m: MembershipWithUser): MemberResponse => ({
  userId: m.userId,
  email: m.user.email,
  displayName: m.user.displayName,
  role: m.role,
  createdAt: m.createdAt,
});

const ownerRequired = (detail: string) => new AppError(IdentityErrorCode.OwnerRequired, 403, 'Forbidden', { detail });

/**
 * The members of the active tenant, for its admins. Everything runs tenant-scoped, so a user id of
 * another tenant is simply not found. Only an OWNER grants, changes or removes the OWNER role, and
 * the last OWNER cannot be removed or demoted.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly cache: PrincipalCache,
  ) {}

  async list(query: PageQueryDto): Promise<Page<MemberResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.scoped.membership.findMany({
      where: TimeIdCursor.after(after, 'asc'),
      include: { user: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, toMember);
  }

  async add(actor: UserPrincipal, dto: AddMemberDto): Promise<MemberResponse> {
    if (dto.role === 'OWNER' && actor.role !== 'OWNER') throw ownerRequired('Only an OWNER can make someone an OWNER.');
    const user = await this.prisma.user.findUnique({ where: { email: dto.email } });
    if (!user) {
      throw new AppError('VALIDATION_FAILED', 400, 'Bad Request', {
        detail: 'No registered user has this email; ask them to register first.',
        errors: [{ field: 'email', message: 'is not the email of a registered user' }],
      });
    }
    return this.prisma.tenantTransaction(async (tx) => {
      const membership = await tx.membership
        .create({ data: { tenantId: actor.tenantId!, userId: user.id, role: dto.role }, include: { user: true } })
        .catch((error: unknown) => {
          if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
            throw new AppError('CONFLICT', 409, 'Conflict', { detail: 'The user is already a member of this tenant.' });
          }
          throw error;
        });
      await this.audit.record(tx, {
        action: 'membership.created',
        resourceType: 'membership',
        resourceId: user.id,
        after: { userId: user.id, role: dto.role },
      });
      return toMember(membership);
    });
  }

  async changeRole(actor: UserPrincipal, userId: string, role: TenantRole): Promise<MemberResponse> {
    const updated = await this.prisma.tenantTransaction(async (tx) => {
      const current = await this.lockMember(tx, userId);
      if ((current.role === 'OWNER' || role === 'OWNER') && actor.role !== 'OWNER') {
        throw ownerRequired('Only an OWNER can grant or take away the OWNER role.');
      }
      if (current.role === 'OWNER' && role !== 'OWNER') await this.assertAnotherOwner(tx, userId);
      const membership = await tx.membership.update({
        where: { id: current.id },
        data: { role },
        include: { user: true },
      });
      await this.audit.record(tx, {
        action: 'membership.role_changed',
        resourceType: 'membership',
        resourceId: userId,
        before: { role: current.role },
        after: { role },
      });
      return membership;
    });
    this.cache.evictUser(userId);
    return toMember(updated);
  }

  async remove(actor: UserPrincipal, userId: string): Promise<void> {
    await this.prisma.tenantTransaction(async (tx) => {
      const current = await this.lockMember(tx, userId);
      if (current.role === 'OWNER') {
        if (actor.role !== 'OWNER') throw ownerRequired('Only an OWNER can remove an OWNER.');
        await this.assertAnotherOwner(tx, userId);
      }
      await tx.membership.delete({ where: { id: current.id } });
      await this.audit.record(tx, {
        action: 'membership.deleted',
        resourceType: 'membership',
        resourceId: userId,
        before: { role: current.role },
      });
    });
    this.cache.evictUser(userId);
  }

  /** The member row, locked for the rest of the transaction; 404 when not in this tenant. */
  private async lockMember(tx: Tx, userId: string) {
    const [row] = await tx.$queryRaw<{ id: string; role: TenantRole }[]>`
      SELECT id, role FROM memberships WHERE user_id = ${userId}::uuid FOR UPDATE`;
    if (!row) throw notFound('member');
    return row;
  }

  /** Owners are locked too, so two owners cannot demote each other at once and leave none. */
  private async assertAnotherOwner(tx: Tx, leavingUserId: string): Promise<void> {
    const owners = await tx.$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM memberships WHERE role = 'OWNER' ORDER BY id FOR UPDATE`;
    if (!owners.some((o) => o.user_id !== leavingUserId)) {
      throw new AppError(IdentityErrorCode.OwnerRequired, 409, 'Conflict', {
        detail: 'A tenant must keep at least one OWNER.',
      });
    }
  }
}
