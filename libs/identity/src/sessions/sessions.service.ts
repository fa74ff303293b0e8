import { Injectable } from '@nestjs/common';
import type { AuthSession } from '@prisma/client';
import { TimeIdCursor, toPage, type Page, type PageQueryDto, type UserPrincipal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { notFound } from '../identity.errors';
import type { SessionResponse } from './session.dto';
import { SessionTokens } from './session-tokens.service';

/** A user's own sign-in sessions: list them, end one. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: SessionTokens,
    private readonly audit: AuditService,
  ) {}

  async list(user: UserPrincipal, query: PageQueryDto): Promise<Page<SessionResponse>> {
    const after = TimeIdCursor.decode(query.cursor);
    const rows = await this.prisma.authSession.findMany({
      where: {
        userId: user.userId,
        ...TimeIdCursor.after(after, 'desc'),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, (s) => toResponse(s, user.sessionId));
  }

  /** Ends one of the user's own sessions; another user's session id is simply not found. */
  async revoke(user: UserPrincipal, id: string): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      const session = await tx.authSession.findFirst({ where: { id, userId: user.userId } });
      if (!session) throw notFound('session');
      if (session.revokedAt) return;
      await this.tokens.revoke(tx, { id }, 'revoked');
      await this.audit.record(tx, {
        tenantId: null,
        action: 'auth.session_revoked',
        resourceType: 'session',
        resourceId: id,
      });
    });
    this.tokens.forget({ id });
  }
}

function toResponse(s: AuthSession, currentId: string | undefined): SessionResponse {
  return {
    id: s.id,
    method: s.method,
    tenantId: s.tenantId,
    ip: s.ip,
    userAgent: s.userAgent,
    createdAt: s.createdAt,
    lastUsedAt: s.lastUsedAt,
    expiresAt: s.expiresAt,
    revokedAt: s.revokedAt,
    revokedReason: s.revokedReason,
    current: s.id === currentId,
  };
}
