import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { RecordAccessModule } from '../access/record-access.module';
import { PatientKeyRotation } from './patient-key-rotation.service';

/** Re-encryption under the newest key: what `npm run patients:reencrypt` runs, needing only the database and the key ring. */
@Module({
  imports: [AuditModule, RecordAccessModule],
  providers: [PatientKeyRotation],
  exports: [PatientKeyRotation],
})
export class PatientKeyRotationModule {}
