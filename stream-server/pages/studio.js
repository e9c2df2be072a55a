// cuecast studio: upload a clip in chunks, get picks, preview each under the clip, refine, export.
// Plain browser JavaScript under a strict CSP: no inline code, everything from this server.
'use strict';

(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const STORAGE_KEY = 'cuecast-studio-conversation';
  const $ = (id) => document.getElementById(id);
  const clip = $('clip');
  const music = $('music');
  const picksList = $('picks');
  const template = $('card');

  /** The conversation as the server last described it, and the pick being previewed. */
  let conversation = null;
  let current = -1;
  let chosenFile = null;
  let busy = false;
  const waveforms = new Map();

  // ---------------------------------------------------------------------------------------------
  // Server

  class StudioError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  async function api(path, init = {}) {
    const headers = { authorization: `Bearer ${token}`, ...(init.headers || {}) };
    if (typeof init.body === 'string') headers['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(`/studio/api/${path}`, { ...init, headers });
    } catch {
      throw new StudioError('OFFLINE', 'The studio server cannot be reached.');
    }
    if (response.ok) return response;
    let problem = { code: `HTTP_${response.status}`, message: response.statusText };
    try {
      problem = (await response.json()).error || problem;
    } catch {
      // not JSON
    }
    throw new StudioError(problem.code, problem.message);
  }
  const apiJson = async (path, init) => (await api(path, init)).json();
  /** Media elements cannot send headers: their URLs carry the token. */
  const mediaUrl = (path) => `/studio/api/${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;

  /** What to tell a person for each refusal; the server's own words follow. */
  const ADVICE = {
    UNAUTHORIZED: 'This page needs the studio token: open the studio URL that `cuecast serve` printed.',
    MEDIA_TOO_LARGE: 'That clip is too large.',
    MEDIA_TOO_LONG: 'That clip is too long; trim it to the part you need music for.',
    MEDIA_NO_VIDEO: 'That file is not a video clip.',
    MEDIA_EMPTY: 'That file is empty or has no pictures.',
    MEDIA_UNREADABLE: 'That video could not be read; it looks damaged. Re-export it and try again.',
    MEDIA_TIMEOUT: 'Reading the clip took too long.',
    PROMPT_TOO_LONG: 'That text is too long.',
    EXPIRED: 'That conversation is no longer kept; upload the clip again.',
    BUSY: 'The server is busy; try again in a moment.',
    RATE_LIMITED: 'Slow down a little and try again.',
    CATALOG_EMPTY: 'The music catalog is empty: index a music folder first.',
    OFFLINE: 'The studio server cannot be reached.',
  };

  function showProblem(error) {
    const problem = $('problem');
    const advice = ADVICE[error.code];
    problem.textContent = advice ? `${advice} (${error.code}: ${error.message})` : `${error.code || 'ERROR'}: ${error.message}`;
    problem.dataset.code = error.code || 'ERROR';
    problem.hidden = false;
    setState('error', advice || error.message);
  }

  function clearProblem() {
    $('problem').hidden = true;
    delete $('problem').dataset.code;
  }

  function setState(state, status) {
    document.body.dataset.state = state;
    if (status !== undefined) $('status').textContent = status;
  }

  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

  // ---------------------------------------------------------------------------------------------
  // Upload

  function choose(file) {
    chosenFile = file || null;
    clearProblem();
    $('upload').querySelector('.drop-title').textContent = file ? file.name : 'Drop a video clip here';
    if (file) setState(conversation ? 'ready' : 'chosen', `Ready: ${file.name}. Type what the music should be like, then Find music.`);
  }

  async function upload(file, prompt) {
    const progress = $('progress');
    setState('uploading', `Uploading ${file.name}…`);
    const started = await apiJson('uploads', { method: 'POST', body: JSON.stringify({ name: file.name, size: file.size, type: file.type }) });
    progress.hidden = false;
    progress.value = 0;
    try {
      for (let offset = 0; offset < file.size; offset += started.chunkBytes) {
        const chunk = file.slice(offset, Math.min(file.size, offset + started.chunkBytes));
        await api(`uploads/${started.id}?offset=${offset}`, { method: 'PUT', body: chunk });
        progress.value = Math.min(1, (offset + chunk.size) / file.size);
      }
      setState('analysing', `Watching ${file.name} and choosing music…`);
      return await apiJson(`uploads/${started.id}/finish`, { method: 'POST', body: JSON.stringify({ prompt }) });
    } finally {
      progress.hidden = true;
    }
  }

  async function submitUpload(event) {
    event.preventDefault();
    if (busy) return;
    const prompt = $('prompt').value;
    if (!chosenFile && !conversation) {
      showProblem(new StudioError('INPUT_INVALID', 'Choose or drop a video clip first.'));
      $('file').focus();
      return;
    }
    await work(async () => {
      const view = chosenFile
        ? await upload(chosenFile, prompt)
        : await apiJson(`conversations/${conversation.key}/prompt`, { method: 'POST', body: JSON.stringify({ prompt }) });
      chosenFile = null;
      show(view, { fresh: true });
    });
  }

  /** Runs one request at a time, with the problem shown when it fails. */
  async function work(task) {
    busy = true;
    clearProblem();
    document.body.dataset.busy = 'true';
    try {
      await task();
    } catch (error) {
      showProblem(error);
    } finally {
      busy = false;
      delete document.body.dataset.busy;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Conversation and cards

  function remember(key) {
    try {
      localStorage.setItem(STORAGE_KEY, key);
    } catch {
      // storage may be off; the URL still carries the key
    }
    history.replaceState(null, '', `${location.pathname}${location.search}#c=${encodeURIComponent(key)}`);
  }

  function show(view, { fresh = false } = {}) {
    const previous = current >= 0 && conversation ? conversation.picks[current]?.trackId : undefined;
    conversation = view;
    remember(view.key);
    if (view.clip) {
      const src = mediaUrl(`clips/${view.clip.id}/video`);
      if (clip.dataset.clipId !== view.clip.id) {
        clip.dataset.clipId = view.clip.id;
        clip.src = src;
      }
      $('viewer').hidden = false;
    }
    $('chat').hidden = false;
    if (fresh) $('prompt').value = view.prompt;
    else if (!$('prompt').value) $('prompt').value = view.prompt;
    renderHistory(view);
    renderCards(view);
    const keep = view.picks.findIndex((p) => p.trackId === previous);
    const count = view.picks.length;
    setState('ready', count ? `${count} pick${count === 1 ? '' : 's'} for ${view.clip ? view.clip.name : 'your clip'}${view.prompt ? ` · “${view.prompt}”` : ''}` : 'No picks fit; undo or say something else.');
    picksList.dataset.empty = count ? 'false' : 'true';
    if (count) selectPick(keep >= 0 ? keep : 0);
    else stopMusic();
  }

  /** No pick to play: silence the music and forget its source, so the same pick coming back (undo) loads again. */
  function stopMusic() {
    current = -1;
    music.pause();
    music.removeAttribute('src');
    delete music.dataset.trackId;
    music.load();
    delete document.body.dataset.pick;
    $('now').textContent = 'No music: no pick fits.';
  }

  function renderHistory(view) {
    const list = $('history');
    list.replaceChildren(...view.history.map((said) => Object.assign(document.createElement('li'), { textContent: said })));
    list.scrollTop = list.scrollHeight;
    $('notes').replaceChildren(...view.notes.map((note) => Object.assign(document.createElement('li'), { textContent: note })));
    $('undo').disabled = !view.canUndo;
  }

  const PART_NAMES = { clip: 'picture', clap: 'sound', viml: 'ViML', preferences: 'your words' };

  function renderCards(view) {
    const cards = view.picks.map((pick, i) => {
      const card = template.content.firstElementChild.cloneNode(true);
      card.dataset.trackId = pick.trackId;
      card.querySelector('.rank').textContent = String(i + 1);
      card.querySelector('.title').textContent = pick.title;
      card.querySelector('.title').title = pick.title;
      card.querySelector('.artist').textContent = pick.artist;
      card.querySelector('.bpm').textContent = pick.bpm ? `${Math.round(pick.bpm)} BPM` : '';
      card.querySelector('.why').textContent = pick.why;
      card.querySelector('.tags').replaceChildren(...pick.tags.map((tag) => Object.assign(document.createElement('li'), { textContent: tag })));
      const parts = card.querySelector('.parts');
      for (const [name, value] of Object.entries(pick.parts)) {
        const dt = Object.assign(document.createElement('dt'), { textContent: PART_NAMES[name] || name });
        const bar = document.createElement('dd');
        bar.className = 'barline';
        const fill = document.createElement('div');
        fill.className = value < 0 ? 'fill negative' : 'fill';
        fill.style.width = `${Math.round(Math.min(1, Math.abs(value)) * 100)}%`;
        bar.append(fill);
        bar.setAttribute('role', 'img');
        bar.setAttribute('aria-label', `${PART_NAMES[name] || name} ${value.toFixed(2)}`);
        const number = Object.assign(document.createElement('dd'), { className: 'value', textContent: value.toFixed(2) });
        parts.append(dt, bar, number);
      }
      setupWave(card, pick, i);
      card.querySelector('.preview').addEventListener('click', () => {
        selectPick(i);
        if (clip.paused) togglePlay();
      });
      card.querySelector('.like').addEventListener('click', () => sendTurn({ like: pick.trackId }));
      card.querySelector('.not').addEventListener('click', () => sendTurn({ not: pick.trackId }));
      card.querySelector('.export-segment').addEventListener('click', () => download(pick, 'segment'));
      card.querySelector('.export-mix').addEventListener('click', () => download(pick, 'mix'));
      card.querySelector('.export-command').addEventListener('click', () => copyCommand(card, pick));
      card.querySelectorAll('.actions button').forEach((b) => b.setAttribute('aria-label', `${b.textContent}: ${pick.title}`));
      return card;
    });
    picksList.replaceChildren(...cards);
  }

  // ---------------------------------------------------------------------------------------------
  // Waveform and segment

  function setupWave(card, pick, index) {
    const wave = card.querySelector('.wave');
    const playhead = document.createElement('div');
    playhead.className = 'playhead';
    playhead.hidden = true;
    wave.append(playhead);
    wave.setAttribute('aria-valuemin', '0');
    wave.setAttribute('aria-valuemax', String(Math.max(0, Math.floor(pick.trackSeconds - 1))));
    placeSegment(card, pick);
    drawWave(card, pick);

    const timeAt = (event) => {
      const box = wave.getBoundingClientRect();
      return ((event.clientX - box.left) / box.width) * pick.trackSeconds;
    };
    // Grabbing the segment drags it by where it was grabbed; pressing elsewhere centres it there first.
    let dragging = false;
    let grab = 0;
    wave.addEventListener('pointerdown', (event) => {
      dragging = true;
      wave.setPointerCapture(event.pointerId);
      wave.classList.add('dragging');
      const at = timeAt(event);
      const inside = at >= pick.segmentStart && at <= pick.segmentStart + pick.segmentSeconds;
      grab = inside ? at - pick.segmentStart : pick.segmentSeconds / 2;
      if (!inside) moveTo(card, pick, index, at - grab, false);
    });
    wave.addEventListener('pointermove', (event) => {
      if (dragging) moveTo(card, pick, index, timeAt(event) - grab, false);
    });
    const release = () => {
      if (!dragging) return;
      dragging = false;
      wave.classList.remove('dragging');
      moveTo(card, pick, index, pick.segmentStart, true);
    };
    wave.addEventListener('pointerup', release);
    wave.addEventListener('pointercancel', release);
    wave.addEventListener('keydown', (event) => {
      const step = event.shiftKey ? 5 : 1;
      const moves = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step };
      if (event.key in moves) moveTo(card, pick, index, pick.segmentStart + moves[event.key], true);
      else if (event.key === 'Home') moveTo(card, pick, index, 0, true);
      else if (event.key === 'End') moveTo(card, pick, index, pick.trackSeconds, true);
      else return;
      event.preventDefault();
      event.stopPropagation();
    });
  }

  function latestStart(pick) {
    return Math.max(0, pick.trackSeconds - Math.min(pick.segmentSeconds, 1));
  }

  function placeSegment(card, pick) {
    const segment = card.querySelector('.segment');
    segment.style.left = `${(pick.segmentStart / pick.trackSeconds) * 100}%`;
    segment.style.width = `${(Math.min(pick.segmentSeconds, pick.trackSeconds - pick.segmentStart) / pick.trackSeconds) * 100}%`;
    const wave = card.querySelector('.wave');
    wave.setAttribute('aria-valuenow', String(Math.round(pick.segmentStart)));
    wave.setAttribute('aria-valuetext', `segment from ${clock(pick.segmentStart)} to ${clock(Math.min(pick.trackSeconds, pick.segmentStart + pick.segmentSeconds))}`);
  }

  const saving = new Map();
  function moveTo(card, pick, index, start, save) {
    pick.segmentStart = Math.round(Math.min(latestStart(pick), Math.max(0, start)) * 100) / 100;
    placeSegment(card, pick);
    if (index === current) syncMusic(true);
    if (!save) return;
    clearTimeout(saving.get(pick.trackId));
    saving.set(pick.trackId, setTimeout(() => {
      saving.delete(pick.trackId);
      api(`conversations/${conversation.key}/segment`, { method: 'PUT', body: JSON.stringify({ trackId: pick.trackId, start: pick.segmentStart }) }).catch(showProblem);
    }, 250));
  }

  async function drawWave(card, pick) {
    const canvas = card.querySelector('canvas');
    let waveform = waveforms.get(pick.trackId);
    if (!waveform) {
      try {
        waveform = await apiJson(`conversations/${conversation.key}/waveform?track=${encodeURIComponent(pick.trackId)}`);
        waveforms.set(pick.trackId, waveform);
      } catch {
        card.querySelector('.wave').dataset.waveform = 'missing';
        return;
      }
    }
    const context = canvas.getContext('2d');
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    context.fillStyle = '#5f6b86';
    const peaks = waveform.peaks;
    for (let x = 0; x < width; x++) {
      const peak = peaks[Math.floor((x / width) * peaks.length)] || 0;
      const h = Math.max(1, peak * (height - 4));
      context.fillRect(x, (height - h) / 2, 1, h);
    }
    card.querySelector('.wave').dataset.waveform = 'drawn';
  }

  // ---------------------------------------------------------------------------------------------
  // Preview

  function selectPick(index) {
    if (!conversation || index < 0 || index >= conversation.picks.length) return;
    current = index;
    const pick = conversation.picks[index];
    picksList.querySelectorAll('.card').forEach((card, i) => {
      card.classList.toggle('current', i === index);
      card.querySelector('.playhead').hidden = i !== index;
    });
    document.body.dataset.pick = pick.trackId;
    const src = mediaUrl(`conversations/${conversation.key}/audio?track=${encodeURIComponent(pick.trackId)}`);
    if (music.dataset.trackId !== pick.trackId) {
      music.dataset.trackId = pick.trackId;
      music.src = src;
    }
    $('now').textContent = `Music: ${pick.title} from ${clock(pick.segmentStart)}`;
    syncMusic(true);
  }

  /** Where the music should be now: the segment start plus the clip's position. */
  function musicTarget() {
    const pick = conversation && conversation.picks[current];
    return pick ? pick.segmentStart + clip.currentTime : 0;
  }

  function syncMusic(force) {
    if (current < 0) return;
    const apply = () => {
      const target = musicTarget();
      if (force || Math.abs(music.currentTime - target) > 0.25) music.currentTime = target;
      if (!clip.paused && music.paused) music.play().catch(() => {});
      if (clip.paused && !music.paused) music.pause();
    };
    if (music.readyState >= 1) apply();
    else music.addEventListener('loadedmetadata', apply, { once: true });
  }

  function togglePlay() {
    if (!conversation || !conversation.clip) return;
    if (clip.paused) clip.play().catch((error) => showProblem(new StudioError('PLAYBACK', error.message)));
    else clip.pause();
  }

  function applyDuck() {
    const level = Number($('duck').value);
    clip.muted = level === 0;
    clip.volume = level === 0 ? 0 : level;
  }

  clip.addEventListener('play', () => {
    $('play').textContent = 'Pause';
    document.body.dataset.playing = 'true';
    syncMusic(true);
  });
  clip.addEventListener('pause', () => {
    $('play').textContent = 'Play';
    delete document.body.dataset.playing;
    music.pause();
  });
  clip.addEventListener('ended', () => music.pause());
  clip.addEventListener('seeked', () => syncMusic(true));
  clip.addEventListener('timeupdate', () => {
    syncMusic(false);
    const pick = conversation && conversation.picks[current];
    const card = picksList.children[current];
    if (pick && card) card.querySelector('.playhead').style.left = `${(Math.min(pick.trackSeconds, musicTarget()) / pick.trackSeconds) * 100}%`;
  });

  // ---------------------------------------------------------------------------------------------
  // Refine and export

  async function sendTurn(turn) {
    if (!conversation || busy) return;
    await work(async () => {
      setState('working', 'Thinking…');
      show(await apiJson(`conversations/${conversation.key}/turns`, { method: 'POST', body: JSON.stringify(turn) }));
    });
  }

  async function download(pick, kind) {
    await work(async () => {
      setState('working', kind === 'mix' ? `Putting ${pick.title} under your clip…` : `Cutting the segment of ${pick.title}…`);
      const response = await api(`conversations/${conversation.key}/export?kind=${kind}&track=${encodeURIComponent(pick.trackId)}`);
      const name = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get('content-disposition') || '')?.[1];
      const blob = await response.blob();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name ? decodeURIComponent(name) : `${kind}`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      setState('ready', `Downloaded ${link.download}`);
    });
  }

  async function copyCommand(card, pick) {
    await work(async () => {
      const { command } = await apiJson(`conversations/${conversation.key}/export?kind=command&track=${encodeURIComponent(pick.trackId)}`);
      const output = card.querySelector('.command');
      output.textContent = command;
      output.hidden = false;
      try {
        await navigator.clipboard.writeText(command);
        setState('ready', 'The ffmpeg command is on the clipboard.');
      } catch {
        setState('ready', 'Copy the ffmpeg command shown under the card.');
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring

  $('file').addEventListener('change', () => choose($('file').files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    choose(event.dataTransfer.files[0]);
  });
  // A clip dropped anywhere else on the page is chosen too, rather than the browser leaving the
  // studio to show the file.
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    if (drop.contains(event.target) || !event.dataTransfer || event.dataTransfer.files.length === 0) return;
    choose(event.dataTransfer.files[0]);
  });
  $('upload').addEventListener('submit', submitUpload);
  $('refine').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('say').value.trim();
    if (!text) return;
    await sendTurn({ refine: text });
    if (!$('problem').hidden) return;
    $('say').value = '';
  });
  $('undo').addEventListener('click', () => sendTurn({ undo: true }));
  $('play').addEventListener('click', togglePlay);
  $('next').addEventListener('click', () => selectPick((current + 1) % (conversation?.picks.length || 1)));
  $('prev').addEventListener('click', () => selectPick((current - 1 + (conversation?.picks.length || 1)) % (conversation?.picks.length || 1)));
  $('duck').addEventListener('change', applyDuck);
  applyDuck();

  document.addEventListener('keydown', (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
    const key = event.key.toLowerCase();
    if (key === 'k' || (key === ' ' && !(target instanceof HTMLButtonElement))) togglePlay();
    else if (key === 'n') $('next').click();
    else if (key === 'p') $('prev').click();
    else return;
    event.preventDefault();
  });

  async function resume() {
    const fromHash = /(?:^#|&)c=([^&]+)/.exec(location.hash)?.[1];
    let key = fromHash ? decodeURIComponent(fromHash) : null;
    if (!key) {
      try {
        key = localStorage.getItem(STORAGE_KEY);
      } catch {
        key = null;
      }
    }
    if (!key) return;
    await work(async () => {
      setState('working', 'Reopening your conversation…');
      try {
        show(await apiJson(`conversations/${encodeURIComponent(key)}`), { fresh: true });
      } catch (error) {
        if (error.code === 'EXPIRED') {
          localStorage.removeItem(STORAGE_KEY);
          history.replaceState(null, '', `${location.pathname}${location.search}`);
        }
        throw error;
      }
    });
  }
  void resume();
})();
