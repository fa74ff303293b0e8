import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiKeyScopes,
  ApiPageResponse,
  ApiProblems,
  CurrentPrincipal,
  PageQueryDto,
  Roles,
  TENANT_ADMIN_ROLES,
  uuidParam,
  type Page,
  type Principal,
} from '@itinera/platform';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKeyHeader, IdempotencyService, principalIdOf } from '@itinera/integrations';
import { CancelWorkflowDto, CreateWorkflowDto, LegalHoldDto } from '../dto/create-workflow.dto';
import { ListWorkflowsQuery, WorkflowCreatedRangeQuery } from '../dto/list-workflows.query';
import { WorkflowStatsResponse } from '../dto/workflow-stats.response';
import { CreatedWorkflowResponse, WorkflowResponse, WorkflowSummaryResponse } from '../dto/workflow.response';
import { WorkflowQueriesService, type AuditEventPage } from '../workflow-queries.service';
import { WorkflowSessionsService } from '../workflow-sessions.service';

/** Members who may start workflows (VIEWER reads only). */
const CREATOR_ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER'] as const;
const READER_ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER'] as const;

@ApiTags('workflows')
@Controller('workflows')
export class WorkflowsController {
  constructor(
    private readonly sessions: WorkflowSessionsService,
    private readonly queries: WorkflowQueriesService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Roles(...CREATOR_ROLES)
  @ApiKeyScopes('write')
  @ApiOperation({
    summary: 'Start a workflow: a document routed to recipients in order',
    description:
      "The response holds each recipient's secret link, once (only hashes are stored). The first recipient is notified.",
  })
  @ApiCreatedResponse({ type: CreatedWorkflowResponse })
  @ApiProblems({ 403: 'The role or API key scope does not allow it' })
  @IdempotencyKeyHeader()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWorkflowDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey?: string,
  ): Promise<CreatedWorkflowResponse> {
    const result = await this.idempotency.run(
      {
        tenantId: principal.tenantId!,
        ownerId: principalIdOf(principal),
        operation: 'POST /workflows',
        key: idempotencyKey,
        request: body,
      },
      async () => ({ status: 201, body: await this.sessions.create(principal, body) }),
    );
    return this.idempotency.respond(reply, result);
  }

  @Get()
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({ summary: "The tenant's workflows, newest first, with filters" })
  @ApiPageResponse(WorkflowSummaryResponse)
  list(@Query() query: ListWorkflowsQuery): Promise<Page<WorkflowSummaryResponse>> {
    return this.queries.list(query);
  }

  @Get('stats')
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({
    summary: 'Counts by status, completion rate and median time to complete, overall and per recipient type',
    description:
      "Over the sessions created in the range. A recipient's time to complete is counted from the session's creation.",
  })
  @ApiOkResponse({ type: WorkflowStatsResponse })
  stats(@Query() query: WorkflowCreatedRangeQuery): Promise<WorkflowStatsResponse> {
    return this.queries.stats(query);
  }

  @Get(':id')
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({ summary: 'One workflow with its recipients (never their links), attachments and progress' })
  @ApiOkResponse({ type: WorkflowResponse })
  @ApiProblems({ 404: 'No such workflow in the tenant' })
  get(@Param('id', uuidParam('id')) id: string): Promise<WorkflowResponse> {
    return this.sessions.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles(...CREATOR_ROLES)
  @ApiKeyScopes('write')
  @ApiOperation({
    summary: 'Cancel an ACTIVE workflow (its creator or a tenant admin)',
    description: 'Every link of the workflow stops working. Any state other than ACTIVE answers 409.',
  })
  @ApiOkResponse({ type: WorkflowResponse })
  @ApiProblems({
    403: "Neither the workflow's creator nor a tenant admin",
    404: 'No such workflow in the tenant',
    409: 'The workflow is not ACTIVE',
  })
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Body() body: CancelWorkflowDto,
  ): Promise<WorkflowResponse> {
    return this.sessions.cancel(principal, id, body);
  }

  @Put(':id/legal-hold')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({
    summary: 'Put a workflow on legal hold, or release it (tenant admins)',
    description: 'Retention never purges a workflow on legal hold.',
  })
  @ApiOkResponse({ type: WorkflowResponse })
  @ApiProblems({ 404: 'No such workflow in the tenant' })
  setLegalHold(@Param('id', uuidParam('id')) id: string, @Body() body: LegalHoldDto): Promise<WorkflowResponse> {
    return this.sessions.setLegalHold(id, body);
  }

  @Get(':id/audit-events')
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({ summary: "The workflow's audit trail, newest first" })
  @ApiOkResponse({
    description: 'One page of the audit log (the schema of GET /audit-events)',
    schema: {
      type: 'object',
      required: ['data', 'page'],
      properties: {
        data: { type: 'array', items: { $ref: '#/components/schemas/AuditEventResponse' } },
        page: { $ref: '#/components/schemas/PageInfo' },
      },
    },
  })
  @ApiProblems({ 404: 'No such workflow in the tenant' })
  auditEvents(@Param('id', uuidParam('id')) id: string, @Query() query: PageQueryDto): Promise<AuditEventPage> {
    return this.queries.auditEvents(id, query);
  }
}
