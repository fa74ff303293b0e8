import { Injectable } from '@nestjs/common';
import type { ReadinessCheck } from '@itinera/platform';
import { PrismaService } from './prisma.service';

@Injectable()
export class DatabaseReadinessCheck implements ReadinessCheck {
  readonly name = 'database';

  constructor(private readonly prisma: PrismaService) {}

  async check(): Promise<void> {
    await this.prisma.pool.query('SELECT 1');
  }
}
