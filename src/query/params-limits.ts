// Every bound a query parameter is held to, in one place so the API docs and the errors agree.

export const QUERY_LIMITS = Object.freeze({
  /** Days in a from_date..to_date range, both ends included (spec: "at most 3,660 days"). */
  maxRangeDays: 3660,
  /** Buckets in a series, counted as if every day had 24 hours: minute over ~13 days, hour over ~833. */
  maxBuckets: 20_000,
  /** Segments an `on` may return (`limit`). */
  maxSegments: 10_000,
  defaultSegments: 60,
  /** Names in an `event` list (events, export) and values in a `values` list. */
  maxListItems: 1_000,
  /** Entries of a ranked list (events/names, events/properties/values, …). */
  maxListLimit: 10_000,
  /** events/top answers at most this many events, as Mixpanel does. */
  maxTopEvents: 100,
  maxFunnelSteps: 20,
  /** Longest conversion window, in days (Mixpanel's bound). */
  maxConversionWindowDays: 90,
  /** Segments a funnel's `on` returns by default (Mixpanel's default). */
  defaultFunnelSegments: 255,
  /** Later buckets a retention cohort is followed for. */
  maxIntervalCount: 400,
  /** Ranges segmentation/numeric may split values into. */
  maxNumericBuckets: 100,
  /** distinct_ids given to engage or stream/query. */
  maxDistinctIds: 2_000,
  maxOutputProperties: 255,
  maxPageSize: 1_000,
  /** Highest page number engage accepts (pages of at most 1,000 profiles). */
  maxPage: 1_000_000,
  maxExportLimit: 100_000,
  /** Events stream/query returns: its reply is one JSON document, built whole. */
  maxStreamEvents: 100_000,
  /** A JSON-array parameter, in UTF-16 units (expressions have their own 64 KiB limit). */
  maxJsonChars: 1_048_576,
  /** A plain name or id parameter (event, property, distinct id, session id). */
  maxNameChars: 1_024,
});
