import { Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
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
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKeyHeader, IdempotencyService } from '@itinera/integrations';
import { ApiProblems, Public, uuidParam } from '@itinera/platform';
import {
  AttachmentResponse,
  AttachmentsService,
  AttachmentUploadService,
  DOWNLOAD_PROBLEMS,
  isHeadRequest,
  sendAttachmentContent,
  sessionClosed,
  UPLOAD_BODY,
  UPLOAD_PROBLEMS,
} from '@itinera/workflows';
import { DEAD_LINK, GRANT_HEADER, TOKEN_PARAM } from './link-openapi';
import { LinkRateLimit } from './link-rate-limit';
import { notYourTurn, recipientFinished, verificationRequired } from './recipient-link.errors';
import { LINK_VERIFICATION_HEADER, RecipientLinkResolver, type ResolvedLink } from './recipient-link.resolver';

/**
 * Attachments through a recipient's link: the recipient whose turn it is uploads, and a verified
 * recipient downloads clean attachments of their workflow. The same upload and download code as the
 * creator's routes; the link (resolved once) supplies the tenant, the session and the actor.
 */
@ApiTags('recipient-links')
@Public()
@Controller('r/:token/attachments')
export class LinkAttachmentsController {
  constructor(
    private readonly resolver: RecipientLinkResolver,
    private readonly uploads: AttachmentUploadService,
    private readonly attachments: AttachmentsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @LinkRateLimit()
  @TOKEN_PARAM
  @GRANT_HEADER
  @ApiOperation({
    summary: 'Attach a file to the workflow (only when it is your turn)',
    description:
      'multipart/form-data with one part `file`; the same checks as the creator’s upload (allowed type, content ' +
      'matching it, size limit). The attachment is PENDING until scanned.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody(UPLOAD_BODY)
  @ApiCreatedResponse({ type: AttachmentResponse })
  @ApiProblems({
    ...UPLOAD_PROBLEMS,
    403: 'Verification required',
    404: DEAD_LINK,
    409: 'Not your turn, already completed or declined, or the workflow is no longer ACTIVE',
  })
  @IdempotencyKeyHeader()
  async upload(
    @Param('token') token: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers(LINK_VERIFICATION_HEADER) grant?: string,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey?: string,
  ): Promise<AttachmentResponse> {
    const link = await this.verifiedLink(token, grant);
    if (link.status === 'COMPLETED' || link.status === 'DECLINED') throw recipientFinished(link.status);
    if (link.session.status !== 'ACTIVE') throw sessionClosed(link.session.status, false);
    if (link.orderIndex !== link.session.currentRecipientOrder) throw notYourTurn();
    const result = await this.uploads.upload(
      request,
      {
        tenantId: link.tenantId,
        sessionId: link.sessionId,
        recipient: { id: link.recipientId, tokenHash: link.tokenHash },
      },
      idempotencyKey,
    );
    return this.idempotency.respond(reply, result);
  }

  @Get(':attachmentId/content')
  @HttpCode(200)
  @LinkRateLimit()
  @TOKEN_PARAM
  @GRANT_HEADER
  @ApiOperation({
    summary: "Download one of the workflow's attachments (CLEAN only)",
    description: 'The checksum is verified before anything is sent; counted and audited with the link as actor.',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The content', schema: { type: 'string', format: 'binary' } })
  @ApiProblems({ ...DOWNLOAD_PROBLEMS, 403: 'Verification required', 404: `${DEAD_LINK} Or no such attachment.` })
  async content(
    @Param('token') token: string,
    @Param('attachmentId', uuidParam('attachmentId')) attachmentId: string,
    @Res() reply: FastifyReply,
    @Headers(LINK_VERIFICATION_HEADER) grant?: string,
  ): Promise<FastifyReply> {
    const link = await this.verifiedLink(token, grant);
    if (isHeadRequest(reply)) {
      return sendAttachmentContent(reply, {
        attachment: await this.attachments.describeContent(link.sessionId, attachmentId),
      });
    }
    return sendAttachmentContent(
      reply,
      await this.attachments.download(link.sessionId, attachmentId, link.recipientId),
    );
  }

  /** The live link (else the one 404), verified when its recipient must verify (else 403). */
  private async verifiedLink(token: string, grant: string | undefined): Promise<ResolvedLink> {
    const link = await this.resolver.resolve(token, grant);
    if (!link.verified) throw verificationRequired();
    return link;
  }
}
