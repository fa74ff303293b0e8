import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class DependencyStatus {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  /** Why the dependency is down. */
  @ApiProperty({
    required: false,
    example: 'connect ECONNREFUSED 127.0.0.1:6379',
  })
  message?: string;
}

export class HealthResponse {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  /** One entry per dependency checked (readiness only). */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/DependencyStatus' },
  })
  checks?: Record<string, DependencyStatus>;
}
