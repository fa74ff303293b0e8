export * from './database-readiness.check';
export * from './prisma.module';
export * from './prisma.service';
export * from './query-metrics';
export * from './transaction-retry';
export * from './tenant-scope';
export * from './pg-transaction';
