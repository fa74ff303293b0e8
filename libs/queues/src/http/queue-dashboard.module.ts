import { Module } from '@nestjs/common';
import { BullBoardModule } from '@bull-board/nestjs';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { QUEUE_NAMES, displayNameOf } from '../queue-registry';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Bull Board at /admin/queues: every queue, failed jobs inspectable and retryable. */
@Module({
  imports: [
    BullBoardModule.forRoot({
      route: QUEUE_DASHBOARD_PATH,
      adapter: FastifyAdapter,
      boardOptions: { uiConfig: { boardTitle: 'Itinera queues' } },
    }),
    ...QUEUE_NAMES.map((name) =>
      BullBoardModule.forFeature({
        name,
        adapter: BullAdapter,
        options: { displayName: displayNameOf(name) },
      }),
    ),
  ],
})
export class QueueDashboardModule {}
