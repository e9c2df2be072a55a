"""Builds the tiny random-weight CLIP and CLAP fixture models under tests/fixtures/models/.

    /usr/bin/python3 scripts/models/make_fixture_models.py [--out tests/fixtures/models]

Each model directory has the transformers.js layout of the real Xenova exports: config.json,
tokenizer and preprocessor files, onnx/{vision,text,audio}_model.onnx and the q8 variants
onnx/*_quantized.onnx. CLIP reuses the real ViT-B/32 tokenizer and preprocessor (kept in the repository); CLAP
gets the real ClapFeatureExtractor config and a small byte-level BPE tokenizer in the RoBERTa layout.
Weights are random (seeded), so the outputs are deterministic but meaningless.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import TOKENIZER_CONFIG, tokenizer_json, train  # noqa: E402
from graphs import ClapAudio, ClapText, ClipText, ClipVision, export  # noqa: E402
from quantize import quantize_dynamic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
# OpenAI CLIP's configuration (scripts/models/clip-vit-base-patch32) and its tokenizer/preprocessor files
# (kept once, in the fixture: tests/fixtures/models/clip), MIT; the first 2,000 MusicCaps captions for the
# fixture CLAP tokenizer (scripts/models/musiccaps, CC BY-SA 4.0). Nothing outside the repository.
CLIP_CONFIG = os.path.join(HERE, 'clip-vit-base-patch32', 'config.json')
CLIP_TOKENIZER_DIR = os.path.join(ROOT, 'tests', 'fixtures', 'models', 'clip')
MUSICCAPS_CAPTIONS = os.path.join(HERE, 'musiccaps', 'captions.json')
# tokenizer.json carries the vocabulary and merges, so vocab.json / merges.txt are not needed.
CLIP_FILES = ['tokenizer_config.json', 'special_tokens_map.json', 'preprocessor_config.json']
# What the fixtures report as their model ids (config.json `_name_or_path`), e.g. in ViML manifests.
CLIP_ID = 'cuecast/tiny-random-clip'
CLAP_ID = 'cuecast/tiny-random-clap'

CLIP = dict(vision_width=64, vision_layers=2, vision_heads=4, vision_mlp=256, patch=32, image=224,
            text_width=64, text_layers=2, text_heads=4, text_mlp=256, vocab=49408, context=77,
            projection=64, embed_factor=8)
CLAP = dict(audio_width=64, audio_layers=2, audio_heads=4, audio_mlp=128, mels=64, frames=1001, patch=(16, 16),
            text_width=64, text_layers=2, text_heads=4, text_mlp=128, positions=514, projection=32, merges=600)

CLAP_PREPROCESSOR = {
    'chunk_length_s': 10,
    'feature_extractor_type': 'ClapFeatureExtractor',
    'feature_size': 64,
    'fft_window_size': 1024,
    'frequency_max': 14000,
    'frequency_min': 50,
    'hop_length': 480,
    'max_length_s': 10,
    'n_fft': 1024,
    'nb_frequency_bins': 513,
    'nb_max_frames': 1000,
    'nb_max_samples': 480000,
    'padding': 'repeatpad',
    'padding_side': 'right',
    'padding_value': 0.0,
    'processor_class': 'ClapProcessor',
    'return_attention_mask': False,
    'sampling_rate': 48000,
    'top_db': None,
    'truncation': 'rand_trunc',
}


def write_json(path: str, value: dict) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write('\n')


def export_pair(module, args, onnx_dir: str, name: str, inputs: dict, output: str) -> None:
    path = os.path.join(onnx_dir, f'{name}.onnx')
    export(module, args, path, inputs, output)
    counts = quantize_dynamic(path, os.path.join(onnx_dir, f'{name}_quantized.onnx'))
    print(f'  {name}: {os.path.getsize(path) / 1e6:.2f} MB, q8 quantized {counts}')


def make_clip(out: str) -> None:
    c = CLIP
    onnx_dir = os.path.join(out, 'onnx')
    os.makedirs(onnx_dir, exist_ok=True)
    for name in CLIP_FILES:
        source = os.path.join(CLIP_TOKENIZER_DIR, name)
        if os.path.abspath(source) != os.path.abspath(os.path.join(out, name)):
            shutil.copyfile(source, os.path.join(out, name))
    with open(os.path.join(CLIP_TOKENIZER_DIR, 'tokenizer.json'), encoding='utf-8') as f:
        tokenizer = json.load(f)
    with open(os.path.join(out, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer, f, ensure_ascii=False, separators=(',', ':'))
    with open(CLIP_CONFIG, encoding='utf-8') as f:
        config = json.load(f)
    config['_name_or_path'] = CLIP_ID
    config['projection_dim'] = c['projection']
    config['text_config'].update(hidden_size=c['text_width'], intermediate_size=c['text_mlp'],
                                 num_attention_heads=c['text_heads'], num_hidden_layers=c['text_layers'],
                                 projection_dim=c['projection'])
    config['vision_config'].update(hidden_size=c['vision_width'], intermediate_size=c['vision_mlp'],
                                   num_attention_heads=c['vision_heads'], num_hidden_layers=c['vision_layers'],
                                   projection_dim=c['projection'])
    config['cuecast_fixture'] = 'tiny random-weight CLIP (scripts/models/make_fixture_models.py)'
    write_json(os.path.join(out, 'config.json'), config)

    torch.manual_seed(1)
    vision = ClipVision(c['vision_width'], c['vision_layers'], c['vision_heads'], c['vision_mlp'], c['patch'],
                        c['image'], c['projection'])
    export_pair(vision, (torch.randn(2, 3, c['image'], c['image']),), onnx_dir, 'vision_model',
                {'pixel_values': {0: 'batch_size'}}, 'image_embeds')
    torch.manual_seed(2)
    text = ClipText(c['vocab'], c['context'], c['text_width'], c['text_layers'], c['text_heads'], c['text_mlp'],
                    c['projection'], embed_factor=c['embed_factor'])
    ids = torch.tensor([[49406, 320, 1125, 539, 49407, 49407], [49406, 320, 2368, 539, 320, 49407]])
    export_pair(text, (ids, torch.ones_like(ids)), onnx_dir, 'text_model',
                {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                 'attention_mask': {0: 'batch_size', 1: 'sequence_length'}}, 'text_embeds')


def make_clap(out: str) -> None:
    c = CLAP
    onnx_dir = os.path.join(out, 'onnx')
    os.makedirs(onnx_dir, exist_ok=True)
    with open(MUSICCAPS_CAPTIONS, encoding='utf-8') as f:
        captions = json.load(f)
    vocab, merges = train(captions, c['merges'])
    with open(os.path.join(out, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, separators=(',', ':'))
    write_json(os.path.join(out, 'tokenizer_config.json'), TOKENIZER_CONFIG)
    write_json(os.path.join(out, 'preprocessor_config.json'), CLAP_PREPROCESSOR)
    write_json(os.path.join(out, 'config.json'), {
        '_name_or_path': CLAP_ID,
        'architectures': ['ClapModel'],
        'model_type': 'clap',
        'projection_dim': c['projection'],
        'projection_hidden_act': 'relu',
        'logit_scale_init_value': 14.285714285714285,
        'audio_config': {
            'model_type': 'clap_audio_model', 'hidden_size': c['audio_width'], 'num_mel_bins': c['mels'],
            'patch_size': list(c['patch']), 'num_attention_heads': c['audio_heads'],
            'num_hidden_layers': c['audio_layers'], 'projection_dim': c['projection'], 'enable_fusion': False,
        },
        'text_config': {
            'model_type': 'clap_text_model', 'vocab_size': len(vocab), 'hidden_size': c['text_width'],
            'num_hidden_layers': c['text_layers'], 'num_attention_heads': c['text_heads'],
            'intermediate_size': c['text_mlp'], 'max_position_embeddings': c['positions'], 'pad_token_id': 1,
            'bos_token_id': 0, 'eos_token_id': 2, 'type_vocab_size': 1, 'projection_dim': c['projection'],
        },
        'cuecast_fixture': 'tiny random-weight CLAP (scripts/models/make_fixture_models.py)',
    })

    torch.manual_seed(3)
    audio = ClapAudio(c['mels'], c['audio_width'], c['audio_layers'], c['audio_heads'], c['audio_mlp'], c['patch'],
                      c['frames'], c['projection'])
    export_pair(audio, (torch.randn(2, 1, c['frames'], c['mels']) * 20 - 50,), onnx_dir, 'audio_model',
                {'input_features': {0: 'batch_size'}}, 'audio_embeds')
    torch.manual_seed(4)
    text = ClapText(len(vocab), c['positions'], c['text_width'], c['text_layers'], c['text_heads'], c['text_mlp'],
                    c['projection'])
    ids = torch.tensor([[0, 100, 200, 300, 2, 1], [0, 120, 220, 320, 420, 2]])
    export_pair(text, (ids, (ids != 1).to(torch.int64)), onnx_dir, 'text_model',
                {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                 'attention_mask': {0: 'batch_size', 1: 'sequence_length'}}, 'text_embeds')


def clean(path: str) -> None:
    if os.path.isdir(path):
        shutil.rmtree(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, 'tests', 'fixtures', 'models'))
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in ('clip', 'clap'):
        clean(os.path.join(args.out, name))
    print('clip:')
    make_clip(os.path.join(args.out, 'clip'))
    print('clap:')
    make_clap(os.path.join(args.out, 'clap'))


if __name__ == '__main__':
    main()
