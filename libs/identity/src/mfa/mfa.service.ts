import { Injectable } from '@nestjs/common';
import { AppError, type UserPrincipal } from '@itinera/platform';
import { PrismaService } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { IdentityErrorCode } from '../identity.errors';
import type { MfaEnrolmentResponse } from './mfa.dto';
import { Totp } from './totp';

const invalidCode = () =>
  new AppError(IdentityErrorCode.InvalidMfaCode, 400, 'Bad Request', {
    detail: 'The code is wrong, expired or already used.',
    errors: [{ field: 'code', message: 'is not a current code of the authenticator app' }],
  });
const mfaState = (detail: string) => new AppError(IdentityErrorCode.MfaState, 409, 'Conflict', { detail });

/** TOTP enrolment: enrol (seed shown once), confirm with a first code (MFA on), disable with a code. */
@Injectable()
export class MfaService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly totp: Totp,
    private readonly audit: AuditService,
  ) {}

  async enrol(principal: UserPrincipal): Promise<MfaEnrolmentResponse> {
    return this.prisma.transaction(async (tx) => {
      const user = await tx.user.findUniqueOrThrow({ where: { id: principal.userId } });
      if (user.mfaEnabledAt) throw mfaState('MFA is already on; disable it first to enrol a new device.');
      const seed = this.totp.newSeed(user.id, user.email);
      await tx.user.update({ where: { id: user.id }, data: { mfaSecret: seed.encrypted, mfaLastStep: null } });
      await this.audit.record(tx, {
        tenantId: null,
        action: 'user.mfa_enrolment_started',
        resourceType: 'user',
        resourceId: user.id,
      });
      return { secret: seed.secret, otpauthUrl: seed.otpauthUrl };
    });
  }

  async confirm(principal: UserPrincipal, code: string): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      const user = await tx.user.findUniqueOrThrow({ where: { id: principal.userId } });
      if (user.mfaEnabledAt) throw mfaState('MFA is already on.');
      if (!user.mfaSecret) throw mfaState('Enrol first (POST /auth/mfa/enrol).');
      const step = this.totp.acceptedStep(user.mfaSecret, user.id, code, user.mfaLastStep);
      if (step === undefined) throw invalidCode();
      await tx.user.update({ where: { id: user.id }, data: { mfaEnabledAt: new Date(), mfaLastStep: step } });
      await this.audit.record(tx, {
        tenantId: null,
        action: 'user.mfa_enabled',
        resourceType: 'user',
        resourceId: user.id,
      });
    });
  }

  async disable(principal: UserPrincipal, code: string): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      const user = await tx.user.findUniqueOrThrow({ where: { id: principal.userId } });
      if (!user.mfaEnabledAt || !user.mfaSecret) throw mfaState('MFA is not on.');
      const step = this.totp.acceptedStep(user.mfaSecret, user.id, code, user.mfaLastStep);
      if (step === undefined) throw invalidCode();
      await tx.user.update({
        where: { id: user.id },
        data: { mfaEnabledAt: null, mfaSecret: null, mfaLastStep: null },
      });
      await this.audit.record(tx, {
        tenantId: null,
        action: 'user.mfa_disabled',
        resourceType: 'user',
        resourceId: user.id,
      });
    });
  }
}
