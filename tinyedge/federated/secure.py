"""Secure aggregation: the server sees only the sum of the sampled clients' updates.

Two modes, both on Flower's simulation engine (Flower does the
orchestration; nothing here is a server or a transport of its own):

- `run_secagg`: Flower's SecAgg+ (client mod + server workflow), optionally
  with client-side clipping and server noise (differential privacy).
  Tolerates clients dropping out mid-protocol, up to the threshold.
- `run_he`: CKKS homomorphic encryption (TenSEAL). Clients encrypt, the
  server adds ciphertexts with a public-only context, and a key-holding
  client decrypts the sum. Costs (bytes, milliseconds) are measured.

    from tinyedge.federated.secure import run_secagg, run_he
    result = run_secagg(cfg, trainer, initial_weights, num_shares=3, reconstruction_threshold=2)
    result["weights"], result["history"], result["epsilon"]

Details, limits and the quantization bound in `secure_secagg` and `secure_he`.
"""

from __future__ import annotations

from . import secure_he as he
from . import secure_secagg as secagg
from .secure_he import (HeFedAvg, KeyHolder, decrypt_vector, encrypt_update, is_public_only, run_he,
                        sum_ciphertexts)
from .secure_secagg import (DropAfterKeySharing, PresetTrainer, Trainer, dp_noise_seed, run_secagg,
                            secagg_error_bound, secagg_on_updates, seeded_global_numpy)

__all__ = [
    "DropAfterKeySharing", "HeFedAvg", "KeyHolder", "PresetTrainer", "Trainer", "decrypt_vector",
    "dp_noise_seed", "encrypt_update", "he", "is_public_only", "run_he", "run_secagg", "secagg",
    "secagg_error_bound", "secagg_on_updates", "seeded_global_numpy", "sum_ciphertexts",
]
