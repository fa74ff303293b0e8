import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { AppConfig, StorageModule } from '@itinera/platform';
import { ATTACHMENT_SCANNER, type AttachmentScanner } from './scan/attachment-scanner';
import { AttachmentScanProcessor } from './scan/attachment-scan.processor';
import { AttachmentScanService } from './scan/attachment-scan.service';
import { ClamdScanner } from './scan/clamd.scanner';
import { EicarScanner } from './scan/eicar.scanner';

/** clamd when CLAMAV_HOST is set, else the built-in EICAR signature scanner. */
export function attachmentScannerFor(config: AppConfig): AttachmentScanner {
  const host = config.get('CLAMAV_HOST', { infer: true });
  return host ? new ClamdScanner(host, config.get('CLAMAV_PORT', { infer: true })) : new EicarScanner();
}

/** Worker side of attachments: the scan job (EICAR signature built in, clamd when configured). */
@Module({
  imports: [AuditModule, StorageModule],
  providers: [
    { provide: ATTACHMENT_SCANNER, inject: [AppConfig], useFactory: attachmentScannerFor },
    AttachmentScanService,
    AttachmentScanProcessor,
  ],
  exports: [AttachmentScanService],
})
export class AttachmentScanModule {}
