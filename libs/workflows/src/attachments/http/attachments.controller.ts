import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiKeyScopes,
  ApiPageResponse,
  ApiProblems,
  CurrentPrincipal,
  PageQueryDto,
  Roles,
  uuidParam,
  type Page,
  type Principal,
} from '@itinera/platform';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKeyHeader, IdempotencyService } from '@itinera/integrations';
import { creatorOf, WorkflowAccess } from '../../sessions/workflow-access.service';
import { AttachmentUploadService } from '../attachment-upload.service';
import { AttachmentsService } from '../attachments.service';
import { AttachmentResponse } from '../dto/attachment.response';
import { isHeadRequest, sendAttachmentContent } from './attachment-content';
import { DOWNLOAD_PROBLEMS, UPLOAD_BODY, UPLOAD_PROBLEMS } from './attachment-openapi';

const CREATOR_ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER'] as const;
const READER_ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER', 'VIEWER'] as const;

@ApiTags('attachments')
@Controller('workflows/:id/attachments')
export class AttachmentsController {
  constructor(
    private readonly access: WorkflowAccess,
    private readonly uploads: AttachmentUploadService,
    private readonly attachments: AttachmentsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Roles(...CREATOR_ROLES)
  @ApiKeyScopes('write')
  @ApiOperation({
    summary: 'Attach a file to an ACTIVE workflow (its creator or a tenant admin)',
    description:
      'multipart/form-data with one part `file`. The type must be in ATTACHMENT_ALLOWED_TYPES and the bytes must match it ' +
      '(PDF, PNG and JPEG signatures; UTF-8 without NUL for text/plain). The attachment is PENDING until scanned; ' +
      'only CLEAN content can be downloaded.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody(UPLOAD_BODY)
  @ApiCreatedResponse({ type: AttachmentResponse })
  @ApiProblems({ ...UPLOAD_PROBLEMS, 403: 'Neither the creator nor a tenant admin', 404: 'No such workflow' })
  @IdempotencyKeyHeader()
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey?: string,
  ): Promise<AttachmentResponse> {
    const session = await this.access.assertCanManage(principal, id);
    const result = await this.uploads.upload(
      request,
      { tenantId: session.tenantId, sessionId: session.id, uploadedById: creatorOf(principal).creatorId },
      idempotencyKey,
    );
    return this.idempotency.respond(reply, result);
  }

  @Get()
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({ summary: "The workflow's attachments, newest first" })
  @ApiPageResponse(AttachmentResponse)
  @ApiProblems({ 404: 'No such workflow' })
  list(@Param('id', uuidParam('id')) id: string, @Query() query: PageQueryDto): Promise<Page<AttachmentResponse>> {
    return this.attachments.list(id, query);
  }

  @Get(':attachmentId')
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({ summary: 'One attachment (metadata and scan state)' })
  @ApiOkResponse({ type: AttachmentResponse })
  @ApiProblems({ 404: 'No such workflow or attachment' })
  get(
    @Param('id', uuidParam('id')) id: string,
    @Param('attachmentId', uuidParam('attachmentId')) attachmentId: string,
  ): Promise<AttachmentResponse> {
    return this.attachments.get(id, attachmentId);
  }

  @Get(':attachmentId/content')
  @HttpCode(200)
  @Roles(...READER_ROLES)
  @ApiKeyScopes('read')
  @ApiOperation({
    summary: "Download an attachment's content (CLEAN only)",
    description:
      'The SHA-256 of the stored content is checked against the one recorded at upload before anything is sent; ' +
      'ETag is that checksum (hex). Counted and audited (attachment.downloaded).',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The content', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(DOWNLOAD_PROBLEMS)
  async content(
    @Param('id', uuidParam('id')) id: string,
    @Param('attachmentId', uuidParam('attachmentId')) attachmentId: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (isHeadRequest(reply)) {
      return sendAttachmentContent(reply, { attachment: await this.attachments.describeContent(id, attachmentId) });
    }
    return sendAttachmentContent(reply, await this.attachments.download(id, attachmentId));
  }
}
