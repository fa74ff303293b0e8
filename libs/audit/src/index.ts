export * from './audit-event';
export * from './audit.module';
export * from './audit.service';
export * from './audit-http.module';
export * from './http/audit-events.service';
export * from './http/audit-verification.service';
