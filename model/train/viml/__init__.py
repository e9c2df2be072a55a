"""ViML heads for cuecast: training, evaluation and ONNX export (see model/train/README.md)."""
