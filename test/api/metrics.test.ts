import assert from "node:assert/strict";
import { test } from "node:test";
import { TallyMetrics } from "../../src/api/metrics.js";
import { BodyBudget } from "../../src/ingest/body-budget.js";

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("ingest counts kept between scrapes add up, per label, and are never counted twice", async () => {
  const metrics = new TallyMetrics({ defaultMetrics: false });
  metrics.countIngest({ type: "request", route: "track", status: 200 });
  metrics.countIngest({ type: "request", route: "track", status: 200 });
  metrics.countIngest({ type: "request", route: "track", status: 400 });
  metrics.countIngest({ type: "accepted", kind: "event", count: 5 });
  metrics.countIngest({ type: "rejected", reason: "bad_json", count: 2 });
  let text = await metrics.render();
  assert.equal(value(text, 'tally_http_requests_total{route="track",status="200"}'), 2);
  assert.equal(value(text, 'tally_http_requests_total{route="track",status="400"}'), 1);
  assert.equal(value(text, 'tally_records_accepted_total{kind="event"}'), 5);
  assert.equal(value(text, 'tally_records_rejected_total{reason="bad_json"}'), 2);

  // A second scrape with nothing new reads the same totals.
  text = await metrics.render();
  assert.equal(value(text, 'tally_http_requests_total{route="track",status="200"}'), 2);

  metrics.countIngest({ type: "request", route: "track", status: 200 });
  metrics.countIngest({ type: "request", route: "import", status: 200 });
  metrics.countIngest({ type: "accepted", kind: "engage", count: 1 });
  text = await metrics.render();
  assert.equal(value(text, 'tally_http_requests_total{route="track",status="200"}'), 3);
  assert.equal(value(text, 'tally_http_requests_total{route="import",status="200"}'), 1);
  assert.equal(value(text, 'tally_records_accepted_total{kind="event"}'), 5);
  assert.equal(value(text, 'tally_records_accepted_total{kind="engage"}'), 1);
});

test("the bytes of bodies still arriving are a gauge beside their limit", async () => {
  const metrics = new TallyMetrics({ defaultMetrics: false });
  const budget = new BodyBudget(1000);
  metrics.watchArrivingBodies(budget);
  assert.ok(budget.take(300));
  let text = await metrics.render();
  assert.equal(value(text, 'tally_ingest_arriving_body_bytes{of="held"}'), 300);
  assert.equal(value(text, 'tally_ingest_arriving_body_bytes{of="limit"}'), 1000);
  budget.give(300);
  text = await metrics.render();
  assert.equal(value(text, 'tally_ingest_arriving_body_bytes{of="held"}'), 0);
});
