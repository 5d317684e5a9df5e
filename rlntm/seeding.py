"""Seeding and random-number-generator state: one place for every source of randomness.

A run is reproducible when every random draw comes from a generator whose seed (or saved state)
is known. Three global generators matter here: Python's :mod:`random`, numpy's legacy global
RNG (``np.random.*``) and torch's default generators (CPU, plus one per CUDA device). Agents and
environments should prefer their own :class:`numpy.random.Generator` (the environments draw from
``self.np_random``); :func:`generator_state` and :func:`set_generator_state` save and restore
those.

Typical use (CleanRL's seeding block, written once)::

    seed_everything(args.seed, deterministic=args.torch_deterministic)
    ...
    state = {"rng": capture_rng_state(), "agent_rng": generator_state(agent.rng), ...}
    save_checkpoint(path, state, meta)          # rlntm.checkpoints
    ...
    restore_rng_state(state["rng"])
    set_generator_state(agent.rng, state["agent_rng"])

Every state returned here is made of plain Python objects, numpy arrays and CPU tensors, so it
round-trips through ``torch.save`` / ``torch.load(..., weights_only=False)``.
"""

from __future__ import annotations

import copy
import os
import random
from typing import Any

import numpy as np
import torch

__all__ = [
    "capture_rng_state",
    "generator_state",
    "restore_rng_state",
    "seed_everything",
    "set_generator_state",
]

_RNG_KEYS = ("python", "numpy", "torch", "torch_cuda")


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python's ``random``, numpy's global RNG and torch (CPU and every CUDA device).

    Args:
        seed: the seed, an integer >= 0 (numpy's legacy global RNG accepts at most 2**32 - 1).
        deterministic: if True, also ask torch for deterministic algorithms
            (``torch.use_deterministic_algorithms(True, warn_only=True)``: an operation without
            a deterministic implementation warns rather than raises), set
            ``torch.backends.cudnn.deterministic = True`` and ``benchmark = False``, and set
            ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` unless it is already set (cuBLAS reads it at
            its first use, so seed before creating any CUDA tensor). If False, deterministic
            algorithms and cudnn's deterministic flag are switched off; ``benchmark`` is left
            as it is.

    Raises:
        ValueError: if ``seed`` is negative or too large for numpy's global RNG.
    """
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    else:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False


def attempt_seed(seed: int, attempt: int) -> int:
    """The seed of a run's ``attempt``-th restart (0: the run's own ``seed``); distinct
    attempts of one run, and attempts of nearby seeds, draw unrelated streams."""
    if attempt == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(attempt)]).generate_state(1)[0])


def capture_rng_state() -> dict[str, Any]:
    """The state of every global generator, to save in a checkpoint.

    Returns:
        ``{"python": random.getstate(), "numpy": np.random.get_state(legacy=False),
        "torch": CPU ByteTensor, "torch_cuda": list of ByteTensors (one per CUDA device) or
        None when CUDA is not available}``.
    """
    return {
        "python": random.getstate(),
        "numpy": np.random.get_state(legacy=False),
        "torch": torch.get_rng_state(),
        "torch_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put every global generator back in the state :func:`capture_rng_state` returned.

    The CUDA states are restored only where CUDA is available, and only for as many devices as
    both the saved state and this machine have: a checkpoint written on a GPU machine resumes
    on a CPU-only machine (the CUDA states are skipped, silently), and one written on a
    CPU-only machine leaves the CUDA generators as they are.

    Args:
        state: a dict from :func:`capture_rng_state`, possibly after a torch.save/torch.load
            round trip (tensors loaded onto any device are moved back to the CPU).

    Raises:
        ValueError: if ``state`` lacks the ``python``, ``numpy`` or ``torch`` entry.
    """
    missing = [key for key in _RNG_KEYS[:3] if key not in state]
    if missing:
        raise ValueError(f"RNG state lacks {missing}; expected the keys {list(_RNG_KEYS)}")
    random.setstate(_as_tuple(state["python"]))
    np.random.set_state(state["numpy"])
    torch.set_rng_state(torch.as_tensor(state["torch"], dtype=torch.uint8).cpu())
    cuda_states = state.get("torch_cuda")
    if cuda_states and torch.cuda.is_available():
        for device in range(min(len(cuda_states), torch.cuda.device_count())):
            torch.cuda.set_rng_state(cuda_states[device].cpu(), device)


def generator_state(gen: np.random.Generator) -> dict[str, Any]:
    """A copy of a numpy Generator's state (``gen.bit_generator.state``), safe to save.

    Args:
        gen: the generator.

    Returns:
        A deep copy of the bit generator's state dict (later draws do not change it).
    """
    return copy.deepcopy(gen.bit_generator.state)


def set_generator_state(gen: np.random.Generator, state: dict[str, Any]) -> None:
    """Put a numpy Generator back in a state from :func:`generator_state`.

    Args:
        gen: the generator to restore, in place; its bit generator must be of the same kind as
            the one the state was taken from (numpy raises ValueError otherwise).
        state: the saved state.
    """
    gen.bit_generator.state = copy.deepcopy(state)


def _as_tuple(value: Any) -> Any:
    """Python's random state is nested tuples; a JSON or list round trip turns them into lists."""
    if isinstance(value, list | tuple):
        return tuple(_as_tuple(item) for item in value)
    return value
