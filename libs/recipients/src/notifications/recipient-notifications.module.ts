import { Module } from '@nestjs/common';

/** Worker side: recipient and creator notifications, their sending with retries, and reminders. */
@Module({})
export class RecipientNotificationsModule {}
