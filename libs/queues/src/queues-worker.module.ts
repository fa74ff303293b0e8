import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobHandlerCheck } from './job-handler.check';
import { JobMetrics } from './job.metrics';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceSchedules } from './maintenance/maintenance.schedules';
import { OutboxPurgeService } from './outbox/outbox-purge.service';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { WorkerDrain } from './worker-drain';

/** The platform's worker side: the outbox relay, housekeeping jobs and their schedules. */
@Module({
  imports: [DiscoveryModule],
  providers: [
    OutboxRelayService,
    OutboxPurgeService,
    MaintenanceProcessor,
    MaintenanceSchedules,
    JobHandlerCheck,
    JobMetrics,
    WorkerDrain,
  ],
  exports: [OutboxRelayService, OutboxPurgeService, MaintenanceSchedules],
})
export class QueuesWorkerModule {}
