"""Builds the tiny random-weight GPT-2-shaped causal LM under tests/fixtures/models/llm/.

    /usr/bin/python3 scripts/models/make_llm_fixture.py [--out tests/fixtures/models/llm]

The layout is that of the transformers.js text-generation exports (onnx-community / Xenova GPT-2):
config.json (model_type gpt2), generation_config.json, tokenizer.json + tokenizer_config.json and
onnx/model.onnx with the KV-cache I/O transformers.js drives:

    input_ids, position_ids [B, T] int64, attention_mask [B, P+T] int64,
    past_key_values.{i}.key / .value [B, H, P, Dh]
      -> logits [B, T, V], present.{i}.key / .value [B, H, P+T, Dh]

The tokenizer is a byte-level BPE in the GPT-2 layout (single <|endoftext|> special) trained on
MusicCaps captions with bpe.py. Weights are random (seeded): generation is deterministic gibberish.
Only the fp32 graph is written, to keep the fixture small; q8 asks for onnx/model_quantized.onnx.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import SPECIALS, train  # noqa: E402
from graphs import OPSET  # noqa: E402
from make_fixture_models import MUSICCAPS_CAPTIONS, write_json  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LLM_ID = 'cuecast/tiny-random-gpt2'
EOS = '<|endoftext|>'
LLM = dict(width=48, layers=2, heads=4, positions=1024, merges=800)


class Gpt2Attention(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)

    def forward(self, x, past_key, past_value, bias):
        b, t, w = x.shape
        q, k, v = self.c_attn(x).split(w, dim=2)
        q, k, v = (z.view(b, t, self.heads, self.head_dim).transpose(1, 2) for z in (q, k, v))
        key = torch.cat([past_key, k], dim=2)
        value = torch.cat([past_value, v], dim=2)
        scores = torch.matmul(q, key.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim)) + bias
        out = torch.matmul(torch.softmax(scores, dim=-1), value)
        return self.c_proj(out.transpose(1, 2).reshape(b, t, w)), key, value


class Gpt2Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width, eps=1e-5)
        self.attn = Gpt2Attention(width, heads)
        self.ln_2 = nn.LayerNorm(width, eps=1e-5)
        self.c_fc = nn.Linear(width, 4 * width)
        self.c_proj = nn.Linear(4 * width, width)

    def forward(self, x, past_key, past_value, bias):
        a, key, value = self.attn(self.ln_1(x), past_key, past_value, bias)
        x = x + a
        x = x + self.c_proj(nn.functional.gelu(self.c_fc(self.ln_2(x)), approximate='tanh'))
        return x, key, value


class Gpt2LMHead(nn.Module):
    """GPT2LMHeadModel with the KV cache as flat inputs/outputs.

    The LM head is not tied to wte: with random weights a tied head keeps predicting the last token
    (its own embedding scores highest), while a separate one makes greedy decoding wander over the
    vocabulary like real (if meaningless) text.
    """

    def __init__(self, vocab: int, positions: int, width: int, layers: int, heads: int):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(positions, width)
        nn.init.normal_(self.wte.weight, std=1.0)
        nn.init.normal_(self.wpe.weight, std=1.0)
        self.h = nn.ModuleList(Gpt2Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width, eps=1e-5)
        self.lm_head = nn.Linear(width, vocab, bias=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        b, t = input_ids.shape
        total = attention_mask.shape[1]
        # Query i sits at absolute position total - t + i and sees keys up to it that are not padding.
        key_pos = torch.arange(total)
        query_pos = key_pos[total - t:]
        causal = key_pos[None, :] <= query_pos[:, None]
        allowed = causal[None, None, :, :] & (attention_mask[:, None, None, :] > 0)
        bias = torch.where(allowed, torch.tensor(0.0), torch.tensor(-1e9))
        x = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            x, key, value = block(x, past[2 * i], past[2 * i + 1], bias)
            presents += [key, value]
        x = self.ln_f(x)
        logits = self.lm_head(x)
        return (logits, *presents)


def gpt2_tokenizer(captions: list[str], merges_wanted: int) -> tuple[dict, list[str]]:
    """bpe.py's byte-level BPE, renumbered to the GPT-2 layout: bytes and merges, then <|endoftext|>."""
    roberta_vocab, merges = train(captions, merges_wanted)
    dropped = set(SPECIALS) | {'<mask>'}
    tokens = [tok for tok, _ in sorted(roberta_vocab.items(), key=lambda kv: kv[1]) if tok not in dropped]
    vocab = {tok: i for i, tok in enumerate(tokens + [EOS])}
    return vocab, merges


def tokenizer_json(vocab: dict, merges: list[str]) -> dict:
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [{'id': vocab[EOS], 'content': EOS, 'single_word': False, 'lstrip': False, 'rstrip': False,
                          'normalized': True, 'special': True}],
        'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': vocab, 'merges': merges},
    }


def check_cache_consistency(model: Gpt2LMHead, layers: int, heads: int, head_dim: int) -> None:
    """Logits for the last token with the cache must equal those of a full recomputation."""
    ids = torch.tensor([[5, 40, 300, 7, 90, 12]])
    with torch.no_grad():
        empty = [torch.zeros(1, heads, 0, head_dim) for _ in range(2 * layers)]
        full = model(ids, torch.ones_like(ids), torch.arange(6)[None], *empty)[0]
        first = model(ids[:, :5], torch.ones(1, 5, dtype=torch.int64), torch.arange(5)[None], *empty)
        step = model(ids[:, 5:], torch.ones_like(ids), torch.tensor([[5]]), *first[1:])[0]
    assert torch.allclose(full[:, -1], step[:, -1], atol=1e-5), 'KV-cache step disagrees with full recomputation'


def make_llm(out: str) -> None:
    c = LLM
    onnx_dir = os.path.join(out, 'onnx')
    os.makedirs(onnx_dir, exist_ok=True)
    with open(MUSICCAPS_CAPTIONS, encoding='utf-8') as f:
        captions = json.load(f)
    vocab, merges = gpt2_tokenizer(captions, c['merges'])
    eos = vocab[EOS]
    with open(os.path.join(out, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, separators=(',', ':'))
    write_json(os.path.join(out, 'tokenizer_config.json'), {
        'add_prefix_space': False, 'bos_token': EOS, 'eos_token': EOS, 'unk_token': EOS,
        'clean_up_tokenization_spaces': True, 'model_max_length': c['positions'], 'tokenizer_class': 'GPT2Tokenizer',
    })
    write_json(os.path.join(out, 'config.json'), {
        '_name_or_path': LLM_ID,
        'architectures': ['GPT2LMHeadModel'],
        'model_type': 'gpt2',
        'vocab_size': len(vocab), 'n_positions': c['positions'], 'n_ctx': c['positions'], 'n_embd': c['width'],
        'n_layer': c['layers'], 'n_head': c['heads'], 'n_inner': None, 'activation_function': 'gelu_new',
        'layer_norm_epsilon': 1e-5, 'tie_word_embeddings': False, 'use_cache': True,
        'bos_token_id': eos, 'eos_token_id': eos,
        'cuecast_fixture': 'tiny random-weight GPT-2 (scripts/models/make_llm_fixture.py)',
    })
    write_json(os.path.join(out, 'generation_config.json'), {'bos_token_id': eos, 'eos_token_id': eos})

    torch.manual_seed(5)
    head_dim = c['width'] // c['heads']
    model = Gpt2LMHead(len(vocab), c['positions'], c['width'], c['layers'], c['heads']).eval()
    check_cache_consistency(model, c['layers'], c['heads'], head_dim)

    past_names = [f'past_key_values.{i}.{kind}' for i in range(c['layers']) for kind in ('key', 'value')]
    present_names = [name.replace('past_key_values', 'present') for name in past_names]
    ids = torch.tensor([[10, 200, 30], [40, 50, 600]])
    past = [torch.randn(2, c['heads'], 4, head_dim) for _ in past_names]
    dynamic = {
        'input_ids': {0: 'batch_size', 1: 'sequence_length'},
        'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
        'position_ids': {0: 'batch_size', 1: 'sequence_length'},
        'logits': {0: 'batch_size', 1: 'sequence_length'},
        **{name: {0: 'batch_size', 2: 'past_sequence_length'} for name in past_names},
        **{name: {0: 'batch_size', 2: 'total_sequence_length'} for name in present_names},
    }
    path = os.path.join(onnx_dir, 'model.onnx')
    with torch.no_grad():
        torch.onnx.export(model, (ids, torch.ones(2, 7, dtype=torch.int64), torch.tensor([[4, 5, 6]] * 2), *past), path,
                          input_names=['input_ids', 'attention_mask', 'position_ids', *past_names],
                          output_names=['logits', *present_names], dynamic_axes=dynamic,
                          opset_version=OPSET, do_constant_folding=True)
    print(f'  model: {os.path.getsize(path) / 1e6:.2f} MB, vocab {len(vocab)}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, 'tests', 'fixtures', 'models', 'llm'))
    args = parser.parse_args()
    torch.set_num_threads(1)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    print('llm:')
    make_llm(args.out)


if __name__ == '__main__':
    main()
