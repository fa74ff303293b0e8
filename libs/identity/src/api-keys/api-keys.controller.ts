import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  CurrentPrincipal,
  PageQueryDto,
  Roles,
  TENANT_ADMIN_ROLES,
  uuidParam,
  type Page,
  type Principal,
} from '@itinera/platform';
import { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@Roles(...TENANT_ADMIN_ROLES)
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key for the tenant',
    description:
      'The response holds the key itself, once; only its hash is stored. Send it as `Authorization: Bearer` or `X-API-Key`.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The tenant's API keys, newest first (never the keys themselves)" })
  @ApiPageResponse(ApiKeyResponse)
  list(@Query() query: PageQueryDto): Promise<Page<ApiKeyResponse>> {
    return this.keys.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One API key' })
  @ApiOkResponse({ type: ApiKeyResponse })
  get(@Param('id', uuidParam('id')) id: string): Promise<ApiKeyResponse> {
    return this.keys.get(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key (idempotent)' })
  @ApiOkResponse({ type: ApiKeyResponse, description: 'The revoked key.' })
  revoke(@Param('id', uuidParam('id')) id: string): Promise<ApiKeyResponse> {
    return this.keys.revoke(id);
  }
}
