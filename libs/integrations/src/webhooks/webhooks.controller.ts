import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook.dto';
import { ListWebhookDeliveriesQuery } from './dto/list-deliveries.query';
import {
  CreatedWebhookResponse,
  CreatedWebhookSecretResponse,
  WebhookDeliveryResponse,
  WebhookResponse,
} from './dto/webhook.response';
import { IdempotencyKeyHeader } from '../idempotency/idempotency-key.decorator';
import { IdempotencyService, principalIdOf } from '../idempotency/idempotency.service';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Roles(...TENANT_ADMIN_ROLES)
@ApiKeyScopes('write')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe a URL to event types',
    description:
      'The response holds the first signing secret, once; it is stored encrypted and never shown again. ' +
      'The URL must be https and may not name a private, loopback or link-local host; names are checked again at every delivery.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookResponse })
  @IdempotencyKeyHeader()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWebhookDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedWebhookResponse> {
    const tenantId = principal.tenantId!;
    const request = { tenantId, ownerId: principalIdOf(principal), operation: 'POST /webhooks', key, request: body };
    const result = await this.idempotency.run(request, async () => ({
      status: 201,
      body: await this.webhooks.create(tenantId, body),
    }));
    return this.idempotency.respond(reply, result);
  }

  @Get()
  @ApiOperation({ summary: "The tenant's webhook subscriptions, newest first" })
  @ApiPageResponse(WebhookResponse)
  list(@Query() query: PageQueryDto): Promise<Page<WebhookResponse>> {
    return this.webhooks.list(query);
  }

  @Get('deliveries/:deliveryId')
  @ApiOperation({ summary: 'One delivery with its attempt log' })
  @ApiOkResponse({ type: WebhookDeliveryResponse })
  @ApiProblems({ 404: 'No such delivery' })
  getDelivery(@Param('deliveryId', uuidParam('deliveryId')) deliveryId: string): Promise<WebhookDeliveryResponse> {
    return this.webhooks.getDelivery(deliveryId);
  }

  @Post('deliveries/:deliveryId/redeliver')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deliver a DEAD or SUCCEEDED delivery again',
    description: 'The delivery goes back to PENDING with the same event id and is attempted again with backoff.',
  })
  @ApiOkResponse({ type: WebhookDeliveryResponse })
  @ApiProblems({ 404: 'No such delivery', 409: 'The delivery is still PENDING' })
  redeliver(@Param('deliveryId', uuidParam('deliveryId')) deliveryId: string): Promise<WebhookDeliveryResponse> {
    return this.webhooks.redeliver(deliveryId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook subscription' })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiProblems({ 404: 'No such webhook' })
  get(@Param('id', uuidParam('id')) id: string): Promise<WebhookResponse> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a subscription',
    description: 'Setting `active: true` re-enables a disabled subscription and resets its run of failures.',
  })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiProblems({ 404: 'No such webhook' })
  update(@Param('id', uuidParam('id')) id: string, @Body() body: UpdateWebhookDto): Promise<WebhookResponse> {
    return this.webhooks.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription with its secrets and deliveries' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems({ 404: 'No such webhook' })
  async remove(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post(':id/secrets')
  @ApiOperation({
    summary: 'Add a signing secret (for rotation)',
    description: 'Every active secret signs each delivery; revoke the old one once receivers use the new one.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookSecretResponse })
  @ApiProblems({ 404: 'No such webhook' })
  createSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<CreatedWebhookSecretResponse> {
    return this.webhooks.createSecret(principal.tenantId!, id);
  }

  @Delete(':id/secrets/:secretId')
  @ApiOperation({ summary: 'Revoke a signing secret (idempotent)' })
  @ApiOkResponse({ type: WebhookResponse, description: 'The subscription with its secrets.' })
  @ApiProblems({ 404: 'No such webhook or secret', 409: 'It is the last active secret' })
  revokeSecret(
    @Param('id', uuidParam('id')) id: string,
    @Param('secretId', uuidParam('secretId')) secretId: string,
  ): Promise<WebhookResponse> {
    return this.webhooks.revokeSecret(id, secretId);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A subscription's deliveries, newest first, with their attempts" })
  @ApiPageResponse(WebhookDeliveryResponse)
  @ApiProblems({ 404: 'No such webhook' })
  listDeliveries(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: ListWebhookDeliveriesQuery,
  ): Promise<Page<WebhookDeliveryResponse>> {
    return this.webhooks.listDeliveries(id, query);
  }
}
