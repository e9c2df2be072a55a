import type { Application, ApplicationOptions } from '../../stream-server/app.js';
import type { ListeningServer } from './loading-http.js';
import type { OpenParts, ServeParts } from './parts.js';

/** The stream server application on the listening server, fed by the open parts; it takes over the requests. */
export async function startApplication(server: ListeningServer, parts: ServeParts, open: OpenParts, options: Omit<ApplicationOptions, 'adapter'>): Promise<Application> {
  const [{ frameSize }, { createApplication }, { mediaFrameSource }, { recommenderPickSource }] = await Promise.all([
    import('../../model/index.js'),
    import('../../stream-server/app.js'),
    import('../../stream-server/media-frame-source.js'),
    import('../../stream-server/recommender-pick-source.js'),
  ]);
  const { models, catalog, recommender, studio, redis } = open;
  // No await from here on: no request may arrive between the loading answers and the application's.
  server.ready();
  return createApplication(
    server.http,
    {
      frameEncoder: models.clipImage,
      picks: recommenderPickSource(recommender),
      audioPath: (trackId) => catalog.audioPath(trackId),
      frameSource: mediaFrameSource({ size: frameSize(models.clipImage) }),
      readiness: () => parts.readiness(),
      standIn: models.standIn !== undefined,
      dtypes: models.dtypes,
      studio,
    },
    { ...options, ...(redis ? { adapter: redis.adapter } : {}) },
  );
}
