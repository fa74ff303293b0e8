import { Module } from '@nestjs/common';
import { ModelProviderClient } from '../model-provider/model-provider.client';
import { AnalyserRegistry } from './analyser-registry';

/** The analysers (one per kind) and the model-provider client, for the analysis job and its creation. */
@Module({
  providers: [AnalyserRegistry, ModelProviderClient],
  exports: [AnalyserRegistry, ModelProviderClient],
})
export class AnalysersModule {}
