// mailway monitor: fetches /api/monitor/all and draws it (inline SVG, no libraries).
// Every text from the data goes through textContent, never HTML.
"use strict";

const I18N = {
  en: {
    monitor: "monitor", updated: "updated", every: "every", loading: "Loading…",
    nothing: "Nothing to monitor: start mailway monitor with --spool, --api, --postfix or --log.",
    messages: "messages", recipients: "recipients waiting", deferred: "deferred", oldest: "oldest",
    expiring_soon: "close to expiry", by_age: "Messages by age", by_domain: "Recipients waiting by domain",
    by_reason: "Recipients waiting by reason", over_time: "Queue over time (messages)",
    expiring_title: "Close to expiry", queue_title: "Queue (oldest first)", id: "ID", sender: "Sender",
    rcpts: "Recipients", time_left: "Time left", why: "Why", queue: "Queue", age: "Age", reason: "Reason",
    last_reply: "Last reply", logs: "Logs", received: "received", delivered: "delivered",
    deferred_attempts: "deferred attempts", bounced: "bounced", expired: "expired",
    deferrals_per_hour: "Deferrals per hour", deferrals_by_domain: "Deferrals by domain",
    deferrals_by_reason: "Deferrals by reason",
    logs_expiring: "Still queued at the end of the log, close to expiry", deferrals: "Deferrals",
    footer: "Read-only. Data from", mailway_queue: "mailway queue", postfix_queue: "Postfix queue",
    no_data: "no data", none: "none", overdue: "overdue", truncated: "more messages not shown",
    unreachable: "Cannot reach the monitor:", null_sender: "<> (bounce)",
  },
  es: {
    monitor: "monitor", updated: "actualizado", every: "cada", loading: "Cargando…",
    nothing: "Nada que vigilar: arranca mailway monitor con --spool, --api, --postfix o --log.",
    messages: "mensajes", recipients: "destinatarios en espera", deferred: "aplazados", oldest: "el más antiguo",
    expiring_soon: "a punto de caducar", by_age: "Mensajes por antigüedad", by_domain: "Destinatarios en espera por dominio",
    by_reason: "Destinatarios en espera por motivo", over_time: "Cola en el tiempo (mensajes)",
    expiring_title: "A punto de caducar", queue_title: "Cola (los más antiguos primero)", id: "ID", sender: "Remitente",
    rcpts: "Destinatarios", time_left: "Tiempo restante", why: "Motivo", queue: "Cola", age: "Antigüedad", reason: "Motivo",
    last_reply: "Última respuesta", logs: "Registros", received: "recibidos", delivered: "entregados",
    deferred_attempts: "intentos aplazados", bounced: "rebotados", expired: "caducados",
    deferrals_per_hour: "Aplazamientos por hora", deferrals_by_domain: "Aplazamientos por dominio",
    deferrals_by_reason: "Aplazamientos por motivo",
    logs_expiring: "Aún en cola al final del registro, a punto de caducar", deferrals: "Aplazamientos",
    footer: "Solo lectura. Datos de", mailway_queue: "Cola de mailway", postfix_queue: "Cola de Postfix",
    no_data: "sin datos", none: "ninguno", overdue: "vencido", truncated: "mensajes más sin mostrar",
    unreachable: "No se puede contactar con el monitor:", null_sender: "<> (rebote)",
  },
};

let lang = null;
let timer = null;
const SVGNS = "http://www.w3.org/2000/svg";

function t(key) {
  return (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key;
}

function pickLang(serverDefault) {
  const q = new URLSearchParams(location.search).get("lang");
  if (q && I18N[q]) return q;
  if (serverDefault && I18N[serverDefault]) return serverDefault;
  return "en";
}

function translate(root) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}

function human(secs) {
  if (secs === null || secs === undefined) return "—";
  if (secs < 0) return "-" + human(-secs);
  const d = Math.floor(secs / 86400), h = Math.floor(secs / 3600) % 24, m = Math.floor(secs / 60) % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${Math.max(0, Math.floor(secs))}s`;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// Vertical bars: one <rect class="bar"> per label (zero values drawn as a thin grey bar).
function columnChart(container, series) {
  container.replaceChildren();
  const labels = (series && series.labels) || [];
  const values = (series && series.values) || [];
  if (labels.length === 0) { container.appendChild(el("p", { class: "empty" }, t("no_data"))); return; }
  const W = 640, H = 200, left = 34, bottom = 34, top = 14;
  const max = Math.max(1, ...values);
  const slot = (W - left - 4) / labels.length;
  const bw = Math.max(1, slot * 0.8);
  const s = svg("svg", { class: "plot columns", viewBox: `0 0 ${W} ${H}`, role: "img", "data-bars": labels.length });
  s.appendChild(svg("line", { class: "axis", x1: left, y1: H - bottom, x2: W, y2: H - bottom }));
  s.appendChild(svg("text", { x: left - 4, y: top + 4, "text-anchor": "end" }, max));
  s.appendChild(svg("text", { x: left - 4, y: H - bottom, "text-anchor": "end" }, 0));
  const every = Math.max(1, Math.ceil(labels.length / 16));
  labels.forEach((label, i) => {
    const v = values[i] || 0;
    const h = v === 0 ? 1 : Math.max(2, ((H - bottom - top) * v) / max);
    const x = left + i * slot + (slot - bw) / 2;
    const r = svg("rect", { class: v === 0 ? "bar zero" : "bar", x: x.toFixed(1), y: (H - bottom - h).toFixed(1),
      width: bw.toFixed(1), height: h.toFixed(1), "data-label": label, "data-value": v });
    r.appendChild(svg("title", {}, `${label}: ${v}`));
    s.appendChild(r);
    if (v > 0 && labels.length <= 24) {
      s.appendChild(svg("text", { class: "value", x: (x + bw / 2).toFixed(1), y: (H - bottom - h - 3).toFixed(1), "text-anchor": "middle" }, v));
    }
    if (i % every === 0) {
      s.appendChild(svg("text", { x: (x + bw / 2).toFixed(1), y: H - bottom + 14, "text-anchor": "middle" }, label));
    }
  });
  container.appendChild(s);
}

// Horizontal bars with the label on the left: for domains and reasons.
function barChart(container, labels, values) {
  container.replaceChildren();
  if (!labels || labels.length === 0) { container.appendChild(el("p", { class: "empty" }, t("none"))); return; }
  const W = 640, row = 22, labelW = 210, H = labels.length * row + 6;
  const max = Math.max(1, ...values);
  const s = svg("svg", { class: "plot bars", viewBox: `0 0 ${W} ${H}`, role: "img", "data-bars": labels.length });
  labels.forEach((label, i) => {
    const v = values[i] || 0;
    const w = Math.max(v > 0 ? 2 : 1, ((W - labelW - 50) * v) / max);
    const y = i * row + 3;
    const shown = label.length > 30 ? label.slice(0, 29) + "…" : label;
    s.appendChild(svg("text", { x: labelW - 6, y: y + 14, "text-anchor": "end" }, shown));
    const r = svg("rect", { class: v === 0 ? "bar zero" : "bar", x: labelW, y, width: w.toFixed(1), height: row - 6,
      "data-label": label, "data-value": v });
    r.appendChild(svg("title", {}, `${label}: ${v}`));
    s.appendChild(r);
    s.appendChild(svg("text", { class: "value", x: (labelW + w + 4).toFixed(1), y: y + 14 }, v));
  });
  container.appendChild(s);
}

// A line over time (the history samples).
function lineChart(container, samples, key) {
  container.replaceChildren();
  if (!samples || samples.length === 0) { container.appendChild(el("p", { class: "empty" }, t("no_data"))); return; }
  const W = 640, H = 160, left = 34, bottom = 24, top = 12;
  const t0 = samples[0].t, t1 = samples[samples.length - 1].t;
  const span = Math.max(1, t1 - t0);
  const max = Math.max(1, ...samples.map((p) => p[key]));
  const x = (p) => left + ((W - left - 8) * (p.t - t0)) / span;
  const y = (p) => H - bottom - ((H - bottom - top) * p[key]) / max;
  const s = svg("svg", { class: "plot line-chart", viewBox: `0 0 ${W} ${H}`, role: "img", "data-points": samples.length });
  s.appendChild(svg("line", { class: "axis", x1: left, y1: H - bottom, x2: W, y2: H - bottom }));
  s.appendChild(svg("text", { x: left - 4, y: top + 4, "text-anchor": "end" }, max));
  s.appendChild(svg("text", { x: left - 4, y: H - bottom, "text-anchor": "end" }, 0));
  const pts = samples.map((p) => `${x(p).toFixed(1)},${y(p).toFixed(1)}`).join(" ");
  s.appendChild(svg("polyline", { class: "line", points: samples.length === 1 ? `${pts} ${pts}` : pts }));
  for (const p of samples) {
    const c = svg("circle", { class: "dot", cx: x(p).toFixed(1), cy: y(p).toFixed(1), r: 2.5 });
    c.appendChild(svg("title", {}, `${p.time}: ${p[key]}`));
    s.appendChild(c);
  }
  const fmt = (ts) => new Date(ts * 1000).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  s.appendChild(svg("text", { x: left, y: H - 6 }, fmt(t0)));
  s.appendChild(svg("text", { x: W - 4, y: H - 6, "text-anchor": "end" }, fmt(t1)));
  container.appendChild(s);
}

function fillRows(tbody, rows, cells) {
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = el("tr");
    for (const [cls, text] of cells(r)) tr.appendChild(el("td", cls ? { class: cls } : {}, text));
    tbody.appendChild(tr);
  }
}

function sender(s) {
  return s === "" || s === "<>" || s === "MAILER-DAEMON" ? t("null_sender") : s;
}

function timeLeft(secs) {
  return secs < 0 ? `${t("overdue")} ${human(-secs)}` : human(secs);
}

function renderQueue(name, panel) {
  const queues = document.getElementById("queues");
  let sec = document.getElementById(`queue-${name}`);
  if (!sec) {
    const frag = document.getElementById("queue-template").content.cloneNode(true);
    sec = frag.querySelector("section");
    sec.id = `queue-${name}`;
    translate(sec);
    queues.appendChild(sec);
  }
  const q = (sel) => sec.querySelector(sel);
  q(".title").textContent = t(`${name}_queue`);
  q(".source").textContent = panel.source || "";
  const err = q(".error");
  err.hidden = !panel.error;
  err.textContent = panel.error || "";
  const s = panel.stats;
  if (!s) return;
  q(".messages").textContent = s.messages;
  q(".recipients").textContent = s.recipients;
  q(".deferred").textContent = s.deferred;
  q(".oldest").textContent = human(s.oldest_age_s);
  q(".expiring-count").textContent = s.expiring.length;
  columnChart(q(".chart.age"), s.age);
  barChart(q(".chart.domains"), s.by_domain.map((d) => d.domain), s.by_domain.map((d) => d.recipients));
  barChart(q(".chart.reasons"), s.by_reason.map((d) => d.reason), s.by_reason.map((d) => d.recipients));
  lineChart(q(".chart.history"), panel.history, "messages");
  fillRows(q("table.expiring tbody"), s.expiring, (r) => [
    ["mono", r.id], ["", sender(r.sender)], ["", r.recipients.join(", ")],
    [r.time_left_s < 3600 ? "late" : "", timeLeft(r.time_left_s)], ["reply", r.reason_text || ""],
  ]);
  fillRows(q("table.messages-table tbody"), s.table, (r) => [
    ["mono", r.id], ["", r.queue], ["", human(r.age_s)], ["", sender(r.sender)],
    ["", r.recipients.join(", ")], ["", r.reason || ""], ["reply", r.reason_text || ""],
  ]);
  const tr = q(".truncated");
  tr.hidden = !s.table_truncated;
  tr.textContent = s.table_truncated ? `${s.table_truncated} ${t("truncated")}` : "";
}

function renderLogs(panel) {
  const sec = document.getElementById("logs");
  sec.hidden = false;
  sec.querySelector(".source").textContent = (panel.files || []).join(", ");
  const err = sec.querySelector(".error");
  err.hidden = !panel.error;
  err.textContent = panel.error || "";
  const v = panel.view;
  if (!v) return;
  document.getElementById("logs-received").textContent = v.totals.received;
  document.getElementById("logs-delivered").textContent = v.totals.delivered;
  document.getElementById("logs-deferred").textContent = v.totals.deferred_attempts;
  document.getElementById("logs-bounced").textContent = v.totals.bounced;
  document.getElementById("logs-expired").textContent = v.totals.expired;
  columnChart(document.getElementById("logs-hourly"), v.deferrals_per_hour);
  barChart(document.getElementById("logs-domains"), v.deferrals_by_domain.labels, v.deferrals_by_domain.values);
  barChart(document.getElementById("logs-reasons"), v.deferrals_by_reason.labels, v.deferrals_by_reason.values);
  fillRows(document.querySelector("#logs-expiring tbody"), v.expiring, (r) => [
    ["mono", r.queue_id], ["", sender(r.sender)], ["", r.recipients.join(", ")],
    [r.time_left_s < 3600 ? "late" : "", timeLeft(r.time_left_s)], ["", r.deferrals],
    ["reply", [r.last_reason, r.last_text].filter(Boolean).join(": ")],
  ]);
}

function render(data) {
  const c = data.config;
  if (lang === null) {
    lang = pickLang(c.lang);
    document.documentElement.lang = lang;
    translate(document);
  }
  document.getElementById("status").hidden = true;
  document.getElementById("interval").textContent = human(c.interval_s);
  const stamps = [];
  if (data.mailway) { renderQueue("mailway", data.mailway); stamps.push(data.mailway.updated); }
  if (data.postfix) { renderQueue("postfix", data.postfix); stamps.push(data.postfix.updated); }
  if (data.logs) { renderLogs(data.logs); stamps.push(data.logs.updated); }
  document.getElementById("nothing").hidden = !!(data.mailway || data.postfix || data.logs);
  const last = stamps.filter(Boolean).sort().pop();
  document.getElementById("updated").textContent = last ? new Date(last).toLocaleString(lang) : "—";
  document.body.dataset.rendered = String((Number(document.body.dataset.rendered) || 0) + 1);
  return Math.max(2, c.interval_s || 10);
}

async function tick() {
  let next = 10;
  try {
    const r = await fetch("/api/monitor/all", { cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    next = render(await r.json());
  } catch (e) {
    const st = document.getElementById("status");
    st.hidden = false;
    st.textContent = `${t("unreachable")} ${e.message}`;
  }
  clearTimeout(timer);
  timer = setTimeout(tick, next * 1000);
}

document.addEventListener("DOMContentLoaded", tick);
