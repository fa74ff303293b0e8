import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { AttachmentsModule, WorkflowSessionsModule } from '@itinera/workflows';
import { RecipientFormValidator } from '../forms/recipient-form.validator';
import { RecipientVerificationController } from '../verification/recipient-verification.controller';
import { RecipientVerificationService } from '../verification/recipient-verification.service';
import { LinkAttachmentsController } from './link-attachments.controller';
import { LinkRateLimitSetting } from './link-rate-limit';
import { RecipientActionsService } from './recipient-actions.service';
import { RecipientLinkResolver } from './recipient-link.resolver';
import { RecipientLinkViewService } from './recipient-link-view.service';
import { RecipientLinksController } from './recipient-links.controller';

/** The public link routes under /r/:token: view, draft, complete, decline, verification, uploads. */
@Module({
  imports: [AuditModule, WorkflowSessionsModule, AttachmentsModule],
  controllers: [RecipientLinksController, RecipientVerificationController, LinkAttachmentsController],
  providers: [
    LinkRateLimitSetting,
    RecipientActionsService,
    RecipientFormValidator,
    RecipientLinkResolver,
    RecipientLinkViewService,
    RecipientVerificationService,
  ],
  exports: [RecipientLinkResolver, RecipientFormValidator],
})
export class RecipientLinksModule {}
