"""Dynamic int8 quantization of an ONNX graph, written with the `onnx` library.

onnxruntime's Python quantizer is not installable here, so this does what its `quantize_dynamic`
does for the ops that matter in transformers:
  - MatMul / Gemm with a constant 2-D weight: the activation goes through DynamicQuantizeLinear (uint8,
    per tensor, computed at run time), the weight is stored as symmetric int8 (per tensor), and
    MatMulInteger + Cast + Mul(scale_a * scale_w) (+ bias for Gemm) replace the float product.
  - Gather from a constant table (token embeddings): the table is stored as int8 and the gathered
    rows go through DequantizeLinear.
Convolutions stay float (as with quantize_dynamic's default op types for these models).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _symmetric_int8(weight: np.ndarray) -> tuple[np.ndarray, np.float32]:
    scale = np.float32(max(float(np.abs(weight).max()), 1e-8) / 127.0)
    q = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_dynamic(src: str, dst: str) -> dict:
    model = onnx.load(src)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1

    new_nodes = []
    new_inits = []
    dropped = set()
    counts = {'MatMul': 0, 'Gemm': 0, 'Gather': 0}

    for i, node in enumerate(graph.node):
        tag = f'q{i}'
        if node.op_type in ('MatMul', 'Gemm') and len(node.input) >= 2 and node.input[1] in inits:
            weight = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if weight.ndim != 2 or attrs.get('transA', 0) or attrs.get('alpha', 1.0) != 1.0 or attrs.get('beta', 1.0) != 1.0:
                new_nodes.append(node)
                continue
            if node.op_type == 'Gemm' and attrs.get('transB', 0):
                weight = weight.T
            q, scale = _symmetric_int8(weight)
            w_name, ws_name, wz_name = f'{tag}_w', f'{tag}_w_scale', f'{tag}_w_zp'
            new_inits += [
                numpy_helper.from_array(q, w_name),
                numpy_helper.from_array(np.array(scale, dtype=np.float32), ws_name),
                numpy_helper.from_array(np.array(0, dtype=np.int8), wz_name),
            ]
            if uses.get(node.input[1], 0) == 1:
                dropped.add(node.input[1])
            a = node.input[0]
            out = node.output[0]
            product = f'{tag}_float' if node.op_type == 'Gemm' and len(node.input) > 2 else out
            new_nodes += [
                helper.make_node('DynamicQuantizeLinear', [a], [f'{tag}_a', f'{tag}_a_scale', f'{tag}_a_zp'], name=f'{tag}_dql'),
                helper.make_node('MatMulInteger', [f'{tag}_a', w_name, f'{tag}_a_zp', wz_name], [f'{tag}_int'], name=f'{tag}_mmi'),
                helper.make_node('Cast', [f'{tag}_int'], [f'{tag}_cast'], to=TensorProto.FLOAT, name=f'{tag}_cast'),
                helper.make_node('Mul', [f'{tag}_a_scale', ws_name], [f'{tag}_scale'], name=f'{tag}_scale_mul'),
                helper.make_node('Mul', [f'{tag}_cast', f'{tag}_scale'], [product], name=f'{tag}_mul'),
            ]
            if product != out:
                new_nodes.append(helper.make_node('Add', [product, node.input[2]], [out], name=f'{tag}_bias'))
            counts[node.op_type] += 1
        elif node.op_type == 'Gather' and node.input[0] in inits:
            table = numpy_helper.to_array(inits[node.input[0]])
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if table.dtype != np.float32 or table.ndim != 2 or attrs.get('axis', 0) != 0 or table.size < 4096:
                new_nodes.append(node)
                continue
            q, scale = _symmetric_int8(table)
            t_name = f'{tag}_table'
            new_inits += [
                numpy_helper.from_array(q, t_name),
                numpy_helper.from_array(np.array(scale, dtype=np.float32), f'{tag}_t_scale'),
                numpy_helper.from_array(np.array(0, dtype=np.int8), f'{tag}_t_zp'),
            ]
            if uses.get(node.input[0], 0) == 1:
                dropped.add(node.input[0])
            new_nodes += [
                helper.make_node('Gather', [t_name, node.input[1]], [f'{tag}_rows'], axis=0, name=f'{tag}_gather'),
                helper.make_node('DequantizeLinear', [f'{tag}_rows', f'{tag}_t_scale', f'{tag}_t_zp'], [node.output[0]], name=f'{tag}_dq'),
            ]
            counts['Gather'] += 1
        else:
            new_nodes.append(node)

    kept = [t for t in graph.initializer if t.name not in dropped]
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return counts
