"""Builds full-size random-weight CLIP ViT-B/32 image and text graphs (+ q8) for benchmarks.

    /usr/bin/python3 scripts/models/make_full_clip.py [--out .cache/models/clip-vit-b32-random] [--force]

Same shapes and FLOPs as openai/clip-vit-base-patch32 (vision: 12 layers, width 768, 12 heads, patch 32,
224 px; text: 12 layers, width 512, 8 heads, 77 tokens, vocab 49408; projection 512), in the
transformers.js layout with the real tokenizer and preprocessor, so the directory can be used as a
CLIP model directory (`encoders.clip` / `<modelsDir>/clip`). Weights are random (seeded, CLIP's own
initialisation scales), so timings mean something and embeddings do not. The output is cached: it is
rebuilt only when these scripts change (their hash is kept in `.stamp`) or with --force.
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
from graphs import ClipText, ClipVision, export  # noqa: E402
from quantize import quantize_dynamic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
# OpenAI CLIP's configuration (here) and tokenizer/preprocessor files (the fixture's, the same content), MIT.
CONFIG_SOURCE = os.path.join(HERE, 'clip-vit-base-patch32')
SOURCE = os.path.join(ROOT, 'tests', 'fixtures', 'models', 'clip')
FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'preprocessor_config.json']
MODEL_ID = 'cuecast/clip-vit-b32-random'


def scripts_hash() -> str:
    digest = hashlib.sha256()
    for name in ('make_full_clip.py', 'graphs.py', 'quantize.py'):
        with open(os.path.join(HERE, name), 'rb') as f:
            digest.update(f.read())
    return digest.hexdigest()


def clip_init(module: nn.Module, layers: int, width: int) -> None:
    """CLIP's initialisation scales (HF CLIPPreTrainedModel._init_weights, factor 1)."""
    attn_std = width ** -0.5 * (2 * layers) ** -0.5
    for name, p in module.named_parameters():
        if p.dim() < 2 or 'norm' in name:
            continue
        if any(k in name for k in ('q_proj', 'k_proj', 'v_proj')):
            std = attn_std
        elif 'out_proj' in name:
            std = width ** -0.5
        elif 'fc1' in name:
            std = (2 * width) ** -0.5
        elif 'fc2' in name:
            std = attn_std
        elif 'projection' in name:
            std = width ** -0.5
        else:
            std = 0.02
        nn.init.normal_(p, std=std)
    for name, p in module.named_parameters():
        if p.dim() == 1 and 'bias' in name:
            nn.init.zeros_(p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, '.cache', 'models', 'clip-vit-b32-random'))
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
    for name in FILES:
        shutil.copyfile(os.path.join(SOURCE, name), os.path.join(args.out, name))
    with open(os.path.join(CONFIG_SOURCE, 'config.json'), encoding='utf-8') as f:
        config = json.load(f)
    config['_name_or_path'] = MODEL_ID
    config['cuecast_random_weights'] = 'full-size random-weight CLIP ViT-B/32 (scripts/models/make_full_clip.py)'
    with open(os.path.join(args.out, 'config.json'), 'w', encoding='utf-8') as f:
        json.dump(config, f, indent=2)

    v, t = config['vision_config'], config['text_config']
    torch.manual_seed(11)
    vision = ClipVision(v['hidden_size'], v['num_hidden_layers'], v['num_attention_heads'], v['intermediate_size'],
                        v['patch_size'], v['image_size'], config['projection_dim'])
    clip_init(vision, v['num_hidden_layers'], v['hidden_size'])
    torch.manual_seed(12)
    text = ClipText(t['vocab_size'], t['max_position_embeddings'], t['hidden_size'], t['num_hidden_layers'],
                    t['num_attention_heads'], t['intermediate_size'], config['projection_dim'])
    clip_init(text, t['num_hidden_layers'], t['hidden_size'])

    jobs = [
        (vision, (torch.randn(1, 3, v['image_size'], v['image_size']),), 'vision_model',
         {'pixel_values': {0: 'batch_size'}}, 'image_embeds'),
        (text, (torch.tensor([[49406, 320, 1125, 49407]]), torch.ones(1, 4, dtype=torch.int64)), 'text_model',
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
