import { Module } from '@nestjs/common';
import { OutboxAdminController } from './outbox-admin.controller';
import { OutboxAdminService } from './outbox-admin.service';
import { QueueDashboardModule } from './queue-dashboard.module';

/** The operator surfaces of the queues (API only): the outbox admin routes and the queue dashboard. */
@Module({
  imports: [QueueDashboardModule],
  controllers: [OutboxAdminController],
  providers: [OutboxAdminService],
})
export class QueuesHttpModule {}
