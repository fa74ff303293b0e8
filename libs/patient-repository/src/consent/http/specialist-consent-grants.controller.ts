import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, CurrentUser, Roles, type Page, type UserPrincipal } from '@itinera/platform';
import { ConsentGrantsService } from '../consent-grants.service';
import { ConsentGrantResponse } from '../dto/consent-grant.response';
import { ListSpecialistGrantsQuery } from '../dto/list-consent-grants.query';

@ApiTags('consent')
@Controller('specialist/consent-grants')
export class SpecialistConsentGrantsController {
  constructor(private readonly grants: ConsentGrantsService) {}

  @Get()
  @Roles('SPECIALIST')
  @ApiOperation({
    summary: 'The consent grants given to me, newest first',
    description:
      'Live grants (ACTIVE and inside their period) unless `status` asks for ACTIVE, REVOKED or EXPIRED ones.',
  })
  @ApiPageResponse(ConsentGrantResponse)
  list(
    @CurrentUser() principal: UserPrincipal,
    @Query() query: ListSpecialistGrantsQuery,
  ): Promise<Page<ConsentGrantResponse>> {
    return this.grants.listForSpecialist(principal, query);
  }
}
