import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { RecordAccessModule } from '../access/record-access.module';
import { IdentityChallengesController } from './http/identity-challenges.controller';
import { PatientRepositoriesController } from './http/patient-repositories.controller';
import { PersonalInfoController } from './http/personal-info.controller';
import { IdentityChallengesService } from './identity-challenges.service';
import { PatientErasureService } from './patient-erasure.service';
import { PatientKeyRotationModule } from './patient-key-rotation.module';
import { PatientRegistrationService } from './patient-registration.service';
import { PatientRepositoryQueriesService } from './patient-repository-queries.service';
import { PersonalInfoCodec } from './personal-info.codec';
import { PersonalInfoService } from './personal-info.service';

/**
 * The record itself over HTTP: registration by staff, identity challenges, the summaries, personal
 * information and erasure. Re-encryption (PatientKeyRotation) comes with it for in-process use.
 */
@Module({
  imports: [AuditModule, RecordAccessModule, PatientKeyRotationModule],
  controllers: [PatientRepositoriesController, IdentityChallengesController, PersonalInfoController],
  providers: [
    PersonalInfoCodec,
    PatientRegistrationService,
    PatientRepositoryQueriesService,
    PersonalInfoService,
    IdentityChallengesService,
    PatientErasureService,
  ],
  exports: [PersonalInfoCodec, PatientKeyRotationModule],
})
export class PatientRecordsModule {}
