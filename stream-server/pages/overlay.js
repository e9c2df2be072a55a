// cuecast overlay for an OBS browser source: /overlay?stream=<id>&token=<overlay token>[&audio=1]
// Payload types: stream-server/events.ts (the one event map shared by server, pages and tests).
// @ts-check
/** @typedef {import('../events.js').PicksPayload} PicksPayload */
/** @typedef {import('../events.js').OverlayState} OverlayState */
/** @typedef {import('../events.js').PickedTrack} PickedTrack */
(() => {
  const params = new URLSearchParams(location.search);
  const streamId = params.get('stream') ?? '';
  const token = params.get('token') ?? '';
  const playAudio = params.get('audio') === '1';
  const body = document.body;
  const cards = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('.card')]);
  const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));
  const player = /** @type {HTMLAudioElement} */ (document.getElementById('player'));

  /** @type {PicksPayload | null} */
  let shown = null;
  let front = 0;
  let audioAllowed = false;

  function say(text, transient = true) {
    notice.textContent = text;
    notice.hidden = !text;
    notice.classList.toggle('transient', transient);
  }

  /** A newer update replaces an older one; after a server restart seq starts again, so time decides. */
  function isNewer(/** @type {PicksPayload} */ picks) {
    return !shown || picks.seq > shown.seq || picks.at > shown.at;
  }

  function render(/** @type {PicksPayload | null} */ picks) {
    if (!picks || !isNewer(picks)) return;
    const previous = shown?.tracks[0]?.id;
    shown = picks;
    const track = picks.tracks[0];
    if (!track) return;
    body.dataset.seq = String(picks.seq);
    body.dataset.trackId = track.id;
    if (track.id === previous) {
      fill(cards[front], track);
      return;
    }
    // Cross-fade: fill the hidden card, then swap which one is current.
    const next = 1 - front;
    fill(cards[next], track);
    cards[next].hidden = false;
    requestAnimationFrame(() => {
      cards[next].classList.add('current');
      cards[front].classList.remove('current');
      front = next;
    });
    if (playAudio && audioAllowed) play(track);
  }

  function fill(/** @type {HTMLElement} */ card, /** @type {PickedTrack} */ track) {
    /** @type {HTMLElement} */ (card.querySelector('.title')).textContent = track.title;
    /** @type {HTMLElement} */ (card.querySelector('.artist')).textContent = track.artist;
    /** @type {HTMLElement} */ (card.querySelector('.why')).textContent = track.why;
  }

  let stopAt = Infinity;
  function play(/** @type {PickedTrack} */ track) {
    const src = `/audio/${encodeURIComponent(track.id)}?stream=${encodeURIComponent(streamId)}&token=${encodeURIComponent(token)}`;
    stopAt = track.segmentEnd;
    player.src = src;
    player.addEventListener('loadedmetadata', () => {
      player.currentTime = track.segmentStart;
      player.play().catch(() => say('Audio is blocked: allow autoplay for this source'));
    }, { once: true });
  }
  player.addEventListener('timeupdate', () => {
    if (player.currentTime >= stopAt) player.pause();
  });

  if (!streamId || !token) {
    say('Add ?stream=<id>&token=<overlay token> to the URL', false);
    return;
  }

  // Reconnects by itself (socket.io's manager, with back-off) and asks for the state on every connect.
  const socket = io('/overlay', { auth: { streamId, token }, reconnectionDelayMax: 5000 });
  socket.on('connect', () => {
    body.dataset.connection = 'connected';
    say('');
    socket.timeout(5000).emit('state', (/** @type {unknown} */ err, /** @type {{ data?: OverlayState }} */ response) => {
      if (err || !response?.data) return;
      audioAllowed = response.data.audio;
      render(response.data.picks);
    });
  });
  socket.on('state', (/** @type {OverlayState} */ state) => {
    audioAllowed = state.audio;
    render(state.picks);
  });
  socket.on('picks', (/** @type {PicksPayload} */ picks) => render(picks));
  socket.on('disconnect', () => {
    body.dataset.connection = 'disconnected';
  });
  socket.on('connect_error', (/** @type {Error & { data?: { code: string, message: string } }} */ error) => {
    body.dataset.connection = 'disconnected';
    // Refused by the server: socket.io does not retry those by itself. A draining server will be back
    // (or another node will answer), so try again; a bad token will not fix itself, so say why.
    if (error.data?.code === 'SHUTTING_DOWN') setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
    else if (error.data?.code) say(`${error.data.code}: ${error.data.message}`, false);
  });
})();
