"""Builds full-size random-weight CLAP (laion/clap-htsat-unfused) audio and text graphs (+ q8) for benchmarks.

    /usr/bin/python3 scripts/models/make_full_clap.py [--out .cache/models/clap-htsat-unfused-random] [--force]

Same shapes and FLOPs as laion/clap-htsat-unfused as Xenova/clap-htsat-unfused exports it for
transformers.js: audio_model.onnx (input_features [B,1,1001,64] -> audio_embeds [B,512]; HTSAT Swin
encoder: 256x256 folded spectrogram, 4x4 patches 96 wide, depths 2,2,6,2, heads 4,8,16,32, window 8,
then the two-layer projection) and text_model.onnx (input_ids, attention_mask -> text_embeds [B,512];
RoBERTa-base: 12 layers, width 768, 12 heads, MLP 3072, 514 positions, vocabulary 50265, then the
projection). The preprocessor is the real ClapFeatureExtractor config. The tokenizer is the CLAP
fixture's byte-level BPE in the RoBERTa layout (861 tokens trained on MusicCaps captions; RoBERTa's
own vocabulary is not available here), so a caption takes more tokens than with RoBERTa's: text
timings are an upper bound. Weights
are random (seeded), so timings mean something and embeddings do not. The output is cached: rebuilt
only when these scripts change (their hash is kept in `.stamp`) or with --force.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graphs import ClapText, HtsatAudio, export  # noqa: E402
from make_fixture_models import CLAP_PREPROCESSOR, write_json  # noqa: E402
from quantize import quantize_dynamic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
# The fixture CLAP's byte-level BPE tokenizer (RoBERTa layout, trained on MusicCaps captions; committed).
TOKENIZER_SOURCE = os.path.join(ROOT, 'tests', 'fixtures', 'models', 'clap')
MODEL_ID = 'cuecast/clap-htsat-unfused-random'

AUDIO = dict(mels=64, spec_size=256, patch=4, embed=96, depths=[2, 2, 6, 2], heads=[4, 8, 16, 32], window=8, frames=1001)
TEXT = dict(vocab=50265, positions=514, width=768, layers=12, heads=12, mlp=3072)
PROJECTION = 512


def scripts_hash() -> str:
    digest = hashlib.sha256()
    for name in ('make_full_clap.py', 'graphs.py', 'quantize.py'):
        with open(os.path.join(HERE, name), 'rb') as f:
            digest.update(f.read())
    return digest.hexdigest()


def init_weights(module: nn.Module) -> None:
    """HTSAT and RoBERTa initialise every linear and embedding at std 0.02 and biases at zero."""
    for name, p in module.named_parameters():
        if 'norm' in name or 'batch_norm' in name:
            continue
        if p.dim() >= 2:
            nn.init.normal_(p, std=0.02)
        elif 'bias' in name:
            nn.init.zeros_(p)


def config_json(vocab_size: int) -> dict:
    a, t = AUDIO, TEXT
    return {
        '_name_or_path': MODEL_ID,
        'architectures': ['ClapModel'],
        'model_type': 'clap',
        'projection_dim': PROJECTION,
        'projection_hidden_act': 'relu',
        'logit_scale_init_value': 14.285714285714285,
        'audio_config': {
            'model_type': 'clap_audio_model', 'hidden_size': a['embed'] * 2 ** (len(a['depths']) - 1),
            'num_mel_bins': a['mels'], 'spec_size': a['spec_size'], 'patch_size': a['patch'],
            'patch_stride': [a['patch'], a['patch']], 'patch_embeds_hidden_size': a['embed'],
            'depths': a['depths'], 'num_attention_heads': a['heads'], 'window_size': a['window'],
            'mlp_ratio': 4.0, 'hidden_act': 'gelu', 'enable_fusion': False, 'enable_patch_layer_norm': True,
            'flatten_patch_embeds': True, 'patch_embed_input_channels': 1, 'projection_dim': PROJECTION,
        },
        'text_config': {
            'model_type': 'clap_text_model', 'vocab_size': t['vocab'], 'hidden_size': t['width'],
            'num_hidden_layers': t['layers'], 'num_attention_heads': t['heads'], 'intermediate_size': t['mlp'],
            'max_position_embeddings': t['positions'], 'pad_token_id': 1, 'bos_token_id': 0, 'eos_token_id': 2,
            'type_vocab_size': 1, 'projection_dim': PROJECTION, 'hidden_act': 'gelu',
        },
        'cuecast_random_weights': 'full-size random-weight CLAP HTSAT-unfused (scripts/models/make_full_clap.py); '
                                  f'tokenizer: MusicCaps BPE with {vocab_size} tokens',
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, '.cache', 'models', 'clap-htsat-unfused-random'))
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    stamp_path = os.path.join(args.out, '.stamp')
    want = scripts_hash()
    if not args.force and os.path.exists(stamp_path):
        with open(stamp_path, encoding='utf-8') as f:
            if f.read().strip() == want:
                print(f'{args.out} is up to date')
                return
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    onnx_dir = os.path.join(args.out, 'onnx')
    os.makedirs(onnx_dir)

    for name in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copyfile(os.path.join(TOKENIZER_SOURCE, name), os.path.join(args.out, name))
    with open(os.path.join(TOKENIZER_SOURCE, 'tokenizer.json'), encoding='utf-8') as f:
        vocab = json.load(f)['model']['vocab']
    write_json(os.path.join(args.out, 'preprocessor_config.json'), CLAP_PREPROCESSOR)
    write_json(os.path.join(args.out, 'config.json'), config_json(len(vocab)))

    a, t = AUDIO, TEXT
    torch.manual_seed(21)
    audio = HtsatAudio(a['mels'], a['spec_size'], a['patch'], a['embed'], a['depths'], a['heads'], a['window'], PROJECTION)
    init_weights(audio)
    torch.manual_seed(22)
    text = ClapText(t['vocab'], t['positions'], t['width'], t['layers'], t['heads'], t['mlp'], PROJECTION)
    init_weights(text)
    ids = torch.tensor([[0, 100, 200, 300, 2, 1], [0, 120, 220, 320, 420, 2]])
    jobs = [
        (audio, (torch.randn(2, 1, a['frames'], a['mels']) * 20 - 50,), 'audio_model',
         {'input_features': {0: 'batch_size'}}, 'audio_embeds'),
        (text, (ids, (ids != 1).to(torch.int64)), 'text_model',
         {'input_ids': {0: 'batch_size', 1: 'sequence_length'}, 'attention_mask': {0: 'batch_size', 1: 'sequence_length'}},
         'text_embeds'),
    ]
    for module, example, name, inputs, output in jobs:
        started = time.time()
        path = os.path.join(onnx_dir, f'{name}.onnx')
        export(module, example, path, inputs, output)
        counts = quantize_dynamic(path, os.path.join(onnx_dir, f'{name}_quantized.onnx'))
        params = sum(p.numel() for p in module.parameters()) / 1e6
        print(f'{name}: {params:.1f} M parameters, {os.path.getsize(path) / 1e6:.0f} MB fp32, '
              f'{os.path.getsize(os.path.join(onnx_dir, name + "_quantized.onnx")) / 1e6:.0f} MB q8 {counts} '
              f'in {time.time() - started:.0f} s')
    with open(stamp_path, 'w', encoding='utf-8') as f:
        f.write(want + '\n')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
