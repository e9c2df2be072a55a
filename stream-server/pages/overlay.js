// cuecast overlay for an OBS browser source: /overlay?stream=<id>&token=<overlay token>[&audio=1]
// Payload types: stream-server/events.ts (the one event map shared by server, pages and tests).
// @ts-check
/** @typedef {import('../events.js').PicksPayload} PicksPayload */
/** @typedef {import('../events.js').OverlayState} OverlayState */
/** @typedef {import('../events.js').PickedTrack} PickedTrack */
/** @typedef {import('socket.io-client').Socket<import('../events.js').OverlayServerToClientEvents, import('../events.js').OverlayClientToServerEvents>} OverlaySocket */
(() => {
  // socket.io's client bundle (/socket.io/socket.io.min.js, loaded first) defines window.io.
  const io = /** @type {{ io: typeof import('socket.io-client').io }} */ (/** @type {unknown} */ (window)).io;
  const params = new URLSearchParams(location.search);
  const streamId = params.get('stream') ?? '';
  const token = params.get('token') ?? '';
  const playAudio = params.get('audio') === '1';
  const body = document.body;
  const cardList = document.querySelectorAll('.card');
  const cards = /** @type {[HTMLElement, HTMLElement]} */ ([cardList[0], cardList[1]]);
  const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));
  const player = /** @type {HTMLAudioElement} */ (document.getElementById('player'));

  /** @type {PicksPayload | null} */
  let shown = null;
  let front = 0;
  let audioAllowed = false;

  function say(/** @type {string} */ text, transient = true) {
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
    const [shownCard, hiddenCard] = front === 0 ? cards : [cards[1], cards[0]];
    if (track.id === previous) {
      fill(shownCard, track);
      return;
    }
    // Cross-fade: fill the hidden card, then swap which one is current.
    fill(hiddenCard, track);
    hiddenCard.hidden = false;
    requestAnimationFrame(() => {
      hiddenCard.classList.add('current');
      shownCard.classList.remove('current');
      front = 1 - front;
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
  // WebSocket first: the whole connection is one request, so behind a load balancer overlays need no
  // sticky session (polling, the fallback when a proxy blocks WebSockets, does need one).
  /** @type {OverlaySocket} */
  const socket = io('/overlay', { auth: { streamId, token }, reconnectionDelayMax: 5000, transports: ['websocket', 'polling'], tryAllTransports: true });
  /** A badge while the server runs on the stand-in models, whose picks mean nothing (asked on every connect). */
  function checkStandIn() {
    fetch('/readyz', { cache: 'no-store' })
      .then((response) => response.json())
      .then((/** @type {{ standIn?: boolean }} */ status) => {
        /** @type {HTMLElement} */ (document.getElementById('stand-in')).hidden = status.standIn !== true;
      })
      .catch(() => undefined);
  }

  socket.on('connect', () => {
    body.dataset.connection = 'connected';
    say('');
    checkStandIn();
    socket.timeout(5000).emit('state', (err, response) => {
      if (err || !('data' in response)) return;
      audioAllowed = response.data.audio;
      render(response.data.picks);
    });
  });
  socket.on('state', (state) => {
    audioAllowed = state.audio;
    render(state.picks);
  });
  socket.on('picks', (picks) => render(picks));
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
