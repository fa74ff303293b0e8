import { Injectable } from '@nestjs/common';
import { AuditService } from '@itinera/audit';
import { PatientRecordAccess } from '../access/patient-record-access.service';
import type { AccessActor } from '../access/record-access.types';
import { recordNotFound } from '../patient-repository.errors';
import { duplicatePatient } from './patient-records.errors';
import { PersonalInfoCodec } from './personal-info.codec';
import { toPersonalInfo, type PersonalInfo, type PersonalInfoDto } from './dto/personal-info.dto';

/**
 * The personal information of a record: read through the consent check (the patient, or a
 * specialist whose live grant covers PERSONAL_INFO; every read logged), replaced by the patient.
 */
@Injectable()
export class PersonalInfoService {
  constructor(
    private readonly access: PatientRecordAccess,
    private readonly codec: PersonalInfoCodec,
    private readonly audit: AuditService,
  ) {}

  read(actor: AccessActor, repositoryId: string): Promise<PersonalInfo> {
    return this.access.read(
      actor,
      { repositoryId, action: 'READ', categories: ['PERSONAL_INFO'] },
      async (tx, { repositoryId: id }) => {
        const [row] = await tx.$queryRaw<{ personal_info: string | null }[]>`
          SELECT personal_info FROM patient_repositories WHERE id = ${id}::uuid`;
        if (!row?.personal_info) throw recordNotFound();
        return this.codec.open(id, row.personal_info);
      },
    );
  }

  /**
   * Replaces the whole personal information: sealed again under the newest key, with a new
   * identity hash (409 when it is another repository's person). The audit entry names the key,
   * never a value.
   */
  replace(actor: AccessActor, repositoryId: string, dto: PersonalInfoDto): Promise<PersonalInfo> {
    const info = toPersonalInfo(dto);
    const sealed = this.codec.seal(repositoryId, info);
    return this.access.write(actor, repositoryId, async (tx) => {
      const [other] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM patient_repositories WHERE identity_hash = ${sealed.identityHash} AND id <> ${repositoryId}::uuid`;
      if (other) throw duplicatePatient(true);
      const [before] = await tx.$queryRaw<{ key_id: string; same_person: boolean }[]>`
        SELECT key_id, identity_hash = ${sealed.identityHash} AS same_person
          FROM patient_repositories WHERE id = ${repositoryId}::uuid`;
      await tx.$executeRaw`
        UPDATE patient_repositories
           SET personal_info = ${sealed.ciphertext}, key_id = ${sealed.keyId}, identity_hash = ${sealed.identityHash},
               updated_at = now()
         WHERE id = ${repositoryId}::uuid`;
      await this.audit.record(tx, {
        action: 'patient-repository.personal_info_replaced',
        resourceType: 'patient-repository',
        resourceId: repositoryId,
        before: { keyId: before.key_id },
        after: { keyId: sealed.keyId },
        metadata: { identityChanged: !before.same_person },
      });
      return info;
    });
  }
}
