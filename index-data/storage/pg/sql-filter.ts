import { isEmptyFilter, vocalsAccepted, type TrackFilter } from '../../track-filter.js';

/**
 * A TrackFilter as a SQL condition over the filter columns copied beside every vector (track_id,
 * present_tags, vocals, bpm), so the HNSW index scan checks it row by row and pgvector's iterative
 * scan keeps fetching until enough rows pass. Values are bound parameters, numbered after `offset`.
 */
export function filterSql(filter: TrackFilter | undefined, offset: number): { sql: string; params: unknown[] } {
  if (isEmptyFilter(filter)) return { sql: 'TRUE', params: [] };
  const f = filter!;
  const parts: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${offset + params.length}`;
  };
  if (f.excludeTrackIds?.length) parts.push(`track_id <> ALL(${bind([...f.excludeTrackIds])}::text[])`);
  if (f.includeTags?.length) parts.push(`present_tags @> ${bind([...f.includeTags])}::text[]`);
  if (f.excludeTags?.length) parts.push(`NOT (present_tags && ${bind([...f.excludeTags])}::text[])`);
  if (f.vocals !== undefined) parts.push(`vocals = ANY(${bind([...vocalsAccepted(f.vocals)])}::text[])`);
  if (f.bpm) {
    parts.push('bpm IS NOT NULL');
    if (f.bpm.min !== undefined) parts.push(`bpm >= ${bind(f.bpm.min)}::float8`);
    if (f.bpm.max !== undefined) parts.push(`bpm <= ${bind(f.bpm.max)}::float8`);
  }
  return { sql: parts.join(' AND '), params };
}
