import { Module } from '@nestjs/common';

/** Worker side of sessions: the expiry and retention sweeps and their schedules. */
@Module({})
export class WorkflowJobsModule {}
