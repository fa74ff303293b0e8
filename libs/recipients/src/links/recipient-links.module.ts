import { Module } from '@nestjs/common';

/** The public link routes under /r/:token: view, draft, complete, decline, verification, uploads. */
@Module({})
export class RecipientLinksModule {}
