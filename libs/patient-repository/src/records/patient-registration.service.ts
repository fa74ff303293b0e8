import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '@itinera/audit';
import { PrismaService } from '@itinera/prisma';
import { duplicatePatient, notAPatient } from './patient-records.errors';
import { PersonalInfoCodec } from './personal-info.codec';
import { toPersonalInfo } from './dto/personal-info.dto';
import type { RegisterPatientDto } from './dto/register-patient.dto';
import {
  SUMMARY_COLUMNS,
  toPatientRepositoryResponse,
  type PatientRepositoryResponse,
  type RepositorySummaryRow,
} from './dto/patient-repository.response';

/**
 * Staff register a patient's repository: the personal information is sealed (bound to the new
 * id) and its identity hash computed before anything is written, so the duplicate check is the
 * database's unique indexes alone and nothing stored is ever decrypted for it.
 */
@Injectable()
export class PatientRegistrationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly codec: PersonalInfoCodec,
    private readonly audit: AuditService,
  ) {}

  async register(registeredBy: string, dto: RegisterPatientDto): Promise<PatientRepositoryResponse> {
    const id = randomUUID();
    const sealed = this.codec.seal(id, toPersonalInfo(dto.personalInfo));
    return this.prisma.tenantTransaction(async (tx) => {
      const [member] = await tx.$queryRaw<{ role: string }[]>`
        SELECT role FROM memberships WHERE user_id = ${dto.patientUserId}::uuid`;
      if (member?.role !== 'PATIENT') throw notAPatient();
      // Both partial unique indexes are arbiters: the same person (identity hash) or the same
      // patient user with a live repository leaves the row out; a racing twin does too.
      const [row] = await tx.$queryRawUnsafe<RepositorySummaryRow[]>(
        `INSERT INTO patient_repositories AS r (id, tenant_id, patient_user_id, personal_info, key_id, identity_hash, registered_by)
         VALUES ($1::uuid, app_current_tenant(), $2::uuid, $3, $4, $5, $6::uuid)
         ON CONFLICT DO NOTHING
         RETURNING ${SUMMARY_COLUMNS}`,
        id,
        dto.patientUserId,
        sealed.ciphertext,
        sealed.keyId,
        sealed.identityHash,
        registeredBy,
      );
      if (!row) {
        const [samePerson] = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM patient_repositories WHERE identity_hash = ${sealed.identityHash}`;
        throw duplicatePatient(Boolean(samePerson));
      }
      await this.audit.record(tx, {
        action: 'patient-repository.registered',
        resourceType: 'patient-repository',
        resourceId: id,
        after: { status: row.status, patientUserId: dto.patientUserId, keyId: sealed.keyId },
      });
      return toPatientRepositoryResponse(row);
    });
  }
}
