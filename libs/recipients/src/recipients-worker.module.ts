import { Module } from '@nestjs/common';
import { RecipientNotificationsModule } from './notifications/recipient-notifications.module';

/** The recipients domain in the worker: notifications and reminders. */
@Module({
  imports: [RecipientNotificationsModule],
})
export class RecipientsWorkerModule {}
