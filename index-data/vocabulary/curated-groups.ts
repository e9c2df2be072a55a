import type { TagGroup } from '../types.js';

/**
 * The curated half of the tag vocabulary: which tags exist in each group, the MusicCaps aspect strings
 * that count as naming them, and the text CLAP scores them with. The other half (which tags are common
 * enough to keep, and how often people used them) comes from MusicCaps frequencies; see
 * build-vocabulary.ts. An alias matches an aspect string as whole words; a leading `=` means the aspect
 * must equal it exactly (for words like "bass" that are also part of other instruments' names).
 */
export interface CuratedTag {
  readonly tag: string;
  readonly aliases: readonly string[];
  /** CLAP prompt; defaults to the group's template with {tag} (and {a}, its article). */
  readonly prompt?: string;
}

export const PROMPT_TEMPLATES: Readonly<Record<TagGroup, string>> = {
  genre: 'this is {a} {tag} song',
  mood: 'this is {a} {tag} song',
  instrument: 'this song features {tag}',
  vocals: 'this is a song with {tag}',
  tempo: 'this is {a} {tag} song',
};

export const CURATED: Readonly<Record<TagGroup, readonly CuratedTag[]>> = {
  genre: [
    { tag: 'rock', aliases: ['rock', 'rock music', 'hard rock', 'soft rock', 'alternative rock', 'pop rock', 'rock song'] },
    { tag: 'pop', aliases: ['pop', 'pop song', 'pop music', 'synth pop', 'dance pop', 'electro pop'] },
    { tag: 'electronic', aliases: ['electronic', 'electronic music', 'electro', 'techno', 'trance', 'synth pop'] },
    { tag: 'dance', aliases: ['dance music', 'edm', 'electronic dance music', 'club music', 'dance song', 'dance pop'] },
    { tag: 'hip hop', aliases: ['hip hop', 'hip-hop', 'rap', 'trap', 'rapping'] },
    { tag: 'jazz', aliases: ['jazz', 'jazz music', 'smooth jazz'] },
    { tag: 'classical', aliases: ['classical', 'classical music', 'western classical music', 'orchestral', 'baroque'] },
    { tag: 'folk', aliases: ['folk', 'folk music', 'folk song', 'traditional'] },
    { tag: 'country', aliases: ['country', 'country music', 'country feel', 'bluegrass'] },
    { tag: 'blues', aliases: ['blues', 'blues music'] },
    { tag: 'reggae', aliases: ['reggae', 'dub'] },
    { tag: 'metal', aliases: ['metal', 'heavy metal', 'death metal'] },
    { tag: 'r&b', aliases: ['r&b', 'soul', 'rnb', 'neo soul'] },
    { tag: 'ambient', aliases: ['ambient', 'ambient music', 'meditation music', 'new age'] },
    { tag: 'funk', aliases: ['funk', 'funky'] },
    { tag: 'latin', aliases: ['latin', 'latin dance music', 'salsa', 'reggaeton', 'bossa nova'] },
    { tag: 'cinematic', aliases: ['cinematic', 'movie soundtrack', 'movie music', 'soundtrack', 'film music'] },
    { tag: 'gospel', aliases: ['gospel', 'devotional', 'religious', 'christian music'] },
    { tag: 'lo-fi', aliases: ['lo-fi', 'lofi', 'lo fi', 'lo-fi hip hop', 'chillhop'] },
  ],
  mood: [
    { tag: 'happy', aliases: ['happy', 'cheerful', 'joyful', 'happy mood', 'fun'] },
    { tag: 'sad', aliases: ['sad', 'melancholic', 'sorrowful', 'melancholy'] },
    { tag: 'energetic', aliases: ['energetic', 'intense', 'vigorous', 'lively', 'spirited'] },
    { tag: 'calm', aliases: ['calm', 'calming', 'relaxing', 'soothing', 'peaceful', 'mellow'] },
    { tag: 'romantic', aliases: ['romantic', 'love song', 'romantic mood', 'sensual'] },
    { tag: 'dark', aliases: ['dark', 'sinister', 'ominous', 'grim', 'eerie', 'scary', 'spooky'] },
    { tag: 'epic', aliases: ['epic', 'powerful', 'dramatic', 'cinematic'] },
    { tag: 'dreamy', aliases: ['dreamy', 'ethereal', 'atmospheric', 'hypnotic'] },
    { tag: 'mysterious', aliases: ['mysterious', 'suspenseful', 'suspense', 'mystical'] },
    { tag: 'aggressive', aliases: ['aggressive', 'violent', 'harsh', 'angry'] },
    { tag: 'playful', aliases: ['playful', 'funny', 'bouncy', 'quirky'] },
    { tag: 'uplifting', aliases: ['uplifting', 'inspiring', 'motivational', 'positive'] },
    { tag: 'nostalgic', aliases: ['nostalgic', 'sentimental', 'vintage'] },
    { tag: 'emotional', aliases: ['emotional', 'passionate', 'heartfelt', 'soulful'] },
    { tag: 'groovy', aliases: ['groovy', 'groovy rhythm', 'funky', 'danceable'] },
  ],
  instrument: [
    { tag: 'acoustic guitar', aliases: ['acoustic guitar', 'acoustic rhythm guitar', 'rhythmic acoustic guitar'] },
    { tag: 'electric guitar', aliases: ['electric guitar', 'e-guitar', 'e-guitars', 'distorted electric guitar', 'distortion guitar', 'guitar solo'] },
    { tag: 'bass guitar', aliases: ['bass guitar', 'e-bass', 'bass line', '=bass', 'groovy bass', 'upright bass', 'double bass', 'synth bass'] },
    { tag: 'piano', aliases: ['piano', 'acoustic piano', 'piano accompaniment', 'piano melody'] },
    { tag: 'drums', aliases: ['acoustic drums', 'drums', 'steady drumming', 'kick', 'snare'] },
    { tag: 'electronic drums', aliases: ['electronic drums', 'digital drums', 'drum machine', 'programmed percussion'] },
    { tag: 'synthesizer', aliases: ['synth', 'synthesizer', 'synthesiser', 'synth pad', 'synth sounds', 'synthesiser arrangements'] },
    { tag: 'strings', aliases: ['strings', 'string section', 'string ensemble', 'sustained strings'] },
    { tag: 'violin', aliases: ['violin', 'violins', 'fiddle'] },
    { tag: 'cello', aliases: ['cello', 'cellos'] },
    { tag: 'flute', aliases: ['flute', 'flutes'] },
    { tag: 'saxophone', aliases: ['saxophone', 'sax'] },
    { tag: 'trumpet', aliases: ['trumpet', 'trumpets'] },
    { tag: 'brass', aliases: ['brass', 'brass section', 'brass band', 'trombone', 'tuba', 'horns'] },
    { tag: 'organ', aliases: ['organ', 'hammond organ', 'church organ'] },
    { tag: 'harp', aliases: ['harp'] },
    { tag: 'accordion', aliases: ['accordion'] },
    { tag: 'banjo', aliases: ['banjo'] },
    { tag: 'percussion', aliases: ['percussion', 'tambourine', 'shaker', 'shakers', 'congas', 'bongos', 'claps', 'clapping'] },
    { tag: 'choir', aliases: ['choir', 'chorus'] },
    { tag: 'tabla', aliases: ['tabla'] },
    { tag: 'sitar', aliases: ['sitar'] },
    { tag: 'harmonica', aliases: ['harmonica'] },
    { tag: 'clarinet', aliases: ['clarinet'] },
    { tag: 'marimba', aliases: ['marimba', 'xylophone', 'vibraphone'] },
    { tag: 'bells', aliases: ['bells', 'chimes', 'glockenspiel'] },
  ],
  vocals: [
    { tag: 'instrumental', aliases: ['instrumental', 'instrumental music', 'no voice', 'no voices', 'no singer', 'no vocals'], prompt: 'this is an instrumental song with no vocals' },
    { tag: 'female vocals', aliases: ['female vocal', 'female voice', 'female singer', 'female vocalist', 'female vocals', 'female voice singing'], prompt: 'this is a song with a female singer' },
    { tag: 'male vocals', aliases: ['male vocal', 'male voice', 'male singer', 'male vocalist', 'male vocals', 'male voice singing', 'male voices'], prompt: 'this is a song with a male singer' },
  ],
  tempo: [
    { tag: 'slow tempo', aliases: ['slow tempo', 'slower tempo', 'slow'] },
    { tag: 'medium tempo', aliases: ['medium tempo', 'moderate tempo', 'mid tempo'] },
    { tag: 'fast tempo', aliases: ['fast tempo', 'uptempo', 'up tempo', 'medium fast tempo', 'quick tempo'] },
  ],
};
