import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
  type Type,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiPageResponse,
  ApiProblems,
  CurrentPrincipal,
  PageQueryDto,
  Roles,
  TENANT_ROLES,
  uuidParam,
  type Page,
  type Principal,
} from '@itinera/platform';
import { accessActorOf } from '../access/record-access.types';
import { ENTRY_EXAMPLES, type EntryCategoryDefinition, type VersionedBody } from './entry-categories';
import { expectedVersionOf } from './entry.errors';
import { PatientEntriesService, type EntryVersionView, type EntryView } from './patient-entries.service';

const READ_PROBLEMS = {
  403: 'A specialist whose live grant does not cover this category, staff (no access to health data), or a patient not yet verified',
  404: 'No such repository for the caller (including a specialist without a live grant), or no such entry',
};
const WRITE_PROBLEMS = {
  403: 'Not the record’s patient (staff, specialists), or a patient not yet verified',
  404: 'No such repository for the caller, or no such entry',
};
// Lower-case, as @Headers('if-match') names it, so the document has one optional parameter.
const IF_MATCH = ApiHeader({
  name: 'if-match',
  required: false,
  description: 'The version the change applies to, e.g. `"3"`; a stale one answers 409 VERSION_CONFLICT.',
});

const setEtag = (reply: FastifyReply, version: number) => reply.header('etag', `"${version}"`);

/**
 * The routes of one entry category, made from its definition so that the seven categories share
 * one implementation while each keeps its own typed request and response schemas in the OpenAPI
 * document (Create<X>Dto, <X>EntryResponse) and its own operation ids (`Diagnoses_create`).
 * Every tenant role reaches the service: the consent check decides, and logs refused reads too.
 */
export function entryControllerFor(definition: EntryCategoryDefinition): Type<unknown> {
  const { noun, segment } = definition;
  const examples = { [noun]: { value: ENTRY_EXAMPLES[definition.category] } };

  @ApiTags('patient-entries')
  @Controller(`patient-repositories/:id/${segment}`)
  @Roles(...TENANT_ROLES)
  class EntriesController {
    constructor(private readonly entries: PatientEntriesService) {}

    @Post()
    @ApiOperation({
      summary: `Record a ${noun} (the record's patient)`,
      description: 'Stored encrypted, as version 1; the answer carries `ETag: "1"`.',
    })
    @ApiBody({ type: definition.createDto, examples })
    @ApiCreatedResponse({ type: definition.entryResponse })
    @ApiProblems(WRITE_PROBLEMS)
    async create(
      @CurrentPrincipal() principal: Principal,
      @Param('id', uuidParam('id')) id: string,
      @Body() body: object,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<EntryView> {
      const entry = await this.entries.create(accessActorOf(principal), id, definition, body);
      setEtag(reply, entry.version);
      return entry;
    }

    @Get()
    @ApiOperation({ summary: `The record's ${definition.plural.toLowerCase()}, newest first (deleted ones excluded)` })
    @ApiPageResponse(definition.entryResponse)
    @ApiProblems(READ_PROBLEMS)
    list(
      @CurrentPrincipal() principal: Principal,
      @Param('id', uuidParam('id')) id: string,
      @Query() query: PageQueryDto,
    ): Promise<Page<EntryView>> {
      return this.entries.list(accessActorOf(principal), id, definition, query);
    }

    @Get(':entryId')
    @ApiOperation({ summary: `One ${noun}`, description: 'The answer carries its version as `ETag`.' })
    @ApiOkResponse({ type: definition.entryResponse })
    @ApiProblems(READ_PROBLEMS)
    async get(
      @CurrentPrincipal() principal: Principal,
      @Param('id', uuidParam('id')) id: string,
      @Param('entryId', uuidParam('entryId')) entryId: string,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<EntryView> {
      const entry = await this.entries.get(accessActorOf(principal), id, definition, entryId);
      setEtag(reply, entry.version);
      return entry;
    }

    @Put(':entryId')
    @ApiOperation({
      summary: `Replace a ${noun}'s content (the record's patient)`,
      description:
        'Writes a new version; earlier ones stay in the history. Conditional on `If-Match` or `expectedVersion` when given.',
    })
    @IF_MATCH
    @ApiBody({ type: definition.updateDto, examples })
    @ApiOkResponse({ type: definition.entryResponse })
    @ApiProblems({ ...WRITE_PROBLEMS, 409: 'VERSION_CONFLICT: the entry is no longer at the version given' })
    async update(
      @CurrentPrincipal() principal: Principal,
      @Param('id', uuidParam('id')) id: string,
      @Param('entryId', uuidParam('entryId')) entryId: string,
      @Body() body: object,
      @Res({ passthrough: true }) reply: FastifyReply,
      @Headers('if-match') ifMatch?: string,
    ): Promise<EntryView> {
      const expected = expectedVersionOf(ifMatch, (body as VersionedBody).expectedVersion ?? undefined);
      const entry = await this.entries.update(accessActorOf(principal), id, definition, entryId, body, expected);
      setEtag(reply, entry.version);
      return entry;
    }

    @Delete(':entryId')
    @HttpCode(204)
    @ApiOperation({
      summary: `Delete a ${noun} (the record's patient)`,
      description: 'A soft deletion: it leaves lists and reads, and its history gains a DELETED version.',
    })
    @IF_MATCH
    @ApiNoContentResponse({ description: 'Deleted' })
    @ApiProblems({ ...WRITE_PROBLEMS, 409: 'VERSION_CONFLICT: the entry is no longer at the version given' })
    async remove(
      @CurrentPrincipal() principal: Principal,
      @Param('id', uuidParam('id')) id: string,
      @Param('entryId', uuidParam('entryId')) entryId: string,
      @Headers('if-match') ifMatch?: string,
    ): Promise<void> {
      await this.entries.remove(
        accessActorOf(principal),
        id,
        definition,
        entryId,
        expectedVersionOf(ifMatch, undefined),
      );
    }

    @Get(':entryId/history')
    @ApiOperation({
      summary: `Every version of a ${noun}, oldest first`,
      description: 'Each with its change (CREATED, UPDATED, DELETED), who made it, when, and the content as of then.',
    })
    @ApiPageResponse(definition.versionResponse)
    @ApiProblems(READ_PROBLEMS)
    history(
      @CurrentPrincipal() principal: Principal,
      @Param('id', uuidParam('id')) id: string,
      @Param('entryId', uuidParam('entryId')) entryId: string,
      @Query() query: PageQueryDto,
    ): Promise<Page<EntryVersionView>> {
      return this.entries.history(accessActorOf(principal), id, definition, entryId, query);
    }
  }

  // The body types are per category: tell the validation pipe and the OpenAPI document which.
  const paramTypes = (method: string) =>
    Reflect.getMetadata('design:paramtypes', EntriesController.prototype, method) as unknown[];
  const withBody = (method: string, index: number, type: Type<object>) => {
    const types = [...paramTypes(method)];
    types[index] = type;
    Reflect.defineMetadata('design:paramtypes', types, EntriesController.prototype, method);
  };
  withBody('create', 2, definition.createDto);
  withBody('update', 3, definition.updateDto);
  Object.defineProperty(EntriesController, 'name', { value: `${definition.plural}Controller` });
  return EntriesController;
}
