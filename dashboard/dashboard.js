"use strict";
const $ = (sel, root = document) => root.querySelector(sel);
const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const int = (n) => Number(n ?? 0).toLocaleString("en-US");
function dur(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 1) return (seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0) + " ms";
  if (seconds < 60) return seconds.toFixed(1) + " s";
  if (seconds < 3600) return (seconds / 60).toFixed(1) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}
const rate = (r) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const pct = (failed, completed) => (failed + completed > 0 ? ((100 * failed) / (failed + completed)).toFixed(1) + "%" : "0%");
const ago = (iso) => (iso ? dur(Math.max(0, (Date.now() - Date.parse(iso)) / 1000)) + " ago" : "–");
const until = (iso) => { if (!iso) return "–"; const s = (Date.parse(iso) - Date.now()) / 1000; return s >= 0 ? "in " + dur(s) : dur(-s) + " ago"; };
function notice(text) { const n = $("#notice"); n.textContent = text; n.style.display = "block"; setTimeout(() => (n.style.display = "none"), 4000); }

async function getJSON(path) {
  const response = await fetch(path, { cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body?.error?.message || response.statusText);
  return body;
}

// Actions need the bearer token; it is asked once and kept for this tab only.
async function act(method, path, body) {
  let token = sessionStorage.getItem("wharf-token");
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!token) {
      token = prompt("API token (WHARF_API_TOKEN) for this action:");
      if (!token) return null;
      sessionStorage.setItem("wharf-token", token);
    }
    const response = await fetch(path, {
      method, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const result = await response.json().catch(() => ({}));
    if (response.status === 401) { sessionStorage.removeItem("wharf-token"); token = null; notice("Wrong token"); continue; }
    if (!response.ok) { notice(result?.error?.message || response.statusText); return null; }
    return result;
  }
  return null;
}

function sparkline(values, color) {
  if (values.length < 2) return '<svg class="spark"></svg>';
  const max = Math.max(1, ...values), w = 120, h = 28;
  const points = values.map((v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(" ");
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none"><polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/></svg>`;
}

function chart(history) {
  const w = 800, h = 160, pad = 24;
  if (history.length < 2) return '<p class="muted">Collecting samples… the chart fills in over the next minutes.</p>';
  const t0 = history[0].at, t1 = history[history.length - 1].at;
  const max = Math.max(0.1, ...history.map((p) => p.completed_per_second), ...history.map((p) => p.failed_per_second));
  const x = (t) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (w - pad * 2);
  const y = (v) => h - pad - (v / max) * (h - pad * 2);
  const line = (key, color) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${history.map((p) => `${x(p.at).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ")}"/>`;
  const minutes = ((t1 - t0) / 60).toFixed(0);
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">
    <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#e3e6eb"/>
    <line x1="${pad}" y1="${pad}" x2="${w - pad}" y2="${pad}" stroke="#f0f2f5" stroke-dasharray="4"/>
    <text x="${pad}" y="${pad - 6}" font-size="11" fill="#6b7383">${rate(max)} jobs/s</text>
    <text x="${w - pad}" y="${h - 6}" font-size="11" fill="#6b7383" text-anchor="end">now</text>
    <text x="${pad}" y="${h - 6}" font-size="11" fill="#6b7383">${minutes} min ago</text>
    ${line("completed_per_second", "#1f9d61")}${line("failed_per_second", "#d64545")}</svg>
    <div class="legend"><span><i style="background:#1f9d61"></i>completed / s</span><span><i style="background:#d64545"></i>failed / s</span></div>`;
}

function tile(id, label, value, sub, cls = "") {
  return `<div class="tile ${cls}"><div class="label">${label}</div><div class="value" id="${id}">${value}</div><div class="sub">${sub}</div></div>`;
}

function renderOverview(data) {
  const t = data.totals, r = t.rates, tm = t.timings;
  const oldest = Math.max(0, ...data.queues.map((q) => q.oldest_available_age_seconds ?? 0));
  const tiles = [
    tile("total-available", "Available", int(t.available), "due now, waiting", oldest > 60 ? "warn" : ""),
    tile("total-scheduled", "Scheduled", int(t.scheduled), "future or backing off"),
    tile("total-running", "Running", int(t.running), `${data.workers.length} worker${data.workers.length === 1 ? "" : "s"}`),
    tile("total-dead", "Dead", int(t.dead), "in dead-letter table", t.dead > 0 ? "bad" : ""),
    tile("throughput", "Throughput", rate(r.completed_per_second) + "/s", "completed, last minute"),
    tile("failure-rate", "Failure rate", pct(r.failed_per_second, r.completed_per_second), rate(r.failed_per_second) + " failed/s", r.failed_per_second > 0 ? "warn" : ""),
    tile("wait-p95", "Wait p95", dur(tm.wait_p95_seconds), `p50 ${dur(tm.wait_p50_seconds)} · p99 ${dur(tm.wait_p99_seconds)}`),
    tile("run-p95", "Run p95", dur(tm.run_p95_seconds), `p50 ${dur(tm.run_p50_seconds)} · p99 ${dur(tm.run_p99_seconds)}`),
  ].join("");
  const trend = (name) => data.history.map((p) => { const d = p.depth[name] || [0, 0, 0]; return d[0] + d[2]; });
  const queues = data.queues.map((q) => `<tr data-queue="${esc(q.queue)}">
      <td><b>${esc(q.queue)}</b> ${q.paused ? '<span class="badge paused">paused</span>' : ""}</td>
      <td class="num" data-field="available">${int(q.available)}</td>
      <td class="num" data-field="scheduled">${int(q.scheduled)}</td>
      <td class="num" data-field="running">${int(q.running)}</td>
      <td class="num" data-field="dead">${int(q.dead)}</td>
      <td class="num">${dur(q.oldest_available_age_seconds)}</td>
      <td class="num">${rate(q.rates.completed_per_second)}</td>
      <td class="num">${pct(q.rates.failed_per_second, q.rates.completed_per_second)}</td>
      <td class="num">${dur(q.timings.wait_p95_seconds)} / ${dur(q.timings.run_p95_seconds)}</td>
      <td>${sparkline(trend(q.queue), "#2f6fde")}</td>
      <td><button data-pause="${esc(q.queue)}" data-paused="${q.paused}">${q.paused ? "Resume" : "Pause"}</button></td></tr>`).join("");
  const workers = data.workers.map((w) => `<tr data-worker="${esc(w.id)}">
      <td class="mono">${esc(w.id)}</td><td>${esc(w.queues.join(", "))}</td>
      <td><div class="bar" title="${w.running} of ${w.concurrency}"><span style="width:${Math.min(100, (100 * w.running) / Math.max(1, w.concurrency))}%"></span></div>
          <span class="muted">${w.running} / ${w.concurrency}</span></td>
      <td class="num">${dur(w.heartbeat_age_seconds)}</td><td class="num">${int(w.completed)}</td><td class="num">${int(w.failed)}</td>
      <td class="muted">${esc(w.version)}</td></tr>`).join("");
  const failures = data.failures.map((f) => `<tr>
      <td class="muted nowrap">${ago(f.at)}</td><td><a href="/jobs/${f.job_id}">#${f.job_id}</a></td>
      <td class="nowrap">${esc(f.queue)} · ${esc(f.kind)}</td><td class="num">${f.attempt}/${f.max_attempts}</td>
      <td class="err">${esc(f.error.slice(0, 240))}</td><td>${f.dead ? '<span class="badge dead">dead</span>' : '<span class="badge">retrying</span>'}</td></tr>`).join("");
  $("#overview").innerHTML = `
    <div class="tiles">${tiles}</div>
    <div class="grid2">
      <section><h2>Throughput and failures</h2>${chart(data.history)}</section>
      <section><h2>Workers <span class="badge">${data.workers.length}</span></h2>
        ${data.workers.length ? `<table><tr><th>Worker</th><th>Queues</th><th>Load</th><th class="num">Heartbeat</th><th class="num">Done</th><th class="num">Failed</th><th>Version</th></tr>${workers}</table>` : '<p class="err">No live workers.</p>'}
      </section>
    </div>
    <section><h2>Queues</h2>
      <table id="queues"><tr><th>Queue</th><th class="num">Available</th><th class="num">Scheduled</th><th class="num">Running</th><th class="num">Dead</th>
        <th class="num">Oldest wait</th><th class="num">Done/s</th><th class="num">Failed</th><th class="num">Wait / run p95</th><th>Trend</th><th></th></tr>
        ${queues || '<tr><td colspan="11" class="muted">No jobs yet.</td></tr>'}</table>
    </section>
    <section><h2>Recent failures</h2>
      ${failures ? `<table><tr><th>When</th><th>Job</th><th>Queue · kind</th><th class="num">Attempt</th><th>Error</th><th></th></tr>${failures}</table>` : '<p class="muted">No failures.</p>'}
    </section>`;
  $("#status").innerHTML = `<span class="dot ${data.sample_error ? "bad" : ""}"></span>${data.sample_error ? "database: " + esc(data.sample_error) : "live"}`;
  $("#meta").textContent = `sampled ${new Date(data.sampled_at).toLocaleTimeString()} in ${dur(data.sample_seconds)} · refreshes every 2 s`;
}

function renderDead(data) {
  const rows = data.dead_jobs.map((d) => `<tr data-dead="${d.id}">
      <td><a href="/jobs/${d.id}">#${d.id}</a></td><td>${esc(d.queue)}</td><td>${esc(d.kind)}</td><td class="num">${d.attempt}/${d.max_attempts}</td>
      <td>${esc(d.reason.replaceAll("_", " "))}</td><td class="muted">${ago(d.died_at)}</td>
      <td class="err">${esc((d.errors.at(-1)?.error || "").slice(0, 200))}</td>
      <td><button data-retry="${d.id}">Retry</button> <button class="danger" data-purge="${d.id}">Purge</button></td></tr>`).join("");
  $("#dead").innerHTML = `<h2>Dead letters <span class="badge dead">${data.dead_jobs.length}${data.next_before ? "+" : ""}</span>
      <span class="actions">${rows ? '<button data-retry-all="1">Retry all</button> <button class="danger" data-purge-all="1">Purge all</button>' : ""}</span></h2>
    ${rows ? `<table><tr><th>Job</th><th>Queue</th><th>Kind</th><th class="num">Attempts</th><th>Reason</th><th>Died</th><th>Last error</th><th></th></tr>${rows}</table>` : '<p class="muted">The dead-letter table is empty.</p>'}`;
}

function renderSchedules(data) {
  const rows = data.schedules.map((s) => `<tr data-schedule="${esc(s.name)}">
      <td><b>${esc(s.name)}</b> ${s.paused ? '<span class="badge paused">paused</span>' : ""}${s.last_error ? ' <span class="badge dead" title="' + esc(s.last_error) + '">error</span>' : ""}</td>
      <td class="mono">${esc(s.cron)}<br><span class="muted">${esc(s.time_zone)} · missed: ${esc(s.missed)}</span></td>
      <td>${esc(s.kind)}<br><span class="muted">${esc(s.queue)}</span></td>
      <td class="nowrap" data-field="next" title="${esc(s.next_tick ?? "")}">${s.paused ? "paused" : until(s.next_tick)}</td>
      <td class="nowrap" data-field="last" title="${esc(s.last_tick ?? "")}">${s.last_tick ? until(s.last_tick) : "never"}</td>
      <td data-field="last-job">${s.last_job_id ? `<a href="/jobs/${s.last_job_id}">#${s.last_job_id}</a> <span class="badge ${esc(s.last_job_state ?? "")}">${esc(s.last_job_state ?? "pruned")}</span>` : "–"}</td>
      <td class="num" data-field="lag">${dur(s.last_lag_seconds)}</td>
      <td class="muted">${esc(s.source)}</td>
      <td class="nowrap"><button data-schedule-pause="${esc(s.name)}" data-paused="${s.paused}">${s.paused ? "Resume" : "Pause"}</button>
        <button data-trigger="${esc(s.name)}">Run now</button></td></tr>`).join("");
  $("#schedules").innerHTML = `<h2>Schedules <span class="badge">${data.schedules.length}</span></h2>
    ${rows ? `<table><tr><th>Schedule</th><th>Cron</th><th>Kind · queue</th><th>Next run</th><th>Last run</th><th>Last job</th>
      <th class="num" title="From the tick to its job's enqueue">Lag</th><th>Source</th><th></th></tr>${rows}</table>`
      : '<p class="muted">No schedules. Define them in the worker config (<code>schedules</code>), with <code>wharf.schedule(...)</code> or PUT /api/v1/schedules/NAME.</p>'}`;
}

async function refreshSchedules() {
  try { renderSchedules(await getJSON("/api/v1/schedules")); } catch (error) { $("#schedules").innerHTML = `<p class="err">${esc(error.message)}</p>`; }
}

async function refresh() {
  try { renderOverview(await getJSON("/api/v1/overview")); }
  catch (error) { $("#status").innerHTML = `<span class="dot bad"></span>${esc(error.message)}`; }
}
async function refreshDead() {
  try { renderDead(await getJSON("/api/v1/dead-jobs?limit=25")); } catch (error) { $("#dead").innerHTML = `<p class="err">${esc(error.message)}</p>`; }
}

document.addEventListener("click", async (event) => {
  const b = event.target.closest("button");
  if (!b) return;
  let done = null;
  if (b.dataset.retry) done = await act("POST", `/api/v1/dead-jobs/${b.dataset.retry}/retry`);
  else if (b.dataset.purge && confirm(`Delete dead job #${b.dataset.purge} for good?`)) done = await act("DELETE", `/api/v1/dead-jobs/${b.dataset.purge}`);
  else if (b.dataset.retryAll && confirm("Retry every dead job?")) done = await act("POST", "/api/v1/dead-jobs/retry", { all: true });
  else if (b.dataset.purgeAll && confirm("Delete every dead job for good?")) done = await act("POST", "/api/v1/dead-jobs/purge", { all: true });
  else if (b.dataset.pause) done = await act("POST", `/api/v1/queues/${encodeURIComponent(b.dataset.pause)}/${b.dataset.paused === "true" ? "resume" : "pause"}`);
  else if (b.dataset.schedulePause) done = await act("POST", `/api/v1/schedules/${encodeURIComponent(b.dataset.schedulePause)}/${b.dataset.paused === "true" ? "resume" : "pause"}`);
  else if (b.dataset.trigger && confirm(`Enqueue a job of schedule ${b.dataset.trigger} now?`)) done = await act("POST", `/api/v1/schedules/${encodeURIComponent(b.dataset.trigger)}/trigger`);
  else if (b.dataset.cancel) done = await act("POST", `/api/v1/jobs/${b.dataset.cancel}/cancel`);
  if (done) { notice("Done"); if (location.pathname.startsWith("/jobs/")) showJob(); else { refresh(); refreshDead(); refreshSchedules(); } }
});

async function showJob() {
  const id = location.pathname.split("/")[2];
  let job;
  try { job = await getJSON(`/api/v1/jobs/${encodeURIComponent(id)}`); }
  catch (error) { $("#app").innerHTML = `<section><h2>Job ${esc(id)}</h2><p class="err">${esc(error.message)}</p></section>`; return; }
  const facts = [["Queue", job.queue], ["Kind", job.kind], ["Attempt", `${job.attempt} of ${job.max_attempts}`], ["Priority", job.priority],
    ["Run at", job.run_at], ["Created", job.created_at], ["Started", job.started_at ?? "–"], ["Finished", job.finished_at ?? job.died_at ?? "–"],
    ["Unique key", job.unique_key ?? "–"], ["Lease", job.lease ? `${job.lease.owner} until ${job.lease.expires_at}` : "–"]]
    .concat(job.reason ? [["Dead because", job.reason.replaceAll("_", " ")]] : []);
  const timeline = job.history.map((h) => `<li class="${esc(h.event)}"><b>${esc(h.event.replaceAll("_", " "))}</b>
      <span class="muted">${esc(h.from ?? "–")} → ${esc(h.to)} · attempt ${h.attempt}${h.worker ? " · " + esc(h.worker) : ""}</span><br>
      <span class="mono muted">${esc(h.at)}</span></li>`).join("");
  const errors = job.errors.map((e) => `<tr><td class="num">${e.attempt}</td><td class="mono muted">${esc(e.at)}</td><td class="err">${esc(e.error)}</td><td class="mono">${esc(e.worker ?? "")}</td></tr>`).join("");
  const buttons = job.state === "dead" ? `<button data-retry="${job.id}">Retry</button> <button class="danger" data-purge="${job.id}">Purge</button>`
    : ["available", "running"].includes(job.state) ? `<button class="danger" data-cancel="${job.id}">Cancel</button>` : "";
  $("#app").innerHTML = `<p><a href="/">← overview</a></p>
    <section><h2>Job #${job.id} <span class="badge ${esc(job.state)}" id="job-state">${esc(job.state)}</span><span class="actions">${buttons}</span></h2>
      <table>${facts.map(([k, v]) => `<tr><th style="width:160px">${k}</th><td class="mono">${esc(v)}</td></tr>`).join("")}</table></section>
    <div class="grid2"><section><h2>Timeline</h2><ul class="timeline" id="timeline">${timeline}</ul></section>
      <section><h2>Payload</h2><pre>${esc(JSON.stringify(job.payload, null, 2))}</pre></section></div>
    <section><h2>Errors <span class="badge">${job.errors.length}</span></h2>${errors ? `<table><tr><th class="num">Attempt</th><th>At</th><th>Error</th><th>Worker</th></tr>${errors}</table>` : '<p class="muted">No failed attempts.</p>'}</section>`;
  $("#status").innerHTML = '<span class="dot"></span>job detail';
}

if (location.pathname.startsWith("/jobs/")) {
  showJob();
} else {
  $("#app").innerHTML = '<div id="overview"><p class="muted">Loading…</p></div><section id="schedules"></section><section id="dead"></section>';
  refresh(); refreshDead(); refreshSchedules();
  setInterval(refresh, 2000); setInterval(refreshDead, 5000); setInterval(refreshSchedules, 5000);
}
