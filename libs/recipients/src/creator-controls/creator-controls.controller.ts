import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { CreatorControlsService } from './creator-controls.service';
import {
  ReassignedRecipientResponse,
  RecipientAssignmentResponse,
  RecipientNotificationsResponse,
  RenewedLinkResponse,
} from './dto/creator-controls.response';
import { ReassignRecipientDto } from './dto/reassign-recipient.dto';

/** Members who may act on workflows; whether they may manage this one is the workflow's rule (creator or OWNER/ADMIN). */
const MANAGER_ROLES = ['OWNER', 'ADMIN', 'MANAGER', 'MEMBER'] as const;
const NOT_MANAGER =
  "Neither the workflow's creator nor a tenant admin (or the role or API key scope does not allow it)";

@ApiTags('recipients')
@Controller('workflows/:id/recipients/:recipientId')
export class CreatorControlsController {
  constructor(private readonly controls: CreatorControlsService) {}

  @Post('resend')
  @HttpCode(200)
  @Roles(...MANAGER_ROLES)
  @ApiKeyScopes('write')
  @ApiOperation({
    summary: "Send a recipient a new link (the workflow's creator or a tenant admin)",
    description:
      'A new token replaces the old one at once (the old link answers 404 from now on). The recipient is sent the new ' +
      'link if it is their turn; otherwise they get it at hand-over. The response holds the new link, once.',
  })
  @ApiOkResponse({ type: RenewedLinkResponse })
  @ApiProblems({
    403: NOT_MANAGER,
    404: 'No such workflow in the tenant, or no such recipient in it',
    409: 'The workflow is not ACTIVE or has expired, or the recipient has finished',
  })
  resend(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Param('recipientId', uuidParam('recipientId')) recipientId: string,
  ): Promise<RenewedLinkResponse> {
    return this.controls.resend(principal, id, recipientId);
  }

  @Post('reassign')
  @HttpCode(200)
  @Roles(...MANAGER_ROLES)
  @ApiKeyScopes('write')
  @ApiOperation({
    summary: "Give a recipient's step to another person or contact (the workflow's creator or a tenant admin)",
    description:
      'The previous person and contacts are kept in the assignment history; the recipient starts over (PENDING, no ' +
      'draft, verification again) with a new link, and the old link answers 404 at once. The contacts given replace the ' +
      'old ones (email, phone or both); the name is kept unless given. The response holds the new link, once.',
  })
  @ApiOkResponse({ type: ReassignedRecipientResponse })
  @ApiProblems({
    400: 'Neither email nor phone, or a malformed one',
    403: NOT_MANAGER,
    404: 'No such workflow in the tenant, or no such recipient in it',
    409: 'The workflow is not ACTIVE or has expired, or the recipient has finished',
  })
  reassign(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Param('recipientId', uuidParam('recipientId')) recipientId: string,
    @Body() body: ReassignRecipientDto,
  ): Promise<ReassignedRecipientResponse> {
    return this.controls.reassign(principal, id, recipientId, body);
  }

  @Get('notifications')
  @Roles(...MANAGER_ROLES, 'VIEWER')
  @ApiKeyScopes('read')
  @ApiOperation({
    summary: "A recipient's notification state and messages, newest first (the workflow's creator or a tenant admin)",
    description: 'Addresses are masked; message bodies (links, codes) are never stored.',
  })
  @ApiOkResponse({ type: RecipientNotificationsResponse })
  @ApiProblems({ 403: NOT_MANAGER, 404: 'No such workflow in the tenant, or no such recipient in it' })
  notifications(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Param('recipientId', uuidParam('recipientId')) recipientId: string,
    @Query() query: PageQueryDto,
  ): Promise<RecipientNotificationsResponse> {
    return this.controls.notifications(principal, id, recipientId, query);
  }

  @Get('assignments')
  @Roles(...MANAGER_ROLES, 'VIEWER')
  @ApiKeyScopes('read')
  @ApiOperation({
    summary:
      "A recipient's previous assignments, most recently replaced first (the workflow's creator or a tenant admin)",
  })
  @ApiPageResponse(RecipientAssignmentResponse)
  @ApiProblems({ 403: NOT_MANAGER, 404: 'No such workflow in the tenant, or no such recipient in it' })
  assignments(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Param('recipientId', uuidParam('recipientId')) recipientId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<RecipientAssignmentResponse>> {
    return this.controls.assignments(principal, id, recipientId, query);
  }
}
