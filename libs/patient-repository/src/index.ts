export * from './patient-repository.module';
export * from './patient-repository-worker.module';
export * from './patient-repository.errors';
// Access: the consent check every read of health data goes through
export * from './access/record-access.module';
export * from './access/record-access.types';
export * from './access/patient-record-access.service';
export * from './records/record-cipher';
