// The event the ingestion benchmarks send: what mixpanel-browser sends for a page view.

/** An event as mixpanel-browser sends one: about ten properties. */
export function browserEvent(token: string, insertId: string): Record<string, unknown> {
  return {
    event: "Viewed page",
    properties: {
      token,
      distinct_id: "user-1234567",
      time: Math.floor(Date.now() / 1000),
      $insert_id: insertId,
      $browser: "Chrome",
      $os: "Mac OS X",
      $current_url: "https://example.com/pricing?plan=pro",
      $screen_width: 1440,
      plan: "pro",
      referrer: "https://www.google.com/",
      mp_lib: "web",
    },
  };
}
