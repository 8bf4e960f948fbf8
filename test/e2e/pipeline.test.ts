import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Mixpanel from "mixpanel";
import {
  eventually,
  exportAll,
  importEvents,
  query,
  startTestTally,
  type TestTally,
  today,
} from "./helpers.js";

let t: TestTally;
before(async () => {
  t = await startTestTally();
});
after(() => t.stop());

const now = Math.floor(Date.now() / 1000) - 60;

test("an accepted event is exported back exactly, every JSON kind included, within a second", async () => {
  const properties = JSON.parse(`{
    "token": "${t.project.token}", "distinct_id": "kinds-1", "time": ${now}, "$insert_id": "kinds-1",
    "int": 42, "neg": -7, "big": 1e300, "tiny": 5e-324, "frac": 0.1, "large": 9007199254740993,
    "t": true, "f": false, "nil": null, "s": "héllo 😀 \\u2028 \\u0000", "empty": "",
    "list": [1, "a", null, [2, {"x": 3}]], "obj": {"a": {"b": {"c": 1}}},
    "__proto__": {"polluted": true}, "constructor": "c", "prototype": 1
  }`);
  const started = Date.now();
  assert.deepEqual(await importEvents(t, [{ event: "Kinds", properties }]), {
    code: 200,
    num_records_imported: 1,
    status: "OK",
  });
  const events = await eventually(
    () => exportAll(t, { event: '["Kinds"]' }),
    (e) => e.length === 1,
  );
  assert.ok(Date.now() - started < 1000, "exported within a second");
  assert.deepEqual(events[0], { event: "Kinds", properties });
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype stays clean");
});

function ev(event: string, distinctId: string, extra: Record<string, unknown> = {}, time = now) {
  return { event, properties: { token: t.project.token, distinct_id: distinctId, time, ...extra } };
}

test("anonymous events, then $identify, then $create_alias: the person's events come out under one id", async () => {
  await importEvents(t, [
    { ...ev("Visit", "anon-42", { $insert_id: "v1" }) },
    { ...ev("Visit", "anon-42", { $insert_id: "v2" }, now + 1) },
  ]);
  await importEvents(t, [
    ev("$identify", "alice", { $anon_distinct_id: "anon-42", $insert_id: "i1" }, now + 2),
  ]);
  await importEvents(t, [
    ev("$create_alias", "alice", { alias: "alice@example.com", $insert_id: "a1" }, now + 3),
  ]);
  await importEvents(t, [ev("Buy", "alice@example.com", { $insert_id: "b1" }, now + 4)]);
  for (const id of ["anon-42", "alice", "alice@example.com"]) {
    const reply = await eventually(
      async () =>
        (await (
          await query(t, "stream/query", {
            from_date: "2020-01-01",
            to_date: today(),
            distinct_ids: JSON.stringify([id]),
          })
        ).json()) as {
          results: { events: { event: string }[] };
        },
      (r) => r.results.events.length === 5,
    );
    assert.deepEqual(
      reply.results.events.map((e) => e.event),
      ["Visit", "Visit", "$identify", "$create_alias", "Buy"],
      `stream/query for ${id}`,
    );
  }
  const exported = (await exportAll(t, { event: '["Buy"]' })) as { properties: Record<string, unknown> }[];
  // As sent, though stored under alice; nothing added.
  assert.equal(exported[0].properties.distinct_id, "alice@example.com");
  assert.equal(exported[0].properties.$original_distinct_id, undefined);
  // export's where reads distinct_id as sent, as segmentation's does.
  const bySent = (await exportAll(t, {
    where: 'properties["distinct_id"] == "alice@example.com"',
  })) as { event: string }[];
  assert.deepEqual(
    bySent.map((e) => e.event),
    ["Buy"],
  );
});

test("stream/query for an id that means no user finds no one's activity", async () => {
  await importEvents(t, [ev("Nobody", "anonymous", { $insert_id: "nobody-1" })]);
  await eventually(
    async () => (await exportAll(t, { event: '["Nobody"]' })) as unknown[],
    (e) => e.length === 1,
  );
  const reply = (await (
    await query(t, "stream/query", {
      from_date: "2020-01-01",
      to_date: today(),
      distinct_ids: JSON.stringify(["anonymous"]),
    })
  ).json()) as { results: { events: unknown[] } };
  assert.deepEqual(reply.results.events, []);
});

test("export's where reads user[…] from the profile of the event's person, anonymous events included", async () => {
  await importEvents(t, [
    ev("Read", "anon-erin", { $insert_id: "r1" }),
    ev("$identify", "erin", { $anon_distinct_id: "anon-erin", $insert_id: "r2" }, now + 1),
    ev("Read", "erin", { $insert_id: "r3" }, now + 2),
    ev("Read", "frank", { $insert_id: "r4" }, now + 3),
  ]);
  const body = new URLSearchParams({
    data: JSON.stringify([
      { $token: t.project.token, $distinct_id: "erin", $set: { tier: "gold" } },
      { $token: t.project.token, $distinct_id: "frank", $set: { tier: "tin" } },
    ]),
  });
  assert.equal(await (await fetch(`${t.base}/engage`, { method: "POST", body })).text(), "1");
  const reads = async (where: string) =>
    ((await exportAll(t, { event: '["Read"]', where })) as { properties: { $insert_id: string } }[]).map(
      (e) => e.properties.$insert_id,
    );
  await eventually(
    () => reads('defined(user["tier"])'),
    (ids) => ids.length === 3,
  );
  assert.deepEqual(await reads('user["tier"] == "gold"'), ["r1", "r3"]);
  assert.deepEqual(await reads('user["tier"] == "tin"'), ["r4"]);
});

test("an alias already taken by another person is refused and changes nothing", async () => {
  await importEvents(t, [
    ev("$create_alias", "bob", { alias: "shared-alias", $insert_id: "ca1" }),
    ev("$create_alias", "carol", { alias: "shared-alias", $insert_id: "ca2" }),
    ev("Ping", "shared-alias", { $insert_id: "p1" }),
  ]);
  await eventually(
    () => exportAll(t, { event: '["Ping"]' }),
    (e) => e.length === 1,
  );
  const pings = async (id: string) => {
    const res = await query(t, "stream/query", {
      from_date: "2020-01-01",
      to_date: today(),
      distinct_ids: JSON.stringify([id]),
    });
    const { results } = (await res.json()) as { results: { events: { event: string }[] } };
    return results.events.filter((e) => e.event === "Ping").length;
  };
  assert.equal(await pings("bob"), 1, "the alias is bob's");
  assert.equal(await pings("carol"), 0, "carol's claim on it was refused");
});

test("profile updates apply in $time order and engage shows them", async () => {
  const engage = async (records: unknown[]) => {
    const body = new URLSearchParams({ data: JSON.stringify(records) });
    return (await fetch(`${t.base}/engage?verbose=1`, { method: "POST", body })).json();
  };
  const base = { $token: t.project.token, $distinct_id: "dora" };
  assert.deepEqual(await engage([{ ...base, $set: { plan: "pro", seats: 3 }, $time: 2_000_000 }]), {
    status: 1,
    error: null,
  });
  await engage([{ ...base, $set: { plan: "free" }, $time: 1_000_000 }]);
  await engage([{ ...base, $add: { seats: 2 }, $time: 3_000_000 }]);
  const reply = await eventually(
    async () =>
      (await (await query(t, "engage", { distinct_id: "dora" })).json()) as {
        results: { $distinct_id: string; $properties: Record<string, unknown> }[];
      },
    (r) => r.results.length === 1 && r.results[0].$properties.seats === 5,
  );
  assert.equal(reply.results[0].$properties.plan, "pro", "the older $set did not overwrite the newer");
  assert.equal(reply.results[0].$properties.seats, 5);
  const filtered = (await (await query(t, "engage", { where: 'properties["plan"] == "pro"' })).json()) as {
    total: number;
  };
  assert.equal(filtered.total, 1);
  // A session id the server never issued is the request's mistake: 400, naming the parameter.
  const stale = await query(t, "engage", { session_id: "s1.garbage" });
  assert.equal(stale.status, 400);
  assert.match(((await stale.json()) as { error: string }).error, /^session_id: not one this server issued/);
});

test("events sent with the official SDK come back from export exactly as sent", async () => {
  const port = Number(new URL(t.base).port);
  // InitConfig's type lacks `port`, which the SDK reads all the same.
  const config = { host: "127.0.0.1", port, protocol: "http" } as Partial<Mixpanel.InitConfig>;
  const mixpanel = Mixpanel.init(t.project.token, config);
  const sent = { distinct_id: "sdk-user", plan: "pro", price: 9.99, tags: ["a", "ü"], nested: { deep: [1] } };
  await new Promise<void>((resolve, reject) =>
    mixpanel.track("SDK event", { ...sent, $insert_id: "sdk-1", time: now }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  const events = (await eventually(
    () => exportAll(t, { event: '["SDK event"]' }),
    (e) => e.length === 1,
  )) as { properties: Record<string, unknown> }[];
  const { token, mp_lib, $lib_version, ...rest } = events[0].properties;
  assert.equal(token, t.project.token);
  assert.equal(mp_lib, "node");
  assert.equal(typeof $lib_version, "string");
  assert.deepEqual(rest, { ...sent, time: now, $insert_id: "sdk-1" });
});

test("a secret reads its own project's events and never another's", async () => {
  const other = t.tally.registry.add({ name: "other" });
  await importEvents(t, [ev("Mine", "m1", { $insert_id: "mine-1" })]);
  await eventually(
    () => exportAll(t, { event: '["Mine"]' }),
    (e) => e.length === 1,
  );
  const asOther = await fetch(`${t.base}/api/2.0/export?from_date=2020-01-01&to_date=${today()}`, {
    headers: { authorization: `Basic ${Buffer.from(`${other.secret}:`).toString("base64")}` },
  });
  assert.equal(asOther.status, 200);
  assert.equal(await asOther.text(), "", "the other project has no events");
  const wrongProject = await fetch(
    `${t.base}/api/2.0/export?from_date=2020-01-01&to_date=${today()}&project_id=${t.project.id}`,
    { headers: { authorization: `Basic ${Buffer.from(`${other.secret}:`).toString("base64")}` } },
  );
  assert.equal(wrongProject.status, 401);
});

test("segmentation over HTTP counts events accepted a moment ago, and a later alias merges earlier history", async () => {
  const day = new Date(now * 1000).toISOString().slice(0, 10);
  await importEvents(t, [
    ev("Open", "guest-7", { $insert_id: "o1", country: "DE" }),
    ev("Open", "guest-7", { $insert_id: "o2", country: "DE" }, now + 1),
    ev("Open", "member-7", { $insert_id: "o3", country: "FR" }, now + 2),
  ]);
  const segmentation = async (type: string) => {
    const res = await query(t, "segmentation", { event: "Open", from_date: day, to_date: day, type });
    assert.equal(res.status, 200);
    return (await res.json()) as { data: { values: Record<string, Record<string, number>> } };
  };
  const general = await eventually(
    () => segmentation("general"),
    (r) => r.data.values.Open?.[day] === 3,
  );
  assert.equal(general.data.values.Open[day], 3);
  assert.equal((await segmentation("unique")).data.values.Open[day], 2);
  await importEvents(t, [
    ev("$identify", "member-7", { $anon_distinct_id: "guest-7", $insert_id: "id7" }, now + 3),
  ]);
  const merged = await eventually(
    () => segmentation("unique"),
    (r) => r.data.values.Open[day] === 1,
  );
  assert.equal(merged.data.values.Open[day], 1, "guest-7 and member-7 are one user now");
  const bad = await query(t, "segmentation", {
    event: "Open",
    from_date: day,
    to_date: day,
    where: "properties[",
  });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^where: /);
});

test("a batch sent again after an $identify counts once, though its copy is filed under the person", async () => {
  const day = new Date(now * 1000).toISOString().slice(0, 10);
  const batch = [
    ev("Tap", "guest-9", { $insert_id: "t1" }),
    ev("Tap", "guest-9", { $insert_id: "t2" }, now + 1),
  ];
  await importEvents(t, batch);
  await importEvents(t, [
    ev("$identify", "member-9", { $anon_distinct_id: "guest-9", $insert_id: "id9" }, now + 2),
  ]);
  await importEvents(t, batch);
  // Export is not deduplicated: it shows when all four copies are stored.
  await eventually(
    () => exportAll(t, { event: '["Tap"]' }),
    (e) => e.length === 4,
  );
  const res = await query(t, "segmentation", { event: "Tap", from_date: day, to_date: day, type: "general" });
  const counted = (await res.json()) as { data: { values: Record<string, Record<string, number>> } };
  assert.equal(counted.data.values.Tap[day], 2);
  const stream = await query(t, "stream/query", {
    from_date: day,
    to_date: day,
    distinct_ids: JSON.stringify(["member-9"]),
  });
  const { results } = (await stream.json()) as { results: { events: { event: string }[] } };
  assert.deepEqual(
    results.events.map((e) => e.event),
    ["Tap", "Tap", "$identify"],
  );
});

test("a query over closed days is answered from the result cache until an import changes those days", async () => {
  const past = now - 10 * 86400;
  const day = new Date(past * 1000).toISOString().slice(0, 10);
  await importEvents(t, [ev("Old", "x1", { $insert_id: "old-1" }, past)]);
  const count = async () => {
    const res = await query(t, "segmentation", { event: "Old", from_date: day, to_date: day });
    return ((await res.json()) as { data: { values: Record<string, Record<string, number>> } }).data.values
      .Old?.[day];
  };
  const lookups = () => t.tally.metrics.resultCacheLookups.get().then((m) => m.values);
  const hits = async () => (await lookups()).find((v) => v.labels.outcome === "hit")?.value ?? 0;
  assert.equal(await eventually(count, (n) => n === 1), 1);
  const before = await hits();
  assert.equal(await count(), 1);
  assert.equal(await hits(), before + 1, "the second identical query was a cache hit");
  await importEvents(t, [ev("Old", "x2", { $insert_id: "old-2" }, past + 5)]);
  assert.equal(await eventually(count, (n) => n === 2), 2, "a backfill into the day is seen at once");
});
