import { Injectable } from '@nestjs/common';
import type { ConsentGrant, Prisma } from '@prisma/client';
import {
  AppConfig,
  TimeIdCursor,
  toPage,
  validationFailed,
  type FieldError,
  type Page,
  type UserPrincipal,
} from '@itinera/platform';
import { PrismaService, type Tx } from '@itinera/prisma';
import { AuditService } from '@itinera/audit';
import { OutboxService, PATIENT_RECORDS_QUEUE, type ConsentNotifyData } from '@itinera/queues';
import { PatientRecordAccess } from '../access/patient-record-access.service';
import { recordNotFound } from '../patient-repository.errors';
import { grantNotActive, grantNotFound, notASpecialist } from './consent.errors';
import type { CreateConsentGrantDto } from './dto/create-consent-grant.dto';
import type { ListConsentGrantsQuery, ListSpecialistGrantsQuery } from './dto/list-consent-grants.query';
import type { RevokeConsentGrantDto } from './dto/revoke-consent-grant.dto';
import { toConsentGrantResponse, type ConsentGrantResponse } from './dto/consent-grant.response';

/** A periodStart this far in the past is still "now" (clocks of client and server differ). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the audit log keeps of a grant: ids, scopes, purpose, period and status; never a reason text. */
const auditedGrant = (g: ConsentGrant) => ({
  repositoryId: g.repositoryId,
  specialistUserId: g.specialistUserId,
  scopes: g.scopes,
  purpose: g.purpose,
  periodStart: g.periodStart,
  periodEnd: g.periodEnd,
  status: g.status,
});

/**
 * Consent grants from a patient to a specialist: given and revoked by the record's patient (through
 * PatientRecordAccess.write, so only a verified patient changes their record's consents), listed by
 * the patient and by the specialist. Each change is audited and tells the specialist through the
 * outbox ('consent-notify'), in the transaction of the change.
 */
@Injectable()
export class ConsentGrantsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: PatientRecordAccess,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  async create(
    principal: UserPrincipal,
    repositoryId: string,
    dto: CreateConsentGrantDto,
  ): Promise<ConsentGrantResponse> {
    const period = this.checkPeriod(dto);
    return this.access.write({ type: 'USER', id: principal.userId, role: principal.role }, repositoryId, async (tx) => {
      // Memberships are tenant rows: only a specialist of this tenant is found.
      const [member] = await tx.$queryRaw<{ role: string }[]>`
        SELECT role::text AS role FROM memberships WHERE user_id = ${dto.specialistUserId}::uuid`;
      if (member?.role !== 'SPECIALIST') throw notASpecialist();
      const grant = await tx.consentGrant.create({
        data: {
          tenantId: principal.tenantId!,
          repositoryId,
          specialistUserId: dto.specialistUserId,
          scopes: dto.scopes,
          purpose: dto.purpose,
          ...period,
          createdBy: principal.userId,
        },
      });
      await this.audit.record(tx, {
        action: 'consent-grant.created',
        resourceType: 'consent-grant',
        resourceId: grant.id,
        after: auditedGrant(grant),
      });
      await this.notify(tx, grant, 'granted');
      return toConsentGrantResponse(grant, 'patient');
    });
  }

  /** The grants of the caller's own record, newest first. */
  list(
    principal: UserPrincipal,
    repositoryId: string,
    query: ListConsentGrantsQuery,
  ): Promise<Page<ConsentGrantResponse>> {
    return this.prisma.tenantTransaction(async (tx) => {
      await this.assertPatientOf(tx, principal, repositoryId);
      return this.page(tx, { repositoryId, ...(query.status ? { status: query.status } : {}) }, query, 'patient');
    });
  }

  /** One grant: to its record's patient, or to the specialist it names (anyone else: 404). */
  get(principal: UserPrincipal, repositoryId: string, grantId: string): Promise<ConsentGrantResponse> {
    return this.prisma.tenantTransaction(async (tx) => {
      const grant = await tx.consentGrant.findFirst({ where: { id: grantId, repositoryId } });
      if (grant && grant.specialistUserId === principal.userId) return toConsentGrantResponse(grant, 'specialist');
      await this.assertPatientOf(tx, principal, repositoryId);
      if (!grant) throw grantNotFound();
      return toConsentGrantResponse(grant, 'patient');
    });
  }

  /** ACTIVE to REVOKED; the grant stops working at once (a read under it after this commit is refused). */
  revoke(
    principal: UserPrincipal,
    repositoryId: string,
    grantId: string,
    dto: RevokeConsentGrantDto,
  ): Promise<ConsentGrantResponse> {
    return this.access.write({ type: 'USER', id: principal.userId, role: principal.role }, repositoryId, async (tx) => {
      // The lock orders this after any read holding the grant FOR SHARE (PatientRecordAccess.read).
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        SELECT status::text AS status FROM consent_grants
         WHERE id = ${grantId}::uuid AND repository_id = ${repositoryId}::uuid FOR UPDATE`;
      if (!locked) throw grantNotFound();
      if (locked.status !== 'ACTIVE') throw grantNotActive(locked.status);
      const grant = await tx.consentGrant.update({
        where: { id: grantId },
        data: { status: 'REVOKED', revokedAt: new Date(), revokeReason: dto.reason ?? null, updatedAt: new Date() },
      });
      await this.audit.record(tx, {
        action: 'consent-grant.revoked',
        resourceType: 'consent-grant',
        resourceId: grant.id,
        before: { status: 'ACTIVE' },
        after: { status: 'REVOKED', repositoryId, specialistUserId: grant.specialistUserId, scopes: grant.scopes },
      });
      await this.notify(tx, grant, 'revoked');
      return toConsentGrantResponse(grant, 'patient');
    });
  }

  /** The grants given to the calling specialist: live ones, or those of one status. */
  listForSpecialist(principal: UserPrincipal, query: ListSpecialistGrantsQuery): Promise<Page<ConsentGrantResponse>> {
    const now = new Date();
    const where: Prisma.ConsentGrantWhereInput = query.status
      ? { specialistUserId: principal.userId, status: query.status }
      : { specialistUserId: principal.userId, status: 'ACTIVE', periodStart: { lte: now }, periodEnd: { gt: now } };
    return this.prisma.tenantTransaction((tx) => this.page(tx, where, query, 'specialist'));
  }

  private async page(
    tx: Tx,
    where: Prisma.ConsentGrantWhereInput,
    query: { cursor?: string; limit: number },
    view: 'patient' | 'specialist',
  ): Promise<Page<ConsentGrantResponse>> {
    const rows = await tx.consentGrant.findMany({
      where: { AND: [where, TimeIdCursor.after(TimeIdCursor.decode(query.cursor), 'desc')] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const now = new Date();
    return toPage(rows, query.limit, TimeIdCursor.cursorOf, (g) => toConsentGrantResponse(g, view, now));
  }

  /** The caller is the patient of this (not erased) record, or it does not exist for them. */
  private async assertPatientOf(tx: Tx, principal: UserPrincipal, repositoryId: string): Promise<void> {
    const [repository] = await tx.$queryRaw<{ patient_user_id: string; status: string }[]>`
      SELECT patient_user_id, status::text AS status FROM patient_repositories WHERE id = ${repositoryId}::uuid`;
    if (!repository || repository.status === 'ERASED' || repository.patient_user_id !== principal.userId) {
      throw recordNotFound();
    }
  }

  private notify(tx: Tx, grant: ConsentGrant, kind: ConsentNotifyData['kind']): Promise<string> {
    return this.outbox.enqueue(tx, {
      queue: PATIENT_RECORDS_QUEUE,
      job: 'consent-notify',
      data: { tenantId: grant.tenantId, grantId: grant.id, kind },
    });
  }

  /** The period rules that depend on the clock and on CONSENT_MAX_DAYS (400, naming the field). */
  private checkPeriod(dto: CreateConsentGrantDto): { periodStart: Date; periodEnd: Date } {
    const now = Date.now();
    const maxDays = this.config.get('CONSENT_MAX_DAYS', { infer: true });
    const periodStart = dto.periodStart ?? new Date(now);
    const errors: FieldError[] = [];
    if (dto.periodStart && dto.periodStart.getTime() < now - CLOCK_SKEW_MS) {
      errors.push({ field: 'periodStart', message: 'must not be in the past' });
    }
    if (dto.periodEnd.getTime() <= periodStart.getTime()) {
      errors.push({ field: 'periodEnd', message: 'must be after periodStart' });
    } else if (dto.periodEnd.getTime() <= now) {
      errors.push({ field: 'periodEnd', message: 'must be in the future' });
    } else if (dto.periodEnd.getTime() > now + maxDays * DAY_MS) {
      errors.push({ field: 'periodEnd', message: `must be at most ${maxDays} days from now (CONSENT_MAX_DAYS)` });
    }
    if (errors.length) throw validationFailed(errors);
    return { periodStart, periodEnd: dto.periodEnd };
  }
}
