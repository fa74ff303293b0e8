import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { WorkflowSessionsModule } from '@itinera/workflows';
import { CreatorControlsController } from './creator-controls.controller';
import { CreatorControlsService } from './creator-controls.service';

/** The creator's controls over recipients: resend, reassign, notification state, assignment history. */
@Module({
  imports: [AuditModule, WorkflowSessionsModule],
  controllers: [CreatorControlsController],
  providers: [CreatorControlsService],
})
export class CreatorControlsModule {}
