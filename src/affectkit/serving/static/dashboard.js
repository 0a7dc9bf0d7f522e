// The dashboard's views beside Analyse (index.html): Streams, Alerts, Mood, Conversations, Reviews, Jobs, Models.
// Hash routing: #analyse, #streams, #streams/NAME/WIDTH, #alerts, #alerts/NAME, #mood, #mood/PERSON, #conversations,
// #reviews, #jobs, #models.
// Live updates come from GET /v1/live (server-sent events) read with fetch(), which sends the
// API key in a header as every other call does (EventSource cannot). Charts are plain SVG.
// Uses index.html's $, esc, call, headers, EMOTION_COLORS, swatch, signed, mb, BODY_LIMIT.
"use strict";
(() => {
  const VIEWS = ["analyse", "streams", "alerts", "mood", "conversations", "reviews", "jobs", "models"];
  const TITLES = {analyse: "affectkit playground", streams: "affectkit · Streams", alerts: "affectkit · Alerts", mood: "affectkit · Mood",
    conversations: "affectkit · Conversations", reviews: "affectkit · Reviews", jobs: "affectkit · Jobs", models: "affectkit · Models"};
  const WIDTHS = {300: "5 min", 3600: "1 hour", 86400: "1 day"};
  const SHOWN = 60;  // windows on a chart
  const POLARITY_COLORS = {negative: "#b02a37", neutral: "#b8bec8", positive: "#157347"};
  const EMO_ORDER = ["anger", "disgust", "fear", "sadness", "surprise", "joy", "neutral"];
  const S = {view: null, stream: null, width: 300, since: null, end: null, windows: new Map(),
    streams: [], selected: null, alerts: new Map(), alertFilter: "", unseen: 0, jobsTimer: null};
  const txt = (v) => esc(String(v ?? ""));
  const pct = (v) => (typeof v === "number" ? `${Math.round(100 * v)}%` : "-");
  const fixed = (v, d = 2) => (typeof v === "number" ? v.toFixed(d) : "-");
  const fail = (id, e) => { $(id).innerHTML = `<span class="error">${txt(e.message || e)}</span>`; };

  function when(t, width) {  // a time as shown: day windows are UTC days, the rest local time
    if (t === null || t === undefined) return "-";
    const d = new Date(t * 1000);
    if (width >= 86400) return d.toISOString().slice(0, 10);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}` +
      (width ? "" : `:${p(d.getSeconds())}`);
  }
  const span = (a, b, width) => `${when(a, width)} – ${width >= 86400 ? when(b, width) : when(b, width).slice(11)}`;
  function words(evidence) {  // [[word, weight], ...]: the words behind an event's score
    return `<span class="words">${(evidence || []).map(([w, x]) =>
      `<span class="${x >= 0 ? "up" : "down"}" title="${txt(w)} ${fixed(x, 3)}">${txt(w)} ${x >= 0 ? "+" : ""}${fixed(x)}</span>`).join("")}</span>`;
  }

  // -- routing ------------------------------------------------------------------------------
  function route() {
    const [name, a, b] = (location.hash.slice(1) || "analyse").split("/").map((p) => {
      try { return decodeURIComponent(p); } catch { return ""; }
    });
    const view = VIEWS.includes(name) ? name : "analyse";
    if (view !== S.view) {
      S.view = view;
      for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
      document.querySelectorAll("#nav a").forEach((l) => {
        if (l.dataset.view === view) l.setAttribute("aria-current", "page"); else l.removeAttribute("aria-current");
      });
      document.title = TITLES[view];
      clearInterval(S.jobsTimer);
      S.jobsTimer = null;
    }
    if (view === "streams") openStreams(a || null, Number(b) in WIDTHS ? Number(b) : 300);
    if (view === "alerts") { S.unseen = 0; badge(); openAlerts(a || ""); }
    if (view === "mood") openMood(a || null);
    if (view === "conversations") convModels();
    if (view === "jobs") { loadJobs(); S.jobsTimer = S.jobsTimer || setInterval(loadJobs, 3000); }
    if (view === "models") loadModels();
    startLive();
  }

  // -- live updates (GET /v1/live) ------------------------------------------------------------
  const live = {ctrl: null, sig: null, timer: null, retry: 0};
  function liveStatus(on, text) {
    for (const id of ["livestatus", "alertslive"]) { $(id).dataset.live = on ? "on" : "off"; $(id).textContent = text; }
  }
  async function readLive(params, ctrl) {
    const r = await fetch("/v1/live?" + new URLSearchParams(params), {headers: headers(false), signal: ctrl.signal, cache: "no-store"});
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw Object.assign(new Error((body.error && body.error.message) || r.statusText), {status: r.status});
    }
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      buf += value;
      let at;
      while ((at = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, at);
        buf = buf.slice(at + 2);
        let kind = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) kind = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) onLive(kind, JSON.parse(data));
      }
    }
  }
  function startLive(force) {
    const want = S.view === "streams" && S.stream && S.since !== null
      ? {stream: S.stream, width: S.width, since: S.since} : {width: 300};
    const sig = JSON.stringify(want);
    if (!force && live.sig === sig && live.ctrl) return;
    stopLive();
    live.sig = sig;
    const ctrl = new AbortController();
    live.ctrl = ctrl;
    liveStatus(false, "connecting…");
    const after = (e) => {
      if (ctrl.signal.aborted) return;
      live.ctrl = null;
      const wait = e && e.status === 429 ? 10000 : Math.min(30000, 1000 * 2 ** live.retry++);
      liveStatus(false, `${e ? "no live updates: " + e.message : "live updates ended"} (retrying in ${Math.round(wait / 1000)} s)`);
      live.timer = setTimeout(() => startLive(true), wait);
    };
    readLive(want, ctrl).then(() => after(null), after);
  }
  function stopLive() {
    clearTimeout(live.timer);
    if (live.ctrl) live.ctrl.abort();
    live.ctrl = null;
  }
  let streamsSoon = null;
  function onLive(kind, data) {
    if (kind === "hello") { live.retry = 0; liveStatus(true, "live"); }
    else if (kind === "windows" && data.stream === S.stream && data.width === S.width) {
      for (const w of data.results) S.windows.set(w.start, w);
      drawCharts();
      if (S.selected !== null && data.results.some((w) => w.start === S.selected)) loadWindowEvents(S.selected);
    } else if (kind === "stream") {
      clearTimeout(streamsSoon);  // several batches in a row: the list is read once
      streamsSoon = setTimeout(() => { if (S.view === "streams" || S.view === "alerts") loadStreams(); }, 400);
    } else if (kind === "alert") {
      if (S.alerts.has(data.id)) return;
      S.alerts.set(data.id, data);
      if (S.view !== "alerts") { S.unseen++; badge(); }
      if (S.view === "alerts") drawAlerts();
      if (S.view === "streams") drawCharts();
    } else if (kind === "resync") { reload(); startLive(true); }
    else if (kind === "bye") liveStatus(false, "the service is stopping");
  }
  function badge() {
    $("alertbadge").hidden = !S.unseen;
    $("alertbadge").textContent = S.unseen;
  }
  function reload() {
    if (S.view === "streams") { loadStreams(); if (S.stream) loadWindows(); }
    if (S.view === "alerts") loadAlerts();
    if (S.view === "jobs") loadJobs();
    if (S.view === "models") loadModels();
  }

  // -- Streams --------------------------------------------------------------------------------
  async function loadStreams() {
    try {
      S.streams = (await call("/v1/streams", {headers: headers(false)})).results;
      $("streamsstatus").textContent = `${S.streams.length} stream${S.streams.length === 1 ? "" : "s"}`;
    } catch (e) { fail("streamsstatus", e); return; }
    const body = $("streamlist").tBodies[0];
    body.innerHTML = S.streams.length ? S.streams.map((s) =>
      `<tr class="pick${s.name === S.stream ? " chosen" : ""}" data-stream="${txt(s.name)}"><td>${txt(s.name)}</td>` +
      `<td class="num">${s.events.toLocaleString("en")}</td><td>${when(s.last_event, 60)}</td>` +
      `<td>${(s.config || {}).rules ? `${s.config.rules.length} set` : "default"}</td></tr>`).join("")
      : `<tr><td colspan="4" class="empty">No stream yet: send events with POST /v1/streams/NAME/events ` +
        `(a JSON list of {"id", "text", "time"}) or affectkit monitor NAME --file events.jsonl.</td></tr>`;
    fillStreamFilter();
    return S.streams;
  }
  async function openStreams(name, width) {
    const changed = name !== S.stream || width !== S.width;
    S.stream = name;
    S.width = width;
    $("width").value = String(width);
    $("streampanel").hidden = !name;
    if (changed) { S.windows = new Map(); S.selected = null; S.since = null; $("windowevents").innerHTML = ""; }
    const list = await loadStreams();
    if (!name || !changed) return;
    $("streamtitle").textContent = name;
    const info = (list || []).find((s) => s.name === name);
    if (!info) { $("charts").innerHTML = `<p class="error">No stream ${txt(name)}.</p>`; return; }
    const last = info.last_event ?? Date.now() / 1000;
    S.end = Math.floor(last / width) * width;
    S.since = S.end - (SHOWN - 1) * width;
    await loadWindows();
    startLive();
  }
  async function loadWindows() {
    const q = new URLSearchParams({width: S.width, since: S.since});
    try {
      const rows = (await call(`/v1/streams/${encodeURIComponent(S.stream)}/windows?${q}`, {headers: headers(false)})).results;
      for (const w of rows) S.windows.set(w.start, w);
      if (!S.alertsLoaded) await loadAlerts(true);
      drawCharts();
    } catch (e) { fail("charts", e); }
  }

  function chartFrame(id, title, note, body, attrs) {
    return `<div class="chart-title">${title}<span class="muted">${note}</span></div>` +
      `<svg class="chart" id="${id}" viewBox="0 0 900 130" role="img" aria-label="${txt(title)}" ${attrs || ""}>${body}</svg>`;
  }
  function drawCharts() {
    if (!S.stream || S.since === null) return;
    const width = S.width;
    for (const start of S.windows.keys()) if (start > S.end) S.end = start;  // the range follows new windows
    const first = S.end - (SHOWN - 1) * width;
    const starts = Array.from({length: SHOWN}, (_, i) => first + i * width);
    const rows = starts.map((s) => S.windows.get(s) || null);
    const L = 46, R = 8, T = 6, H = 100, bw = (900 - L - R) / SHOWN;
    const x = (i) => L + i * bw;
    const alerted = new Set([...S.alerts.values()].filter((a) => a.stream === S.stream && a.width === width)
      .map((a) => Math.floor(a.window_start / width) * width));
    const sel = S.selected === null ? -1 : starts.indexOf(S.selected);
    const frame = (ylabels) => {
      let svg = `<line x1="${L}" x2="${900 - R}" y1="${T + H}" y2="${T + H}" stroke="#9ca3af"/>`;
      for (const [v, y] of ylabels) svg += `<text x="${L - 5}" y="${y + 4}" text-anchor="end">${v}</text>` +
        `<line x1="${L}" x2="${900 - R}" y1="${y}" y2="${y}" stroke="#eef0f4"/>`;
      if (sel >= 0) svg += `<rect class="sel" x="${x(sel)}" y="${T}" width="${bw}" height="${H}"/>`;
      return svg;
    };
    const axis = () => {
      let svg = "";
      for (let i = 0; i < SHOWN; i += 12) {
        svg += `<line x1="${x(i)}" x2="${x(i)}" y1="${T + H}" y2="${T + H + 4}" stroke="#9ca3af"/>` +
          `<text x="${x(i)}" y="${T + H + 16}" text-anchor="${i ? "middle" : "start"}">${when(starts[i], width)}</text>`;
      }
      return svg;
    };
    const hits = () => rows.map((w, i) => {
      const tip = `${span(starts[i], starts[i] + width, width)} · ${w ? w.events : 0} events` + (w ? ` · negative ${pct(w.polarity_share.negative)}` +
        ` · positive ${pct(w.polarity_share.positive)} · mean valence ${fixed(w.mean_valence)}` : "");
      return `<rect class="hit" data-start="${starts[i]}" x="${x(i)}" y="${T}" width="${bw}" height="${H}"><title>${txt(tip)}</title></rect>`;
    }).join("");
    const present = rows.filter(Boolean);
    const total = present.reduce((n, w) => n + w.events, 0);
    // volume
    const top = Math.max(1, ...present.map((w) => w.events));
    let vol = frame([[top, T], [0, T + H]]);
    rows.forEach((w, i) => {
      if (!w) return;
      const h = H * w.events / top;
      vol += `<rect class="bar" data-start="${starts[i]}" x="${x(i) + 1}" y="${T + H - h}" width="${Math.max(1, bw - 2)}" height="${h}" fill="#5b7be0"/>`;
    });
    starts.forEach((s, i) => {
      if (alerted.has(s)) vol += `<path class="alert-mark" data-start="${s}" d="M${x(i) + bw / 2 - 5} ${T} h10 l-5 8 z" fill="#b02a37"/>`;
    });
    const stacked = (share, order, colors) => {
      let svg = frame([["100%", T], ["50%", T + H / 2], ["0", T + H]]);
      rows.forEach((w, i) => {
        const sh = w && share(w);
        if (!sh || order.every((k) => sh[k] === null)) return;
        let y = T + H;
        for (const k of order) {
          const h = H * (sh[k] || 0);
          if (h > 0) svg += `<rect x="${x(i) + 1}" y="${y - h}" width="${Math.max(1, bw - 2)}" height="${h}" fill="${colors[k]}"/>`;
          y -= h;
        }
      });
      return svg;
    };
    const pol = stacked((w) => w.polarity_share, ["negative", "neutral", "positive"], POLARITY_COLORS);
    const emo = stacked((w) => w.emotion_share, EMO_ORDER, EMOTION_COLORS);
    const anyEmotion = present.some((w) => Object.values(w.emotion_share).some((v) => v !== null));
    // mean valence, -1..1
    const vy = (v) => T + H / 2 - (H / 2) * Math.max(-1, Math.min(1, v));
    let val = frame([["+1", T], ["0", T + H / 2], ["-1", T + H]]);
    const pts = rows.map((w, i) => (w && w.mean_valence !== null ? [x(i) + bw / 2, vy(w.mean_valence)] : null)).filter(Boolean);
    if (pts.length > 1) val += `<polyline points="${pts.map((p) => p.join(",")).join(" ")}" fill="none" stroke="#374151" stroke-width="1.5"/>`;
    for (const [px, py] of pts) val += `<circle cx="${px}" cy="${py}" r="2.6" fill="#374151"/>`;
    const key = (colors, order) => order.map((k) => `<span>${swatch(colors[k])}${k}</span>`).join(" ");
    const attrs = `data-points="${present.length}" data-total="${total}" data-end="${S.end}"`;
    $("charts").innerHTML =
      chartFrame("chart-volume", `Volume: ${total.toLocaleString("en")} events in ${present.length} of ${SHOWN} windows of ${WIDTHS[width]}`,
        alerted.size ? `<span>${swatch("#b02a37")}alert</span>` : "", vol + axis() + hits(), attrs) +
      chartFrame("chart-polarity", "Polarity shares", key(POLARITY_COLORS, ["negative", "neutral", "positive"]), pol + axis() + hits()) +
      chartFrame("chart-emotions", "Emotion mix", anyEmotion ? key(EMOTION_COLORS, EMO_ORDER) : "no emotions yet (the English lexicon predicts none)", emo + axis() + hits()) +
      chartFrame("chart-valence", "Mean valence", "", val + axis() + hits());
  }
  async function loadWindowEvents(start) {
    const q = new URLSearchParams({window_start: start, width: S.width, limit: 200});
    const box = $("windowevents");
    try {
      const rows = (await call(`/v1/streams/${encodeURIComponent(S.stream)}/events?${q}`, {headers: headers(false)})).results;
      const w = S.windows.get(start);
      box.innerHTML = `<h2>Events of ${txt(span(start, start + S.width, S.width))} <span class="muted">` +
        `${rows.length}${w && w.events > rows.length ? ` of ${w.events}` : ""} shown</span></h2>` +
        (rows.length ? `<table class="list" id="eventtable"><thead><tr><th>time</th><th>text</th><th>label</th><th class="num">score</th>` +
          `<th>emotion</th><th>evidence words</th><th>lang</th></tr></thead><tbody>` +
          rows.map((e) => `<tr class="event-row" data-id="${txt(e.id)}" data-label="${txt(e.polarity_label)}">` +
            `<td>${when(e.time)}</td><td class="text">${txt(e.text)}</td>` +
            `<td>${swatch(POLARITY_COLORS[e.polarity_label] || "#6b7280")}${txt(e.polarity_label || e.label)}</td>` +
            `<td class="num">${fixed(e.score)}</td><td>${txt(e.emotion_label || "-")}</td><td>${words(e.evidence)}</td>` +
            `<td>${txt(e.language || "-")}</td></tr>`).join("") + "</tbody></table>"
          : `<p class="empty">No events in this window.</p>`);
    } catch (e) { fail("windowevents", e); }
  }

  // -- Alerts ---------------------------------------------------------------------------------
  function fillStreamFilter() {
    const names = new Set([...S.streams.map((s) => s.name), ...[...S.alerts.values()].map((a) => a.stream)]);
    if (S.alertFilter) names.add(S.alertFilter);
    $("alertstream").innerHTML = `<option value="">all streams</option>` +
      [...names].sort().map((n) => `<option value="${txt(n)}">${txt(n)}</option>`).join("");
    $("alertstream").value = S.alertFilter;
  }
  async function openAlerts(stream) {
    S.alertFilter = stream;
    fillStreamFilter();
    loadStreams();
    await loadAlerts();
  }
  async function loadAlerts(quiet) {
    try {
      const rows = (await call("/v1/alerts?limit=200", {headers: headers(false)})).results;
      for (const a of rows) S.alerts.set(a.id, a);
      S.alertsLoaded = true;
      if (!quiet) drawAlerts();
    } catch (e) { if (!quiet) fail("alertsstatus", e); }
  }
  function figures(label, f) {
    const emo = Object.entries(f.emotions || {}).filter(([, n]) => n).sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`).join(", ");
    return `<tr><td>${label}</td><td class="num">${f.events}</td><td class="num">${f.negative}</td><td class="num">${f.neutral}</td>` +
      `<td class="num">${f.positive}</td><td class="num">${pct(f.negative_share)}</td><td class="num">${fixed(f.mean_valence)}</td>` +
      `<td>${txt(emo || "-")}</td></tr>`;
  }
  function alertCard(a) {
    const ev = a.evidence || {}, test = ev.test || {}, win = ev.window || {}, base = ev.baseline || {};
    let what;
    if (test.name === "poisson_upper_tail") {
      what = `${test.count} events against a baseline mean of ${fixed(test.baseline_mean, 1)} per window (p = ${Number(test.p_value).toExponential(1)}, threshold ${test.threshold})`;
    } else {
      const t = (test.windows || [])[0] || {};
      what = `${txt(test.share_of)} share ${pct(t.share)} against ${pct(test.baseline_share)} in the baseline ` +
        `(z = ${fixed(t.z)}, threshold ${test.threshold}; rise ${pct(t.rise)}, at least ${pct(test.min_rise)})`;
    }
    const worst = (ev.most_negative || []).map((e) =>
      `<li><span class="text">${txt(e.text)}</span> <span class="muted">score ${fixed(e.score)} · ${when(e.time)}</span> ${words(e.evidence)}</li>`).join("");
    const deliveries = (a.deliveries || []).map((d) => `${txt(d.url)}: ${txt(d.status)} (${d.attempts} tries)`).join(" · ");
    return `<div class="card alert" data-id="${txt(a.id)}" data-stream="${txt(a.stream)}" data-rule="${txt(a.rule)}">` +
      `<div class="label neg">${txt(a.rule)} · ${txt(a.stream)}</div>` +
      `<div>window ${txt(span(a.window_start, a.window_end, a.width))} (${WIDTHS[a.width] || a.width + " s"}) · fired ${when(a.fired)} · ` +
      `<a href="#streams/${encodeURIComponent(a.stream)}/${a.width}">see the stream</a></div>` +
      `<div class="what">${what}</div>` +
      `<table class="list figures"><thead><tr><th></th><th class="num">events</th><th class="num">negative</th><th class="num">neutral</th>` +
      `<th class="num">positive</th><th class="num">negative share</th><th class="num">mean valence</th><th>emotions</th></tr></thead><tbody>` +
      (win.events !== undefined ? figures("window", win) : "") +
      (base.events !== undefined ? figures(`baseline (${base.windows} windows before)`, base) : "") + `</tbody></table>` +
      (worst ? `<div class="group">most negative events</div><ul class="worst">${worst}</ul>` : "") +
      (deliveries ? `<div class="muted">webhooks: ${deliveries}</div>` : "") + `</div>`;
  }
  function drawAlerts() {
    const all = [...S.alerts.values()].sort((a, b) => b.fired - a.fired);
    const shown = all.filter((a) => !S.alertFilter || a.stream === S.alertFilter);
    $("alertsstatus").textContent = `${shown.length} alert${shown.length === 1 ? "" : "s"}`;
    $("alertlist").innerHTML = shown.length ? shown.map(alertCard).join("")
      : `<p class="empty">No alerts${S.alertFilter ? " for " + txt(S.alertFilter) : ""} yet. New ones appear here as they fire.</p>`;
  }

  // -- Mood (GET /v1/mood/people, /v1/mood/people/NAME) ---------------------------------------
  async function openMood(person) {
    let people;
    try { people = (await call("/v1/mood/people", {headers: headers(false)})).results; } catch (e) { fail("moodstatus", e); return; }
    $("moodstatus").textContent = `${people.length} ${people.length === 1 ? "person" : "people"}`;
    $("moodlist").tBodies[0].innerHTML = people.length ? people.map((p) =>
      `<tr class="mood-row" data-person="${txt(p.person)}"><td><a href="#mood/${encodeURIComponent(p.person)}">${txt(p.person)}</a></td>` +
      `<td class="num">${p.days}</td><td class="num">${fixed(p.mean_valence)}</td>` +
      `<td class="num">${p.baseline === null ? "-" : fixed(p.baseline) + " ± " + fixed(p.spread)}</td>` +
      `<td>${p.notices}${p.last_notice ? " (last " + txt(p.last_notice) + ")" : ""}</td>` +
      `<td><button class="mooddelete" data-person="${txt(p.person)}">delete</button></td></tr>`).join("")
      : `<tr><td colspan="6" class="empty">No entries yet: send some to POST /v1/mood/entries or run affectkit mood.</td></tr>`;
    $("moodpanel").hidden = !person;
    if (!person) return;
    let p;
    try { p = (await call(`/v1/mood/people/${encodeURIComponent(person)}`, {headers: headers(false)})).results[0]; }
    catch (e) { fail("moodstatus", e); return; }
    $("moodtitle").textContent = person;
    $("moodabout").textContent = p.about;
    $("moodnotices").innerHTML = p.notice_list.map((n) =>
      `<div class="alert mood-notice"><b>${txt(n.start)} – ${txt(n.end)}</b><p>${txt(n.message)}</p></div>`).join("");
    $("moodcharts").innerHTML = moodChart(p.series) + mixChart(p.series);
  }
  function moodChart(series) {  // daily valence, the baseline band, low days and notice days
    const W = 900, H = 220, L = 40, R = 10, T = 10, B = 24, n = series.length;
    const x = (i) => L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1));
    const y = (v) => T + ((1 - v) / 2) * (H - T - B);
    let band = "", line = "", dots = "";
    series.forEach((d, i) => {
      if (d.baseline !== null) band += `<rect x="${x(i) - 2}" y="${y(d.baseline)}" width="${Math.max(2, (W - L - R) / Math.max(1, n - 1))}" height="${Math.max(0, y(d.threshold) - y(d.baseline))}" fill="#9db4d6" opacity="0.4"/>`;
      line += `${i ? "L" : "M"}${x(i).toFixed(1)},${y(d.valence).toFixed(1)}`;
      dots += `<circle class="${d.low ? "mood-low" : "mood-day"}${d.notice ? " mood-notice-day" : ""}" cx="${x(i).toFixed(1)}" cy="${y(d.valence).toFixed(1)}" r="${d.notice ? 5 : 3}" fill="${d.notice ? "#b26b00" : d.low ? "#b02a37" : "#1d2330"}"><title>${txt(d.day)}: ${fixed(d.valence)} (${d.entries} entries)</title></circle>`;
    });
    const ticks = [-1, 0, 1].map((v) => `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v}</text><line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6eb"/>`).join("");
    const days = n ? `<text x="${L}" y="${H - 6}" font-size="10">${txt(series[0].day)}</text><text x="${W - R}" y="${H - 6}" font-size="10" text-anchor="end">${txt(series[n - 1].day)}</text>` : "";
    return `<svg id="moodchart" viewBox="0 0 ${W} ${H}" role="img" aria-label="daily valence against the baseline">${ticks}${band}<path d="${line}" fill="none" stroke="#1d2330" stroke-width="1"/>${dots}${days}</svg>`;
  }
  function mixChart(series) {  // the emotion mix of each day, stacked
    const W = 900, H = 90, L = 40, R = 10, n = series.length, w = (W - L - R) / Math.max(1, n);
    let bars = "";
    series.forEach((d, i) => {
      let top = H - 4;
      for (const e of EMO_ORDER) {
        const h = (d.emotions ? d.emotions[e] || 0 : 0) * (H - 8);
        if (h > 0) { top -= h; bars += `<rect x="${L + i * w}" y="${top.toFixed(1)}" width="${Math.max(1, w - 1)}" height="${h.toFixed(1)}" fill="${emoColor(e)}"><title>${txt(d.day)} ${e} ${pct(d.emotions[e])}</title></rect>`; }
      }
    });
    const none = series.some((d) => d.emotions) ? "" : `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="11" fill="#6b7280">the model gives no emotions</text>`;
    return `<svg id="moodmix" viewBox="0 0 ${W} ${H}" role="img" aria-label="emotion mix per day">${bars}${none}</svg>`;
  }
  $("moodlist").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.mooddelete");
    if (!b || !confirm(`Delete every entry of ${b.dataset.person}?`)) return;
    try { await call(`/v1/mood/people/${encodeURIComponent(b.dataset.person)}`, {method: "DELETE", headers: headers(false)}); }
    catch (e) { fail("moodstatus", e); return; }
    location.hash = "#mood";
    openMood(null);
  });

  // -- Conversations (POST /v1/conversations) ---------------------------------------------------
  const CONV_MAX = 20;  // conversations analysed per click: each is one request, one after another
  const TURNING_COLORS = {better: "#157347", worse: "#b02a37", dissatisfied: "#b02a37", recovered: "#157347"};
  function readDialogues(text) {  // the text area -> [{id?, turns}]: JSONL, one dialogue, or its list of turns
    const one = (d, where) => {
      if (Array.isArray(d)) return {turns: d};
      if (d && typeof d === "object" && Array.isArray(d.turns)) return d;
      throw new Error(`${where}: expected a dialogue {"turns": [...]} or a list of turns, got ${JSON.stringify(d).slice(0, 60)}`);
    };
    const t = text.trim();
    if (!t) throw new Error("Nothing to analyse: paste a dialogue or choose a file.");
    try { return [one(JSON.parse(t), "the text")]; } catch (e) { if (!(e instanceof SyntaxError)) throw e; }
    return t.split("\n").filter((l) => l.trim()).map((l, i) => {
      let d;
      try { d = JSON.parse(l); } catch (e) { throw new Error(`line ${i + 1} is not JSON (${e.message}); expected one dialogue a line`); }
      return one(d, `line ${i + 1}`);
    });
  }
  let convModelsRead = false;
  async function convModels() {  // the text models, once (the Analyse page's list, but for this view)
    if (convModelsRead) return;
    try {
      const body = await call("/v1/models", {headers: headers(false)});
      for (const m of body.results.filter((m) => m.modality === "text")) {
        const o = document.createElement("option");
        o.value = m.name.split("@")[0]; o.textContent = `${m.name} (${m.task}, ${m.languages.join("/")})`;
        $("convmodel").appendChild(o);
      }
      convModelsRead = true;
    } catch (e) { fail("convstatus", e); }
  }
  async function analyseConversations() {
    let dialogues;
    try { dialogues = readDialogues($("convinput").value); } catch (e) { fail("convstatus", e); return; }
    const shown = dialogues.slice(0, CONV_MAX);
    $("goconv").disabled = true;
    $("convresults").innerHTML = "";
    let failed = 0;
    try {
      for (const [i, d] of shown.entries()) {
        $("convstatus").textContent = `analysing ${i + 1} of ${shown.length}…`;
        const body = {turns: d.turns.map((t) => ({speaker: t.speaker, role: t.role, text: t.text, time: t.time})),
          model: $("convmodel").value};
        if (d.id !== undefined && d.id !== null) body.id = d.id;
        if ($("convrole").value.trim()) body.customer_role = $("convrole").value.trim();
        const card = document.createElement("div");
        card.className = "card conv";
        try {
          const r = (await call("/v1/conversations", {method: "POST", headers: headers(true), body: JSON.stringify(body)})).results[0];
          card.innerHTML = convCard(r, i);
        } catch (e) {
          failed += 1;
          card.innerHTML = `<b>${txt(d.id ?? `conversation ${i + 1}`)}</b> <span class="error">${txt(e.message || e)}</span>`;
        }
        $("convresults").appendChild(card);
      }
      const more = dialogues.length > shown.length ? ` (the first ${CONV_MAX} of ${dialogues.length})` : "";
      $("convstatus").textContent = `${shown.length} conversation${shown.length === 1 ? "" : "s"}${more}` + (failed ? `, ${failed} refused` : "");
    } finally { $("goconv").disabled = false; }
  }
  function convCard(r, n) {
    const name = r.id ?? `conversation ${n + 1}`;
    const head = r.dissatisfaction === null
      ? `<span class="muted">no customer turns: no dissatisfaction score</span>`
      : `<span class="conv-score-big ${r.dissatisfied ? "neg" : "neu"}">${pct(r.dissatisfaction)}</span> dissatisfaction · ` +
        `<span class="label conv-label ${r.dissatisfied ? "neg" : "pos"}">${r.dissatisfied ? "dissatisfied" : "not flagged"}</span>`;
    const driven = r.drivers.length ? ` · driven by turn${r.drivers.length === 1 ? "" : "s"} ` +
      r.drivers.map((d) => `<b>${d.turn}</b> (${pct(d.dissatisfaction)})`).join(", ") : "";
    const warn = r.warnings.length ? `<div class="error">${r.warnings.map(txt).join("<br>")}</div>` : "";
    const models = Object.entries(r.models || {}).map(([k, v]) => `${txt(k)}: ${txt(v)}`).join(" · ");
    return `<h2 class="conv-title">${txt(name)}</h2><div>${head}${driven}</div>${warn}` +
      convSummary(r.summary) + convChart(r, n) + convChat(r.turns) + `<div class="muted">${models}</div>`;
  }
  function convSummary(s) {  // how the customer entered and left, the turning points
    if (!s || !s.customer_turns) return `<p class="conv-summary muted">${txt(s && s.text)}</p>`;
    const mood = (p) => `${txt(p.polarity)} (${fixed(p.score)}${p.emotion ? `, ${txt(p.emotion)}` : ""}) at turn ${p.turn}`;
    const tps = (s.turning_points || []).map((t) =>
      `<li class="conv-tp"><span style="color:${TURNING_COLORS[t.kind] || "#374151"}">${txt(t.kind)}</span> at turn ${t.turn}: ${fixed(t.from)} → ${fixed(t.to)}</li>`).join("");
    return `<div class="conv-summary"><p>${txt(s.text)}</p><table class="fused-modalities"><tbody>` +
      `<tr><th>entered</th><td>${mood(s.entered)}</td></tr><tr><th>left</th><td>${mood(s.left)}</td></tr>` +
      `<tr><th>change</th><td>${fixed(s.change)}</td></tr>` + (s.lowest ? `<tr><th>lowest</th><td>${fixed(s.lowest.score)} at turn ${s.lowest.turn}</td></tr>` : "") +
      `<tr><th>customer turns</th><td>${s.customer_turns}</td></tr></tbody></table>` +
      (tps ? `<div class="group">turning points</div><ul class="conv-tps">${tps}</ul>` : `<div class="muted">no turning points</div>`) + `</div>`;
  }
  function convChart(r, n) {  // the customer's polarity score (-1..1) over dissatisfaction (0..top), one point per customer turn
    const pts = r.trajectory, k = pts.length;
    if (!k) return "";
    const risky = new Set(r.turns.filter((t) => t.dissatisfied).map((t) => t.index));
    const W = 900, L = 46, R = 12, T = 8, H1 = 110, G = 22, H2 = 80, B = 20;
    const x = (i) => L + (k <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (k - 1));
    const ys = (v) => T + ((1 - Math.max(-1, Math.min(1, v))) / 2) * H1;
    const top = Math.max(0.1, Math.ceil(10 * Math.max(...pts.map((p) => p.dissatisfaction ?? 0))) / 10);  // a round 0.1 above the highest
    const y2 = T + H1 + G, yd = (v) => y2 + H2 - (H2 * Math.min(top, v)) / top;
    let svg = [[1, "+1"], [0, "0"], [-1, "-1"]].map(([v, l]) => `<text x="${L - 6}" y="${ys(v) + 4}" text-anchor="end">${l}</text>` +
      `<line x1="${L}" x2="${W - R}" y1="${ys(v)}" y2="${ys(v)}" stroke="#e3e6eb"/>`).join("");
    svg += [[top, top.toFixed(1)], [0, "0"]].map(([v, l]) => `<text x="${L - 6}" y="${yd(v) + 4}" text-anchor="end">${l}</text>` +
      `<line x1="${L}" x2="${W - R}" y1="${yd(v)}" y2="${yd(v)}" stroke="#e3e6eb"/>`).join("");
    svg += `<text x="${L + 4}" y="${T + 10}">polarity score</text><text x="${L + 4}" y="${y2 + 10}">dissatisfaction</text>`;
    const at = new Map(pts.map((p, i) => [p.turn, i]));
    for (const tp of (r.summary && r.summary.turning_points) || []) {
      if (!at.has(tp.turn)) continue;
      const px = x(at.get(tp.turn)).toFixed(1), c = TURNING_COLORS[tp.kind] || "#374151";
      svg += `<line class="conv-turning" data-turn="${tp.turn}" x1="${px}" x2="${px}" y1="${T}" y2="${y2 + H2}" stroke="${c}" stroke-dasharray="3 3">` +
        `<title>turn ${tp.turn}: ${txt(tp.kind)} (${fixed(tp.from)} → ${fixed(tp.to)})</title></line>` +
        `<path d="M${px - 5} ${T} h10 l-5 7 z" fill="${c}"/>`;
    }
    const line = (f) => pts.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${f(p).toFixed(1)}`).join("");
    svg += `<path d="${line((p) => ys(p.score ?? 0))}" fill="none" stroke="#374151" stroke-width="1.3"/>`;
    svg += `<path d="${line((p) => yd(p.dissatisfaction ?? 0))}" fill="none" stroke="#b26b00" stroke-width="1.3"/>`;
    pts.forEach((p, i) => {
      const risk = risky.has(p.turn), tip = `turn ${p.turn}: score ${fixed(p.score)} · dissatisfaction ${pct(p.dissatisfaction)}${risk ? " (high risk)" : ""}`;
      svg += `<circle class="conv-score" data-turn="${p.turn}" cx="${x(i).toFixed(1)}" cy="${ys(p.score ?? 0).toFixed(1)}" r="3.2" fill="#374151"><title>${txt(tip)}</title></circle>` +
        `<circle class="conv-dis${risk ? " conv-risk" : ""}" data-turn="${p.turn}" cx="${x(i).toFixed(1)}" cy="${yd(p.dissatisfaction ?? 0).toFixed(1)}" r="${risk ? 5 : 3.2}" fill="${risk ? "#b02a37" : "#b26b00"}"><title>${txt(tip)}</title></circle>`;
    });
    svg += `<text x="${x(0)}" y="${y2 + H2 + 15}" text-anchor="${k > 1 ? "start" : "middle"}">turn ${pts[0].turn}</text>` +
      (k > 1 ? `<text x="${x(k - 1)}" y="${y2 + H2 + 15}" text-anchor="end">turn ${pts[k - 1].turn}</text>` : "");
    const key = `<span>${swatch("#374151")}polarity score</span> <span>${swatch("#b26b00")}dissatisfaction</span> ` +
      `<span>${swatch("#b02a37")}high risk</span> · <span>dashed line: a turning point</span>`;
    return `<div class="chart-title">Customer trajectory<span class="muted">${key} · click a point for its turn</span></div>` +
      `<svg class="chart conv-chart" id="convchart-${n}" viewBox="0 0 ${W} ${T + H1 + G + H2 + B}" role="img" aria-label="the customer's polarity score and dissatisfaction per turn" data-points="${k}">${svg}</svg>`;
  }
  function convChat(turns) {  // every turn as a chat: text as text, its reading, and for the customer what drove the score
    return `<div class="conv-chat">${turns.map((t) => {
      const customer = t.role === "customer";
      const emo = t.emotions ? Object.entries(t.emotions).sort((a, b) => b[1] - a[1])[0] : null;
      const reading = `${txt(t.label)} ${fixed(t.score)}` + (emo ? ` · ${txt(emo[0])} ${pct(emo[1])}` : "");
      const dis = customer && typeof t.dissatisfaction === "number"
        ? `<div class="feat">dissatisfaction <b>${pct(t.dissatisfaction)}</b>${t.dissatisfied ? " · <b class=\"neg\">high risk</b>" : ""}` +
          ((t.drivers || []).length ? ` · raised by ${t.drivers.map((d) => `<code>${txt(d.feature)}</code> ${fixed(d.weight)}`).join(", ")}` : "") + `</div>` : "";
      return `<div class="conv-turn ${customer ? "customer" : "agent"}${t.dissatisfied ? " conv-risk" : ""}" data-turn="${t.index}">` +
        `<div class="who"><b>${txt(t.speaker)}</b><span>turn ${t.index}</span><span>${reading}</span></div>` +
        `<div class="said">${txt(t.text)}</div>${dis}</div>`;
    }).join("")}</div>`;
  }
  $("convfile").addEventListener("change", async () => {
    const f = $("convfile").files[0];
    if (f) $("convinput").value = await f.text();
  });
  $("goconv").addEventListener("click", analyseConversations);
  $("convresults").addEventListener("click", (ev) => {  // a point on a chart -> its turn in the chat below
    const dot = ev.target.closest("circle[data-turn]");
    if (!dot) return;
    const turn = dot.closest(".conv").querySelector(`.conv-turn[data-turn="${dot.dataset.turn}"]`);
    if (!turn) return;
    turn.scrollIntoView({block: "center", behavior: "smooth"});
    turn.classList.add("conv-flash");
    setTimeout(() => turn.classList.remove("conv-flash"), 1500);
  });

  // -- Reviews (POST /v1/reviews/report, POST /v1/aspects) --------------------------------------
  const REV_EXAMPLES_SHOWN = 5;  // aspects of a group whose example sentences show without a click
  const ASP_MAX = 20;  // texts of the one-text box analysed per click (one a line)
  const POL_CLASS = {positive: "pos", neutral: "neu", negative: "neg"};
  const polCls = (p) => POL_CLASS[p] || "neu";
  const GROUP_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31"];
  const FREQ_NAMES = {D: "day", W: "week", M: "month"};
  const TEXT_COL = /^(text|review|reviews|comment|comments|content|body|评论|内容|评价)$/i;
  const TIME_COL = /(date|time|day|when|created|日期|时间)/i;
  const GROUP_COL = /(product|shop|store|group|category|hotel|brand|app|branch|产品|店|类别|品牌)/i;
  function clip(s, n) {  // at most n characters (code points, so no emoji is cut in two)
    const chars = Array.from(String(s ?? ""));
    return chars.length > n ? chars.slice(0, n - 1).join("") + "…" : chars.join("");
  }
  function marked(text, spans) {  // text with spans [{from, to, cls, title, rank}] as <mark>s: offsets count
    // code points, as Python does; a lower rank is placed first, a span overlapping a placed one is left out
    const chars = Array.from(String(text ?? "")), placed = [];
    const ok = spans.filter((s) => Number.isInteger(s.from) && Number.isInteger(s.to) && s.from >= 0 && s.from < s.to && s.to <= chars.length);
    for (const s of ok.sort((a, b) => (a.rank || 0) - (b.rank || 0))) {
      if (!placed.some((p) => s.from < p.to && p.from < s.to)) placed.push(s);
    }
    let out = "", at = 0;
    for (const s of placed.sort((a, b) => a.from - b.from)) {
      out += txt(chars.slice(at, s.from).join("")) +
        `<mark class="${s.cls}" title="${txt(s.title)}">${txt(chars.slice(s.from, s.to).join(""))}</mark>`;
      at = s.to;
    }
    return out + txt(chars.slice(at).join(""));
  }
  function parseCSV(text, limit = Infinity) {  // -> [{fields, line}]: RFC 4180 (quoted fields with "" inside and
    // line breaks, CRLF), blank lines skipped; a header with tabs and no commas makes it tab-separated
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const nl = text.indexOf("\n"), head = nl < 0 ? text : text.slice(0, nl);
    const sep = head.includes("\t") && !head.includes(",") ? "\t" : ",";
    const records = [];
    let rec = [], field = "", quoted = false, line = 1, start = 1, i = 0;
    const end = () => {
      rec.push(field);
      if (rec.length > 1 || rec[0] !== "") records.push({fields: rec, line: start});
      rec = []; field = "";
    };
    while (i < text.length && records.length < limit) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (c === '"') quoted = false; else field += c;
        if (c === "\n") line += 1;
        i += 1;
      } else if (c === '"' && field === "") { quoted = true; i += 1; }
      else if (c === sep) { rec.push(field); field = ""; i += 1; }
      else if (c === "\r" || c === "\n") {
        end();
        i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line += 1; start = line;
      } else { field += c; i += 1; }
    }
    if (quoted && records.length < limit) throw new Error(`line ${start}: a quoted field is not closed (a " is missing)`);
    if (records.length < limit && (field !== "" || rec.length)) end();
    return records;
  }
  function readReviews(text) {  // the text area's CSV -> {header, rows: [{column: value}]}
    const records = parseCSV(text);
    if (!records.length) throw new Error("Nothing to analyse: paste a CSV with a header row, or choose a file.");
    const header = records[0].fields.map((h, i) => h.trim() || `column ${i + 1}`);
    const rows = records.slice(1).map(({fields, line}) => {
      if (fields.length > header.length) {
        throw new Error(`line ${line} has ${fields.length} fields, the header ${header.length}; a field with a comma needs "quotes"`);
      }
      return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
    });
    return {header, rows};
  }
  function fillColumns(header) {  // the column choices from the header, keeping a choice still there
    const fill = (id, guess, none) => {
      const sel = $(id), was = sel.value;
      sel.innerHTML = (none ? `<option value="">(none)</option>` : "") +
        header.map((h) => `<option value="${txt(h)}">${txt(h)}</option>`).join("");
      sel.value = header.includes(was) ? was : (header.find((h) => guess.test(h)) ?? (none ? "" : header[0]));
    };
    fill("revtext", TEXT_COL, false);
    fill("revtime", TIME_COL, true);
    fill("revgroup", GROUP_COL, true);
  }
  function revColumns() {  // on each edit: the header only
    try {
      const first = parseCSV($("revinput").value, 1);
      if (first.length) fillColumns(first[0].fields.map((h, i) => h.trim() || `column ${i + 1}`));
    } catch { /* a quote still being typed */ }
  }
  async function analyseReviews() {
    let table;
    try { table = readReviews($("revinput").value); } catch (e) { $("revresults").innerHTML = ""; fail("revstatus", e); return; }
    fillColumns(table.header);
    if (!table.rows.length) { fail("revstatus", "The CSV has a header but no rows."); return; }
    const body = {rows: table.rows, text_col: $("revtext").value};
    if ($("revtime").value) body.time_col = $("revtime").value;
    if ($("revgroup").value) body.group_col = $("revgroup").value;
    const payload = JSON.stringify(body), size = new Blob([payload]).size;
    if (size > BODY_LIMIT) {
      fail("revstatus", `These ${table.rows.length} reviews make a request of ${mb(size)}; the service takes up to ` +
        `${mb(BODY_LIMIT)} (affectkit serve --max-body-bytes N), or use affectkit report for a whole file.`);
      return;
    }
    $("gorev").disabled = true;
    $("revresults").innerHTML = "";
    $("revstatus").textContent = `analysing ${table.rows.length} review${table.rows.length === 1 ? "" : "s"}… (the first request loads the aspect model)`;
    try {
      const r = await call("/v1/reviews/report", {method: "POST", headers: headers(true), body: payload});
      $("revresults").innerHTML = reviewReport(r);
      $("revstatus").textContent = `${r.summary.analysed} of ${r.summary.reviews} reviews analysed, ${r.summary.aspects} aspect mentions`;
    } catch (e) { fail("revstatus", e); } finally { $("gorev").disabled = false; }
  }
  function reviewReport(r) {
    const s = r.summary;
    const figs = [["reviews", s.reviews], ["analysed", s.analysed], ["with aspects", s.with_aspects],
      ["aspect mentions", s.aspects], ["skipped", s.skipped]];
    const langs = Object.entries(s.languages || {}).map(([k, v]) => `${txt(k)} ${v}`).join(" · ") || "-";
    let html = `<div class="rev-summary">${figs.map(([k, v]) =>
      `<div class="rev-fig" data-fig="${k}"><b>${txt(v)}</b><span>${k}</span></div>`).join("")}</div>` +
      `<div class="muted">languages: ${langs} · model: ${txt(s.model || "-")}</div>`;
    if (r.skipped.length) {
      html += `<details class="rev-skipped"><summary>${r.skipped.length} row${r.skipped.length === 1 ? "" : "s"} skipped or left out of the time chart</summary>` +
        `<ul>${r.skipped.map((k) => `<li>row ${txt(k.row)}: ${txt(k.error)}</li>`).join("")}</ul></details>`;
    }
    if (r.over_time) html += revTimeChart(r.over_time, r.groups);
    if (!r.groups.length) return html + `<p class="empty">No review could be analysed.</p>`;
    return html + r.groups.map((g, i) => revGroup(g, i)).join("");
  }
  function revGroup(g, n) {
    const pooled = g.pooled_groups ? ` <span class="muted">(${g.pooled_groups} smaller groups pooled)</span>` : "";
    const head = `<h2 class="rev-name">${txt(g.name)}${pooled}</h2><div class="muted">${g.reviews} review${g.reviews === 1 ? "" : "s"} · ` +
      `${g.aspects_found} aspect mention${g.aspects_found === 1 ? "" : "s"} · mean valence ${signed(g.mean_valence)}</div>`;
    const body = g.aspects.length ? revChart(g.aspects, n) + revTable(g.aspects) + revExamples(g.aspects)
      : `<p class="empty">No aspects found in these reviews.</p>`;
    return `<div class="card rev-group" data-group="${txt(g.name)}">${head}${body}</div>`;
  }
  function revChart(aspects, n) {  // per aspect: negative mentions left (red), positive right (green), neutral grey across the middle
    const W = 900, L = 180, R = 76, T = 22, ROW = 22, B = 6, H = T + ROW * aspects.length + B;
    const half = (W - L - R) / 2, mid = L + half;
    const top = Math.max(1, ...aspects.map((a) => Math.max(a.negative, a.positive) + a.neutral / 2));
    const sx = (v) => (v * half) / top;
    let svg = `<text x="${L}" y="${T - 8}">← negative</text><text x="${W - R}" y="${T - 8}" text-anchor="end">positive →</text>` +
      `<text x="${W - 4}" y="${T - 8}" text-anchor="end">mentions</text>`;
    aspects.forEach((a, i) => {
      const y = T + i * ROW + 3, h = ROW - 6, neu = sx(a.neutral), neg = sx(a.negative), pos = sx(a.positive);
      const tip = `${a.term}: ${a.positive} positive, ${a.neutral} neutral, ${a.negative} negative · net ${signed(a.net)}`;
      const rect = (cls, x, w, fill) => (w > 0 ? `<rect class="${cls}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${h}" fill="${fill}"/>` : "");
      svg += `<g class="rev-bar" data-term="${txt(a.term)}"><title>${txt(tip)}</title>` +
        `<text class="rev-label" x="${L - 8}" y="${y + h - 3}" text-anchor="end">${txt(clip(a.term, 26))}</text>` +
        rect("rev-neg", mid - neu / 2 - neg, neg, POLARITY_COLORS.negative) + rect("rev-neu", mid - neu / 2, neu, POLARITY_COLORS.neutral) +
        rect("rev-pos", mid + neu / 2, pos, POLARITY_COLORS.positive) +
        `<text x="${W - 4}" y="${y + h - 3}" text-anchor="end">${a.mentions}</text></g>`;
    });
    svg += `<line x1="${mid}" x2="${mid}" y1="${T - 2}" y2="${H - B + 2}" stroke="#6b7280"/>`;
    const key = `${swatch(POLARITY_COLORS.negative)}negative ${swatch(POLARITY_COLORS.neutral)}neutral ${swatch(POLARITY_COLORS.positive)}positive`;
    return `<div class="chart-title">Top aspects<span class="muted">${key} · mentions; neutral is split across the middle</span></div>` +
      `<svg class="chart rev-chart" id="revchart-${n}" viewBox="0 0 ${W} ${H}" role="img" aria-label="positive, neutral and negative mentions of the top aspects" data-aspects="${aspects.length}">${svg}</svg>`;
  }
  function revTable(aspects) {
    const rows = aspects.map((a) => `<tr class="rev-aspect" data-term="${txt(a.term)}"><td><b>${txt(a.term)}</b></td><td class="num">${a.mentions}</td>` +
      `<td class="num pos">${a.positive}</td><td class="num neu">${a.neutral}</td><td class="num neg">${a.negative}</td>` +
      `<td class="num">${signed(a.net)}</td><td class="num">${signed(a.mean_valence)}</td><td class="num">${fixed(a.confidence)}</td>` +
      `<td><span class="words">${(a.evidence_words || []).map(([w, c]) => `<span class="rev-ev">${txt(w)} ×${txt(c)}</span>`).join("")}</span></td></tr>`).join("");
    return `<table class="list rev-table"><thead><tr><th>aspect</th><th class="num">mentions</th><th class="num">positive</th><th class="num">neutral</th>` +
      `<th class="num">negative</th><th class="num">net</th><th class="num">mean valence</th><th class="num">confidence</th><th>evidence words</th></tr></thead>` +
      `<tbody>${rows}</tbody></table>`;
  }
  function revExamples(aspects) {  // each aspect's example sentences, the term marked in its polarity's colour
    const example = (a, e) => `<div class="rev-ex"><span class="rev-pol ${polCls(e.polarity)}">${txt(e.polarity)} ${fixed(e.confidence)}</span> ` +
      `<span class="text">${marked(e.text, [{from: e.from, to: e.to, cls: `rev-term mk-${polCls(e.polarity)}`, title: `${a.term}: ${e.polarity} ${fixed(e.confidence)}`}])}</span>` +
      (e.evidence.length ? ` <span class="muted">· ${e.evidence.map(txt).join(", ")}</span>` : "") + ` <span class="muted">row ${txt(e.row)}</span></div>`;
    const item = (a) => `<div class="rev-ex-aspect"><div class="rev-ex-term">${txt(a.term)}</div>${a.examples.map((e) => example(a, e)).join("")}</div>`;
    const more = aspects.slice(REV_EXAMPLES_SHOWN);
    return `<div class="group">examples</div><div class="rev-examples">${aspects.slice(0, REV_EXAMPLES_SHOWN).map(item).join("")}` +
      (more.length ? `<details><summary>examples of ${more.length} more aspect${more.length === 1 ? "" : "s"}</summary>${more.map(item).join("")}</details>` : "") + `</div>`;
  }
  function revTimeChart(ot, groups) {  // mean valence of the aspect mentions per period, one line per group
    const periods = [...new Set(ot.points.map((p) => p.period))].sort(), k = periods.length;
    const at = new Map(periods.map((p, i) => [p, i]));
    const order = groups.map((g) => g.name), color = (name) => GROUP_COLORS[Math.max(0, order.indexOf(name)) % GROUP_COLORS.length];
    const W = 900, L = 46, R = 12, T = 10, H = 150, B = 22;
    const x = (i) => L + (k <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (k - 1));
    const y = (v) => T + ((1 - Math.max(-1, Math.min(1, v))) / 2) * H;
    let svg = [[1, "+1"], [0, "0"], [-1, "-1"]].map(([v, l]) => `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${l}</text>` +
      `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6eb"/>`).join("");
    const step = Math.max(1, Math.ceil(k / 8));
    periods.forEach((p, i) => {
      const anchor = k > 1 && i === 0 ? "start" : k > 1 && i === k - 1 ? "end" : "middle";
      if (i % step === 0 || i === k - 1) svg += `<text x="${x(i).toFixed(1)}" y="${T + H + 16}" text-anchor="${anchor}">${txt(p)}</text>`;
    });
    const names = order.filter((n) => ot.points.some((p) => p.group === n && p.mean_valence !== null));
    for (const name of names) {
      const pts = ot.points.filter((p) => p.group === name).sort((a, b) => at.get(a.period) - at.get(b.period));
      let d = "", prev = null;
      for (const p of pts) {
        if (p.mean_valence === null) { prev = null; continue; }
        const i = at.get(p.period);
        d += `${prev !== null && i === prev + 1 ? "L" : "M"}${x(i).toFixed(1)},${y(p.mean_valence).toFixed(1)}`;
        prev = i;
      }
      svg += `<path class="rev-line" d="${d}" fill="none" stroke="${color(name)}" stroke-width="1.5"/>`;
      for (const p of pts.filter((p) => p.mean_valence !== null)) {
        const tip = `${name}, ${p.period}: valence ${signed(p.mean_valence)} · ${p.reviews} reviews, ${p.aspects} aspects ` +
          `(${p.positive} positive, ${p.neutral} neutral, ${p.negative} negative)`;
        svg += `<circle class="rev-point" cx="${x(at.get(p.period)).toFixed(1)}" cy="${y(p.mean_valence).toFixed(1)}" r="3.2" fill="${color(name)}"><title>${txt(tip)}</title></circle>`;
      }
    }
    const key = names.map((n) => `<span>${swatch(color(n))}${txt(n)}</span>`).join(" ");
    return `<div class="chart-title">Sentiment over time<span class="muted">mean valence of the aspect mentions per ${FREQ_NAMES[ot.freq] || txt(ot.freq)} · ${key}</span></div>` +
      `<svg class="chart rev-time" viewBox="0 0 ${W} ${T + H + B}" role="img" aria-label="mean valence of the aspect mentions over time, per group" data-periods="${k}">${svg}</svg>`;
  }
  async function analyseAspects() {  // the one-text box: each line's aspects, highlighted in the text
    const texts = $("aspinput").value.split("\n").map((s) => s.trim()).filter(Boolean).slice(0, ASP_MAX);
    if (!texts.length) { $("aspstatus").textContent = "nothing to analyse"; return; }
    $("goasp").disabled = true;
    $("aspstatus").textContent = "finding aspects…";
    try {
      const out = await call("/v1/aspects", {method: "POST", headers: headers(true), body: JSON.stringify({texts})});
      $("aspresult").innerHTML = out.results.map(aspectCard).join("");
      const n = out.results.reduce((k, r) => k + r.aspects.length, 0);
      $("aspstatus").textContent = `${n} aspect${n === 1 ? "" : "s"} in ${texts.length} text${texts.length === 1 ? "" : "s"}`;
    } catch (e) { $("aspresult").innerHTML = ""; fail("aspstatus", e); } finally { $("goasp").disabled = false; }
  }
  function aspectCard(r) {
    const spans = r.aspects.map((a) => ({from: a.from, to: a.to, cls: `asp-term mk-${polCls(a.polarity)}`, title: `${a.term}: ${a.polarity} ${fixed(a.confidence)}`, rank: 0}))
      .concat(r.aspects.flatMap((a) => (a.evidence || []).map((e) => ({from: e.from, to: e.to, cls: "asp-ev", title: `evidence for ${a.term}: ${fixed(e.weight)}`, rank: 1}))));
    const list = r.aspects.length ? `<table class="fused-modalities asp-list"><tbody>${r.aspects.map((a) =>
      `<tr class="asp-row" data-polarity="${txt(a.polarity)}"><th>${txt(a.term)}</th><td class="${polCls(a.polarity)}">${txt(a.polarity)}</td>` +
      `<td class="num">${fixed(a.confidence)}</td><td class="muted">${a.from}–${a.to}</td><td><span class="words">${(a.evidence || []).map((e) =>
        `<span class="rev-ev" title="${fixed(e.weight, 3)}">${txt(e.word)}</span>`).join("") || "-"}</span></td></tr>`).join("")}</tbody></table>`
      : `<div class="muted">no aspects found in this text</div>`;
    return `<div class="card asp-card"><div class="text asp-text">${marked(r.text, spans)}</div>${list}` +
      `<div class="muted">${txt(r.model)} · ${txt(r.language || "-")}</div></div>`;
  }
  $("revinput").addEventListener("input", revColumns);
  $("revfile").addEventListener("change", async () => {
    const f = $("revfile").files[0];
    if (f) { $("revinput").value = await f.text(); revColumns(); }
  });
  $("gorev").addEventListener("click", analyseReviews);
  $("goasp").addEventListener("click", analyseAspects);

  // -- Jobs and Models ------------------------------------------------------------------------
  async function loadJobs() {
    let jobs;
    try { jobs = (await call("/v1/jobs", {headers: headers(false)})).results; } catch (e) { fail("jobsstatus", e); return; }
    $("jobsstatus").textContent = `${jobs.length} job${jobs.length === 1 ? "" : "s"}`;
    $("jobtable").tBodies[0].innerHTML = jobs.length ? jobs.map((j) => {
      const share = j.rows_total ? Math.min(1, j.rows_done / j.rows_total) : (j.status === "done" ? 1 : 0);
      return `<tr class="job-row" data-id="${txt(j.id)}" data-status="${txt(j.status)}"><td>${txt(j.id)}</td><td>${txt(j.filename)}</td>` +
        `<td class="${j.status === "failed" ? "error" : ""}">${txt(j.status)}${j.error ? ": " + txt(j.error) : ""}</td>` +
        `<td><div class="progress" title="${j.rows_done} of ${j.rows_total ?? "?"} rows"><div style="width:${(100 * share).toFixed(1)}%"></div></div>` +
        `<span class="muted">${j.rows_done.toLocaleString("en")} / ${j.rows_total === null ? "?" : j.rows_total.toLocaleString("en")} rows</span></td>` +
        `<td class="num">${j.errors}</td><td>${when(j.created)}</td><td>${when(j.finished)}</td>` +
        `<td>${j.results_url ? `<button class="getresults" data-url="${txt(j.results_url)}" data-id="${txt(j.id)}">results</button>` : ""}</td></tr>`;
    }).join("") : `<tr><td colspan="8" class="empty">No jobs: upload a file on the Analyse page.</td></tr>`;
  }
  async function download(url, name) {
    const r = await fetch(url, {headers: headers(false)});
    if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await r.blob());
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
  async function loadModels() {
    let body;
    try { body = await call("/v1/models", {headers: headers(false)}); } catch (e) { fail("modelsstatus", e); return; }
    const defaults = {};
    for (const [kind, langs] of Object.entries(body.defaults_by_kind || {})) {
      for (const [lang, name] of Object.entries(langs)) (defaults[name] = defaults[name] || []).push(`${kind} ${lang === "*" ? "" : lang}`.trim());
    }
    $("modelsstatus").textContent = `${body.results.length} models`;
    $("modeltable").tBodies[0].innerHTML = body.results.map((m) => {
      const card = m.card ? ` · <a href="${txt(m.card)}" class="card-link" data-url="${txt(m.card)}">model card</a>` : "";
      return `<tr class="model-row" data-model="${txt(m.name)}"><td><b>${txt(m.name)}</b></td><td>${txt(m.modality)}</td><td>${txt(m.task)}</td>` +
        `<td>${txt(m.languages.join(", "))}</td><td>${txt(m.labels.join(", "))}</td><td>${txt((defaults[m.name] || []).join("; ") || "-")}</td>` +
        `<td>${txt(m.description)}<div class="muted">from ${txt(m.source)}${card}</div><pre class="card-text" hidden></pre></td></tr>`;
    }).join("");
  }

  // -- wiring -----------------------------------------------------------------------------------
  $("streamlist").addEventListener("click", (ev) => {
    const row = ev.target.closest("tr[data-stream]");
    if (row) location.hash = `#streams/${encodeURIComponent(row.dataset.stream)}/${S.width}`;
  });
  $("width").addEventListener("change", () => {
    location.hash = `#streams/${encodeURIComponent(S.stream)}/${$("width").value}`;
  });
  $("charts").addEventListener("click", (ev) => {
    const hit = ev.target.closest("[data-start]");
    if (!hit) return;
    S.selected = Number(hit.dataset.start);
    drawCharts();
    loadWindowEvents(S.selected);
  });
  $("alertstream").addEventListener("change", () => {
    location.hash = $("alertstream").value ? `#alerts/${encodeURIComponent($("alertstream").value)}` : "#alerts";
  });
  $("jobtable").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.getresults");
    if (b) download(b.dataset.url, `${b.dataset.id}.jsonl`).catch((e) => fail("jobsstatus", e));
  });
  $("modeltable").addEventListener("click", async (ev) => {
    const a = ev.target.closest("a.card-link");
    if (!a) return;
    ev.preventDefault();
    const pre = a.closest("td").querySelector(".card-text");
    if (!pre.hidden) { pre.hidden = true; return; }
    try {
      const r = await fetch(a.dataset.url, {headers: headers(false)});
      if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
      pre.textContent = await r.text();
      pre.hidden = false;
    } catch (e) { fail("modelsstatus", e); }
  });
  $("apikey").addEventListener("change", () => { reload(); startLive(true); });
  window.addEventListener("hashchange", route);
  route();
})();
