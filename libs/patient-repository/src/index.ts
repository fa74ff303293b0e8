export * from './patient-repository.module';
export * from './patient-repository-worker.module';
export * from './patient-repository.errors';
// Access: the consent check every read of health data goes through
export * from './access/record-access.module';
export * from './access/record-access.types';
export * from './access/patient-record-access.service';
export * from './records/record-cipher';
// Records: registration, identity challenges, personal information, erasure, re-encryption
export * from './records/patient-records.module';
export * from './records/patient-key-rotation.module';
export * from './records/patient-key-rotation.service';
export * from './records/personal-info.codec';
export * from './records/identity-hash';
export * from './records/dto/personal-info.dto';
// Consent: grants, the access log, the consent jobs
export * from './consent/consent.module';
export * from './consent/consent-jobs.module';
export * from './consent/consent-grants.service';
export * from './consent/jobs/consent-expiry.service';
export * from './consent/jobs/consent-notify.service';
export * from './consent/jobs/consent.schedules';
export * from './consent/purpose-of-use';
// Entries: the seven categories, their validation, the FHIR export, the decrypted-entry reader
export * from './entries/entry-content';
export * from './entries/entry-codes';
export * from './entries/vital-signs.catalog';
export * from './entries/patient-entry.reader';
export * from './entries/patient-entry-reader.module';
export * from './entries/patient-entries.module';
// Analyses: requests, the analysis job, statistics
export * from './analyses/analyses.module';
export * from './analyses/analyses-worker.module';
export * from './analyses/analysis.errors';
export * from './analyses/jobs/analysis-runner.service';
// Analysers, the model provider, costs and the budget
export * from './analyses/analyser';
export * from './analyses/analysers/analysers.module';
export * from './analyses/analysers/analyser-registry';
export * from './analyses/analysers/analyser-failure';
export * from './analyses/analysers/vital-thresholds';
export * from './analyses/model-provider/model-provider.client';
export * from './analyses/model-provider/model-provider.config';
export * from './analyses/model-provider/model-provider.errors';
export * from './analyses/costs/analysis-costs.module';
export * from './analyses/costs/analysis-budget.service';
export * from './analyses/costs/analysis-costs.errors';
