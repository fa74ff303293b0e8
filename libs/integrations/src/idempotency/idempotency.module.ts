import { Global, Module } from '@nestjs/common';

/** Idempotency-Key handling for the writes that accept it. */
@Global()
@Module({})
export class IdempotencyModule {}
