import { TAG_GROUPS, type Catalog } from '../index-data/types.js';
import { tagVocabulary } from '../index-data/vocabulary/vocabulary.js';
import { TagVocabulary } from './refinement/vocabulary.js';

/** index-data's MusicCaps-derived vocabulary (with aliases), as shipped. */
export function shippedVocabulary(): TagVocabulary {
  const shipped = tagVocabulary();
  return new TagVocabulary(TAG_GROUPS.flatMap((group) => shipped.groups[group].map((t) => ({ group, tag: t.tag, aliases: t.aliases }))));
}

/** The shipped vocabulary plus any other tags the catalog's tracks carry. */
export function catalogVocabulary(catalog: Catalog): TagVocabulary {
  return shippedVocabulary().merge(TagVocabulary.fromTracks(catalog.tracks()));
}
