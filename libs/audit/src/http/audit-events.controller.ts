import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { ApiKeyScopes, ApiPageResponse, CurrentTenant, Roles, TENANT_ADMIN_ROLES, type Page } from '@itinera/platform';
import { AuditEventsService } from './audit-events.service';
import { AuditVerificationService } from './audit-verification.service';
import { AuditEventFilterQuery } from './dto/audit-event-filter.query';
import { AuditEventResponse } from './dto/audit-event.response';
import { TenantAuditVerificationResponse } from './dto/audit-verification.response';
import { ListAuditEventsQuery } from './dto/list-audit-events.query';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** A tenant's own audit log, for its administrators. */
@ApiTags('audit')
@Roles(...TENANT_ADMIN_ROLES)
@ApiKeyScopes('audit:read')
@Controller('audit-events')
export class AuditEventsController {
  constructor(
    private readonly events: AuditEventsService,
    private readonly verification: AuditVerificationService,
  ) {}

  @Get()
  @ApiOperation({ summary: "List the tenant's audit log, newest first, with filters" })
  @ApiPageResponse(AuditEventResponse)
  list(@CurrentTenant() tenantId: string, @Query() query: ListAuditEventsQuery): Promise<Page<AuditEventResponse>> {
    return this.events.list(tenantId, query);
  }

  @Get('export')
  @ApiOperation({
    summary: "Export the tenant's audit log as NDJSON",
    description:
      'The entries matching the filters, newest first, one `AuditEventResponse` JSON object per line, streamed in batches. ' +
      'The export holds the entries committed when it started. A failure after the response has started ' +
      'cuts the transfer short (the chunked body never completes), so a complete download is a complete export.',
  })
  @ApiProduces(NDJSON_CONTENT_TYPE)
  @ApiExtraModels(AuditEventResponse)
  @ApiOkResponse({
    description: 'Newline-delimited JSON: one `AuditEventResponse` object per line.',
    content: { [NDJSON_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(AuditEventResponse) } } },
  })
  async export(
    @CurrentTenant() tenantId: string,
    @Query() query: AuditEventFilterQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Readable> {
    const stream = await this.events.export(tenantId, query);
    // Set only now that the first batch is read: Nest's @Header would put them on error responses too.
    reply.header('content-type', `${NDJSON_CONTENT_TYPE}; charset=utf-8`);
    reply.header('content-disposition', 'attachment; filename="audit-events.ndjson"');
    return stream;
  }

  @Get('verify')
  @ApiOperation({
    summary: "Verify the tenant's audit chain",
    description:
      'Checks that every entry matches its hash and follows the previous one; names the first that does not.',
  })
  @ApiOkResponse({ type: TenantAuditVerificationResponse })
  verify(@CurrentTenant() tenantId: string): Promise<TenantAuditVerificationResponse> {
    return this.verification.verifyTenant(tenantId);
  }
}
