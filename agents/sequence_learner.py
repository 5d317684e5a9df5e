"""Supervised learning of sequence tasks by backpropagation through time (NTM, LSTM).

A :class:`SequenceLearner` wraps any causal model mapping inputs (T, B, in_dim) to output
logits (T, B, out_dim). One update draws a batch from the data source
(:class:`rlntm.supervised.SequenceData`), scores it and takes one optimiser step:

- bit tasks: sigmoid outputs, binary cross-entropy summed over the scored bits;
- symbol tasks: softmax over the symbols, cross-entropy at the scored steps;

the loss is the mean cross-entropy per scored output (bit or symbol), the reported cost the
sum per sequence in bits. Gradients are clipped by norm. A NaN or Inf in the loss or the
gradients stops training with :class:`NonFiniteError` *before* the optimiser step, so the
weights stay as they were and the trainer's last checkpoint is never overwritten by a
poisoned state. On a GPU, ``cuda_graph`` replays the forward pass, backward pass and clipping
from CUDA graphs (:mod:`agents.cuda_graphs`). With ``average_decay`` the learner also keeps an
exponential moving average of the weights (Polyak averaging, torch's ``AveragedModel``), and
evaluation, tables and traces use it. With ``select_every`` it keeps the weights that scored
best on a fixed validation set (early stopping by validation, checked every ``select_every``
updates), and evaluation uses those: the validation instances come from their own seed
(:data:`rlntm.supervised.VALIDATION_SEED`), never from the training stream or a test set, so
the training is the same run with or without it and every held-out figure stays held out.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from agents.base import Agent, NonFiniteError
from agents.cuda_graphs import GraphedStep, require_cuda
from envs.sequences import SequenceBatch
from rlntm.curricula import EpisodeStats


@dataclass
class LearnerConfig:
    """Optimisation settings shared by the sequence models (those of the LSTM baseline; the
    NTM sets its own measured ones in :class:`agents.ntm.NTMConfig`)."""

    optimizer: str = "adam"  #: "adam" or "rmsprop" (centred, momentum 0.9: the NTM paper's)
    lr: float = 3e-3  #: learning rate
    #: RMSProp's decay of its squared-gradient averages (PyTorch's default; Graves 2013: 0.95)
    rmsprop_alpha: float = 0.99
    #: RMSProp's epsilon, added to the root of the centred variance (PyTorch's default). Graves
    #: (2013) adds 1e-4 under the root, for a loss summed over the sequence; ours is a mean
    rmsprop_eps: float = 1e-8
    batch_size: int = 8  #: sequences per update (small batches: more updates per sequence)
    #: gradient-norm clip (Collier and Beel 2018: 50). The loss is the mean per scored output,
    #: so typical norms are 0.01 to 1
    grad_clip: float = 50.0
    #: once the running training cost (bits per sequence, an exponential average over about
    #: 100 updates) falls under this, the lr is multiplied by ``anneal_factor``, once: a
    #: smaller step after the model has found the solution; 0: never
    anneal_below: float = 0.0
    anneal_factor: float = 0.3  #: the lr's factor at each anneal
    #: how many anneals: the k-th (k = 1, 2, ...) comes the first time the running cost falls
    #: under ``anneal_below * anneal_factor ** (k - 1)``, so the lr follows the cost down
    anneal_times: int = 1
    #: Polyak averaging: the weights evaluated (held-out checks, tables, traces) are an
    #: exponential moving average of the trained ones, this decay per update; 0: the trained
    #: weights themselves
    average_decay: float = 0.0
    #: every this many updates, score the weights evaluation would use (the trained ones or
    #: their average) on ``select_size`` fixed validation instances of the training lengths,
    #: and keep a copy of those with the lowest cost so far; evaluation (held-out checks,
    #: tables, traces) then uses the copy: early stopping by validation. 0: never
    select_every: int = 0
    select_size: int = 500  #: validation instances (``select_every``)
    #: replay forward, backward and clipping from CUDA graphs, one per batch shape
    #: (:mod:`agents.cuda_graphs`; device cuda only): same arithmetic, far fewer launches
    cuda_graph: bool = False

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "rmsprop"):
            raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {self.optimizer!r}")
        if not 0 < self.rmsprop_alpha < 1 or self.rmsprop_eps <= 0:
            raise ValueError("rmsprop_alpha must be in (0, 1) and rmsprop_eps > 0")
        if self.lr <= 0 or self.batch_size < 1 or self.grad_clip <= 0:
            raise ValueError("lr and grad_clip must be > 0 and batch_size >= 1")
        if self.anneal_below < 0 or not 0 < self.anneal_factor <= 1 or self.anneal_times < 1:
            raise ValueError(
                "anneal_below must be >= 0, anneal_factor in (0, 1] and anneal_times >= 1"
            )
        if not 0 <= self.average_decay < 1:
            raise ValueError(f"average_decay must be in [0, 1), got {self.average_decay}")
        if self.select_every < 0 or self.select_size < 1:
            raise ValueError(
                f"select_every must be >= 0 and select_size >= 1, got {self.select_every} "
                f"and {self.select_size}"
            )


class SequenceLearner(Agent):
    """Trains ``model`` on a sequence task by backpropagation through time.

    Args:
        model: maps inputs (T, B, in_dim) to logits (T, B, out_dim).
        config: optimisation settings (the model's own config, a :class:`LearnerConfig`).
        categorical: outputs are one symbol a step (softmax) rather than bits (sigmoids).
        device: where the model runs.
    """

    #: saved in checkpoints beside the weights (``cost_average``: the running training cost
    #: the anneal watches; ``anneals``: how many times the lr has been multiplied)
    counters = ("updates", "sequences", "cost_average", "anneals")
    cost_decay = 0.99  #: the running cost's weight on its previous value (about 100 updates)

    def __init__(
        self, model: nn.Module, config: LearnerConfig, categorical: bool, device: str = "cpu"
    ) -> None:
        self.config = config
        self.categorical = categorical
        self.device = torch.device(device)
        if config.cuda_graph:
            require_cuda(self.device)
        self.model = model.to(self.device)
        if config.optimizer == "adam":
            self.optimizer: torch.optim.Optimizer = torch.optim.Adam(
                model.parameters(), lr=config.lr
            )
        else:
            self.optimizer = torch.optim.RMSprop(
                model.parameters(),
                lr=config.lr,
                alpha=config.rmsprop_alpha,
                eps=config.rmsprop_eps,
                momentum=0.9,
                centered=True,
            )
        self.updates = 0
        self.sequences = 0
        self.cost_average: float | None = None
        self.anneals = 0
        #: the exponential moving average of the weights that evaluation uses, or None
        self.average = (
            AveragedModel(
                self.model,
                multi_avg_fn=get_ema_multi_avg_fn(config.average_decay),
                use_buffers=True,
            )
            if config.average_decay
            else None
        )
        #: the weights with the lowest validation cost so far (``select_every``), and that cost
        self.selected: nn.Module | None = None
        self.selected_bits = math.inf
        self.gradients = (
            GraphedStep(self.gradients_of, self.model) if config.cuda_graph else self.gradients_of
        )

    # ----------------------------------------------------------------------------- scoring
    def tensors(self, batch: SequenceBatch) -> dict[str, torch.Tensor]:
        """The batch's inputs (T, B, in), targets (T, B, out) and mask (T, B) on the device."""
        return {
            name: torch.as_tensor(getattr(batch, name), device=self.device)
            for name in ("inputs", "targets", "mask")
        }

    def score(self, logits: torch.Tensor, b: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Cross-entropy and correctness of ``logits`` (T, B, out) against the batch ``b``.

        Returns ``nats`` (T, B) cross-entropy per step (0 where not scored), ``outputs`` (T, B)
        scored outputs per step (bits or 1 symbol) and ``correct`` (T, B) bool, every output
        of a scored step right (False where not scored).
        """
        mask, targets = b["mask"], b["targets"]
        if self.categorical:
            symbols = targets.argmax(-1)  # (T, B)
            nats = nn.functional.cross_entropy(
                logits.flatten(0, 1), symbols.flatten(), reduction="none"
            ).view_as(symbols)  # (T, B)
            right = logits.argmax(-1) == symbols  # (T, B)
            per_step = 1
        else:
            nats = nn.functional.binary_cross_entropy_with_logits(
                logits, targets, reduction="none"
            ).sum(-1)  # (T, B)
            right = ((logits > 0) == (targets > 0.5)).all(-1)  # (T, B)
            per_step = targets.shape[-1]
        return {
            "nats": nats * mask,
            "outputs": mask * per_step,
            "correct": right & mask,
        }

    @staticmethod
    def summary(s: dict[str, torch.Tensor], mask: torch.Tensor) -> dict[str, np.ndarray]:
        """Per-sequence results (B,): ``bits``, ``scored`` steps, ``correct`` steps, ``solved``."""
        bits = (s["nats"].sum(0) / math.log(2)).detach().cpu().numpy()
        scored = mask.sum(0).cpu().numpy()
        correct = s["correct"].sum(0).cpu().numpy()
        return {"bits": bits, "scored": scored, "correct": correct, "solved": correct == scored}

    @property
    def current(self) -> nn.Module:
        """The weights as trained so far: the moving average when ``average_decay`` is set."""
        return self.model if self.average is None else self.average.module

    @property
    def evaluated(self) -> nn.Module:
        """The weights evaluation uses: those selected by validation (``select_every``) once
        a check has run, else :attr:`current`."""
        return self.current if self.selected is None else self.selected

    @torch.no_grad()
    def evaluate_batch(
        self, batch: SequenceBatch, model: nn.Module | None = None
    ) -> dict[str, np.ndarray]:
        """Per-sequence results of ``model`` (default: the evaluated one) on ``batch`` (see
        :meth:`summary`)."""
        model = (self.evaluated if model is None else model).eval()
        b = self.tensors(batch)
        result = self.summary(self.score(model(b["inputs"]), b), b["mask"])
        self.model.train()
        return result

    @torch.no_grad()
    def trace(self, batch: SequenceBatch) -> dict[str, np.ndarray]:
        """What the model does on the first instance of ``batch``, for pictures.

        Returns ``inputs`` (T, in_dim), ``targets`` (T, out_dim), ``outputs`` (T, out_dim)
        probabilities, ``mask`` (T,), and for the NTM ``read_weights`` (T, R, N) and
        ``write_weights`` (T, W, N).
        """
        model = self.evaluated.eval()
        b = self.tensors(batch)
        logits, recorded = model.run(b["inputs"][:, :1], record=True)
        self.model.train()
        probs = torch.softmax(logits, -1) if self.categorical else torch.sigmoid(logits)
        out = {"inputs": b["inputs"][:, 0], "targets": b["targets"][:, 0], "outputs": probs[:, 0]}
        out["mask"] = b["mask"][:, 0]
        out.update({name: value[:, 0] for name, value in recorded.items()})
        return {name: value.cpu().numpy() for name, value in out.items()}

    # ----------------------------------------------------------------------------- learning
    def gradients_of(self, b: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Forward and backward on the batch ``b``, gradients clipped by norm into ``.grad``.

        Returns :meth:`score`'s tensors, the ``loss`` and the gradient ``norm`` before
        clipping. Never synchronises with the host (so CUDA graphs can capture it).
        """
        s = self.score(self.model(b["inputs"]), b)
        loss = s["nats"].sum() / s["outputs"].sum().clamp(min=1)
        self.optimizer.zero_grad(set_to_none=False)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        return {**s, "loss": loss, "norm": norm}

    def update(self, data: Any) -> dict[str, Any]:
        """One batch from ``data`` (a :class:`rlntm.supervised.SequenceData`), one step."""
        batch: SequenceBatch = data.next_batch()
        b = self.tensors(batch)
        s = self.gradients(b)
        loss, norm = s["loss"], s["norm"]
        self._check_finite(loss, "loss")
        self._check_finite(norm, "gradient norm")
        self.optimizer.step()
        if self.average is not None:
            self.average.update_parameters(self.model)
        self.updates += 1
        self.sequences += len(batch)
        r = self.summary(s, b["mask"])
        bits = float(r["bits"].mean())
        self._anneal(bits)
        metrics = {
            "train/loss": loss.item(),
            "train/bits_per_sequence": bits,
            "train/grad_norm": float(norm),
            "train/lr": self.optimizer.param_groups[0]["lr"],
            "train/sequences": self.sequences,
            "rollout/steps": int(batch.steps.sum()),
            "rollout/sequence_accuracy": float(r["solved"].mean()),
            "rollout/symbol_accuracy": float(r["correct"].sum() / max(r["scored"].sum(), 1)),
            "episodes": EpisodeStats(batch.length, r["scored"], r["correct"], -r["bits"]),
        }
        if batch.reference_bits is not None:
            metrics["train/reference_bits_per_sequence"] = float(batch.reference_bits.mean())
        if self.config.select_every and self.updates % self.config.select_every == 0:
            metrics["train/validation_bits_per_sequence"] = self._select(data)
            metrics["train/selected_bits_per_sequence"] = self.selected_bits
        return metrics

    def _select(self, data: Any) -> float:
        """Score :attr:`current` on ``data``'s validation instances; keep a copy of it if it
        beats the selected weights. Returns its cost (bits per sequence)."""
        batch = data.validation_batch(self.config.select_size)
        bits = float(self.evaluate_batch(batch, self.current)["bits"].mean())
        if bits < self.selected_bits:
            self._keep(self.current.state_dict(), bits)
        return bits

    def _keep(self, weights: dict[str, torch.Tensor], bits: float) -> None:
        """Make ``weights`` (a state dict of :attr:`current`'s shape) the selected ones."""
        if self.selected is None:
            self.selected = copy.deepcopy(self.current).requires_grad_(False)
        self.selected.load_state_dict(weights)
        self.selected_bits = bits

    def state_dict(self) -> dict[str, Any]:
        """The :class:`agents.base.Agent` state, plus the averaged and the selected weights
        where kept."""
        state = super().state_dict()
        if self.average is not None:
            state["average"] = self.average.state_dict()
        if self.selected is not None:
            state["selected"] = {"bits": self.selected_bits, "model": self.selected.state_dict()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (ValueError if saved with another config)."""
        super().load_state_dict(state)
        if "anneals" not in state:  # saved when there was at most one anneal, as a flag
            self.anneals = int(state.get("annealed", False))
        if self.average is not None:
            self.average.load_state_dict(state["average"])
        if "selected" in state:
            self._keep(state["selected"]["model"], state["selected"]["bits"])

    @property
    def annealed(self) -> bool:
        """The lr has been multiplied at least once: the running cost has been under
        ``anneal_below``."""
        return self.anneals > 0

    @property
    def past_start(self) -> bool:
        """Whether this attempt has left its starting plateau: it has annealed (always True
        without an anneal threshold). Restarts give up attempts that have not."""
        return self.annealed or not self.config.anneal_below

    def _anneal(self, bits: float) -> None:
        """Track the running training cost; multiply the lr by ``anneal_factor`` the first
        time it falls under each of the ``anneal_times`` thresholds in turn."""
        average = self.cost_average
        self.cost_average = (
            bits if average is None else self.cost_decay * average + (1 - self.cost_decay) * bits
        )
        config = self.config
        if self.anneals >= config.anneal_times:
            return
        threshold = config.anneal_below * config.anneal_factor**self.anneals
        if self.cost_average >= threshold:
            return
        for group in self.optimizer.param_groups:
            group["lr"] *= config.anneal_factor
        self.anneals += 1

    def _check_finite(self, value: torch.Tensor, what: str) -> None:
        """Raise :class:`NonFiniteError` if ``value`` is NaN or Inf."""
        if not torch.isfinite(value).all():
            raise NonFiniteError(
                f"the {what} is {value.item()} at update {self.updates + 1} (after "
                f"{self.sequences} training sequences); stopped before the optimiser step, so "
                "the last checkpoint is intact. Resume it with a lower lr or grad_clip."
            )


__all__ = ["LearnerConfig", "NonFiniteError", "SequenceLearner"]
