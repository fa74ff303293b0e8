import { ApiProperty } from '@nestjs/swagger';
import type { ConsentGrant, ConsentStatus, RecordCategory } from '@prisma/client';
import { RECORD_CATEGORIES } from '../../access/record-access.types';
import { PURPOSE_OF_USE_CODES } from '../purpose-of-use';
import { CONSENT_STATUSES } from './list-consent-grants.query';
import { ConsentProvision, toConsentProvision } from './consent-provision.response';

/** A consent grant: the patient's own view, or the specialist's (without the revocation reason). */
export class ConsentGrantResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  repositoryId!: string;
  @ApiProperty({ format: 'uuid' })
  specialistUserId!: string;
  @ApiProperty({ enum: RECORD_CATEGORIES, isArray: true })
  scopes!: RecordCategory[];
  /** HL7 v3 PurposeOfUse code. */
  @ApiProperty({ enum: PURPOSE_OF_USE_CODES })
  purpose!: string;
  periodStart!: Date;
  periodEnd!: Date;
  /** ACTIVE until revoked, or EXPIRED once the consent-expiry job has seen its period end. */
  @ApiProperty({ enum: CONSENT_STATUSES })
  status!: ConsentStatus;
  /** Whether the grant lets the specialist read right now: ACTIVE and inside its period. */
  live!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: Date | null;
  /** The patient's reason for revoking (the patient's view only; null for the specialist). */
  @ApiProperty({ type: String, nullable: true })
  revokeReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiredAt!: Date | null;
  /** The patient who gave the grant. */
  @ApiProperty({ format: 'uuid' })
  createdBy!: string;
  createdAt!: Date;
  updatedAt!: Date;
  /** The same grant as FHIR R4 Consent.provision. */
  provision!: ConsentProvision;
}

export function isLive(grant: Pick<ConsentGrant, 'status' | 'periodStart' | 'periodEnd'>, now = new Date()): boolean {
  return grant.status === 'ACTIVE' && grant.periodStart <= now && now < grant.periodEnd;
}

export function toConsentGrantResponse(
  grant: ConsentGrant,
  view: 'patient' | 'specialist',
  now = new Date(),
): ConsentGrantResponse {
  return {
    id: grant.id,
    repositoryId: grant.repositoryId,
    specialistUserId: grant.specialistUserId,
    scopes: grant.scopes,
    purpose: grant.purpose,
    periodStart: grant.periodStart,
    periodEnd: grant.periodEnd,
    status: grant.status,
    live: isLive(grant, now),
    revokedAt: grant.revokedAt,
    revokeReason: view === 'patient' ? grant.revokeReason : null,
    expiredAt: grant.expiredAt,
    createdBy: grant.createdBy,
    createdAt: grant.createdAt,
    updatedAt: grant.updatedAt,
    provision: toConsentProvision(grant),
  };
}
