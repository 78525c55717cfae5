// dcgan serve's page: it follows one run through server-sent events (a "change" whenever the run writes something
// new) and redraws from /api/runs/{id}; the playground asks the server to draw, with the same code as dcgan generate.
"use strict";
const $ = id => document.getElementById(id);
let run = 0, status = null, events = null, followNewest = true;

const fixed = (x, digits) => (x === null || x === undefined ? "" : Number(x).toFixed(digits));
const minutes = s => (s === null || s === undefined ? "" : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

async function loadRuns() {
  const runs = await (await fetch("/api/runs")).json();
  $("run").innerHTML = runs.map(r => `<option value="${r.id}">${r.name}</option>`).join("");
  $("run").onchange = () => follow(Number($("run").value));
  if (runs.length) follow(runs[0].id);
}

function follow(id) {
  run = id;
  status = null;
  if (events) events.close();
  events = new EventSource(`/api/runs/${id}/events`);
  events.addEventListener("change", refresh);
  events.onopen = () => $("live").classList.remove("off");
  events.onerror = () => $("live").classList.add("off");
}

async function refresh() {
  const response = await fetch(`/api/runs/${run}`);
  if (!response.ok) return;
  const s = await response.json();
  const first = status === null;
  status = s;
  const v = `${s.epoch}-${s.loss_steps}-${s.checkpoints.length}-${s.evaluations.length}`;
  $("info").textContent = `recipe ${s.recipe} · ${s.image} · seed ${s.seed ?? "?"} · ${s.precision} · epoch ${s.epoch ?? 0} of ${s.epochs ?? "?"}`;
  const newest = s.grids.length ? s.grids[s.grids.length - 1] : null;
  $("epoch-label").textContent = newest ? `(epoch ${newest})` : "(none yet)";
  if (newest) $("newest").src = `/api/runs/${run}/grids/${newest}?v=${v}`;
  $("eta").textContent = s.seconds_per_epoch ? `${minutes(s.seconds_per_epoch)} an epoch` + (s.seconds_left ? `, about ${minutes(s.seconds_left)} left` : "") : "";
  const slider = $("slider");
  slider.min = s.grids.length ? s.grids[0] : 1;
  slider.max = newest ?? 1;
  if (followNewest && newest) slider.value = newest;
  showEpoch();
  $("gif-link").href = `/api/runs/${run}/gif?v=${v}`;
  $("gif-note").textContent = s.epoch !== null && s.epochs !== null && s.epoch >= s.epochs ? "" : "(written when the run ends)";
  $("losses").src = `/api/runs/${run}/losses.svg?v=${v}`;
  $("loss-steps").textContent = `${s.loss_steps} steps`;
  showEvaluations(s, v);
  $("checkpoints").innerHTML = s.checkpoints.map(c => `<li>${c}</li>`).join("");
  fillPlayground(s, first);
}

function showEvaluations(s, v) {
  const last = key => s.evaluations.map(e => e[key]).filter(m => m).pop() ?? null;
  const features = s.evaluations.filter(e => e.imagenet).map(e => featureRow(e.epoch, e.imagenet));
  const featureFloor = last("imagenet_floor");
  if (featureFloor) features.push(featureRow("real data", featureFloor, "floor"));
  $("imagenet-metrics").tBodies[0].innerHTML = features.length ? features.join("") : `<tr><td class="none" colspan="7">none yet: train with --eval-every N</td></tr>`;
  $("imagenet-n").textContent = last("imagenet") ? `N = ${last("imagenet").n}` : "";
  $("imagenet-charts").hidden = features.length === 0;
  if (features.length) {
    $("fd-resnet18-svg").src = `/api/runs/${run}/metrics/fd_resnet18.svg?v=${v}`;
    $("kid-svg").src = `/api/runs/${run}/metrics/kid.svg?v=${v}`;
  }
  const judged = s.evaluations.filter(e => e.model).map(e => row(e.epoch, e.model));
  const floor = last("floor");
  if (floor) judged.push(row("real data", floor, "floor"));
  $("metrics").tBodies[0].innerHTML = judged.join("");
  for (const id of ["evaluator-heading", "metrics", "evaluator-charts"]) $(id).hidden = judged.length === 0;
  if (judged.length) {
    $("score-svg").src = `/api/runs/${run}/metrics/score.svg?v=${v}`;
    $("fd-svg").src = `/api/runs/${run}/metrics/fd.svg?v=${v}`;
  }
}

function featureRow(label, m, cls = "") {
  return `<tr class="${cls}"><td>${label}</td><td>${fixed(m.fd, 1)}</td><td>${fixed(m.kid * 1000, 2)}</td><td>${fixed(m.precision, 2)}</td>` +
    `<td>${fixed(m.recall, 2)}</td><td>${fixed(m.density, 2)}</td><td>${fixed(m.coverage, 2)}</td></tr>`;
}

function row(label, m, cls = "") {
  if (!m) return "";
  return `<tr class="${cls}"><td>${label}</td><td>${fixed(m.score, 2)}</td><td>${fixed(m.fd, 1)}</td><td>${fixed(m.classes, 1)}</td>` +
    `<td>${fixed(m.precision, 2)}</td><td>${fixed(m.recall, 2)}</td></tr>`;
}

function showEpoch() {
  const epoch = $("slider").value;
  $("slider-label").textContent = epoch;
  if (status && status.grids.includes(Number(epoch))) $("slider-img").src = `/api/runs/${run}/grids/${epoch}`;
}

function fillPlayground(s, first) {
  const select = $("pg-checkpoint"), chosen = select.value;
  select.innerHTML = `<option value="">the latest</option>` + s.checkpoints.slice().reverse().map(c => `<option>${c}</option>`).join("");
  if (s.checkpoints.includes(chosen)) select.value = chosen;
  const categories = s.code_categories || 0;
  $("pg-category-label").hidden = categories === 0;
  if (first || $("pg-category").options.length !== categories + 1) {
    $("pg-category").innerHTML = `<option value="">each in turn</option>` +
      Array.from({ length: categories }, (_, k) => `<option value="${k}"></option>`).join("");
    // Class names come from the user's folder names: set as text, never as markup.
    const names = s.category_names || [];
    Array.from($("pg-category").options).slice(1).forEach((o, k) => { o.textContent = names[k] ? `${k} ${names[k]}` : `${k}`; });
  }
}

function query() {
  const q = new URLSearchParams({ count: $("pg-count").value, seed: $("pg-seed").value });
  for (const [key, id] of [["checkpoint", "pg-checkpoint"], ["category", "pg-category"], ["weights", "pg-weights"], ["bn", "pg-bn"]]) {
    if ($(id).value !== "" && !(id === "pg-category" && $("pg-category-label").hidden)) q.set(key, $(id).value);
  }
  return q;
}

async function draw(kind) {
  const started = performance.now();
  const q = query();
  const url = `/api/runs/${run}/${kind === "walk" ? "walk.gif" : "sample.png"}?${q}`;
  const response = await fetch(url);
  if (!response.ok) {
    $("pg-error").textContent = (await response.text()).trim();
    return;
  }
  $("pg-error").textContent = "";
  const blob = await response.blob();
  const image = $("pg-image");
  if (image.dataset.url) URL.revokeObjectURL(image.dataset.url);
  image.dataset.url = URL.createObjectURL(blob);
  image.dataset.source = url;
  image.src = image.dataset.url;
  $("pg-download").href = image.dataset.url;
  $("pg-download").download = `dcgan-seed${q.get("seed")}${q.has("category") ? "-category" + q.get("category") : ""}.${kind === "walk" ? "gif" : "png"}`;
  $("pg-time").textContent = `drawn in ${Math.round(performance.now() - started)} ms`;
}

$("slider").oninput = () => { followNewest = $("slider").value === $("slider").max; showEpoch(); };
$("pg-form").onsubmit = e => { e.preventDefault(); draw("grid"); };
$("pg-walk").onclick = () => draw("walk");
loadRuns();
