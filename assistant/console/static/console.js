// The Jarvis web console: Preact + htm (vendored, no build step), talking only to this edge.
// The token (when the edge wants one) lives in sessionStorage and travels in the Authorization
// header, never in a URL; the event stream is read with fetch for that reason (EventSource
// cannot send headers).
import { html, render, useState, useEffect, useRef, useCallback } from "./vendor/htm-preact.module.js";

const TOKEN_KEY = "jarvis.token";
const STATE_EVERY_MS = 5000; // changes come with a reply event (which refreshes) or are pushed
const CLOUD_EVERY_MS = 4000;
const TICK_MS = 250;

class AuthError extends Error {}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) throw new AuthError("The edge wants its token.");
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data?.error?.message || `HTTP ${response.status}`);
  return data;
}

// Server-Sent Events over fetch, so the token can go in a header. Calls onEvent(type, data).
// The last event id per stream: sent back on reconnecting, for an edge that replays what was
// missed (Last-Event-ID); an edge that does not simply ignores it.
const lastEventIds = new Map();

async function streamEvents(onEvent, signal, path = "/v1/events") {
  const headers = { Accept: "text/event-stream" };
  if (lastEventIds.has(path)) headers["Last-Event-ID"] = lastEventIds.get(path);
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  const response = await fetch(path, { headers, signal, cache: "no-store" });
  if (response.status === 401) throw new AuthError("The edge wants its token.");
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  onEvent("open", null);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("id:")) lastEventIds.set(path, line.slice(3).trim());
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) {
        try { onEvent(type, JSON.parse(data.join("\n"))); } catch (error) { console.warn("bad event", error); }
      }
    }
  }
}

// The first state and history are asked for as soon as this module runs, not after the first
// render: the page shows real data one round trip sooner.
const early = new Map([
  ["/v1/console/state", api("/v1/console/state")],
  ["/v1/console/history", api("/v1/console/history")],
]);
for (const promise of early.values()) promise.catch(() => {});

function once(path) {
  const promise = early.get(path);
  early.delete(path);
  return promise || api(path);
}

function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(r)}` : `${two(m)}:${two(r)}`;
}

function timeOf(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

const STATE_WORDS = {
  off: "Text only", muted: "Muted", lost: "Microphone lost: plug it back in", waiting: "Waiting",
  listening: "Listening", thinking: "Thinking", speaking: "Speaking",
};

const SENSITIVITY_WORDS = { high: " (high sensitivity)", strict: " (strict)" };

function stateWords(listening) {
  if (listening.state === "waiting" && listening.wake_word) {
    const sensitivity = SENSITIVITY_WORDS[listening.wake_sensitivity] || "";
    return `Waiting for “${listening.wake_word}”${sensitivity}`;
  }
  return STATE_WORDS[listening.state] || listening.state;
}

// A voice edge that cannot speak (no speaker yet): whoever waits for an answer aloud sees why
// none comes. A text-only edge says so already.
function speakerWords(listening) {
  return listening.microphone && listening.speaker === false
    ? " · replies shown, not spoken (no speaker)" : "";
}

// Shown beside the state, never announced: the state changes often, the detectors and voices
// do not.
function wakeWords(listening, offset) {
  if (!listening.wake_word) return "";
  const woken = [listening.wake_check, listening.wake_slowed, listening.wake_companion]
    .filter(Boolean);
  const listed = woken.length > 1
    ? `${woken.slice(0, -1).join(", ")} and ${woken[woken.length - 1]}` : woken.join("");
  const also = woken.length ? ` · also woken by ${listed}` : "";
  const voices = listening.enrolled_voices || [];
  return also + (voices.length ? ` · knows the voices of ${voices.join(", ")}` : "")
    + lastWake(listening.last_wake, offset) + lastNearMiss(listening, offset);
}

// Which ear heard the phrase last: a person whom Jarvis wakes on the wrong words sees which
// one to turn off.
function lastWake(wake, offset) {
  if (!wake) return "";
  const by = wake.by === "detector" ? "its detector" : wake.by;
  const voice = wake.voice ? `, ${wake.voice}'s voice` : "";
  return ` · last woke ${timeOf(wake.at - (offset || 0))} (${by}${voice})`;
}

// A Wyoming satellite by its host and port, as JARVIS_WYOMING_SATELLITES names it.
function satelliteName(uri) {
  return uri.replace(/^tcp:\/\//, "");
}

function satelliteStatus(satellite) {
  if (satellite.muted) return `${satellite.uri}: muted, Jarvis hung up on it`;
  return `${satellite.uri}: ${satellite.connected ? "connected, waiting for the wake word" : "not connected, Jarvis keeps dialling"}`;
}

// The detector fired and a check said no, since it last woke: a person whom Jarvis ignores
// sees that it heard them, and which check to ask less of.
function lastNearMiss(listening, offset) {
  const miss = listening.last_near_miss;
  if (!miss || (listening.last_wake && listening.last_wake.at >= miss.at)) return "";
  return ` · stayed asleep at ${timeOf(miss.at - (offset || 0))} (the ${miss.rejected_by} doubted it)`;
}

// ---- push-to-talk: the browser's microphone to the edge, the reply's audio back ----------------

const SAMPLE_RATE = 16000;
const CHUNK_MS = 20;
const RELEASE_MIC_AFTER_MS = 30000;

class Talk {
  constructor(handlers) {
    this.handlers = handlers; // { onMessage(json), onAudio(arrayBuffer), onState(state) }
    this.socket = null;
    this.ready = null;
    this.context = null;
    this.stream = null;
    this.recording = false;
    this.wanted = false;
    this.releaseTimer = null;
  }

  connect() {
    if (this.ready) return this.ready;
    this.ready = new Promise((resolve, reject) => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}/v1/console/talk`);
      socket.binaryType = "arraybuffer";
      socket.onopen = () => socket.send(JSON.stringify({ type: "hello", token: token() }));
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") { this.handlers.onAudio(event.data); return; }
        const message = JSON.parse(event.data);
        if (message.type === "ready") resolve(socket);
        else if (message.type === "heard") { this.stop(false); this.handlers.onMessage(message); }
        else this.handlers.onMessage(message);
      };
      socket.onclose = (event) => {
        this.ready = null; this.socket = null; this.stop(false);
        reject(new Error(event.code === 4401 ? "The edge refused the token." : "The talk connection closed."));
      };
      this.socket = socket;
    });
    return this.ready;
  }

  async microphone() {
    clearTimeout(this.releaseTimer);
    if (this.stream) return;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    this.context = new AudioContext({ sampleRate: SAMPLE_RATE });
    await this.context.audioWorklet.addModule("/console/pcm-worklet.js");
    const node = new AudioWorkletNode(this.context, "pcm-capture");
    node.port.onmessage = (event) => this.send(event.data);
    this.context.createMediaStreamSource(this.stream).connect(node);
  }

  send(pcm) {
    if (!this.recording || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    // 8 bytes of capture time (epoch ms of the chunk's first sample), then the samples.
    const chunk = new Uint8Array(8 + pcm.byteLength);
    new DataView(chunk.buffer).setFloat64(0, Date.now() - CHUNK_MS, true);
    chunk.set(new Uint8Array(pcm), 8);
    this.socket.send(chunk.buffer);
  }

  async start() {
    if (this.recording) return;
    this.wanted = true; // released while the socket or the microphone was still opening: no start
    const socket = await this.connect();
    await this.microphone();
    if (this.context.state === "suspended") await this.context.resume();
    if (!this.wanted) return;
    socket.send(JSON.stringify({ type: "start" }));
    this.recording = true;
    this.handlers.onState("recording");
  }

  stop(tell = true) {
    this.wanted = false;
    if (!this.recording) return;
    this.recording = false;
    if (tell && this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "stop" }));
    this.handlers.onState("waiting");
    // The microphone stays open a little, so the next press loses no speech; then it is let go.
    this.releaseTimer = setTimeout(() => this.release(), RELEASE_MIC_AFTER_MS);
  }

  release() {
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    if (this.context) this.context.close();
    this.stream = null; this.context = null;
  }
}

// ---- the conversation ------------------------------------------------------------------------

function turnFrom(view) {
  return {
    id: view.id, trace_id: view.trace_id, text: view.text, intent: view.intent,
    handled_by: view.handled_by, tier: view.tier, status: view.status,
    replies: view.reply ? [{ text: view.reply, kind: "reply" }] : [],
    at: view.created_at,
  };
}

function Trace({ id }) {
  const [trace, setTrace] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api(`/v1/console/utterances/${encodeURIComponent(id)}/trace`).then(setTrace, (e) => setError(e.message));
  }, [id]);
  if (error) return html`<p class="error">${error}</p>`;
  if (!trace) return html`<p class="meta">Loading the trace…</p>`;
  const start = trace.events.length ? trace.events[0].at : 0;
  return html`
    <ol class="timeline" aria-label=${`Trace ${trace.trace_id}`}>
      ${trace.events.map((event) => html`
        <li>
          <span class="meta">+${Math.round((event.at - start) * 1000)} ms</span>
          ${" "}<strong>${event.source}</strong>${event.device_name ? ` (${event.device_name})` : ""}: ${event.kind}
          ${event.detail && Object.keys(event.detail).length ? html` <span class="meta">${JSON.stringify(event.detail).slice(0, 160)}</span>` : ""}
        </li>`)}
    </ol>
    ${trace.cloud_problem ? html`<p class="error">Cloud events: ${trace.cloud_problem}</p>` : ""}`;
}

function Turn({ turn }) {
  const [open, setOpen] = useState(false);
  const meta = turn.news ? "news" : [
    turn.intent,
    turn.handled_by && `handled by the ${turn.handled_by}`,
    turn.tier && `tier: ${turn.tier}`,
  ].filter(Boolean).join(" · ");
  const pending = !turn.replies.length;
  return html`
    <li class=${`turn${turn.news ? " news" : ""}`} data-utterance=${turn.id || ""}>
      ${turn.text ? html`<div class="said">${turn.text}</div>` : ""}
      <div class="meta">${turn.at ? `${timeOf(turn.at)} · ` : ""}${meta}
        ${turn.id && !turn.news ? html` · <button class="quiet small" aria-expanded=${open}
            onClick=${() => setOpen(!open)}>${open ? "Hide trace" : "Trace"}</button>` : ""}
      </div>
      ${pending
        ? html`<p class="reply pending">…</p>`
        : turn.replies.map((r) => html`<p class=${`reply${r.kind !== "reply" && r.kind !== "progress" ? " news" : ""}`}>${r.text}</p>`)}
      ${open ? html`<${Trace} id=${turn.id} />` : ""}
    </li>`;
}

function TalkButton({ talkState, onStart, onStop }) {
  const recording = talkState === "recording";
  return html`<button type="button" class="ptt" aria-pressed=${recording}
    aria-keyshortcuts="Space" title="Hold to talk (or hold the space bar)"
    onPointerDown=${(e) => { e.preventDefault(); onStart(); }} onPointerUp=${onStop} onPointerLeave=${() => recording && onStop()}
    onKeyDown=${(e) => { if ((e.key === "Enter" || e.key === " ") && !e.repeat) { e.preventDefault(); e.stopPropagation(); recording ? onStop() : onStart(); } }}>
    ${recording ? "Listening… release" : "Hold to talk"}</button>`;
}

function Conversation({ turns, onSend, sending, talk }) {
  const log = useRef(null);
  const [text, setText] = useState("");
  useEffect(() => { if (log.current) log.current.scrollTop = log.current.scrollHeight; }, [turns]);
  const submit = (event) => {
    event.preventDefault();
    const said = text.trim();
    if (!said) return;
    onSend(said).then(() => setText(""));
  };
  return html`
    <section class="panel conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title">Conversation</h2>
      <ol class="log" ref=${log} aria-label="What was said and answered">
        ${turns.length ? turns.map((turn) => html`<${Turn} key=${turn.key} turn=${turn} />`)
          : html`<li class="empty">Nothing said yet. Type below, or speak.</li>`}
      </ol>
      <form class="composer" onSubmit=${submit}>
        <label class="sr-only" for="say">Say something to Jarvis</label>
        <input id="say" type="text" autocomplete="off" maxlength="4000" placeholder="Type a request…"
          value=${text} onInput=${(e) => setText(e.target.value)} />
        <button type="submit" disabled=${sending}>Send</button>
        <${TalkButton} ...${talk} />
      </form>
      <audio class="reply-audio" ref=${talk.audioRef} data-bytes=${talk.audioBytes} hidden></audio>
    </section>`;
}

// ---- timers, alarms, lists, notes ------------------------------------------------------------

function Timers({ timers, alarms, offset, act, say }) {
  const [now, setNow] = useState(Date.now() / 1000);
  useEffect(() => { const id = setInterval(() => setNow(Date.now() / 1000), TICK_MS); return () => clearInterval(id); }, []);
  return html`
    <section class="panel" aria-labelledby="timers-title">
      <h2 id="timers-title">Timers${alarms ? " and alarms" : ""}</h2>
      ${timers.length ? html`<ul class="rows" aria-label="Timers">
        ${timers.map((timer) => {
          const left = timer.state === "running" ? timer.ends_at - (now + offset) : timer.left_s;
          return html`<li data-timer=${timer.id}>
            <span class="grow">${timer.label}</span>
            <span class="countdown" role="timer" aria-label=${`${timer.label}: ${clock(left)} left${timer.state === "paused" ? ", paused" : ""}`}>
              ${clock(left)}${timer.state === "paused" ? " ⏸" : ""}</span>
            ${timer.state === "running"
              ? html`<button class="small quiet" onClick=${() => act(timer, "pause")}>Pause</button>`
              : html`<button class="small quiet" onClick=${() => act(timer, "resume")}>Resume</button>`}
            <button class="small quiet" onClick=${() => act(timer, "cancel")}>Cancel</button>
          </li>`;
        })}</ul>` : html`<p class="empty">No timers running.</p>`}
      ${alarms ? (alarms.length ? html`<h3>Alarms</h3><ul class="rows" aria-label="Alarms">
        ${alarms.map((alarm) => html`<li>
          <span class="grow">${alarm.label || alarm.time}${alarm.repeat ? ` (${alarm.repeat})` : ""}</span>
          ${alarm.rings_at ? html`<span class="countdown">${clock(alarm.rings_at - (now + offset))}</span>` : ""}
          ${alarm.ringing || alarm.state === "ringing"
            ? html`<button class="small quiet" onClick=${() => say("snooze")}>Snooze</button>` : ""}
          <button class="small quiet" onClick=${() => say(`cancel the alarm at ${alarm.time}`)}>Cancel</button>
        </li>`)}</ul>` : html`<p class="empty">No alarms set.</p>`) : ""}
    </section>`;
}

function AddForm({ label, placeholder, onAdd }) {
  const [value, setValue] = useState("");
  const id = `add-${label.replace(/\W+/g, "-").toLowerCase()}`;
  const submit = (event) => {
    event.preventDefault();
    if (value.trim()) onAdd(value.trim()).then(() => setValue(""));
  };
  return html`<form class="add" onSubmit=${submit}>
    <label class="sr-only" for=${id}>${label}</label>
    <input id=${id} type="text" autocomplete="off" maxlength="1000" placeholder=${placeholder}
      value=${value} onInput=${(e) => setValue(e.target.value)} />
    <button type="submit" class="small">Add</button>
  </form>`;
}

function Lists({ lists, notes, refresh, announce }) {
  const run = (promise, message) => promise.then((r) => { announce(r?.reply || message); refresh(); }, (e) => announce(e.message));
  return html`
    <section class="panel" aria-labelledby="lists-title">
      <h2 id="lists-title">Lists</h2>
      ${Object.entries(lists).map(([name, items]) => html`
        <h3 id=${`list-${name}`}>${name}</h3>
        ${items.length ? html`<ul class="rows" aria-labelledby=${`list-${name}`}>
          ${items.map((item) => html`<li>
            <input type="checkbox" id=${`item-${item.id}`}
              onChange=${() => run(api(`/v1/console/lists/items/${item.id}`, { method: "DELETE" }), `${item.item} ticked off.`)} />
            <label class="grow" for=${`item-${item.id}`}>${item.item}</label>
          </li>`)}</ul>` : html`<p class="empty">Empty.</p>`}
        <${AddForm} label=${`Add to the ${name} list`} placeholder=${`Add to ${name}…`}
          onAdd=${(item) => run(api(`/v1/console/lists/${encodeURIComponent(name)}/items`, { method: "POST", body: { item } }))} />`)}
    </section>
    <section class="panel" aria-labelledby="notes-title">
      <h2 id="notes-title">Notes</h2>
      ${notes.length ? html`<ul class="rows">
        ${notes.map((note) => html`<li>
          <span class="grow">${note.text}</span>
          <button class="small quiet" aria-label=${`Delete the note: ${note.text}`}
            onClick=${() => run(api(`/v1/console/notes/${note.id}`, { method: "DELETE" }), "Note deleted.")}>Delete</button>
        </li>`)}</ul>` : html`<p class="empty">No notes.</p>`}
      <${AddForm} label="Add a note" placeholder="Take a note…"
        onAdd=${(text) => run(api("/v1/console/notes", { method: "POST", body: { text } }))} />
    </section>`;
}

// ---- missions and devices --------------------------------------------------------------------

const UNFINISHED = new Set(["queued", "assigned", "running"]);

function MissionDetail({ id }) {
  const [detail, setDetail] = useState(null);
  useEffect(() => { api(`/v1/console/missions/${encodeURIComponent(id)}`).then(setDetail, () => {}); }, [id]);
  if (!detail) return html`<p class="meta">Loading…</p>`;
  const done = new Map(detail.checkpoints.map((cp) => [cp.step_index, cp]));
  return html`<ol class="steps">
    ${(detail.steps || []).map((step, index) => html`<li>
      ${step.action}${done.has(index) ? html` <span class="meta">✓ checkpoint ${done.get(index).stored_at ? timeOf(Date.parse(done.get(index).stored_at) / 1000) : ""}</span>` : ""}
    </li>`)}
    ${detail.result ? html`<li class="meta">${detail.result.ok ? "Output" : "Error"}: ${(detail.result.output || detail.result.error || "").slice(0, 300)}</li>` : ""}
  </ol>`;
}

function Missions({ missions, devices, cloudError, cancel }) {
  return html`
    <section class="panel" aria-labelledby="missions-title">
      <h2 id="missions-title">Missions</h2>
      ${cloudError ? html`<p class="empty">${cloudError}</p>` : ""}
      ${missions.length ? html`<ul class="rows" aria-label="Missions">
        ${missions.map((m) => html`<li data-mission=${m.id}>
          <details class="grow">
            <summary>${m.summary} <span class="meta">· ${m.state}${m.assigned_to_name ? ` on the ${m.assigned_to_name}` : ""}</span></summary>
            <${MissionDetail} id=${m.id} />
          </details>
          ${UNFINISHED.has(m.state) ? html`<button class="small quiet" onClick=${() => cancel(m)}>Cancel</button>` : ""}
        </li>`)}</ul>` : (cloudError ? "" : html`<p class="empty">No missions.</p>`)}
    </section>
    <section class="panel" aria-labelledby="devices-title">
      <h2 id="devices-title">Devices</h2>
      ${devices.length ? html`<ul class="rows">
        ${devices.map((d) => html`<li>
          <span class=${`dot${d.online ? " on" : ""}`} aria-hidden="true"></span>
          <span class="grow">${d.name}</span><span class="meta">${d.online ? "connected" : "offline"}</span>
        </li>`)}</ul>` : html`<p class="empty">${cloudError ? "—" : "No devices."}</p>`}
    </section>`;
}

// ---- the whole page --------------------------------------------------------------------------

function Login({ onToken, message }) {
  const [value, setValue] = useState("");
  return html`<main class="panel login">
    <h1>Jarvis</h1>
    <p>${message || "This edge wants its token (JARVIS_EDGE_TOKEN)."}</p>
    <form onSubmit=${(e) => { e.preventDefault(); onToken(value.trim()); }}>
      <label for="token">Token</label>
      <input id="token" type="password" autocomplete="current-password" value=${value} onInput=${(e) => setValue(e.target.value)} />
      <button type="submit">Open the console</button>
    </form>
  </main>`;
}

function App() {
  const [needToken, setNeedToken] = useState(false);
  const [turns, setTurns] = useState([]);
  const [state, setState] = useState(null);
  const [offset, setOffset] = useState(0);
  const [missions, setMissions] = useState([]);
  const [devices, setDevices] = useState([]);
  const [cloudError, setCloudError] = useState(null);
  const [announcement, setAnnouncement] = useState("");
  const [live, setLive] = useState(false);
  const [sending, setSending] = useState(false);
  const [talkState, setTalkState] = useState("idle");
  const [audioBytes, setAudioBytes] = useState(0);
  const audioRef = useRef(null);
  const talker = useRef(null);
  const keys = useRef(0);
  const lastState = useRef(null);
  const cloudConfigured = useRef(null);

  const announce = useCallback((text) => setAnnouncement(text), []);
  const fail = useCallback((error) => { if (error instanceof AuthError) setNeedToken(true); else announce(error.message); }, [announce]);

  // A line may be known twice (the POST's answer and the event stream race): merge, never lose a reply.
  const addTurn = useCallback((turn) => setTurns((all) => {
    const index = turn.id ? all.findIndex((t) => t.id === turn.id) : -1;
    if (index < 0) return [...all, { ...turn, key: ++keys.current }];
    const known = all[index];
    const replies = [...known.replies];
    for (const reply of turn.replies) {
      if (!replies.some((r) => r.text === reply.text)) replies.push(reply);
    }
    const merged = { ...known, replies, status: turn.status === "pending" ? known.status : turn.status };
    return [...all.slice(0, index), merged, ...all.slice(index + 1)];
  }), []);

  const onListening = useCallback((view) => {
    setState((s) => (s ? { ...s, listening: view } : s));
    if (lastState.current && lastState.current !== view.state) announce(stateWords(view));
    lastState.current = view.state;
  }, [announce]);

  const refreshState = useCallback(() => once("/v1/console/state").then((s) => {
    setOffset(s.now - Date.now() / 1000);
    setState(s);
    // The first render with real data, for bench/console.py (after the frame is painted).
    if (!lastState.current) requestAnimationFrame(() => performance.mark("jarvis-console-rendered"));
    cloudConfigured.current = s.device.cloud.configured;
    if (lastState.current && lastState.current !== s.listening.state) announce(stateWords(s.listening));
    lastState.current = s.listening.state;
  }, fail), [announce, fail]);

  const refreshCloud = useCallback(() => {
    if (cloudConfigured.current === null) return;
    api("/v1/console/missions").then((r) => { setMissions(r.missions); setCloudError(r.problem || null); },
      (e) => { if (e instanceof AuthError) setNeedToken(true); else setCloudError(e.message); });
    api("/v1/console/devices").then((r) => setDevices(r.devices), () => setDevices([]));
  }, []);

  const onReply = useCallback((reply) => {
    announce(reply.text);
    setTurns((all) => {
      const index = reply.utterance_id ? all.findIndex((t) => t.id === reply.utterance_id) : -1;
      if (index < 0) {
        if (reply.utterance_id && reply.kind === "reply") {
          // Heard by the edge's own microphone (or another client): fetch what was said.
          api(`/v1/utterances/${encodeURIComponent(reply.utterance_id)}`).then((view) => addTurn(turnFrom(view)), () => {});
          return all;
        }
        return [...all, { key: ++keys.current, news: true, text: "", replies: [reply], at: Date.now() / 1000 }];
      }
      const turn = all[index];
      if (reply.kind === "reply" && turn.replies.some((r) => r.kind === "reply" && r.text === reply.text)) return all;
      const replies = turn.replies.filter((r) => r.kind !== "progress" || reply.kind === "progress");
      const updated = { ...turn, replies: [...replies, reply], status: reply.kind === "reply" ? "done" : turn.status };
      return [...all.slice(0, index), updated, ...all.slice(index + 1)];
    });
    refreshState();
    refreshCloud();
  }, [announce, addTurn, refreshState, refreshCloud]);

  useEffect(() => {
    if (needToken) return undefined;
    once("/v1/console/history").then((r) => setTurns(r.utterances.map((v) => ({ ...turnFrom(v), key: ++keys.current }))), fail);
    refreshState().then(refreshCloud);
    const stateTimer = setInterval(() => { if (!document.hidden) refreshState(); }, STATE_EVERY_MS);
    const cloudTimer = setInterval(() => { if (!document.hidden) refreshCloud(); }, CLOUD_EVERY_MS);
    const abort = new AbortController();
    (async () => {
      // Listening, thinking and speaking last a moment: they are pushed, not polled.
      while (!abort.signal.aborted) {
        try {
          await streamEvents((type, data) => { if (type === "listening") onListening(data); }, abort.signal, "/v1/console/listening/events");
        } catch (error) {
          if (error instanceof AuthError) return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    })();
    (async () => {
      let wait = 500;
      while (!abort.signal.aborted) {
        try {
          await streamEvents((type, data) => {
            if (type === "open") { setLive(true); wait = 500; }
            if (type === "reply") onReply(data);
          }, abort.signal);
        } catch (error) {
          if (error instanceof AuthError) { setNeedToken(true); return; }
        }
        setLive(false);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, 10000);
      }
    })();
    return () => { clearInterval(stateTimer); clearInterval(cloudTimer); abort.abort(); };
  }, [needToken]);

  const send = useCallback(async (text) => {
    setSending(true);
    try {
      const view = await api("/v1/utterances", { method: "POST", body: { text } });
      addTurn(turnFrom({ ...view, text }));
      if (view.reply) announce(view.reply);
      refreshState();
    } catch (error) { fail(error); throw error; } finally { setSending(false); }
  }, [addTurn, announce, refreshState, fail]);

  const actOnTimer = useCallback((timer, action) => api(`/v1/console/timers/${timer.id}/${action}`, { method: "POST" })
    .then((r) => { announce(r.reply); refreshState(); }, fail), [announce, refreshState, fail]);

  const cancelMission = useCallback((mission) => api(`/v1/console/missions/${mission.id}/cancel`, { method: "POST" })
    .then(() => { announce(`Cancelled: ${mission.summary}.`); refreshCloud(); }, fail), [announce, refreshCloud, fail]);

  const toggleMute = useCallback(() => {
    const muted = !state?.listening?.muted;
    api("/v1/console/listening", { method: "PUT", body: { muted } }).then(() => refreshState(), fail);
  }, [state, refreshState, fail]);

  const toggleSatellite = useCallback((satellite) => {
    const body = { muted: !satellite.muted, satellite: satellite.uri };
    api("/v1/console/listening", { method: "PUT", body }).then(() => refreshState(), fail);
  }, [refreshState, fail]);

  if (!talker.current) {
    talker.current = new Talk({
      onState: setTalkState,
      onAudio: (buffer) => {
        setAudioBytes(buffer.byteLength);
        const element = audioRef.current;
        if (!element) return;
        if (element.src) URL.revokeObjectURL(element.src);
        element.src = URL.createObjectURL(new Blob([buffer], { type: "audio/wav" }));
        element.play().catch(() => {}); // a page without a user gesture yet may not play
      },
      onMessage: (message) => {
        if (message.type === "heard") announce(message.transcript ? `Heard: ${message.transcript}` : "Nothing was heard.");
        else if (message.type === "utterance") addTurn(turnFrom(message));
        else if (message.type === "error") announce(message.message);
      },
    });
  }
  const startTalking = () => talker.current.start().catch((error) => { setTalkState("idle"); announce(error.message); });
  const stopTalking = () => talker.current.stop();

  useEffect(() => {
    // The space bar talks while held, except where it types (a text box) or presses (a button).
    const typing = (target) => target.closest && target.closest("input, textarea, button, select, summary, [contenteditable]");
    const down = (event) => { if (event.code === "Space" && !event.repeat && !typing(event.target)) { event.preventDefault(); startTalking(); } };
    const up = (event) => { if (event.code === "Space" && !typing(event.target)) { event.preventDefault(); stopTalking(); } };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => { window.removeEventListener("keydown", down); window.removeEventListener("keyup", up); };
  }, []);

  if (needToken) {
    return html`<${Login} onToken=${(t) => { sessionStorage.setItem(TOKEN_KEY, t); setNeedToken(false); }} />`;
  }
  const listening = state?.listening;
  const cloud = state?.device?.cloud;
  return html`
    <header class="bar">
      <h1>Jarvis${state ? html` <span class="meta">· ${state.device.device_name}</span>` : ""}</h1>
      <span class=${`badge ${live ? "on" : "off"}`} title="The live event stream">${live ? "live" : "reconnecting"}</span>
      <span class=${`badge ${cloud?.connected ? "on" : "off"}`}>${cloud ? (cloud.connected ? "cloud connected" : cloud.configured ? "cloud offline" : "no cloud") : "…"}</span>
      <span class=${`badge state-${listening?.state || "off"}`} aria-label="Listening state" title=${listening?.microphone_lost || ""}>${listening ? stateWords(listening) + wakeWords(listening, offset) + speakerWords(listening) : "…"}</span>
      <button class="quiet" aria-pressed=${Boolean(listening?.muted)} disabled=${!listening?.microphone}
        onClick=${toggleMute}>${listening?.muted ? "Unmute microphone" : "Mute microphone"}</button>
      ${(listening?.satellites || []).map((satellite) => html`
        <button class="quiet satellite" key=${satellite.uri} aria-pressed=${satellite.muted} onClick=${() => toggleSatellite(satellite)}
          title=${satelliteStatus(satellite)}>${satellite.muted ? "Unmute" : "Mute"} ${satelliteName(satellite.uri)}${satellite.muted || satellite.connected ? "" : " (offline)"}</button>`)}
    </header>
    <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${announcement}</div>
    <div class="layout">
      <main><${Conversation} turns=${turns} onSend=${send} sending=${sending}
        talk=${{ talkState, onStart: startTalking, onStop: stopTalking, audioRef, audioBytes }} /></main>
      <aside aria-label="Timers, lists, missions and devices">
        <${Timers} timers=${state?.timers || []} alarms=${state?.alarms} offset=${offset} act=${actOnTimer}
          say=${(text) => send(text).catch(() => {})} />
        <${Lists} lists=${state?.lists || {}} notes=${state?.notes || []} refresh=${refreshState} announce=${announce} />
        <${Missions} missions=${missions} devices=${devices} cloudError=${cloudError} cancel=${cancelMission} />
      </aside>
    </div>`;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
