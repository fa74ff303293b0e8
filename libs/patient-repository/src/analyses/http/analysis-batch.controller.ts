import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentPrincipal, Roles, type Principal } from '@itinera/platform';
import { AnalysisRequestsService } from '../analysis-requests.service';
import { AnalysisBatchResponse, CreateAnalysisBatchDto } from '../dto/create-analysis-batch.dto';

@ApiTags('analyses')
@Controller('analyses')
export class AnalysisBatchController {
  constructor(private readonly requests: AnalysisRequestsService) {}

  @Post('batch')
  @Roles('PATIENT', 'SPECIALIST')
  @ApiOperation({
    summary: 'Queue several analyses at once (all or nothing)',
    description:
      "Each item is checked like POST /patient-repositories/{id}/analyses (the record's patient, or a specialist " +
      "whose live grant covers the analyser's categories) and logged in the access log; the budget is reserved once " +
      'for the total estimate. When any item is refused nothing is queued: the answer is that of the first refused ' +
      'item (404 or 403), and `errors` names every refused item as `items[i].repositoryId`. At most ' +
      'ANALYSIS_BATCH_MAX_ITEMS items (100 by default). 201 with the analyses in the order of the items.',
  })
  @ApiCreatedResponse({ type: AnalysisBatchResponse })
  @ApiProblems({
    402: 'The estimated model-provider cost of the batch would exceed the monthly budget (the answer names what remains)',
    403: "An item's record is known to the caller but the grant does not cover the analyser's categories, or the caller is not the patient or a specialist",
    404: "An item's record does not exist, or is not one the caller may know of",
    422: 'MODEL_REVIEW without a configured model provider',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateAnalysisBatchDto,
  ): Promise<AnalysisBatchResponse> {
    return this.requests.requestMany(principal, body);
  }
}
