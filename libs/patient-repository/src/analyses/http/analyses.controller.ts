import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  ApiProblems,
  CurrentPrincipal,
  PageQueryDto,
  Roles,
  uuidParam,
  type Page,
  type Principal,
} from '@itinera/platform';
import { AnalysisQueriesService } from '../analysis-queries.service';
import { AnalysisRequestsService } from '../analysis-requests.service';
import { CreateAnalysisDto } from '../dto/create-analysis.dto';
import { AnalysisDetailResponse, AnalysisResponse } from '../dto/analysis.response';

/** Health data: the record's patient, and specialists under a live consent grant. */
const READER_ROLES = ['PATIENT', 'SPECIALIST'] as const;

@ApiTags('analyses')
@Controller('patient-repositories/:id/analyses')
export class AnalysesController {
  constructor(
    private readonly requests: AnalysisRequestsService,
    private readonly queries: AnalysisQueriesService,
  ) {}

  @Post()
  @Roles(...READER_ROLES)
  @ApiOperation({
    summary: 'Queue an analysis of the record (the patient, or a specialist whose grant covers its categories)',
    description:
      'The job goes to the analysis queue with this priority (1 runs first) and the analysis id as its job id. ' +
      'MODEL_REVIEW reserves its estimated cost against the monthly budget first, and is refused when it would exceed it.',
  })
  @ApiCreatedResponse({ type: AnalysisResponse })
  @ApiProblems({
    402: 'The estimated model-provider cost would exceed the monthly budget (the answer names what remains)',
    403: "The grant does not cover the analyser's categories, or the caller is not the patient or a specialist",
    404: 'No such record, or none the caller may know of',
    422: 'MODEL_REVIEW without a configured model provider',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Body() body: CreateAnalysisDto,
  ): Promise<AnalysisResponse> {
    return this.requests.request(principal, id, body);
  }

  @Get()
  @Roles(...READER_ROLES)
  @ApiOperation({
    summary: "The record's analyses, newest first",
    description: 'A specialist sees those whose every category their grant covers.',
  })
  @ApiPageResponse(AnalysisResponse)
  @ApiProblems({ 403: 'Not the patient or a specialist', 404: 'No such record, or none the caller may know of' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<AnalysisResponse>> {
    return this.queries.list(principal, id, query);
  }

  @Get(':analysisId')
  @Roles(...READER_ROLES)
  @ApiOperation({ summary: 'One analysis with its findings and the entries each rests on' })
  @ApiOkResponse({ type: AnalysisDetailResponse })
  @ApiProblems({
    403: "The grant does not cover the analyser's categories",
    404: 'No such record or analysis, or none the caller may know of',
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Param('analysisId', uuidParam('analysisId')) analysisId: string,
  ): Promise<AnalysisDetailResponse> {
    return this.queries.get(principal, id, analysisId);
  }

  @Post(':analysisId/cancel')
  @HttpCode(200)
  @Roles(...READER_ROLES)
  @ApiOperation({
    summary: "Cancel a QUEUED or RUNNING analysis (its requester or the record's patient)",
    description:
      'A QUEUED analysis is CANCELLED at once and its waiting job removed; a RUNNING one records the request ' +
      '(cancelRequestedAt) and stops at its next checkpoint, ending CANCELLED. A finished one answers 409.',
  })
  @ApiOkResponse({ type: AnalysisResponse })
  @ApiProblems({
    403: "Neither the analysis's requester nor the record's patient",
    404: 'No such record or analysis, or none the caller may know of',
    409: 'The analysis has finished',
  })
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Param('analysisId', uuidParam('analysisId')) analysisId: string,
  ): Promise<AnalysisResponse> {
    return this.requests.cancel(principal, id, analysisId);
  }
}
