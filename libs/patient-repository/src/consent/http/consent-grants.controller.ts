import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  ApiProblems,
  CurrentUser,
  Roles,
  uuidParam,
  type Page,
  type UserPrincipal,
} from '@itinera/platform';
import { ConsentGrantsService } from '../consent-grants.service';
import { ConsentGrantResponse } from '../dto/consent-grant.response';
import { CreateConsentGrantDto } from '../dto/create-consent-grant.dto';
import { ListConsentGrantsQuery } from '../dto/list-consent-grants.query';
import { RevokeConsentGrantDto } from '../dto/revoke-consent-grant.dto';

const NOT_YOURS = 'No such repository for you (only its patient manages its consents)';

@ApiTags('consent')
@Controller('patient-repositories/:id/consent-grants')
export class ConsentGrantsController {
  constructor(private readonly grants: ConsentGrantsService) {}

  @Post()
  @Roles('PATIENT')
  @ApiOperation({
    summary: 'Give a specialist a consent to read parts of my record (scopes, purpose, period)',
    description:
      'The record must be yours and verified (identity challenge passed). The specialist is notified by email ' +
      '(without any health data). The period is enforced at every read, not only by the expiry job.',
  })
  @ApiCreatedResponse({ type: ConsentGrantResponse })
  @ApiProblems({
    403: 'The identity challenge has not been passed for this record (IDENTITY_NOT_VERIFIED)',
    404: NOT_YOURS,
    422: 'specialistUserId is not a specialist of the tenant (NOT_A_SPECIALIST)',
  })
  create(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Body() body: CreateConsentGrantDto,
  ): Promise<ConsentGrantResponse> {
    return this.grants.create(principal, id, body);
  }

  @Get()
  @Roles('PATIENT')
  @ApiOperation({ summary: "My record's consent grants, newest first" })
  @ApiPageResponse(ConsentGrantResponse)
  @ApiProblems({ 404: NOT_YOURS })
  list(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Query() query: ListConsentGrantsQuery,
  ): Promise<Page<ConsentGrantResponse>> {
    return this.grants.list(principal, id, query);
  }

  @Get(':grantId')
  @Roles('PATIENT', 'SPECIALIST')
  @ApiOperation({
    summary: 'One consent grant (its patient, or the specialist it names)',
    description: "The specialist's view leaves out the patient's reason for revoking.",
  })
  @ApiOkResponse({ type: ConsentGrantResponse })
  @ApiProblems({ 404: 'No such grant for you' })
  get(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Param('grantId', uuidParam('grantId')) grantId: string,
  ): Promise<ConsentGrantResponse> {
    return this.grants.get(principal, id, grantId);
  }

  @Post(':grantId/revoke')
  @HttpCode(200)
  @Roles('PATIENT')
  @ApiOperation({
    summary: 'Revoke a consent grant',
    description: 'Takes effect at once: the next read under it is refused. The specialist is notified.',
  })
  @ApiOkResponse({ type: ConsentGrantResponse })
  @ApiProblems({
    403: 'The identity challenge has not been passed for this record (IDENTITY_NOT_VERIFIED)',
    404: 'No such repository or grant for you',
    409: 'The grant is not ACTIVE (already revoked or expired)',
  })
  revoke(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Param('grantId', uuidParam('grantId')) grantId: string,
    @Body() body: RevokeConsentGrantDto,
  ): Promise<ConsentGrantResponse> {
    return this.grants.revoke(principal, id, grantId, body);
  }
}
