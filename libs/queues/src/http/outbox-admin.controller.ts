import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, ApiProblems, PlatformAdmin, uuidParam, type Page } from '@itinera/platform';
import { ListOutboxMessagesQuery } from './dto/list-outbox-messages.query';
import { OutboxMessageResponse } from './dto/outbox-message.response';
import { OutboxAdminService } from './outbox-admin.service';

@ApiTags('admin')
@PlatformAdmin()
@Controller('admin/outbox')
export class OutboxAdminController {
  constructor(private readonly outbox: OutboxAdminService) {}

  @Get()
  @ApiOperation({ summary: 'List outbox messages, newest first' })
  @ApiPageResponse(OutboxMessageResponse)
  list(@Query() query: ListOutboxMessagesQuery): Promise<Page<OutboxMessageResponse>> {
    return this.outbox.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one outbox message' })
  @ApiOkResponse({ type: OutboxMessageResponse })
  get(@Param('id', uuidParam('id')) id: string): Promise<OutboxMessageResponse> {
    return this.outbox.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Relay a pending or dead message now' })
  @ApiOkResponse({ type: OutboxMessageResponse })
  @ApiProblems({ 409: 'The message was already delivered.' })
  retry(@Param('id', uuidParam('id')) id: string): Promise<OutboxMessageResponse> {
    return this.outbox.retry(id);
  }
}
