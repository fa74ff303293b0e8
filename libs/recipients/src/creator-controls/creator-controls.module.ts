import { Module } from '@nestjs/common';

/** The creator's controls over recipients: resend, reassign, notification state. */
@Module({})
export class CreatorControlsModule {}
