// The engine's public entry: every endpoint it answers, by the name it has under /api/2.0/, as a
// function of a query source and the request's parameters. Parameters are parsed (and bad ones
// rejected with a QueryParamError) before any data is read.

import {
  parseEventNamesParams,
  parseEventsParams,
  parseNumericParams,
  parsePropertyParams,
  parsePropertyValuesParams,
  parseSegmentationParams,
  parseSumParams,
  parseTopEventsParams,
  parseTopPropertiesParams,
} from "../params.js";
import { parseFunnelParams } from "../params-funnel.js";
import { parseAddictionParams, parseRetentionParams } from "../params-retention.js";
import { addiction } from "./addiction.js";
import { eventProperties, eventPropertiesTop, eventPropertyValues } from "./event-properties.js";
import { events, eventsNames, eventsTop } from "./events.js";
import { funnels } from "./funnels.js";
import { retention } from "./retention.js";
import { segmentation } from "./segmentation.js";
import { segmentationNumeric } from "./segmentation-numeric.js";
import { segmentationAverage, segmentationSum } from "./segmentation-sum.js";
import type { QuerySource } from "./source.js";

export type EngineEndpoint = (source: QuerySource, params: URLSearchParams) => Promise<unknown>;

function endpoint<P>(
  parse: (q: URLSearchParams) => P,
  run: (source: QuerySource, params: P) => Promise<unknown>,
): EngineEndpoint {
  return (source, q) => run(source, parse(q));
}

export const ENGINE_ENDPOINTS: ReadonlyMap<string, EngineEndpoint> = new Map([
  ["segmentation", endpoint(parseSegmentationParams, segmentation)],
  ["segmentation/numeric", endpoint(parseNumericParams, segmentationNumeric)],
  ["segmentation/sum", endpoint(parseSumParams, segmentationSum)],
  ["segmentation/average", endpoint(parseSumParams, segmentationAverage)],
  ["events", endpoint(parseEventsParams, events)],
  ["events/top", endpoint(parseTopEventsParams, eventsTop)],
  ["events/names", endpoint(parseEventNamesParams, eventsNames)],
  ["events/properties", endpoint(parsePropertyParams, eventProperties)],
  ["events/properties/top", endpoint(parseTopPropertiesParams, eventPropertiesTop)],
  ["events/properties/values", endpoint(parsePropertyValuesParams, eventPropertyValues)],
  ["funnels", endpoint(parseFunnelParams, funnels)],
  ["retention", endpoint(parseRetentionParams, retention)],
  ["retention/addiction", endpoint(parseAddictionParams, addiction)],
]);
