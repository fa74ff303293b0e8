import { Global, Module } from '@nestjs/common';
import { DatabaseReadinessCheck } from './database-readiness.check';
import { PrismaService } from './prisma.service';

@Global()
@Module({
  providers: [PrismaService, DatabaseReadinessCheck],
  exports: [PrismaService, DatabaseReadinessCheck],
})
export class PrismaModule {}
