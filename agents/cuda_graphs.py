"""Replaying a training computation as CUDA graphs, one per input shape.

On a GPU, one NTM update at length 20 launches thousands of small kernels (about 60 tensor
operations a step forward, twice that backward, 41 steps), and eager PyTorch pays its Python
and dispatch overhead for each: 150-185 ms an update on an H100 whatever the batch, up to
batch 1024 (docs/ntm.md). A CUDA graph records those launches once and replays them with one
call. Following PyTorch's whole-network capture recipe (CUDA semantics, "CUDA Graphs"):

- the computation is warmed up on a side stream (lazy initialisation, such as that stream's
  cuBLAS workspace, stays out of the capture), then captured on the same stream into a graph
  whose inputs are static tensors; each call copies the batch into them and replays;
- gradients accumulate into ``.grad`` tensors allocated before the first capture, so every
  graph writes the same tensors and the (eager) optimiser step reads them;
- every graph draws its temporaries from one shared memory pool: the graphs never run at the
  same time, and each call's outputs are read before the next replay.

A graph is a fixed sequence of kernels over fixed shapes: a new sequence length (or batch size)
is a new capture, so training over lengths 1-20 captures up to 41 graphs in its first updates.
Nothing inside may synchronise with the host (``.item()``, data-dependent Python branches):
:func:`agents.addressing.assert_distribution` is skipped while capturing, and the finiteness
checks run on the outputs after the replay.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import torch
from torch import nn

#: side-stream iterations before a capture (the recipe's warm-up)
WARMUP = 2

Batch = dict[str, torch.Tensor]


def require_cuda(device: str | torch.device) -> None:
    """Raise ``ValueError`` unless ``device`` is a CUDA device: CUDA graphs need one."""
    if torch.device(device).type != "cuda":
        raise ValueError(f"cuda_graph needs a CUDA device (--device cuda), got {str(device)!r}")


class GraphedStep:
    """``fn(batch) -> outputs`` replayed from a CUDA graph captured per input shape.

    Args:
        fn: the computation; reads only the tensors of its batch (and module state), returns a
            dict of tensors. It must not synchronise with the host.
        model: the module whose parameters ``fn`` differentiates; their ``.grad`` tensors are
            allocated before the first capture.
    """

    def __init__(self, fn: Callable[[Batch], Batch], model: nn.Module) -> None:
        self.fn = fn
        self.model = model
        self.pool = torch.cuda.graph_pool_handle()
        #: warm-ups and captures run on this stream (its cuBLAS workspace made before capture)
        self.stream = torch.cuda.Stream()
        #: per input shapes: (graph, static inputs, static outputs)
        self.graphs: dict[tuple, tuple[torch.cuda.CUDAGraph, Batch, Batch]] = {}

    def __call__(self, batch: Batch) -> Batch:
        """Copy ``batch`` into the static inputs of its shape's graph (captured on first
        sight), replay it, return its static outputs (overwritten by the next call)."""
        key = tuple((name, tuple(t.shape), t.dtype) for name, t in sorted(batch.items()))
        if key not in self.graphs:
            self.graphs[key] = self.capture(batch)
        graph, inputs, outputs = self.graphs[key]
        for name, tensor in batch.items():
            inputs[name].copy_(tensor)
        graph.replay()
        return outputs

    def capture(self, batch: Batch) -> tuple[torch.cuda.CUDAGraph, Batch, Batch]:
        """Warm ``fn`` up on a side stream, then capture it over static copies of ``batch``."""
        for p in self.model.parameters():
            if p.grad is None:
                p.grad = torch.zeros_like(p)  # outside the graphs' pool: shared by every graph
        inputs = {name: tensor.clone() for name, tensor in batch.items()}
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            for _ in range(WARMUP):
                self.fn(inputs)
        torch.cuda.current_stream().wait_stream(self.stream)
        # Freeing device memory during a capture is refused, so it happens before: the
        # garbage collector destroys unreachable graphs (a dropped learner and its graphs form
        # a reference cycle) and stays off until the capture ends; the warm-up's cached blocks
        # go back to the device, for the capture draws its own from the graphs' pool (both
        # did not fit on an H100 at batch 16384)
        gc.collect()
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        graph = torch.cuda.CUDAGraph()
        collecting = gc.isenabled()
        gc.disable()
        try:
            # thread_local: autograd runs the backward pass of CUDA tensors on its own worker
            # thread, whose allocations a global-mode capture refuses (seen on an H100 from
            # batch 1024, and for cuDNN's LSTM)
            with torch.cuda.graph(
                graph, pool=self.pool, stream=self.stream, capture_error_mode="thread_local"
            ):
                outputs = self.fn(inputs)
        finally:
            if collecting:
                gc.enable()
        return graph, inputs, outputs


__all__ = ["GraphedStep", "require_cuda"]
