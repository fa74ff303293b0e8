import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentUser, Roles, uuidParam, type UserPrincipal } from '@itinera/platform';
import { IdentityChallengesService } from '../identity-challenges.service';
import { AnswerIdentityChallengeDto } from '../dto/identity-challenge.dto';
import { IdentityChallengePassedResponse, IdentityChallengeResponse } from '../dto/identity-challenge.response';

@ApiTags('patient-repositories')
@Controller('patient-repositories/:id/identity-challenges')
export class IdentityChallengesController {
  constructor(private readonly challenges: IdentityChallengesService) {}

  @Post()
  @Roles('PATIENT')
  @ApiOperation({
    summary: 'Start an identity challenge for my repository (its patient)',
    description:
      'Questions about what the tenant holds on the patient (date of birth, postal code), never the answers. ' +
      'While a challenge is open it is returned again (200) rather than a new one made, so asking again never ' +
      'adds attempts. After a failed challenge, 429 with Retry-After until the cool-down ends.',
  })
  @ApiCreatedResponse({ type: IdentityChallengeResponse, description: 'A new challenge' })
  @ApiOkResponse({ type: IdentityChallengeResponse, description: 'The challenge already open' })
  @ApiProblems({
    404: 'No such repository, or not the caller’s',
    409: 'The repository is already verified',
    429: 'IDENTITY_CHALLENGE_COOLDOWN: attempts used up recently; retry after `Retry-After` seconds',
  })
  async create(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IdentityChallengeResponse> {
    const { challenge, reused } = await this.challenges.create(user.userId, id);
    reply.status(reused ? 200 : 201);
    return challenge;
  }

  @Post(':challengeId/answers')
  @HttpCode(200)
  @Roles('PATIENT')
  @ApiOperation({
    summary: 'Answer an identity challenge',
    description:
      'Right answers make the repository ACTIVE (verified): it is the patient’s from now on. Wrong answers count ' +
      'an attempt (422 with `attemptsRemaining`); the last one fails the challenge and starts the cool-down. ' +
      'Every attempt is audited (outcome and number, never the answers).',
  })
  @ApiOkResponse({ type: IdentityChallengePassedResponse })
  @ApiProblems({
    404: 'No such repository or challenge, or not the caller’s',
    409: 'The repository is already verified, or this challenge has failed',
    410: 'IDENTITY_CHALLENGE_EXPIRED: the challenge expired; ask for a new one',
    422: 'IDENTITY_CHALLENGE_WRONG_ANSWERS: the answers do not match; `attemptsRemaining` says how many are left',
    429: 'IDENTITY_CHALLENGE_COOLDOWN: attempts used up recently; retry after `Retry-After` seconds',
  })
  answer(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Param('challengeId', uuidParam('challengeId')) challengeId: string,
    @Body() body: AnswerIdentityChallengeDto,
  ): Promise<IdentityChallengePassedResponse> {
    return this.challenges.answer(user.userId, id, challengeId, body.answers);
  }
}
