import { Module } from '@nestjs/common';

/** Attachments: upload (creator), download when clean, listing; storage through the platform. */
@Module({})
export class AttachmentsModule {}
