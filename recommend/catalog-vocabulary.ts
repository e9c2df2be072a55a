import { TAG_GROUPS, type Catalog } from '../index-data/types.js';
import { tagVocabulary } from '../index-data/vocabulary/vocabulary.js';
import { TagVocabulary } from './refinement/vocabulary.js';

/** index-data's MusicCaps-derived vocabulary (with aliases), plus any other tags the catalog's tracks carry. */
export function catalogVocabulary(catalog: Catalog): TagVocabulary {
  const shipped = tagVocabulary();
  const entries = TAG_GROUPS.flatMap((group) => shipped.groups[group].map((t) => ({ group, tag: t.tag, aliases: t.aliases })));
  return new TagVocabulary(entries).merge(TagVocabulary.fromTracks(catalog.tracks()));
}
