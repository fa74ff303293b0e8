import { Module } from '@nestjs/common';
import { NotificationsModule } from '@itinera/platform';
import { AuditModule } from '@itinera/audit';
import { ConsentExpiryService } from './jobs/consent-expiry.service';
import { ConsentNotifyService } from './jobs/consent-notify.service';
import { ConsentProcessor } from './jobs/consent.processor';
import { ConsentSchedules } from './jobs/consent.schedules';

/** Worker side of consent: the expiry sweep, the specialist's notifications and the sweep's schedule. */
@Module({
  imports: [NotificationsModule, AuditModule],
  providers: [ConsentExpiryService, ConsentNotifyService, ConsentProcessor, ConsentSchedules],
  exports: [ConsentExpiryService, ConsentNotifyService],
})
export class ConsentJobsModule {}
