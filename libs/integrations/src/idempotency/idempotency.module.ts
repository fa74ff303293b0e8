import { Global, Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

/** Idempotency-Key handling for the writes that accept it (global: domain controllers inject IdempotencyService). */
@Global()
@Module({
  providers: [IdempotencyService],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
