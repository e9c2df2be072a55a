"""A small byte-level BPE tokenizer in the RoBERTa layout (tokenizer.json for transformers.js), trained
on MusicCaps captions so music words get whole tokens. Stands in for CLAP's RoBERTa vocabulary."""
from __future__ import annotations

import collections
import re

SPECIALS = ['<s>', '<pad>', '</s>', '<unk>']
# GPT-2's pre-tokenisation pattern with ASCII classes (Python's `re` has no \p{L}); only used to
# collect training words, the runtime uses the tokenizer.json's own ByteLevel pre-tokenizer.
WORD = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def train(texts: list[str], merges_wanted: int) -> tuple[dict[str, int], list[str]]:
    byte_map = bytes_to_unicode()
    words = collections.Counter()
    for text in texts:
        for w in WORD.findall(text):
            words[tuple(byte_map[b] for b in w.encode('utf-8'))] += 1
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in sorted(byte_map.values(), key=lambda c: ord(c)):
        vocab[ch] = len(vocab)
    merges: list[str] = []
    corpus = dict(words)
    for _ in range(merges_wanted):
        pairs = collections.Counter()
        for word, freq in corpus.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += freq
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merged = a + b
        merges.append(f'{a} {b}')
        vocab[merged] = len(vocab)
        new_corpus = {}
        for word, freq in corpus.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new_corpus[tuple(out)] = new_corpus.get(tuple(out), 0) + freq
        corpus = new_corpus
    vocab['<mask>'] = len(vocab)
    return vocab, merges


def tokenizer_json(vocab: dict[str, int], merges: list[str]) -> dict:
    def special(content: str) -> dict:
        return {'id': vocab[content], 'content': content, 'single_word': False, 'lstrip': content == '<mask>',
                'rstrip': False, 'normalized': False, 'special': True}

    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [special(t) for t in SPECIALS + ['<mask>']],
        'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': {'type': 'RobertaProcessing', 'sep': ['</s>', vocab['</s>']], 'cls': ['<s>', vocab['<s>']],
                           'trim_offsets': True, 'add_prefix_space': False},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': vocab, 'merges': merges},
    }


TOKENIZER_CONFIG = {
    'add_prefix_space': False,
    'bos_token': '<s>',
    'clean_up_tokenization_spaces': True,
    'cls_token': '<s>',
    'eos_token': '</s>',
    'errors': 'replace',
    'mask_token': '<mask>',
    'model_max_length': 512,
    'pad_token': '<pad>',
    'processor_class': 'ClapProcessor',
    'sep_token': '</s>',
    'tokenizer_class': 'RobertaTokenizer',
    'trim_offsets': True,
    'unk_token': '<unk>',
}
