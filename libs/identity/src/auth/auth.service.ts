import { Injectable } from '@nestjs/common';
import { AppError, forbidden, RequestContext, WWW_AUTHENTICATE, type UserPrincipal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { PasswordHasher } from '../credentials/password-hasher';
import { LoginThrottle } from '../credentials/login-throttle';
import { sha256 } from '@itinera/platform';
import { SessionTokens } from '../sessions/session-tokens.service';
import { Totp } from '../mfa/totp';
import { IdentityErrorCode, invalidCredentials } from '../identity.errors';
import { toUserResponse, UserDirectory } from '../users/user-directory';
import type { ChangePasswordDto, LoginDto, MeResponse, RegisterDto, TokenPairResponse, UserResponse } from './auth.dto';

interface RefreshRow {
  token_id: string;
  used_at: Date | null;
  session_id: string;
  user_id: string;
  tenant_id: string | null;
  session_active: boolean;
}

const invalidRefreshToken = () =>
  new AppError(IdentityErrorCode.InvalidRefreshToken, 401, 'Unauthorized', {
    headers: WWW_AUTHENTICATE,
    detail: 'The refresh token is not valid (unknown, already used, or its session ended). Sign in again.',
  });

/** Sign-up, sign-in, token refresh and the signed-in user's own account. */
@Injectable()
export class AuthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionTokens,
    private readonly totp: Totp,
    private readonly audit: AuditService,
    private readonly directory: UserDirectory,
  ) {}

  async register(dto: RegisterDto): Promise<UserResponse> {
    const passwordHash = await this.passwords.hash(dto.password);
    return this.prisma.transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { email: dto.email }, select: { id: true } })) {
        throw new AppError(IdentityErrorCode.EmailTaken, 409, 'Conflict', {
          detail: 'This email is already registered.',
        });
      }
      const user = await tx.user.create({ data: { email: dto.email, displayName: dto.displayName, passwordHash } });
      await this.audit.record(tx, {
        tenantId: null,
        actor: { type: 'USER', id: user.id },
        action: 'user.registered',
        resourceType: 'user',
        resourceId: user.id,
        after: { email: user.email, displayName: user.displayName },
      });
      return toUserResponse(user);
    });
  }

  async login(dto: LoginDto): Promise<TokenPairResponse> {
    const ip = RequestContext.get('ip') ?? 'unknown';
    // Every attempt is counted up front; those that turn out not to be failures are given back.
    await this.throttle.reserve(dto.email, ip);
    const user = await this.prisma.user.findUnique({ where: { email: dto.email } });
    const passwordOk = await this.passwords.verify(dto.password, user?.passwordHash);
    if (!user || !passwordOk || user.status !== 'ACTIVE') {
      await this.failed(dto.email, ip, user?.id, !user ? 'unknown-email' : !passwordOk ? 'wrong-password' : 'disabled');
      throw invalidCredentials();
    }
    let mfaStep: bigint | undefined;
    if (user.mfaEnabledAt && user.mfaSecret) {
      if (!dto.mfaCode) {
        await this.throttle.release(dto.email, ip);
        throw new AppError(IdentityErrorCode.MfaRequired, 401, 'Unauthorized', {
          headers: WWW_AUTHENTICATE,
          detail: 'This account uses MFA: send the code of the authenticator app as mfaCode.',
        });
      }
      mfaStep = this.totp.acceptedStep(user.mfaSecret, user.id, dto.mfaCode, user.mfaLastStep);
      if (mfaStep === undefined) {
        await this.failed(dto.email, ip, user.id, 'wrong-mfa-code');
        throw invalidCredentials();
      }
    }
    const tenant = await this.directory.tenantFor(user, dto.tenantId);
    if (tenant === null) {
      await this.throttle.release(dto.email, ip);
      throw new AppError(IdentityErrorCode.TenantUnavailable, 403, 'Forbidden', {
        detail: 'You are not a member of that tenant, or it is deactivated.',
      });
    }
    await this.throttle.succeeded(dto.email, ip);
    const rehash = this.passwords.needsRehash(user.passwordHash!) ? await this.passwords.hash(dto.password) : undefined;
    const tenantId = tenant?.tenantId ?? null;
    return this.prisma.tenantTransaction(
      async (tx) => {
        if (mfaStep !== undefined) {
          // The code's step is taken only if no concurrent sign-in took it (or a later one) first.
          const { count } = await tx.user.updateMany({
            where: { id: user.id, OR: [{ mfaLastStep: null }, { mfaLastStep: { lt: mfaStep } }] },
            data: { mfaLastStep: mfaStep },
          });
          if (count === 0) throw invalidCredentials();
        }
        await tx.user.update({
          where: { id: user.id },
          data: { lastLoginAt: new Date(), ...(rehash ? { passwordHash: rehash } : {}) },
        });
        const tokens = await this.sessions.start(
          tx,
          user.id,
          tenantId,
          mfaStep !== undefined ? 'password+totp' : 'password',
        );
        await this.audit.record(tx, {
          tenantId,
          actor: { type: 'USER', id: user.id },
          action: 'auth.login',
          resourceType: 'session',
          resourceId: tokens.sessionId,
          metadata: { method: mfaStep !== undefined ? 'password+totp' : 'password' },
        });
        return tokens;
      },
      { tenantId: tenantId ?? undefined, scope: tenantId ? undefined : 'platform' },
    );
  }

  /** Audits a failed sign-in (the platform chain: no tenant is known); the throttle counted it already. */
  private async failed(email: string, ip: string, userId: string | undefined, reason: string): Promise<void> {
    await this.audit.recordAlone({
      tenantId: null,
      actor: userId ? { type: 'USER', id: userId } : { type: 'ANONYMOUS' },
      action: 'auth.login_failed',
      resourceType: 'user',
      resourceId: userId,
      metadata: { email, reason },
    });
  }

  /**
   * Rotates a refresh token. A token that was already used means it leaked (or a client replayed
   * it): the whole session is revoked, and both the thief and the owner must sign in again.
   */
  async refresh(refreshToken: string): Promise<TokenPairResponse> {
    const outcome = await this.prisma.transaction(async (tx) => {
      const [row] = await tx.$queryRaw<RefreshRow[]>`
        SELECT rt.id AS token_id, rt.used_at, s.id AS session_id, s.user_id, s.tenant_id,
               (s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'ACTIVE') AS session_active
        FROM refresh_tokens rt
        JOIN auth_sessions s ON s.id = rt.session_id
        JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = ${new Uint8Array(sha256(refreshToken))}
        FOR UPDATE OF rt, s`;
      if (!row || !row.session_active) return { error: true as const };
      if (row.used_at) {
        await this.sessions.revoke(tx, { id: row.session_id }, 'refresh-token-reuse');
        await this.audit.record(tx, {
          tenantId: null,
          actor: { type: 'USER', id: row.user_id },
          action: 'auth.refresh_token_reused',
          resourceType: 'session',
          resourceId: row.session_id,
          metadata: { revoked: true },
        });
        return { error: true as const, endedSession: row.session_id };
      }
      await tx.refreshToken.update({ where: { id: row.token_id }, data: { usedAt: new Date() } });
      const user = await tx.user.findUniqueOrThrow({ where: { id: row.user_id } });
      // The tenant may have been deactivated, or the user removed from it, since the last refresh.
      const tenant = row.tenant_id ? await this.directory.tenantFor(user, row.tenant_id) : undefined;
      const tenantId = tenant?.tenantId ?? null;
      await tx.authSession.update({ where: { id: row.session_id }, data: { lastUsedAt: new Date(), tenantId } });
      return { tokens: await this.sessions.issue(tx, row.session_id, row.user_id, tenantId) };
    });
    if ('error' in outcome) {
      if (outcome.endedSession) this.sessions.forget({ id: outcome.endedSession });
      throw invalidRefreshToken();
    }
    return outcome.tokens;
  }

  async logout(principal: UserPrincipal): Promise<void> {
    if (!principal.sessionId) throw forbidden('OIDC tokens have no Itinera session to end.');
    await this.prisma.transaction(async (tx) => {
      await this.sessions.revoke(tx, { id: principal.sessionId }, 'logout');
      await this.audit.record(tx, {
        tenantId: null,
        action: 'auth.logout',
        resourceType: 'session',
        resourceId: principal.sessionId,
      });
    });
    this.sessions.forget({ id: principal.sessionId });
  }

  async me(principal: UserPrincipal): Promise<MeResponse> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    return {
      user: toUserResponse(user),
      memberships: await this.directory.memberships(user.id),
      activeTenantId: principal.tenantId ?? null,
      activeRole: principal.role ?? null,
      sessionId: principal.sessionId ?? null,
    };
  }

  /** New tokens for the same session, acting in another of the user's tenants. */
  async switchTenant(principal: UserPrincipal, tenantId: string): Promise<TokenPairResponse> {
    if (!principal.sessionId) throw forbidden('OIDC tokens choose their tenant at sign-in.');
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    const tenant = await this.directory.tenantFor(user, tenantId);
    if (!tenant) {
      throw new AppError(IdentityErrorCode.TenantUnavailable, 403, 'Forbidden', {
        detail: 'You are not a member of that tenant, or it is deactivated.',
      });
    }
    return this.prisma.tenantTransaction(
      async (tx) => {
        await tx.authSession.update({ where: { id: principal.sessionId }, data: { tenantId, lastUsedAt: new Date() } });
        // The session's unused refresh tokens name the old tenant's session state: retire them.
        await tx.refreshToken.updateMany({
          where: { sessionId: principal.sessionId, usedAt: null },
          data: { usedAt: new Date() },
        });
        await this.audit.record(tx, {
          tenantId,
          action: 'auth.tenant_switched',
          resourceType: 'session',
          resourceId: principal.sessionId,
        });
        return this.sessions.issue(tx, principal.sessionId!, principal.userId, tenantId);
      },
      { tenantId },
    );
  }

  /** Changes the password and signs out every other session of the user. */
  async changePassword(principal: UserPrincipal, dto: ChangePasswordDto): Promise<void> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    const ip = RequestContext.get('ip') ?? 'unknown';
    // Guessing the current password here is throttled like sign-in, with the same allowance.
    await this.throttle.reserve(user.email, ip);
    if (!(await this.passwords.verify(dto.currentPassword, user.passwordHash))) {
      await this.failed(user.email, ip, user.id, 'wrong-password-on-change');
      throw invalidCredentials();
    }
    await this.throttle.succeeded(user.email, ip);
    const passwordHash = await this.passwords.hash(dto.newPassword);
    await this.prisma.transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: new Date() } });
      const ended = await this.sessions.revoke(tx, { userId: user.id, notId: principal.sessionId }, 'password-changed');
      await this.audit.record(tx, {
        tenantId: null,
        action: 'user.password_changed',
        resourceType: 'user',
        resourceId: user.id,
        metadata: { otherSessionsEnded: ended },
      });
    });
    this.sessions.forget({ userId: user.id, notId: principal.sessionId });
  }
}
