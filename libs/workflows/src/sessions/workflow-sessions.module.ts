import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { WorkflowsController } from './http/workflows.controller';
import { WorkflowAccess } from './workflow-access.service';
import { WorkflowLifecycle } from './workflow-lifecycle.service';
import { WorkflowQueriesService } from './workflow-queries.service';
import { WorkflowSessionsService } from './workflow-sessions.service';

/** Sessions: create, list, read, cancel, statistics, audit trail, and the status machine. */
@Module({
  imports: [AuditModule],
  controllers: [WorkflowsController],
  providers: [WorkflowSessionsService, WorkflowQueriesService, WorkflowLifecycle, WorkflowAccess],
  exports: [WorkflowLifecycle, WorkflowAccess],
})
export class WorkflowSessionsModule {}
