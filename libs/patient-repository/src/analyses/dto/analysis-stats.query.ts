import { InstantRangeQuery } from './instant-range.query';

/** A range over the runs' finish times; all runs without one. */
export class AnalysisStatsQuery extends InstantRangeQuery {}
