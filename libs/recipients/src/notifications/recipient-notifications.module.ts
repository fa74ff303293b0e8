import { Module } from '@nestjs/common';
import { NotificationsModule } from '@itinera/platform';
import { NotificationMessagesRepository } from './notification-messages.repository';
import { NotificationSendService } from './notification-send.service';
import { NotificationsProcessor } from './notifications.processor';
import { NotificationsSchedules } from './notifications.schedules';
import { RecipientNotifyService } from './recipient-notify.service';
import { RecipientRemindersService } from './recipient-reminders.service';

/** Worker side: recipient and creator notifications, their sending with retries, and reminders. */
@Module({
  imports: [NotificationsModule],
  providers: [
    NotificationMessagesRepository,
    RecipientNotifyService,
    NotificationSendService,
    RecipientRemindersService,
    NotificationsProcessor,
    NotificationsSchedules,
  ],
  exports: [RecipientNotifyService, NotificationSendService, RecipientRemindersService, NotificationsSchedules],
})
export class RecipientNotificationsModule {}
