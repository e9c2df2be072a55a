// cuecast capture page: /capture[?stream=<id>&token=<producer token>]. Shares a tab, window, screen or
// camera, draws it on a canvas and sends a JPEG 1-2 times a second, one frame in flight at a time.
// Payload types: stream-server/events.ts (the one event map shared by server, pages and tests).
// @ts-check
/** @typedef {import('../events.js').FrameResult} FrameResult */
/** @typedef {import('../events.js').PicksPayload} PicksPayload */
/** @typedef {import('../events.js').ProblemPayload} ProblemPayload */
/** @typedef {import('../events.js').ProtocolError} ProtocolError */
/** @typedef {import('socket.io-client').Socket<import('../events.js').StreamServerToClientEvents, import('../events.js').StreamClientToServerEvents>} StreamSocket */
(() => {
  // socket.io's client bundle (/socket.io/socket.io.min.js, loaded first) defines window.io.
  const io = /** @type {{ io: typeof import('socket.io-client').io }} */ (/** @type {unknown} */ (window)).io;
  const MAX_WIDTH = 512;
  /** WebSocket first, polling when a proxy blocks WebSockets. */
  const CONNECT_OPTIONS = { transports: ['websocket', 'polling'], tryAllTransports: true };
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const connectForm = /** @type {HTMLFormElement} */ ($('connect'));
  const video = /** @type {HTMLVideoElement} */ ($('preview'));
  const canvas = /** @type {HTMLCanvasElement} */ ($('canvas'));
  const stopButton = /** @type {HTMLButtonElement} */ ($('stop'));
  const params = new URLSearchParams(location.search);
  for (const name of ['stream', 'token']) {
    const value = params.get(name);
    if (value) /** @type {HTMLInputElement} */ (connectForm.elements.namedItem(name)).value = value;
  }

  /** @type {StreamSocket | null} */
  let socket = null;
  /** @type {MediaStream | null} */
  let media = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  let inFlight = false;
  let sent = 0;
  let dropped = 0;

  const show = (/** @type {string} */ id, /** @type {string | number} */ text) => {
    $(id).textContent = String(text);
  };
  const problem = (/** @type {{ code: string, message: string }} */ error) => show('problem', `${error.code}: ${error.message}`);
  const connectionRefused = (/** @type {Error & { data?: ProtocolError }} */ error) => {
    show('connection', 'refused');
    if (error.data) problem(error.data);
  };

  async function start(/** @type {SubmitEvent} */ event) {
    event.preventDefault();
    const form = new FormData(connectForm);
    const streamId = String(form.get('stream'));
    const token = String(form.get('token'));
    const fps = Number(form.get('fps')) || 1;
    try {
      media = form.get('source') === 'camera'
        ? await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 } }, audio: false })
        : await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 5 } }, audio: false });
    } catch (error) {
      show('problem', `Could not start the capture: ${/** @type {Error} */ (error).message}`);
      return;
    }
    video.srcObject = media;
    await video.play();
    media.getVideoTracks()[0]?.addEventListener('ended', stop);

    // WebSocket first (one connection, no polling requests to pin to a node), polling only when a proxy
    // blocks WebSockets. `producer` in the URL lets a load balancer keep a stream's producer on one
    // node (its session lives there); it carries the stream id only, never the token.
    /** @type {StreamSocket} */
    const connection = io('/stream', { auth: { streamId, token }, query: { producer: streamId }, ...CONNECT_OPTIONS });
    socket = connection;
    connection.on('connect', () => show('connection', 'connected'));
    connection.on('disconnect', () => show('connection', 'disconnected, reconnecting'));
    connection.on('connect_error', connectionRefused);
    connection.on('picks', (picks) => {
      const top = picks.tracks[0];
      if (top) show('pick', `${top.title} - ${top.artist}`);
    });
    connection.on('problem', (p) => problem(p.error));
    timer = setInterval(sendFrame, 1000 / fps);
    stopButton.disabled = false;
  }

  async function sendFrame() {
    // One frame in flight: if the last one is not acknowledged yet, skip this tick (latest wins).
    const connection = socket;
    if (inFlight || !connection?.connected || video.videoWidth === 0) return;
    inFlight = true;
    try {
      const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).drawImage(video, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.7));
      if (!blob) return;
      const image = await /** @type {Blob} */ (blob).arrayBuffer();
      const response = await connection.timeout(10_000).emitWithAck('frame', { image, capturedAt: Date.now() });
      sent += 1;
      show('sent', sent);
      if ('error' in response) problem(response.error);
      else if (response.data.status === 'dropped') show('dropped', (dropped += 1));
    } catch {
      show('problem', 'No answer from the server in time');
    } finally {
      inFlight = false;
    }
  }

  function stop() {
    clearInterval(timer);
    media?.getTracks().forEach((track) => track.stop());
    socket?.disconnect();
    socket = null;
    media = null;
    stopButton.disabled = true;
    show('connection', 'not connected');
  }

  async function sendText(/** @type {SubmitEvent} */ event, /** @type {'prompt' | 'refine'} */ kind) {
    event.preventDefault();
    if (!socket) return show('problem', 'Start first');
    const input = /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ (event.target).elements.namedItem('text'));
    const response = await socket
      .timeout(5000)
      .emitWithAck(kind, input.value)
      .catch(() => ({ error: { code: 'TIMEOUT', message: 'No answer from the server in time' } }));
    if ('error' in response) problem(response.error);
    else if (kind === 'refine') input.value = '';
  }

  connectForm.addEventListener('submit', start);
  stopButton.addEventListener('click', stop);
  $('prompt').addEventListener('submit', (e) => sendText(/** @type {SubmitEvent} */ (e), 'prompt'));
  $('refine').addEventListener('submit', (e) => sendText(/** @type {SubmitEvent} */ (e), 'refine'));
})();
