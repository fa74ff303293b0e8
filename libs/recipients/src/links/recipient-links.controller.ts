import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { IdempotencyKeyHeader, IdempotencyService } from '@itinera/integrations';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Public } from '@itinera/platform';
import { CompleteRecipientDto, DeclineRecipientDto, SaveDraftDto } from './dto/recipient-link.dto';
import { DraftSavedResponse, LinkViewResponse, RecipientActionResponse } from './dto/recipient-link.response';
import { DEAD_LINK, GRANT_HEADER, TOKEN_PARAM } from './link-openapi';
import { LinkRateLimit } from './link-rate-limit';
import { RecipientActionsService } from './recipient-actions.service';
import { LINK_VERIFICATION_HEADER } from './recipient-link.resolver';
import { RecipientLinkViewService } from './recipient-link-view.service';

/** The public routes of a recipient's secret link. */
@ApiTags('recipient-links')
@Public()
@Controller('r/:token')
export class RecipientLinksController {
  constructor(
    private readonly views: RecipientLinkViewService,
    private readonly actions: RecipientActionsService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Get()
  @LinkRateLimit()
  @TOKEN_PARAM
  @GRANT_HEADER
  @ApiOperation({
    summary: 'View a link: the document, your form and status, whose turn it is, attachments',
    description:
      'The first view marks the recipient ACCESSED. A recipient that must verify sees only a landing page ' +
      '(`verificationRequired: true`, where a code can be sent) until it sends a live verification token.',
  })
  @ApiOkResponse({ type: LinkViewResponse })
  @ApiProblems({ 404: DEAD_LINK })
  view(@Param('token') token: string, @Headers(LINK_VERIFICATION_HEADER) grant?: string): Promise<LinkViewResponse> {
    return this.views.view(token, grant);
  }

  @Patch('draft')
  @LinkRateLimit()
  @TOKEN_PARAM
  @GRANT_HEADER
  @ApiOperation({
    summary: 'Save a draft of your form',
    description:
      'Merges `formData` into the saved draft (null removes a field) and validates it as a draft: known fields ' +
      'only and their formats; required fields and consent are checked when completing. Status becomes IN_PROGRESS.',
  })
  @ApiOkResponse({ type: DraftSavedResponse })
  @ApiProblems({ 403: 'Verification required', 404: DEAD_LINK, 409: 'You already completed or declined' })
  saveDraft(
    @Param('token') token: string,
    @Body() body: SaveDraftDto,
    @Headers(LINK_VERIFICATION_HEADER) grant?: string,
  ): Promise<DraftSavedResponse> {
    return this.actions.saveDraft(token, grant, body.formData);
  }

  @Post('complete')
  @HttpCode(200)
  @LinkRateLimit()
  @TOKEN_PARAM
  @GRANT_HEADER
  @ApiOperation({
    summary: 'Complete your step',
    description:
      'Only when it is your turn, exactly once. The saved draft and `formData` are merged and validated in full ' +
      'for your recipient type (errors name `formData.<field>`). The next recipient is notified; the last ' +
      'completion completes the workflow.',
  })
  @ApiOkResponse({ type: RecipientActionResponse })
  @ApiProblems({
    403: 'Verification required',
    404: DEAD_LINK,
    409: 'Already completed or declined, or not your turn',
  })
  @IdempotencyKeyHeader()
  async complete(
    @Param('token') token: string,
    @Body() body: CompleteRecipientDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers(LINK_VERIFICATION_HEADER) grant?: string,
    @Headers('Idempotency-Key') key?: string,
  ): Promise<RecipientActionResponse> {
    const link = await this.actions.linkForIdempotentAction(token, grant, key);
    const result = await this.idempotency.run(
      { tenantId: link.tenantId, ownerId: link.recipientId, operation: 'POST /r/:token/complete', key, request: body },
      async () => ({ status: 200, body: await this.actions.complete(link, body.formData) }),
    );
    return this.idempotency.respond(reply, result);
  }

  @Post('decline')
  @HttpCode(200)
  @LinkRateLimit()
  @TOKEN_PARAM
  @GRANT_HEADER
  @ApiOperation({
    summary: 'Decline, with a reason',
    description: 'Only when it is your turn. The workflow stops (CANCELLED) and its creator is notified.',
  })
  @ApiOkResponse({ type: RecipientActionResponse })
  @ApiProblems({
    403: 'Verification required',
    404: DEAD_LINK,
    409: 'Already completed or declined, or not your turn',
  })
  @IdempotencyKeyHeader()
  async decline(
    @Param('token') token: string,
    @Body() body: DeclineRecipientDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers(LINK_VERIFICATION_HEADER) grant?: string,
    @Headers('Idempotency-Key') key?: string,
  ): Promise<RecipientActionResponse> {
    const link = await this.actions.linkForIdempotentAction(token, grant, key);
    const result = await this.idempotency.run(
      { tenantId: link.tenantId, ownerId: link.recipientId, operation: 'POST /r/:token/decline', key, request: body },
      async () => ({ status: 200, body: await this.actions.decline(link, body.reason) }),
    );
    return this.idempotency.respond(reply, result);
  }
}
