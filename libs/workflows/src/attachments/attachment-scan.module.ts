import { Module } from '@nestjs/common';

/** Worker side of attachments: the scan job (EICAR signature built in, clamd when configured). */
@Module({})
export class AttachmentScanModule {}
