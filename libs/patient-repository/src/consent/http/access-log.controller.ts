import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  ApiProblems,
  CurrentUser,
  Roles,
  uuidParam,
  type Page,
  type UserPrincipal,
} from '@itinera/platform';
import { AccessLogService } from '../access-log.service';
import { AccessLogEntryResponse } from '../dto/access-log-entry.response';
import { ListAccessLogQuery } from '../dto/list-access-log.query';

@ApiTags('consent')
@Controller('patient-repositories/:id/access-log')
export class AccessLogController {
  constructor(private readonly accessLog: AccessLogService) {}

  @Get()
  @Roles('PATIENT', 'OWNER', 'ADMIN')
  @ApiOperation({
    summary: 'Who viewed the record: every read of its health data, allowed or refused, newest first',
    description:
      "For the record's patient, and for tenant admins (compliance; their reading is audited, and they may read " +
      "an erased record's log, which keeps ids only).",
  })
  @ApiPageResponse(AccessLogEntryResponse)
  @ApiProblems({
    403: 'The identity challenge has not been passed for this record (IDENTITY_NOT_VERIFIED)',
    404: 'No such repository for you',
  })
  list(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Query() query: ListAccessLogQuery,
  ): Promise<Page<AccessLogEntryResponse>> {
    return this.accessLog.list(principal, id, query);
  }
}
