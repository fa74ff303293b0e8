import { Module } from '@nestjs/common';
import { CreatorControlsModule } from './creator-controls/creator-controls.module';
import { RecipientLinksModule } from './links/recipient-links.module';

/** The recipients domain over HTTP: the secret links and the creator's controls. */
@Module({
  imports: [RecipientLinksModule, CreatorControlsModule],
})
export class RecipientsModule {}
