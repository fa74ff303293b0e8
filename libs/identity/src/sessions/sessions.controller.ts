import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  CurrentUser,
  PageQueryDto,
  uuidParam,
  WithoutTenant,
  type Page,
  type UserPrincipal,
} from '@itinera/platform';
import { SessionResponse } from './session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('auth')
@WithoutTenant()
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: 'Your sign-in sessions, newest first (including ended ones)' })
  @ApiPageResponse(SessionResponse)
  list(@CurrentUser() user: UserPrincipal, @Query() query: PageQueryDto): Promise<Page<SessionResponse>> {
    return this.sessions.list(user, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of your sessions (sign out that device)' })
  @ApiNoContentResponse({ description: 'Ended (or already ended).' })
  revoke(@CurrentUser() user: UserPrincipal, @Param('id', uuidParam('id')) id: string): Promise<void> {
    return this.sessions.revoke(user, id);
  }
}
