import { Module } from '@nestjs/common';

/** Sessions: create, list, read, cancel, statistics, audit trail, and the status machine. */
@Module({})
export class WorkflowSessionsModule {}
