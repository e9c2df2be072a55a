import { parseFile } from 'music-metadata';
import type { MetadataReader } from './indexer.js';

/** File tags via music-metadata (ID3, Vorbis comments, MP4 atoms, RIFF INFO, AIFF chunks). */
export const musicMetadataReader: MetadataReader = {
  async read(path) {
    const { common } = await parseFile(path, { skipCovers: true, duration: false });
    return {
      ...(common.title ? { title: common.title } : {}),
      ...(common.artist ? { artist: common.artist } : {}),
      ...(common.album ? { album: common.album } : {}),
      genres: (common.genre ?? [])
        .flatMap((g) => g.split(/[;/]/))
        .map((g) => g.trim())
        .filter((g) => g.length > 0),
    };
  },
};
