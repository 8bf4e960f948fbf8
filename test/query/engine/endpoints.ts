// Each endpoint the engine answers, paired with the reference's answer to the same parameters.

import { ENGINE_ENDPOINTS, type EngineEndpoint } from "../../../src/query/engine/endpoints.js";
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
} from "../../../src/query/params.js";
import type { Dataset } from "../../../src/query/reference/dataset.js";
import * as refProperties from "../../../src/query/reference/event-properties.js";
import * as refEvents from "../../../src/query/reference/events.js";
import * as refSegmentation from "../../../src/query/reference/segmentation.js";
import * as refSums from "../../../src/query/reference/segmentation-sum.js";
import type { Endpoint } from "./random-queries.js";

interface Route {
  reference(dataset: Dataset, q: URLSearchParams): unknown;
  readonly engine: EngineEndpoint;
}

function route<P>(
  name: Endpoint,
  parse: (q: URLSearchParams) => P,
  reference: (dataset: Dataset, params: P) => unknown,
): Route {
  const engine = ENGINE_ENDPOINTS.get(name);
  if (engine === undefined) throw new Error(`the engine has no ${name}`);
  return { reference: (dataset, q) => reference(dataset, parse(q)), engine };
}

export const ROUTES: Readonly<Record<Endpoint, Route>> = {
  segmentation: route("segmentation", parseSegmentationParams, refSegmentation.segmentation),
  "segmentation/numeric": route(
    "segmentation/numeric",
    parseNumericParams,
    refSegmentation.segmentationNumeric,
  ),
  "segmentation/sum": route("segmentation/sum", parseSumParams, refSums.segmentationSum),
  "segmentation/average": route("segmentation/average", parseSumParams, refSums.segmentationAverage),
  events: route("events", parseEventsParams, refEvents.events),
  "events/top": route("events/top", parseTopEventsParams, refEvents.eventsTop),
  "events/names": route("events/names", parseEventNamesParams, refEvents.eventsNames),
  "events/properties": route("events/properties", parsePropertyParams, refProperties.eventProperties),
  "events/properties/top": route(
    "events/properties/top",
    parseTopPropertiesParams,
    refProperties.eventPropertiesTop,
  ),
  "events/properties/values": route(
    "events/properties/values",
    parsePropertyValuesParams,
    refProperties.eventPropertyValues,
  ),
};

/** A reply as a client sees it: through JSON, so prototypes and key order do not matter. */
export function asJson(reply: unknown): unknown {
  return JSON.parse(JSON.stringify(reply));
}
